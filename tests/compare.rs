//! `keywords` and `diff`: comparing sub-corpora and reports, checked
//! against figures recomputed here from `show --json`.

use std::collections::HashMap;

use serde::Deserialize;

use crate::util::{json_lines, on_bundled, Env};

/// `keyword.data`, parsed strictly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeywordData {
    side: String,
    rank: usize,
    word: String,
    count_a: u64,
    count_b: u64,
    per_10k_a: f64,
    per_10k_b: f64,
    g2: f64,
    log_ratio: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SideData {
    filters: String,
    reports: usize,
    passages: usize,
    words: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct KeywordsSummary {
    a: SideData,
    b: SideData,
    tested: usize,
    significant: usize,
    min_count: u64,
    min_g2: f64,
    min_chars: usize,
    top: usize,
    elapsed_ms: u64,
}

/// `pair.data`, parsed strictly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PairData {
    status: String,
    a: Vec<u64>,
    b: Vec<u64>,
    similarity: f64,
    ops: Vec<OpData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpData {
    op: String,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffSummary {
    a: String,
    b: String,
    passages_a: usize,
    passages_b: usize,
    identical: usize,
    changed: usize,
    moved: usize,
    split: usize,
    merged: usize,
    only_a: usize,
    only_b: usize,
    chars_b: usize,
    carried_chars_b: usize,
    carried_share: f64,
}

/// The ids of the reports a filter selects.
fn ids(filters: &[&str]) -> Vec<String> {
    let mut args = vec!["reports", "--json"];
    args.extend_from_slice(filters);
    let (code, out, err) = on_bundled(&args);
    assert_eq!(code, 0, "{err}");
    json_lines(&out).into_iter().map(|(_, d)| d["id"].as_str().unwrap().to_string()).collect()
}

/// Word counts of some reports, recomputed from `show --json` with the
/// library's normalization and segmentation: (all word tokens, counts).
fn recount(ids: &[String]) -> (u64, HashMap<String, u64>) {
    let (mut tokens, mut counts) = (0, HashMap::new());
    for id in ids {
        let (code, out, err) = on_bundled(&["show", id, "--json"]);
        assert_eq!(code, 0, "{err}");
        for (kind, data) in json_lines(&out) {
            if kind != "passage" {
                continue;
            }
            let norm = baogao::text::normalize(data["text"].as_str().unwrap());
            for w in baogao::text::segment::words(&norm) {
                tokens += 1;
                *counts.entry(w.to_string()).or_insert(0) += 1;
            }
        }
    }
    (tokens, counts)
}

#[test]
fn keywords_counts_match_a_recount() {
    let args = ["keywords", "--year", "2019", "--vs", "2012", "--level", "national", "--json"];
    let (code, out, err) = on_bundled(&args);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let (last, rows) = lines.split_last().unwrap();
    assert_eq!(last.0, "summary");
    let summary: KeywordsSummary = serde_json::from_value(last.1.clone()).unwrap();
    assert_eq!(summary.a.filters, "year:2019 level:national");
    assert_eq!(summary.b.filters, "year:2012 level:national");
    assert_eq!((summary.a.reports, summary.b.reports), (1, 1));
    assert!(summary.a.passages > 50 && summary.b.passages > 50, "{summary:?}");
    let rows: Vec<KeywordData> = rows
        .iter()
        .map(|(kind, data)| {
            assert_eq!(kind, "keyword");
            serde_json::from_value(data.clone()).unwrap()
        })
        .collect();
    let (a_rows, b_rows): (Vec<&KeywordData>, Vec<&KeywordData>) =
        rows.iter().partition(|k| k.side == "a");
    assert_eq!(a_rows.len(), 20, "--top 20 per direction by default");
    assert_eq!(b_rows.len(), 20);

    let (tokens_a, counts_a) = recount(&ids(&["--year", "2019", "--level", "national"]));
    let (tokens_b, counts_b) = recount(&ids(&["--year", "2012", "--level", "national"]));
    assert_eq!((summary.a.words, summary.b.words), (tokens_a, tokens_b));
    for (i, k) in a_rows.iter().enumerate() {
        assert_eq!(k.rank, i + 1);
        assert_eq!(k.count_a, counts_a.get(&k.word).copied().unwrap_or(0), "{k:?}");
        assert_eq!(k.count_b, counts_b.get(&k.word).copied().unwrap_or(0), "{k:?}");
        assert!(k.count_a * tokens_b > k.count_b * tokens_a, "overused in A: {k:?}");
        assert!(k.log_ratio > 0.0 && k.g2 >= 3.84 && k.count_a + k.count_b >= 5, "{k:?}");
        assert!((k.per_10k_a - k.count_a as f64 * 1e4 / tokens_a as f64).abs() < 1e-3);
        assert!((k.per_10k_b - k.count_b as f64 * 1e4 / tokens_b as f64).abs() < 1e-3);
        assert!(k.word.chars().count() >= 2);
    }
    for w in b_rows.windows(2) {
        assert!(w[0].g2 >= w[1].g2, "ranked by G²: {w:?}");
    }
    for k in &b_rows {
        assert_eq!(k.count_a, counts_a.get(&k.word).copied().unwrap_or(0), "{k:?}");
        assert_eq!(k.count_b, counts_b.get(&k.word).copied().unwrap_or(0), "{k:?}");
        assert!(k.log_ratio < 0.0, "{k:?}");
    }
    // The top word of each side, by the same G² recomputed here (the
    // library function is unit-tested against hand arithmetic).
    let top = a_rows[0];
    let g = baogao::analysis::keyness::g2(top.count_a, top.count_b, tokens_a, tokens_b);
    assert!((top.g2 - g).abs() < 1e-3, "{top:?} vs {g}");
    // Stop words never show up, however frequent.
    assert!(rows.iter().all(|k| !["工作", "加强", "推进"].contains(&k.word.as_str())));
}

#[test]
fn keywords_csv_matches_json_and_human_reads() {
    let base = ["keywords", "--year", "2019", "--vs", "2012", "--level", "national", "--top", "5"];
    let (code, out, _) = on_bundled(&[&base[..], &["--csv"]].concat());
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        ["side", "rank", "word", "count_a", "count_b", "per_10k_a", "per_10k_b", "g2", "log_ratio"]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let (_, json_out, _) = on_bundled(&[&base[..], &["--json"]].concat());
    let json_rows: Vec<_> =
        json_lines(&json_out).into_iter().filter(|(t, _)| t == "keyword").collect();
    assert_eq!(records.len(), json_rows.len());
    assert_eq!(records.len(), 10);
    for (r, (_, d)) in records.iter().zip(&json_rows) {
        assert_eq!(&r[0], d["side"].as_str().unwrap());
        assert_eq!(&r[2], d["word"].as_str().unwrap());
        assert_eq!(r[3].parse::<u64>().unwrap(), d["count_a"].as_u64().unwrap());
        let g2: f64 = r[7].parse().unwrap();
        assert!((g2 - d["g2"].as_f64().unwrap()).abs() < 1e-3);
    }

    let (code, human, _) = on_bundled(&base);
    assert_eq!(code, 0);
    assert!(human.starts_with("A  year:2019 level:national  (1 report,"), "{human}");
    assert!(human.contains("Overused in A (year:2019 level:national)"));
    assert!(human.contains("Overused in B (year:2012 level:national)"));
    let first = human.lines().find(|l| l.starts_with("1 ")).unwrap();
    assert_eq!(first.split_whitespace().nth(1), Some(&records[0][2]), "{human}");
}

#[test]
fn keywords_sides_and_errors() {
    // --where and --vs filter strings, the same comparison as the shortcut.
    let (code, out, _) = on_bundled(&[
        "keywords",
        "--where",
        "year:2019 level:national",
        "--vs",
        "year:2012",
        "--json",
    ]);
    assert_eq!(code, 0);
    let (_, short, _) = on_bundled(&[
        "keywords", "--year", "2019", "--vs", "2012", "--level", "national", "--json",
    ]);
    let strip = |s: &str| -> Vec<String> {
        json_lines(s)
            .into_iter()
            .filter(|(t, _)| t == "keyword")
            .map(|(_, d)| d.to_string())
            .collect()
    };
    assert_eq!(strip(&out), strip(&short));

    // An empty side, words where filters belong, a bare --vs with nothing
    // to replace, the same side twice: exit 2 with a message.
    for (args, needle) in [
        (&["keywords", "--year", "2019", "--vs", "1900"][..], "has no passages"),
        (&["keywords", "--where", "法律顾问", "--vs", "year:2012"], "not words"),
        (&["keywords", "--vs", "2012"], "bare value"),
        (&["keywords", "--year", "2019", "--vs", "2019"], "same"),
        (&["keywords", "--year", "2019", "--vs", "year:20x9"], "bad --vs"),
    ] {
        let (code, out, err) = on_bundled(args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }

    // Overlapping sides are allowed but warned about.
    let (code, _, err) =
        on_bundled(&["keywords", "--level", "national", "--vs", "year:2019..2022", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("on both sides"), "{err}");
}

// Crafted reports for `diff`: report A, and report B written from it with
// an edited paragraph, a moved one, a split one, a new one and a deleted one.
const TITLE: &str = "某镇法治政府建设工作情况报告";
const P1: &str = "一年来，全镇坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党中央关于法治政府建设的决策部署。";
const P2: &str = "健全依法决策机制，严格落实重大行政决策程序规定，全年召开党委会议二十次，研究重大事项四十五项。";
const P3: &str = "深化矛盾纠纷多元化解，坚持和发展新时代枫桥经验，全年调处各类矛盾纠纷一百二十件，调解成功率达百分之九十八。";
const P4A: &str = "加强普法宣传教育，落实谁执法谁普法责任制，在全镇各村广泛开展法治宣传教育活动。";
const P4B: &str = "开展送法进村活动三十场次，发放宣传资料五千余份，群众法治意识明显提升。";
const P5: &str = "推进法律顾问全覆盖，村级法律顾问参与重大事务审查，为群众提供免费法律咨询三百余人次，切实维护群众合法权益。";
const NEW: &str =
    "今年新建成镇级公共法律服务工作站一个，配备专职人民调解员两名，群众办事更加方便。";
const INSERTED: &str = "和省委市委";

fn diff_env() -> Env {
    let env = Env::new();
    let p4 = format!("{P4A}{P4B}");
    let a = [TITLE, P1, P2, P3, &p4, P5].join("\n\n");
    let p1_edited = P1.replace("党中央", &format!("党中央{INSERTED}"));
    let b = [TITLE, &p1_edited, P3, P4A, P4B, NEW, P2].join("\n\n");
    env.write("a.txt", format!("{a}\n"));
    env.write("b.txt", format!("{b}\n"));
    assert_eq!(env.run(&["index"]).0, 0);
    env
}

#[test]
fn diff_finds_every_kind_of_change() {
    let env = diff_env();
    let (code, out, err) = env.run(&["diff", "a.txt", "b.txt", "--json"]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let (last, pairs) = lines.split_last().unwrap();
    assert_eq!(last.0, "summary");
    let s: DiffSummary = serde_json::from_value(last.1.clone()).unwrap();
    let pairs: Vec<PairData> = pairs
        .iter()
        .map(|(t, d)| {
            assert_eq!(t, "pair");
            serde_json::from_value(d.clone()).unwrap()
        })
        .collect();
    let find = |status: &str| -> &PairData {
        pairs
            .iter()
            .find(|p| p.status == status)
            .unwrap_or_else(|| panic!("no {status}: {pairs:#?}"))
    };
    // Ordinals as `show` numbers them: A 1 title, 2 P1, 3 P2, 4 P3, 5 P4,
    // 6 P5; B 1 title, 2 P1', 3 P3, 4 P4a, 5 P4b, 6 new, 7 P2.
    let title = &pairs[0];
    assert_eq!(
        (title.status.as_str(), &title.a[..], &title.b[..]),
        ("identical", &[1][..], &[1][..])
    );
    assert_eq!(title.similarity, 1.0);
    let changed = find("changed");
    assert_eq!((&changed.a[..], &changed.b[..]), (&[2][..], &[2][..]));
    let ops: Vec<(&str, &str)> =
        changed.ops.iter().map(|o| (o.op.as_str(), o.text.as_str())).collect();
    assert_eq!(ops.len(), 3, "{ops:?}");
    assert_eq!(ops[1], ("insert", INSERTED));
    assert!(changed.similarity > 0.8 && changed.similarity < 1.0);
    let split = find("split");
    assert_eq!((&split.a[..], &split.b[..]), (&[5][..], &[4, 5][..]));
    let moved = find("moved");
    assert_eq!((&moved.a[..], &moved.b[..]), (&[3][..], &[7][..]));
    assert_eq!(find("only_a").a, [6]);
    assert_eq!(find("only_b").b, [6]);
    let only_b = find("only_b");
    assert_eq!(only_b.ops.len(), 1);
    assert_eq!((only_b.ops[0].op.as_str(), only_b.ops[0].text.as_str()), ("insert", NEW));

    assert_eq!(
        (s.a.as_str(), s.b.as_str()),
        (pairs_id(&env, "a.txt").as_str(), pairs_id(&env, "b.txt").as_str())
    );
    assert_eq!((s.passages_a, s.passages_b), (6, 7));
    assert_eq!(
        (s.identical, s.changed, s.moved, s.split, s.merged, s.only_a, s.only_b),
        (2, 1, 1, 1, 0, 1, 1),
        "{s:?}"
    );
    // Carried over: all of B but the new paragraph and the inserted words
    // (every text here is CJK without spaces, so normalized = as written).
    let chars = |t: &str| t.chars().count();
    let b_total = [TITLE, P1, P3, P4A, P4B, NEW, P2].iter().map(|t| chars(t)).sum::<usize>()
        + chars(INSERTED);
    assert_eq!(s.chars_b, b_total);
    assert_eq!(s.carried_chars_b, b_total - chars(NEW) - chars(INSERTED));
    let share = s.carried_chars_b as f64 / s.chars_b as f64;
    assert!((s.carried_share - share).abs() < 1e-4, "{s:?}");
}

/// The id of a report, from `reports --json`.
fn pairs_id(env: &Env, path: &str) -> String {
    let (_, out, _) = env.run(&["reports", "--json"]);
    json_lines(&out)
        .into_iter()
        .find(|(_, d)| d["path"] == path)
        .map(|(_, d)| d["id"].as_str().unwrap().to_string())
        .unwrap()
}

#[test]
fn diff_human_and_csv() {
    let env = diff_env();
    let (code, out, _) = env.run(&["diff", "a.txt", "b.txt"]);
    assert_eq!(code, 0);
    // Colors are off (NO_COLOR): word-diff markers instead.
    assert!(out.contains(&format!("党中央{{+{INSERTED}+}}关于")), "{out}");
    assert!(out.contains("~ A 2 → B 2  changed"), "{out}");
    assert!(out.contains("< A 5 → B 4+5  split"), "{out}");
    assert!(out.contains("↷ A 3 → B 7  moved"), "{out}");
    assert!(out.contains("- A 6  only in A"), "{out}");
    assert!(out.contains("+ B 6  only in B"), "{out}");
    assert!(out.contains("B carries over"), "{out}");
    // Reading order of B: the deleted paragraph right after the unit of
    // its A predecessor (the split), before the new one.
    let pos = |s: &str| out.find(s).unwrap();
    assert!(pos("split") < pos("only in A") && pos("only in A") < pos("only in B"));
    assert!(pos("only in B") < pos("moved"));

    let (code, out, _) = env.run(&["diff", "a.txt", "b.txt", "--csv"]);
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["status", "a", "b", "similarity", "chars_b", "carried_chars_b", "text_a", "text_b"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 7);
    let split = rows.iter().find(|r| &r[0] == "split").unwrap();
    assert_eq!((&split[1], &split[2]), ("5", "4+5"));
    assert_eq!(&split[7], format!("{P4A}\n\n{P4B}"));
    let only_a = rows.iter().find(|r| &r[0] == "only_a").unwrap();
    assert_eq!((&only_a[6], &only_a[7]), (P5, ""));
}

#[test]
fn diff_of_a_report_with_itself_is_identical() {
    let hailar = ids(&["--county", "海拉尔区", "--year", "2019"]);
    assert_eq!(hailar.len(), 1);
    let (code, out, err) = on_bundled(&["diff", &hailar[0], &hailar[0], "--json"]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let s: DiffSummary = serde_json::from_value(lines.last().unwrap().1.clone()).unwrap();
    assert_eq!(s.identical, s.passages_a);
    assert_eq!(s.passages_a, s.passages_b);
    assert_eq!(s.changed + s.moved + s.split + s.merged + s.only_a + s.only_b, 0);
    assert_eq!(s.carried_chars_b, s.chars_b);
    assert_eq!(s.carried_share, 1.0);
    let (_, human, _) = on_bundled(&["diff", &hailar[0], &hailar[0]]);
    assert!(human.contains("identical passages"), "collapsed: {human}");
    assert!(human.contains("B carries over 100.0%"), "{human}");
}

#[test]
fn diff_between_hailar_years_and_errors() {
    let a = ids(&["--county", "海拉尔区", "--year", "2012"]);
    let b = ids(&["--county", "海拉尔区", "--year", "2013"]);
    let (code, out, err) = on_bundled(&["diff", &a[0], &b[0], "--json"]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let s: DiffSummary = serde_json::from_value(lines.last().unwrap().1.clone()).unwrap();
    let pairs = lines.len() - 1;
    assert_eq!(s.identical + s.changed + s.moved + s.split + s.merged + s.only_a + s.only_b, pairs);
    // Each passage of either report appears in exactly one unit.
    let mut seen_b: Vec<u64> = lines[..pairs]
        .iter()
        .flat_map(|(_, d)| {
            d["b"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect::<Vec<_>>()
        })
        .collect();
    seen_b.sort();
    assert_eq!(seen_b, (1..=s.passages_b as u64).collect::<Vec<_>>());
    assert!(s.carried_chars_b <= s.chars_b && s.carried_share < 0.5, "{s:?}");

    let (code, _, err) = on_bundled(&["diff", &a[0], "nosuchreport"]);
    assert_eq!(code, 2);
    assert!(err.contains("no report with id or path"), "{err}");
}
