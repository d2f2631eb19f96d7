//! `count` (one key and pivot), `trend` and `kwic` on the bundled reports:
//! their figures agree with each other, and every output shape (JSON, CSV,
//! SVG, aligned text) is well-formed.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::util::{json_lines, on_bundled};

/// `count --json` group and summary lines (with `key2` for two keys).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct GroupData {
    key: String,
    key2: Option<String>,
    path: Option<String>,
    reports: usize,
    reports_matching: usize,
    reports_share: f64,
    passages_matching: usize,
    mentions: usize,
    chars: u64,
    per_10k_chars: f64,
}

/// `trend --json` series entries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesData {
    query: String,
    mentions: Option<usize>,
    passages_matching: Option<usize>,
    reports_matching: Option<usize>,
    reports_share: Option<f64>,
    per_10k_chars: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowData {
    key: String,
    reports: usize,
    chars: u64,
    series: Vec<SeriesData>,
}

/// `kwic --json` lines.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct LineData {
    report: String,
    path: String,
    year: Option<i32>,
    place: String,
    left: String,
    r#match: String,
    right: String,
    passage: u64,
    passage_id: String,
    start: usize,
    end: usize,
    partner: Option<Span>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Span {
    start: usize,
    end: usize,
}

fn ok(args: &[&str]) -> String {
    let (code, out, err) = on_bundled(args);
    assert_eq!(code, 0, "{args:?} failed: {err}");
    out
}

fn of_type<T: for<'de> Deserialize<'de>>(out: &str, kind: &str) -> Vec<T> {
    json_lines(out)
        .into_iter()
        .filter(|(t, _)| t == kind)
        .map(|(_, d)| serde_json::from_value(d).unwrap_or_else(|e| panic!("{kind}: {e}")))
        .collect()
}

fn summary(out: &str) -> Value {
    let (t, d) = json_lines(out).pop().expect("a summary line");
    assert_eq!(t, "summary");
    d
}

/// `count --json ARGS`: the groups and the summary (exit 0 or 1: a query
/// may match nothing under some filters).
fn count_groups(args: &[&str]) -> (Vec<GroupData>, GroupData) {
    let mut argv = vec!["count", "--json"];
    argv.extend(args);
    let (code, out, err) = on_bundled(&argv);
    assert!(code <= 1, "{argv:?} failed: {err}");
    (of_type(&out, "group"), serde_json::from_value(summary(&out)).unwrap())
}

#[test]
fn trend_cells_are_count_groups() {
    let queries = ["依法行政", "法律顾问 全覆盖", "调解"];
    for filters in
        [&["--by", "year"][..], &["--by", "year", "--level", "national"], &["--by", "level"]]
    {
        let mut argv = vec!["trend", "--json"];
        argv.extend(queries);
        argv.extend(filters);
        let out = ok(&argv); // 依法行政 matches under every filter here
        let rows: Vec<RowData> = of_type(&out, "row");
        assert!(!rows.is_empty());
        for (i, q) in queries.iter().enumerate() {
            let mut argv = vec![*q];
            argv.extend(filters);
            let (groups, total) = count_groups(&argv);
            let by_key: HashMap<&str, &GroupData> =
                groups.iter().map(|g| (g.key.as_str(), g)).collect();
            for row in &rows {
                let cell = &row.series[i];
                assert_eq!(cell.query, *q);
                match by_key.get(row.key.as_str()) {
                    Some(g) if g.chars > 0 => {
                        assert_eq!(cell.per_10k_chars, Some(g.per_10k_chars), "{q} {}", row.key);
                        assert_eq!(cell.mentions, Some(g.mentions), "{q} {}", row.key);
                        assert_eq!(cell.passages_matching, Some(g.passages_matching));
                        assert_eq!(cell.reports_matching, Some(g.reports_matching));
                        assert_eq!((row.reports, row.chars), (g.reports, g.chars));
                    }
                    _ => {
                        assert_eq!(cell.per_10k_chars, None, "a gap, not a zero: {}", row.key);
                        assert_eq!(cell.mentions, None);
                        assert_eq!(row.chars, 0);
                    }
                }
            }
            let s = &summary(&out)["series"][i];
            assert_eq!(s["mentions"].as_u64(), Some(total.mentions as u64));
            assert_eq!(s["per_10k_chars"].as_f64(), Some(total.per_10k_chars));
        }
    }
}

