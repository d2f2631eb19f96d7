//! Metadata and structure of the real reports, checked through
//! `baogao reports --json`: the seed table of issue #2, the real-corpus
//! MANIFEST (≥95%) and a generated corpus (≥99%).

use std::collections::HashMap;
use std::process::Command;

use serde_json::Value;

use crate::util::{json_lines, on_bundled, root, Env};

fn reports_by_path(out: &str) -> HashMap<String, Value> {
    json_lines(out)
        .into_iter()
        .map(|(t, d)| {
            assert_eq!(t, "report");
            (d["path"].as_str().unwrap().to_string(), d)
        })
        .collect()
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Section kinds in order, `other` left out, multi-kind joined with `+`.
fn kinds(d: &Value) -> Vec<String> {
    d["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("+")
        })
        .filter(|k| k != "other")
        .collect()
}

/// seed, province, city, county, township, year, published, sections.
type SeedRow = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    i64,
    Option<&'static str>,
    &'static str,
);

#[test]
fn seed_table() {
    let (_, out, _) = on_bundled(&["reports", "--json"]);
    let reports = reports_by_path(&out);
    #[rustfmt::skip]
    let table: [SeedRow; 5] = [
        ("000", "四川省", Some("达州市"), "渠县", "有庆镇", 2024, Some("2025-03-26"), "measures,shortcomings,responsibility,plans"),
        ("001", "浙江省", Some("嘉兴市"), "桐乡市", "濮院镇", 2022, Some("2023-02-20"), "measures,shortcomings,responsibility,plans"),
        ("002", "湖南省", Some("邵阳市"), "武冈市", "荆竹铺镇", 2023, None, "measures,shortcomings,plans"),
        ("003", "重庆市", None, "万州区", "燕山乡", 2020, None, "measures,responsibility,shortcomings+plans"),
        ("004", "重庆市", None, "云阳县", "巴阳镇", 2023, Some("2024-01-31"), "measures,responsibility,shortcomings,plans"),
    ];
    for (seed, province, city, county, township, year, published, sections) in table {
        let (_, d) = reports.iter().find(|(p, _)| p.starts_with(&format!("{seed}_"))).expect(seed);
        assert_eq!(s(&d["province"]), Some(province), "{seed}");
        assert_eq!(s(&d["city"]), city, "{seed}");
        assert_eq!(s(&d["county"]), Some(county), "{seed}");
        assert_eq!(s(&d["township"]), Some(township), "{seed}");
        assert_eq!(s(&d["level"]), Some("township"), "{seed}");
        assert_eq!(d["year"].as_i64(), Some(year), "{seed}");
        assert_eq!(s(&d["published"]), published, "{seed}");
        assert_eq!(kinds(d).join(","), sections, "{seed}");
    }
}

#[test]
fn real_corpus_matches_its_manifest() {
    let (_, out, _) = on_bundled(&["reports", "--json"]);
    let reports = reports_by_path(&out);
    let manifest = std::fs::read_to_string(root().join("corpus/MANIFEST.tsv")).unwrap();
    let (mut total, mut ok, mut bad) = (0, 0, Vec::new());
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, level, locality, year) = (cols[0], cols[5], cols[6], cols[7]);
        if file.starts_with("encodings-raw/") {
            continue; // duplicates of the Hailar reports, skipped as such
        }
        total += 1;
        let Some(d) = reports.get(file) else {
            bad.push(format!("{file}: not indexed"));
            continue;
        };
        let got_locality: String = if s(&d["level"]) == Some("national") {
            "中国（国务院）".into()
        } else {
            ["province", "city", "county", "township"].iter().filter_map(|k| s(&d[*k])).collect()
        };
        let same = s(&d["level"]) == Some(level)
            && d["year"].as_i64().map(|y| y.to_string()).as_deref() == Some(year)
            && got_locality == locality;
        if same {
            ok += 1;
        } else {
            bad.push(format!("{file}: {:?} {:?} {got_locality}", d["level"], d["year"]));
        }
    }
    assert!(total >= 65);
    assert!(ok * 100 >= total * 95, "{ok}/{total} match; mismatches:\n{}", bad.join("\n"));
}

#[test]
fn duplicates_of_the_gb18030_originals_are_skipped() {
    let (index, corpus) = crate::util::bundled();
    let env = Env::new();
    let _ = env;
    let (code, out, _) =
        crate::util::run(crate::util::baogao(index, corpus).args(["reports", "--json"]));
    assert_eq!(code, 0);
    assert!(!out.contains("encodings-raw/"), "GB18030 originals are duplicates");
}

