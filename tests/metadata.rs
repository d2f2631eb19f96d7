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
    let env = Env::new();
    let status = Command::new("python3")
        .arg(root().join("tools/gen-corpus"))
        .args(["--reports", "300", "--mix", "--seed", "11", "--out"])
        .arg(env.corpus())
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
        let (file, status, township, county, province, year) = (c[0], c[1], c[2], c[3], c[5], c[6]);
        if status == "skip" {
            assert!(skipped.iter().any(|p| p == file), "{file} should be skipped");
            continue;
        }
        total += 1;
        match reports.get(file) {
            Some(d)
                if s(&d["township"]) == Some(township)
                    && s(&d["county"]) == Some(county)
                    && s(&d["province"]) == Some(province)
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