#[test]
fn years_without_reports_are_gaps() {
    let out = ok(&["trend", "依法行政", "--by", "year", "--level", "national", "--json"]);
    let rows: Vec<RowData> = of_type(&out, "row");
    let years: Vec<i32> = rows.iter().map(|r| r.key.parse().unwrap()).collect();
    assert_eq!(years.first(), Some(&1954));
    assert_eq!(years.last(), Some(&2022));
    assert!(years.windows(2).all(|w| w[1] == w[0] + 1), "every year is a row");
    let gaps: BTreeSet<i32> = rows
        .iter()
        .filter(|r| r.series[0].per_10k_chars.is_none())
        .map(|r| r.key.parse().unwrap())
        .collect();
    for y in (1961..=1963).chain(1965..=1974) {
        assert!(gaps.contains(&y), "{y} has no national report: a gap");
    }
    for y in [1954, 1964, 1975, 2022] {
        assert!(!gaps.contains(&y), "{y} has a report");
    }
    assert_eq!(summary(&out)["gaps"].as_u64(), Some(gaps.len() as u64));

    // The table shows gaps as "—", and the CSV as empty cells.
    let out = ok(&["trend", "依法行政", "--level", "national", "--color", "never"]);
    let line = out.lines().find(|l| l.starts_with("1962")).unwrap();
    assert!(line.trim_end().ends_with('—'), "{line:?}");
    let out = ok(&["trend", "依法行政", "--level", "national", "--csv"]);
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    let recs: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let r1962 = recs.iter().find(|r| &r[0] == "1962").unwrap();
    assert_eq!(&r1962[3], "");
    let r2008 = recs.iter().find(|r| &r[0] == "2008").unwrap();
    assert!(r2008[3].parse::<f64>().unwrap() > 0.0);
}