/// gen-corpus with `--mix`: every `skip` file is skipped, ≥99% of the
/// others get the MANIFEST's township, county, province and year.
#[test]
fn generated_corpus_metadata() {
    generated_corpus_check(&["--seed", "11"]);
}

/// The same with `--flat`: neutral file names (`P0202403….txt`) in one
/// folder, so that only the text tells the place and the year.
#[test]
fn generated_corpus_with_neutral_names() {
    generated_corpus_check(&["--seed", "13", "--flat"]);
}

fn generated_corpus_check(args: &[&str]) {
    let env = Env::new();
    let status = Command::new("python3")
        .arg(root().join("tools/gen-corpus"))
        .args(["--reports", "300", "--mix", "--out"])
        .arg(env.corpus())
        .args(args)
        .status()
        .expect("python3 runs tools/gen-corpus");
    assert!(status.success());
    let (code, out, err) = env.run(&["index", "--json"]);
    assert_eq!(code, 0, "{err}");
    let skipped: Vec<String> = json_lines(&out)
        .into_iter()
        .filter(|(t, _)| t == "skipped")
        .map(|(_, d)| d["path"].as_str().unwrap().to_string())
        .collect();
    let (_, out, _) = env.run(&["reports", "--json"]);
    let reports = reports_by_path(&out);
    let manifest = std::fs::read_to_string(env.corpus().join("MANIFEST.tsv")).unwrap();
    let (mut total, mut ok, mut bad) = (0, 0, Vec::new());
    for line in manifest.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let (file, status, township, county, city, province, year) =
            (c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
        if status == "skip" {
            assert!(skipped.iter().any(|p| p == file), "{file} should be skipped");
            continue;
        }
        total += 1;
        match reports.get(file) {
            Some(d)
                if s(&d["township"]) == Some(township)
                    && s(&d["county"]) == Some(county)
                    && s(&d["city"]) == Some(city).filter(|c| !c.is_empty())
                    && s(&d["province"]) == Some(province)
                    && s(&d["level"]) == Some("township")
                    && d["year"].as_i64().map(|y| y.to_string()).as_deref() == Some(year) =>
            {
                ok += 1
            }
            Some(d) => bad.push(format!(
                "{file}: {:?} {:?} {:?} {:?}",
                d["province"], d["county"], d["township"], d["year"]
            )),
            None => bad.push(format!("{file}: not indexed")),
        }
    }
    assert!(ok * 100 >= total * 99, "{ok}/{total}:\n{}", bad.join("\n"));
}

// ------------------------------------------------------------ issue #8

/// The truth of one report of a MANIFEST.tsv: level, locality (the names
/// run together, `›` or not), year.
struct Truth {
    level: String,
    locality: String,
    year: String,
}

fn manifest(path: &std::path::Path) -> Vec<(String, Truth)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let truth = Truth {
                level: c[5].to_string(),
                locality: c[6].replace('›', ""),
                year: c[7].to_string(),
            };
            (c[0].to_string(), truth)
        })
        .collect()
}

/// Is a `report` line fully right: level, year and the four place fields
/// (compared as the official names run together, `中国（国务院）` for a
/// national report)?
fn fully_right(d: &Value, t: &Truth) -> bool {
    let locality: String = if s(&d["level"]) == Some("national") {
        "中国（国务院）".into()
    } else {
        ["province", "city", "county", "township"].iter().filter_map(|k| s(&d[*k])).collect()
    };
    s(&d["level"]) == Some(t.level.as_str())
        && d["year"].as_i64().map(|y| y.to_string()) == Some(t.year.clone())
        && locality == t.locality
}