#[test]
fn trend_svg_is_a_line_chart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trend.svg");
    let p = path.to_str().unwrap();
    let queries = ["依法行政", "法治政府", "<法律顾问 & \"全覆盖\">"];
    let mut argv = vec!["trend", "--level", "national", "--svg", p];
    argv.extend(queries);
    ok(&argv);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let lines: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("class") == Some("series"))
        .collect();
    assert_eq!(lines.len(), queries.len(), "one line per query");
    // 依法行政 is written in 1954… with gaps at 1958, 1961–63, …: the line
    // breaks there (one sub-path per run of years with reports).
    let d = lines[0].attribute("d").unwrap();
    assert!(d.matches('M').count() >= 4, "{d}");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for q in queries {
        assert!(texts.contains(&q), "the legend names {q}");
    }
    assert!(texts.contains(&"1954"));
    assert!(text.contains("Noto Sans CJK SC") && text.contains("sans-serif"));

    // Not writable: exit 2, with a message naming the file.
    let (code, _, err) = on_bundled(&["trend", "依法行政", "--svg", "/nonexistent/dir/x.svg"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/dir/x.svg"), "{err}");
}

/// Lines only along an ordered key: `--by year` draws one line per query,
/// `--by township` (places in no order) grouped bars and no line at all,
/// and its terminal chart has no sparkline.
#[test]
fn trend_svg_draws_lines_only_over_ordered_keys() {
    let dir = tempfile::tempdir().unwrap();
    let svg = |by: &str| {
        let path = dir.path().join(format!("{by}.svg"));
        ok(&["trend", "法律顾问", "枫桥经验", "--by", by, "--svg", path.to_str().unwrap()]);
        std::fs::read_to_string(&path).unwrap()
    };
    let marks = |text: &str| {
        let doc = roxmltree::Document::parse(text).expect("well-formed SVG");
        let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
        let series = doc
            .descendants()
            .filter(|n| n.has_tag_name("path") && n.attribute("class") == Some("series"))
            .count();
        let bars: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
            .map(|n| n.descendants().find_map(|t| t.text()).unwrap_or("").to_string())
            .collect();
        (series, count("polyline") + count("path"), bars)
    };

    let (series, _, bars) = marks(&svg("year"));
    assert_eq!(series, 2, "one line per query over years");
    assert!(bars.is_empty());

    let (rows, _) = count_groups(&["法律顾问", "--by", "township"]);
    let (_, lines, bars) = marks(&svg("township"));
    assert_eq!(lines, 0, "no path or polyline connects townships");
    // One bar per query and township with text (a township is never a gap:
    // it has reports), each titled with its township.
    assert_eq!(bars.len(), 2 * rows.len());
    assert!(
        bars.iter().all(|t| t.contains('镇')
            || t.contains('乡')
            || t.contains("街道")
            || t.contains("(unknown)")),
        "{bars:?}"
    );

    let human = ok(&["trend", "法律顾问", "--by", "township"]);
    assert!(!human.contains('▁') && !human.contains(" … "), "no sparkline: {human}");
    let human = ok(&["trend", "法律顾问", "--by", "year"]);
    assert!(human.contains('▁'), "a sparkline over years: {human}");
}

#[test]
fn pivot_cells_sum_to_the_single_key_figures() {
    for (pair, first, second) in [
        ("year,level", "year", "level"),
        ("level,year", "level", "year"),
        ("province,level", "province", "level"),
    ] {
        let (cells, total) = count_groups(&["法律顾问", "--by", pair]);
        let (rows, row_total) = count_groups(&["法律顾问", "--by", first]);
        let (cols, _) = count_groups(&["法律顾问", "--by", second]);
        assert_eq!(total.mentions, row_total.mentions);
        assert_eq!(total.chars, row_total.chars);
        for (margin, pick) in [(&rows, 0), (&cols, 1)] {
            for g in margin.iter() {
                let mine: Vec<&GroupData> = cells
                    .iter()
                    .filter(|c| {
                        let k = if pick == 0 { Some(&c.key) } else { c.key2.as_ref() };
                        k == Some(&g.key)
                    })
                    .collect();
                let sum = |f: fn(&GroupData) -> u64| mine.iter().map(|c| f(c)).sum::<u64>();
                assert_eq!(sum(|c| c.mentions as u64), g.mentions as u64, "{pair} {}", g.key);
                assert_eq!(sum(|c| c.passages_matching as u64), g.passages_matching as u64);
                assert_eq!(sum(|c| c.reports as u64), g.reports as u64);
                assert_eq!(sum(|c| c.chars), g.chars, "{pair} {}", g.key);
            }
        }
        assert!(cells.iter().all(|c| c.key2.is_some()));
    }
    // One key keeps the one-key shape: no key2.
    let out = ok(&["count", "法律顾问", "--json"]);
    assert!(!out.contains("key2"));
}

#[test]
fn pivot_human_table() {
    let out = ok(&["count", "依法行政", "--by", "level,year", "--year", "2012..2016"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("level \\ year"), "{out}");
    assert!(lines[0].contains("2014") && lines[0].trim_end().ends_with("all"));
    let national = lines.iter().find(|l| l.starts_with("national")).unwrap();
    assert_eq!(national.split_whitespace().count(), 1 + 5 + 1, "{national}");
    let raw = ok(&["count", "依法行政", "--by", "level,year", "--year", "2012..2016", "--raw"]);
    let all = raw.lines().find(|l| l.starts_with("all")).unwrap();
    let (_, s) = count_groups(&["依法行政", "--year", "2012..2016"]);
    assert_eq!(all.split_whitespace().last(), Some(s.mentions.to_string().as_str()));
}

#[test]
fn csv_outputs_parse() {
    // count, one key: same rows and figures as JSON.
    let (groups, _) = count_groups(&["法律顾问", "--by", "report"]);
    let out = ok(&["count", "法律顾问", "--by", "report", "--csv"]);
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    let headers = rd.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "report",
            "path",
            "reports",
            "reports_matching",
            "reports_share",
            "passages_matching",
            "mentions",
            "chars",
            "per_10k_chars"
        ]
    );
    let recs: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), groups.len());
    for (r, g) in recs.iter().zip(&groups) {
        assert_eq!(&r[0], g.key);
        assert_eq!(Some(&r[1]), g.path.as_deref());
        assert!((r[4].parse::<f64>().unwrap() - g.reports_share).abs() < 0.001);
        assert_eq!(r[6].parse::<usize>().unwrap(), g.mentions);
        assert!((r[8].parse::<f64>().unwrap() - g.per_10k_chars).abs() < 0.001);
    }
    // count, two keys: tidy, one row per combination.
    let (cells, _) = count_groups(&["法律顾问", "--by", "year,section"]);
    let out = ok(&["count", "法律顾问", "--by", "year,section", "--csv"]);
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    let headers: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers[..2], ["year", "section"]);
    assert_eq!(rd.records().count(), cells.len());
    // kwic: one row per mention; commas and quotes in the context survive.
    let out = ok(&["kwic", "法律顾问", "--csv"]);
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(rd.headers().unwrap().len(), 10);
    let recs: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let (_, total) = count_groups(&["法律顾问"]);
    assert_eq!(recs.len(), total.mentions);
    assert!(recs.iter().all(|r| r[8].contains("法律顾问")));
    // trend: key, reports, chars, one column per query.
    let out = ok(&["trend", "依法行政", "法律顾问", "--by", "level", "--raw", "--csv"]);
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        ["level", "reports", "chars", "依法行政", "法律顾问"]
    );
    let (levels, _) = count_groups(&["法律顾问", "--by", "level"]);
    for (r, g) in rd.records().map(Result::unwrap).zip(&levels) {
        assert_eq!((&r[0], r[4].parse::<usize>().unwrap()), (g.key.as_str(), g.mentions));
    }
}

fn kwic_lines(args: &[&str]) -> (Vec<LineData>, Value) {
    let mut argv = vec!["kwic", "--json"];
    argv.extend(args);
    let out = ok(&argv);
    (of_type(&out, "line"), summary(&out))
}

#[test]
fn kwic_lines_are_the_counted_mentions() {
    for args in [
        &["枫桥经验"][..],
        &["法律顾问"],
        &["法律顾问", "全覆盖"],
        &["法律 法律顾问"],
        &["法律顾问 NEAR/20 全覆盖"],
        &["调解", "-纠纷"],
        &["依法行政", "--level", "national", "--year", "2000..2010"],
        &["依法行政 OR 法治政府", "--section", "plans"],
        &["镇"],
    ] {
        let (lines, s) = kwic_lines(args);
        let (_, total) = count_groups(args);
        assert_eq!(lines.len(), total.mentions, "kwic {args:?}");
        assert_eq!(s["lines"].as_u64(), Some(total.mentions as u64));
        assert_eq!(s["passages"].as_u64(), Some(total.passages_matching as u64), "{args:?}");
        assert_eq!(s["reports"].as_u64(), Some(total.reports_matching as u64));
        assert!(lines.iter().all(|l| l.start < l.end && l.end - l.start >= 1));
    }
}