/// Copies the reports of `dir`'s MANIFEST into a fresh corpus — under
/// their own names, or all in one folder under neutral names
/// (`P0` + digits + extension) as downloads from government sites arrive
/// — indexes it and returns (fully right, total, what was wrong).
fn measure(dir: &std::path::Path, neutral: bool) -> (usize, usize, Vec<String>) {
    let env = Env::new();
    let truth = manifest(&dir.join("MANIFEST.tsv"));
    let mut names = HashMap::new();
    for (i, (file, _)) in truth.iter().enumerate() {
        let ext = file.rsplit('.').next().unwrap();
        let name = if neutral {
            format!("P0{:017}.{ext}", 20240131000 + i as u64 * 7919)
        } else {
            file.clone()
        };
        env.write(&name, std::fs::read(dir.join(file)).unwrap());
        names.insert(name, file.clone());
    }
    let (code, _, err) = env.run(&["index"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = env.run(&["reports", "--json"]);
    let got: HashMap<String, Value> = reports_by_path(&out)
        .into_iter()
        .map(|(p, d)| (names.get(&p).cloned().unwrap_or(p), d))
        .collect();
    let (mut ok, mut bad) = (0, Vec::new());
    for (file, t) in &truth {
        match got.get(file) {
            Some(d) if fully_right(d, t) => ok += 1,
            Some(d) => bad.push(format!(
                "{file}: {:?} {:?} {:?} {:?} {:?} {:?}",
                d["level"], d["province"], d["city"], d["county"], d["township"], d["year"]
            )),
            None => bad.push(format!("{file}: not indexed")),
        }
    }
    (ok, truth.len(), bad)
}

fn fixtures() -> std::path::PathBuf {
    root().join("tests/data/metadata")
}

/// Real province, city and county reports, as named: all six fields
/// right for at least 95%.
#[test]
fn real_reports_of_every_level() {
    let (ok, total, bad) = measure(&fixtures(), false);
    assert!(total >= 19);
    assert!(ok * 100 >= total * 95, "{ok}/{total}:\n{}", bad.join("\n"));
}

/// The same reports renamed `P0202401….docx/.txt` in one folder: the
/// metadata comes from the text, so at least 85% stay fully right.
#[test]
fn real_reports_with_neutral_names() {
    let (ok, total, bad) = measure(&fixtures(), true);
    assert!(ok * 100 >= total * 85, "{ok}/{total}:\n{}", bad.join("\n"));
}

/// The bundled corpus (minus the seeds, checked above, and the GB18030
/// duplicates) in one folder under neutral names.
#[test]
fn bundled_corpus_with_neutral_names() {
    let (ok, total, bad) = measure(&root().join("corpus"), true);
    // The 8 encodings-raw files are skipped as duplicates of the UTF-8
    // Hailar reports, whichever name sorts first.
    assert!(ok + bad.len() == total && total >= 80);
    let missing_dups = bad.iter().filter(|b| b.ends_with("not indexed")).count();
    assert!(missing_dups <= 8, "{}", bad.join("\n"));
    assert!((ok + missing_dups) * 100 >= total * 95, "{ok}/{total}:\n{}", bad.join("\n"));
}

#[test]
fn bundled_corpus_has_every_level() {
    let (_, out, _) = on_bundled(&["reports", "--json"]);
    let levels: std::collections::BTreeSet<String> =
        reports_by_path(&out).values().filter_map(|d| s(&d["level"]).map(String::from)).collect();
    for l in ["national", "province", "city", "county", "township"] {
        assert!(levels.contains(l), "no {l} report in corpus/: {levels:?}");
    }
}

/// `reports --explain PATH --json`: the evidence of one report, by field.
fn explain(path: &str) -> HashMap<String, Value> {
    let (code, out, err) = on_bundled(&["reports", "--explain", path, "--json"]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].0, "explain");
    assert_eq!(s(&lines[0].1["path"]), Some(path));
    lines[0].1["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

fn report(path: &str) -> Value {
    let (_, out, _) = on_bundled(&["reports", "--json"]);
    reports_by_path(&out).remove(path).unwrap_or_else(|| panic!("{path} not indexed"))
}

/// A newspaper in a `来源` line is neither a place nor the issuer
/// (`来源：北京日报`), and a 直辖市's government is provincial.
#[test]
fn a_source_line_is_neither_place_nor_issuer() {
    let path = "province-gwr-2025/2025年北京市政府工作报告.docx";
    let d = report(path);
    assert_eq!(s(&d["level"]), Some("province"));
    assert_eq!((s(&d["province"]), s(&d["city"]), s(&d["county"])), (Some("北京市"), None, None));
    assert!(!s(&d["issuer"]).unwrap_or("").contains("日报"), "{:?}", d["issuer"]);
    let ev = explain(path);
    let rejected = ev["issuer"]["rejected"].as_array().unwrap();
    assert!(
        rejected.iter().any(
            |r| s(&r["value"]) == Some("北京日报") && s(&r["reason"]).unwrap().contains("来源")
        ),
        "{rejected:?}"
    );
}

/// The report's own voice outranks what it mentions: 山东's title over
/// `环泰山区域` (not even 泰山区: a word fragment), 罗湖区's
/// `我代表罗湖区人民政府` over the 街道 of its end notes (and over the
/// gazetteer's junk township named `街道`).
#[test]
fn own_voice_outranks_mentions() {
    let d = report("province-gwr-2025/2025年山东省政府工作报告.docx");
    assert_eq!((s(&d["level"]), s(&d["province"])), (Some("province"), Some("山东省")));
    assert_eq!((s(&d["city"]), s(&d["county"]), s(&d["township"])), (None, None, None));
    let path =
        "county-gwr/2021年政府工作报告（在深圳市罗湖区第八届人民代表大会第一次会议上）_2021.txt";
    let d = report(path);
    assert_eq!((s(&d["level"]), s(&d["county"])), (Some("county"), Some("罗湖区")));
    assert_eq!((s(&d["city"]), s(&d["province"])), (Some("深圳市"), Some("广东省")));
    assert_eq!(s(&d["township"]), None);
    assert_eq!(d["year"].as_i64(), Some(2021), "a new term opens the 十四五 period");
    let ev = explain(path);
    assert_eq!(s(&ev["county"]["clue"]["source"]), Some("self_name"), "{:?}", ev["county"]);
    assert!(ev["county"]["clue"]["line"].as_u64().is_some());
}

/// Word fragments are not places nor self-references: `平安乡村` is not
/// 平安乡, `向前进` not 前进区 (满城区 2020, a page scraped with its chrome,
/// its title under a generic `工作报告`).
#[test]
fn fragments_and_page_chrome() {
    let d = report("county-gwr/003-保定市满城区2020年政府工作报告.txt");
    assert_eq!((s(&d["level"]), s(&d["county"])), (Some("county"), Some("满城区")));
    assert_eq!((s(&d["city"]), s(&d["province"])), (Some("保定市"), Some("河北省")));
    assert_eq!(s(&d["township"]), None);
    assert_eq!(s(&d["title"]), Some("保定市满城区2020年政府工作报告"));
    assert_eq!(d["year"].as_i64(), Some(2020));
}

/// A path is a clue, never more: `124-安新县…` is 新安县's report.
#[test]
fn the_text_beats_a_wrong_file_name() {
    let path = "county-gwr/124-安新县2024年政府工作报告.txt";
    let d = report(path);
    assert_eq!(
        (s(&d["province"]), s(&d["city"]), s(&d["county"])),
        (Some("河南省"), Some("洛阳市"), Some("新安县"))
    );
    assert_eq!(d["year"].as_i64(), Some(2024), "一、2023年工作回顾");
    let ev = explain(path);
    let rejected = ev["county"]["rejected"].as_array().unwrap();
    assert!(rejected.iter().any(|r| s(&r["value"]).unwrap().contains("安新县")), "{rejected:?}");
    let d = report("city-gwr-2024/黄山.docx");
    assert_eq!(
        (s(&d["level"]), s(&d["county"]), s(&d["city"])),
        (Some("county"), Some("黄山区"), Some("黄山市"))
    );
}

/// Level from how the report names its own government: `全州` and
/// `我代表州人民政府` (黔南), `我代表行署` and `全盟` (锡林郭勒),
/// `我代表自治区人民政府` and `全区` of an autonomous region (新疆, 广西),
/// `我代表市人民政府` of a city whose short name is also its county's
/// (岳阳, 承德), of a county-level city inside a 州 (恩施市).
#[test]
fn level_from_the_government_word() {
    let d = report("city-gwr-2024/黔南.docx");
    assert_eq!((s(&d["level"]), s(&d["city"])), (Some("city"), Some("黔南布依族苗族自治州")));
    let (_, total, bad) = measure(&fixtures(), false);
    assert!(total > 0);
    for name in [
        "锡林郭勒.docx",
        "2025年新疆政府工作报告.txt",
        "2025年广西政府工作报告.txt",
        "岳阳.docx",
        "承德.docx",
        "恩施.docx",
        "阿坝.docx",
    ] {
        assert!(!bad.iter().any(|b| b.starts_with(name)), "{}", bad.join("\n"));
    }
}

/// `count --by township` groups by the whole chain: two 城关镇 are two
/// rows, keyed `河南省›信阳市›新县›城关镇` in JSON and named
/// `城关镇（河南 新县）` for a reader; filters still match by name prefix.
#[test]
fn places_are_identities() {
    let env = Env::new();
    let seed = std::fs::read_to_string(root().join("corpus/000_9c79e6bc865fa9b2.txt")).unwrap();
    // Seed 000 readdressed, as tools/gen-corpus does.
    let towns = [
        ("新县", "城关镇", "河南省›信阳市›新县›城关镇"),
        ("固始县", "城关镇", "河南省›信阳市›固始县›城关镇"),
        ("保康县", "城关镇", "湖北省›襄阳市›保康县›城关镇"),
    ];
    for (i, (county, town, _)) in towns.iter().enumerate() {
        let text = seed
            .replace("有庆镇", town)
            .replace("渠县", county)
            .replace("达州市", "")
            .replace("四川省", "");
        env.write(&format!("r{i}.txt"), text);
    }
    let (code, _, err) = env.run(&["index"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = env.run(&["count", "法治", "--by", "township", "--json"]);
    assert_eq!(code, 0);
    let keys: Vec<String> = json_lines(&out)
        .into_iter()
        .filter(|(t, _)| t == "group")
        .map(|(_, d)| d["key"].as_str().unwrap().to_string())
        .collect();
    let mut want: Vec<String> = towns.iter().map(|t| t.2.to_string()).collect();
    want.sort();
    assert_eq!(keys, want);
    let (_, out, _) = env.run(&["count", "法治", "--by", "township"]);
    for name in ["城关镇（河南 新县）", "城关镇（河南 固始）", "城关镇（湖北 保康）"]
    {
        assert!(out.contains(name), "{name} in:\n{out}");
    }
    let (_, out, _) = env.run(&["count", "法治", "--by", "county", "--json"]);
    assert!(out.contains("河南省›信阳市›新县") && out.contains("湖北省›襄阳市›保康县"), "{out}");
    let (_, out, _) = env.run(&["reports", "--township", "城关", "--json"]);
    assert_eq!(json_lines(&out).len(), 3);
    let (_, out, _) = env.run(&["reports", "--province", "河南", "--json"]);
    assert_eq!(json_lines(&out).len(), 2);
}

/// `reports --explain` in human form: each field with its clue and line,
/// and an override names itself as the clue.
#[test]
fn explain_shows_clues_and_overrides() {
    let (code, out, _) = on_bundled(&["reports", "--explain", "city-gwr-2024/乐山.docx"]);
    assert_eq!(code, 0);
    for want in [
        "level",
        "city",
        "乐山市",
        "self-designation, line",
        "我代表市人民政府",
        "year",
        "2024",
        "heading, line",
    ] {
        assert!(out.contains(want), "{want} in:\n{out}");
    }
    let env = Env::new();
    env.write("a.txt", std::fs::read(root().join("corpus/000_9c79e6bc865fa9b2.txt")).unwrap());
    env.write("a.meta.toml", "year = 1999\n");
    assert_eq!(env.run(&["index"]).0, 0);
    let (_, out, _) = env.run(&["reports", "--explain", "a.txt", "--json"]);
    let (_, d) = json_lines(&out).remove(0);
    let year =
        d["fields"].as_array().unwrap().iter().find(|f| f["field"] == "year").unwrap().clone();
    assert_eq!(year["value"], "1999");
    assert_eq!(s(&year["clue"]["source"]), Some("override"));
    assert_eq!(s(&year["rejected"][0]["value"]), Some("2024"));
    // Every report at once, and an unknown id is an error.
    let (code, out, _) = env.run(&["reports", "--explain"]);
    assert_eq!(code, 0);
    assert!(out.contains("a.txt"));
    assert_eq!(env.run(&["reports", "--explain", "nope"]).0, 2);
}

/// `reports --missing` on the bundled reports: every report lacking a
/// place field has a level that could have it. The towns of 上海 and 重庆
/// lack a city, as the gazetteer says they should: none is listed.
#[test]
fn missing_place_fields_respect_levels_on_real_reports() {
    let (_, all, _) = on_bundled(&["reports", "--json"]);
    let all = reports_by_path(&all);
    let municipal_towns = all
        .values()
        .filter(|d| d["level"] == "township" && d["city"].is_null() && !d["county"].is_null())
        .count();
    assert!(municipal_towns >= 4, "the bundled corpus has towns of 上海 and 重庆");
    for (field, rank) in [("province", 1), ("city", 2), ("county", 3), ("township", 4)] {
        let (code, out, err) = on_bundled(&["reports", "--missing", field, "--json"]);
        assert!(code <= 1, "{err}");
        for (path, d) in reports_by_path(&out) {
            assert!(d[field].is_null(), "{path} has a {field}");
            let level = ["national", "province", "city", "county", "township"]
                .iter()
                .position(|l| d["level"] == *l);
            assert!(
                level.is_none_or(|l| l >= rank),
                "{path}: a {} report lacks no {field}",
                d["level"]
            );
        }
        // What is not listed either has the field or could not have it.
        let listed = reports_by_path(&out).len();
        let lacking = all.values().filter(|d| d[field].is_null()).count();
        if field == "township" {
            let higher =
                all.values().filter(|d| d["level"] != "township" && !d["level"].is_null()).count();
            assert_eq!(listed + higher, lacking, "{field}");
        }
        if field == "city" {
            assert_eq!(listed, 0, "no bundled report lacks a city it could have");
        }
    }
}