#[test]
fn kwic_spans_are_the_search_highlights() {
    let out = ok(&["search", "枫桥经验 OR 法律顾问", "--all", "--json"]);
    let mut highlights = BTreeSet::new();
    for (t, d) in json_lines(&out) {
        if t == "hit" {
            for m in d["matches"].as_array().unwrap() {
                highlights.insert((
                    d["report"]["id"].as_str().unwrap().to_string(),
                    d["passage"]["ordinal"].as_u64().unwrap(),
                    m["start"].as_u64().unwrap() as usize,
                    m["end"].as_u64().unwrap() as usize,
                ));
            }
        }
    }
    let (lines, _) = kwic_lines(&["枫桥经验 OR 法律顾问", "--width", "5"]);
    let spans: BTreeSet<_> =
        lines.iter().map(|l| (l.report.clone(), l.passage, l.start, l.end)).collect();
    assert_eq!(spans, highlights);
    for l in &lines {
        assert!(l.left.chars().count() <= 5 && l.right.chars().count() <= 5, "{l:?}");
        assert!(!l.left.contains('\n') && !l.right.contains('\n'));
    }
}

#[test]
fn kwic_sort_orders() {
    let (by_report, _) = kwic_lines(&["法律顾问"]);
    let order: Vec<(&str, u64, usize)> =
        by_report.iter().map(|l| (l.path.as_str(), l.passage, l.start)).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "default: report order");

    let (left, _) = kwic_lines(&["法律顾问", "--sort", "left"]);
    let rev: Vec<String> = left.iter().map(|l| l.left.chars().rev().collect()).collect();
    assert!(rev.windows(2).all(|w| w[0] <= w[1]), "sorted by the reversed left context");
    assert_eq!(left.len(), by_report.len());

    let (right, _) = kwic_lines(&["法律顾问", "--sort", "right"]);
    assert!(right.windows(2).all(|w| w[0].right <= w[1].right));

    let (year, _) = kwic_lines(&["依法行政", "--sort", "year"]);
    let years: Vec<(bool, Option<i32>)> = year.iter().map(|l| (l.year.is_none(), l.year)).collect();
    assert!(years.windows(2).all(|w| w[0] <= w[1]));

    let (place, _) = kwic_lines(&["依法行政", "--sort", "place"]);
    assert_eq!(place.len(), year.len());

    assert_eq!(on_bundled(&["kwic", "法律顾问", "--sort", "weekday"]).0, 2);
}

#[test]
fn kwic_matches_line_up() {
    let args = ["kwic", "依法行政", "--level", "county", "--width", "12"];
    let (code, out, _) = on_bundled(&[&args[..], &["--color", "never"]].concat());
    assert_eq!(code, 0);
    let (lines, _) = kwic_lines(&args[1..]);
    let printed: Vec<&str> = out.lines().collect();
    assert_eq!(printed.len(), lines.len() + 1, "one line per mention, then a footer");
    let mut columns = BTreeSet::new();
    for (p, l) in printed.iter().zip(&lines) {
        let needle = format!("{} {} ", l.left, l.r#match);
        let at = p.find(&needle).unwrap_or_else(|| panic!("{needle:?} in {p:?}"));
        let col = p[..at + l.left.len() + 1].width();
        columns.insert(col);
        assert!(p.ends_with(&l.report), "the report id closes the line: {p}");
    }
    assert_eq!(columns.len(), 1, "every match starts in the same column: {columns:?}");
}

#[test]
fn errors_and_no_matches() {
    assert_eq!(on_bundled(&["trend", "依法行政", "--by", "weekday"]).0, 2);
    assert_eq!(on_bundled(&["count", "依法行政", "--by", "year,level,section"]).0, 2);
    assert_eq!(on_bundled(&["count", "依法行政", "--by", "year,weekday"]).0, 2);
    let (code, _, err) = on_bundled(&["trend", "依法行政 year:2020"]);
    assert_eq!(code, 2);
    assert!(err.contains("flags"), "{err}");
    assert_eq!(on_bundled(&["kwic", "year:2020"]).0, 2, "nothing to show");
    assert_eq!(on_bundled(&["trend", "这个词语不会出现在任何报告里"]).0, 1);
    assert_eq!(on_bundled(&["kwic", "这个词语不会出现在任何报告里"]).0, 1);
    assert_eq!(on_bundled(&["count", "这个词语不会出现在任何报告里", "--by", "year,level"]).0, 1);
}

#[test]
fn export_rows_are_the_counted_passages() {
    for args in
        [&["法律顾问"][..], &["依法行政", "--level", "national"], &["法律顾问 NEAR/20 全覆盖"]]
    {
        let (_, total) = count_groups(args);
        // JSON Lines: flat objects, one per matching passage.
        let mut argv = vec!["export"];
        argv.extend(args);
        let out = ok(&argv);
        let rows: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows.len(), total.passages_matching, "{args:?}");
        let mentions: u64 = rows.iter().map(|r| r["mentions"].as_u64().unwrap()).sum();
        assert_eq!(mentions as usize, total.mentions, "{args:?}");
        for r in &rows {
            let id = r["id"].as_str().unwrap();
            assert_eq!(id, format!("{}-{}", r["report"].as_str().unwrap(), r["ordinal"]));
        }
        // Report path order, then passage order.
        let keys: Vec<(String, u64)> = rows
            .iter()
            .map(|r| (r["path"].as_str().unwrap().to_string(), r["ordinal"].as_u64().unwrap()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        // CSV: the same rows.
        argv.extend(["--format", "csv"]);
        let csv_out = ok(&argv);
        let mut rd = csv::Reader::from_reader(csv_out.as_bytes());
        let ids: Vec<String> = rd.records().map(|r| r.unwrap()[0].to_string()).collect();
        let json_ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, json_ids);
    }
    // Without a query: every passage of the filtered reports, no mentions.
    let out = ok(&["export", "--county", "海拉尔", "--year", "2019"]);
    let rows: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.len() > 20);
    assert!(rows.iter().all(|r| r.get("mentions").is_none() && r["year"] == 2019));
    let report = rows[0]["report"].as_str().unwrap();
    let shown = ok(&["show", report, "--json"]);
    let passages = json_lines(&shown).iter().filter(|(t, _)| t == "passage").count();
    assert_eq!(rows.iter().filter(|r| r["report"] == report).count(), passages);
}

#[test]
fn shares_sorting_and_matching_groups() {
    let (groups, total) = count_groups(&["枫桥经验", "--by", "report"]);
    assert!(groups.iter().any(|g| g.reports_matching == 0), "zeros are listed by default");
    for g in groups.iter().chain([&total]) {
        let share = if g.reports == 0 { 0.0 } else { g.reports_matching as f64 / g.reports as f64 };
        assert!((g.reports_share - share).abs() < 1e-4, "{g:?}");
    }
    // --matching keeps the groups with a match, and only those.
    let (matching, _) = count_groups(&["枫桥经验", "--by", "report", "--matching"]);
    assert_eq!(matching.len(), total.reports_matching);
    assert!(matching.iter().all(|g| g.passages_matching > 0));
    // --sort mentions: descending, ties in key order.
    let (sorted, _) = count_groups(&["依法行政", "--by", "year", "--sort", "mentions"]);
    assert!(sorted.windows(2).all(|w| w[0].mentions >= w[1].mentions));
    let (by_rate, _) = count_groups(&["依法行政", "--by", "year", "--sort", "rate"]);
    assert!(by_rate.windows(2).all(|w| w[0].per_10k_chars >= w[1].per_10k_chars));
    let (plain, _) = count_groups(&["依法行政", "--by", "year"]);
    let mut a: Vec<&str> = sorted.iter().map(|g| g.key.as_str()).collect();
    let mut b: Vec<&str> = plain.iter().map(|g| g.key.as_str()).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "sorting keeps every group");
    // The human table shows the share as a percentage.
    let out = ok(&["count", "枫桥经验", "--by", "level"]);
    assert!(out.contains("share") && out.contains('%'), "{out}");
    let (code, _, err) = on_bundled(&["count", "x", "--by", "year,level", "--sort", "rate"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn trend_measures_are_the_count_figures() {
    let (groups, _) = count_groups(&["依法行政", "--by", "level"]);
    for (measure, of) in [
        ("rate", Box::new(|g: &GroupData| g.per_10k_chars) as Box<dyn Fn(&GroupData) -> f64>),
        ("share", Box::new(|g: &GroupData| g.reports_share)),
        ("mentions", Box::new(|g: &GroupData| g.mentions as f64)),
        ("reports", Box::new(|g: &GroupData| g.reports_matching as f64)),
    ] {
        let out = ok(&["trend", "依法行政", "--by", "level", "--measure", measure, "--csv"]);
        let mut rd = csv::Reader::from_reader(out.as_bytes());
        for (r, g) in rd.records().map(Result::unwrap).zip(&groups) {
            assert_eq!(&r[0], g.key.as_str());
            let v: f64 = r[3].parse().unwrap();
            assert!((v - of(g)).abs() < 1e-3, "{measure} {}: {v} vs {}", g.key, of(g));
        }
        let human = ok(&["trend", "依法行政", "--by", "level", "--measure", measure]);
        assert!(!human.is_empty());
    }
    // The JSON series carry every measure whatever --measure is.
    let out = ok(&["trend", "依法行政", "--by", "level", "--json"]);
    let rows: Vec<RowData> = of_type(&out, "row");
    for (row, g) in rows.iter().zip(&groups) {
        assert_eq!(row.key, g.key);
        let share = row.series[0].reports_share.unwrap();
        assert!((share - g.reports_share).abs() < 1e-3, "{}: {share}", g.key);
    }
    let (code, _, _) = on_bundled(&["trend", "x", "--measure", "weekday"]);
    assert_eq!(code, 2);
}

/// `kwic` of a NEAR query highlights both words of each co-occurrence
/// in the terminal: the match and, in its context, the partner.
#[test]
fn kwic_highlights_the_near_partner() {
    let query = "法律顾问 NEAR/30 全覆盖";
    let colored = ok(&["kwic", query, "--color", "always"]);
    let json = ok(&["kwic", query, "--json"]);
    let lines: Vec<LineData> = of_type(&json, "line");
    let hot = "\x1b[0m\x1b[1m\x1b[31m";
    // One row per line, then the summary.
    let rows: Vec<&str> = colored.lines().collect();
    assert_eq!(rows.len(), lines.len() + 1);
    let mut partners_shown = 0;
    for (row, l) in rows.iter().zip(&lines) {
        let highlighted: Vec<&str> =
            row.split(hot).skip(1).map(|s| s.split("\x1b[0m").next().unwrap()).collect();
        assert!(highlighted.contains(&l.r#match.as_str()), "{row:?}");
        let p = l.partner.as_ref().expect("a NEAR line has a partner");
        let within = p.start + 20 >= l.start && p.end <= l.end + 20;
        if within {
            assert!(highlighted.contains(&"全覆盖"), "partner not highlighted: {row:?}");
            partners_shown += 1;
        }
    }
    assert!(partners_shown > 0);
}

/// `--by decade` adds up the decade's years (a regression: within one
/// segment, each decade held only one year's tally, so 2020s had 2 matching
/// reports of 1): every decade row is the sum of its year rows.
#[test]
fn decades_are_the_sum_of_their_years() {
    let (years, _) = count_groups(&["依法行政", "--by", "year"]);
    let (decades, total) = count_groups(&["依法行政", "--by", "decade"]);
    let mut summed: HashMap<String, (usize, usize, usize, u64)> = HashMap::new();
    for g in &years {
        let Ok(y) = g.key.parse::<i32>() else { continue };
        let e = summed.entry(format!("{}s", y / 10 * 10)).or_default();
        e.0 += g.reports;
        e.1 += g.reports_matching;
        e.2 += g.mentions;
        e.3 += g.chars;
    }
    for d in decades.iter().filter(|d| d.key.ends_with('s')) {
        let s = summed[&d.key];
        assert_eq!((d.reports, d.reports_matching, d.mentions, d.chars), s, "{}", d.key);
        assert!(d.reports_share <= 1.0, "{}", d.key);
    }
    let all: usize = decades.iter().map(|d| d.reports).sum();
    assert_eq!(all, total.reports);
}
