//! The commands as a user runs them: exit codes, JSON shapes, errors.

use serde::Deserialize;

use crate::util::{json_lines, on_bundled, Env};

/// `search --json` hit lines, parsed strictly (SPEC §4): an unknown or
/// missing field fails the test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct HitData {
    rank: usize,
    score: f64,
    report: ReportData,
    section: SectionData,
    passage: PassageData,
    matches: Vec<Span>,
    #[serde(default)]
    copies: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ReportData {
    id: String,
    path: String,
    title: Option<String>,
    province: Option<String>,
    city: Option<String>,
    county: Option<String>,
    township: Option<String>,
    level: Option<String>,
    issuer: Option<String>,
    year: Option<i32>,
    published: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SectionData {
    kinds: Vec<String>,
    heading: Option<String>,
    path: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PassageData {
    id: String,
    ordinal: u64,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Span {
    start: usize,
    end: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchSummary {
    hits: usize,
    reports: usize,
    #[allow(dead_code)]
    elapsed_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct GroupData {
    key: String,
    path: Option<String>,
    reports: usize,
    reports_matching: usize,
    reports_share: f64,
    passages_matching: usize,
    mentions: usize,
    chars: u64,
    per_10k_chars: f64,
}

#[test]
fn search_json_is_spec_shaped() {
    let (code, out, _) = on_bundled(&["search", "法律顾问", "--limit", "5", "--json"]);
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    let (last_type, last) = lines.last().unwrap();
    assert_eq!(last_type, "summary");
    let summary: SearchSummary = serde_json::from_value(last.clone()).unwrap();
    let hits: Vec<HitData> = lines[..lines.len() - 1]
        .iter()
        .map(|(t, d)| {
            assert_eq!(t, "hit");
            serde_json::from_value(d.clone()).unwrap()
        })
        .collect();
    assert_eq!(hits.len(), 5);
    assert!(summary.hits > 5, "summary counts all hits, not only printed ones");
    assert!(summary.reports >= 5);
    for (i, h) in hits.iter().enumerate() {
        assert_eq!(h.rank, i + 1);
        assert!(!h.matches.is_empty());
        assert!(h.matches.windows(2).all(|w| w[0].start <= w[1].start));
        assert!(h.matches.iter().all(|m| m.start < m.end));
        assert!(h.passage.ordinal >= 1);
        assert!(!h.section.kinds.is_empty());
    }
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "ranked");
}

#[test]
fn all_returns_every_hit() {
    let (_, out, _) = on_bundled(&["search", "法律顾问", "--all", "--json"]);
    let lines = json_lines(&out);
    let summary: SearchSummary = serde_json::from_value(lines.last().unwrap().1.clone()).unwrap();
    assert_eq!(lines.len() - 1, summary.hits);
}

#[test]
fn count_json_is_spec_shaped_and_consistent() {
    let (code, out, _) = on_bundled(&["count", "法律顾问", "--by", "year", "--json"]);
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    let groups: Vec<GroupData> = lines
        .iter()
        .filter(|(t, _)| t == "group")
        .map(|(_, d)| serde_json::from_value(d.clone()).unwrap())
        .collect();
    let (t, s) = lines.last().unwrap();
    assert_eq!(t, "summary");
    let summary: GroupData = serde_json::from_value(s.clone()).unwrap();
    assert_eq!(groups.iter().map(|g| g.mentions).sum::<usize>(), summary.mentions);
    assert_eq!(groups.iter().map(|g| g.reports).sum::<usize>(), summary.reports);
    assert_eq!(groups.iter().map(|g| g.chars).sum::<u64>(), summary.chars);
    for g in &groups {
        let rate = g.mentions as f64 * 10_000.0 / g.chars as f64;
        assert!((g.per_10k_chars - rate).abs() < 0.001, "{g:?}");
        assert!(g.reports_matching <= g.reports && g.reports_matching <= g.passages_matching);
    }
    // search and count agree on the number of matching passages
    let (_, out, _) = on_bundled(&["search", "法律顾问", "--json", "--limit", "1"]);
    let s: SearchSummary =
        serde_json::from_value(json_lines(&out).last().unwrap().1.clone()).unwrap();
    assert_eq!(s.hits, summary.passages_matching);
    assert_eq!(s.reports, summary.reports_matching);
}

#[test]
fn count_by_report_carries_the_path() {
    let (_, out, _) = on_bundled(&["count", "枫桥经验", "--by", "report", "--json"]);
    for (t, d) in json_lines(&out) {
        if t == "group" {
            let g: GroupData = serde_json::from_value(d).unwrap();
            assert!(g.path.is_some());
        }
    }
}

#[test]
fn exit_codes() {
    assert_eq!(on_bundled(&["search", "枫桥经验"]).0, 0);
    assert_eq!(on_bundled(&["search", "这个词语不会出现在任何报告里"]).0, 1);
    assert_eq!(on_bundled(&["count", "这个词语不会出现在任何报告里"]).0, 1);
    let (code, _, err) = on_bundled(&["search", "(法律顾问"]);
    assert_eq!(code, 2);
    assert!(err.contains("^"), "points at the problem: {err}");
    let (code, _, err) = on_bundled(&["search", "法律顾问", "--year", "二〇二三"]);
    assert_eq!(code, 2);
    assert!(err.contains("--year"), "{err}");
    let (code, _, err) = on_bundled(&["search", "法律顾问 year:二〇二三"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(on_bundled(&["search", "法律顾问", "--section", "nonsense"]).0, 2);
    assert_eq!(on_bundled(&["count", "x", "--by", "weekday"]).0, 2);
    assert_eq!(on_bundled(&["show", "nonexistent-id"]).0, 2);
    assert_eq!(on_bundled(&["search"]).0, 2, "missing query is a usage error");
    assert_eq!(on_bundled(&["frobnicate"]).0, 2);
    assert_eq!(on_bundled(&["--help"]).0, 0);
}

#[test]
fn boolean_queries_and_filters() {
    let hits = |args: &[&str]| -> usize {
        let mut a = vec!["search", "--json"];
        a.extend_from_slice(args);
        let (_, out, err) = on_bundled(&a);
        let l = json_lines(&out);
        assert!(!l.is_empty(), "{args:?}: {err}");
        l.last().unwrap().1["hits"].as_u64().unwrap() as usize
    };
    let a = hits(&["法律顾问"]);
    let b = hits(&["全覆盖"]);
    let both = hits(&["法律顾问 全覆盖"]);
    let either = hits(&["法律顾问 OR 全覆盖"]);
    let not = hits(&["法律顾问 -全覆盖"]);
    assert_eq!(both + not, a);
    assert_eq!(either, a + b - both);
    let near = hits(&["法律顾问 NEAR/10 全覆盖"]);
    assert!(near <= both && near >= 1, "{near} {both}");
    // NOT of a NEAR: passages where the words are far apart must not be
    // lost (they were, when the candidate query excluded every passage
    // with both words).
    let (a, both) = (hits(&["依法行政"]), hits(&["依法行政 法治政府"]));
    let near = hits(&["依法行政 NEAR/10 法治政府"]);
    assert!(near < both, "{near} {both}");
    assert_eq!(hits(&["依法行政 -(依法行政 NEAR/10 法治政府)"]) + near, a);
    // filters as flags and inside the query agree
    assert_eq!(hits(&["法律顾问", "--year", "2023"]), hits(&["法律顾问 year:2023"]));
    assert_eq!(hits(&["法律顾问", "--province", "四川"]), hits(&["法律顾问 province:四川省"]));
    assert!(hits(&["依法行政", "--level", "national", "--year", "1990..1999"]) > 0);
    let by_section = hits(&["法律顾问", "--section", "不足"]);
    assert_eq!(by_section, hits(&["法律顾问", "--section", "shortcomings"]));
}

#[test]
fn human_output_has_headers_and_footer() {
    let (code, out, _) = on_bundled(&["search", "枫桥经验", "--color", "never"]);
    assert_eq!(code, 0);
    assert!(out.contains("有庆镇 · 2024"), "{out}");
    assert!(out.lines().last().unwrap().contains("hits in"), "{out}");
    let (code, out, _) = on_bundled(&["search", "枫桥经验", "--color", "always"]);
    assert_eq!(code, 0);
    assert!(out.contains("\u{1b}["), "colored");
}

#[test]
fn show_prints_sections() {
    let (_, out, _) = on_bundled(&["search", "枫桥经验", "--json", "--limit", "1"]);
    let id = json_lines(&out)[0].1["report"]["id"].as_str().unwrap().to_string();
    let (code, out, _) = on_bundled(&["show", &id]);
    assert_eq!(code, 0);
    assert!(out.contains("══ ["), "{out}");
    let (code, out, _) = on_bundled(&["show", &id[..6], "--section", "不足", "--json"]);
    assert_eq!(code, 0);
    for (t, d) in json_lines(&out).into_iter().skip(1) {
        assert_eq!(t, "passage");
        assert!(d["section"]["kinds"].as_array().unwrap().iter().any(|k| k == "shortcomings"));
    }
}

#[test]
fn search_builds_a_missing_index_and_warns_on_change() {
    let env = Env::new();
    env.write("a.txt", "关于2023年法治政府建设情况的报告\n\n坚持和发展新时代枫桥经验。\n");
    let (code, out, err) = env.run(&["search", "枫桥经验"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("building it"), "{err}");
    assert!(out.contains("枫桥经验"));
    let (_, _, err) = env.run(&["search", "枫桥经验"]);
    assert!(!err.contains("warning"), "{err}");
    env.write("b.txt", "另一份报告，法律顾问。\n");
    let (code, _, err) = env.run(&["search", "枫桥经验"]);
    assert_eq!(code, 0);
    assert!(err.contains("changed since"), "{err}");
}

#[test]
fn index_summary_json() {
    let env = Env::new();
    env.write("a.txt", "第一份报告，枫桥经验。\n");
    env.write("sub/b.txt", "第二份报告，法律顾问。\n");
    env.write("sub/copy.txt", "第二份报告，法律顾问。\r\n");
    env.write("README.md", "not a report");
    let (code, out, err) = env.run(&["index", "--json"]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    assert_eq!(lines[0].0, "skipped");
    assert_eq!(lines[0].1["path"], "sub/copy.txt");
    assert_eq!(lines[0].1["reason"], "duplicate of sub/b.txt");
    let s = &lines.last().unwrap().1;
    assert_eq!(s["added"], 2);
    assert_eq!(s["skipped"], 1);
    let keys: Vec<_> = s.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
}

#[test]
fn damaged_index_is_a_clear_error() {
    let env = Env::new();
    env.write("a.txt", "报告，枫桥经验。\n");
    assert_eq!(env.run(&["index"]).0, 0);
    std::fs::write(env.index().join("meta.json"), "{ not json").unwrap();
    let (code, _, err) = env.run(&["search", "枫桥经验"]);
    assert_eq!(code, 2);
    assert!(err.contains("--full"), "{err}");
    assert_eq!(env.run(&["index"]).0, 2);
    let (code, _, err) = env.run(&["index", "--full"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(env.run(&["search", "枫桥经验"]).0, 0);
}

#[test]
fn ranking_does_not_depend_on_limit_and_offset_pages() {
    let ids = |args: &[&str]| -> Vec<String> {
        let mut argv = vec!["search", "--json"];
        argv.extend(args);
        let (code, out, err) = on_bundled(&argv);
        assert!(code == 0 || code == 1, "{err}");
        json_lines(&out)
            .into_iter()
            .filter(|(t, _)| t == "hit")
            .map(|(_, d)| {
                let hit: HitData = serde_json::from_value(d).unwrap();
                // The stable passage id is the report id and the ordinal.
                assert_eq!(hit.passage.id, format!("{}-{}", hit.report.id, hit.passage.ordinal));
                hit.passage.id
            })
            .collect()
    };
    for q in ["枫桥经验", "法律顾问 OR 全覆盖", "镇", "依法行政 NEAR/20 法治政府", "依法 year:2019"]
    {
        let all = ids(&[q, "--all"]);
        assert!(all.len() >= 3, "{q}: {}", all.len());
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len(), "{q}: passage ids are unique");
        for n in [1, 3, 10] {
            let top = ids(&[q, "--limit", &n.to_string()]);
            assert_eq!(top[..], all[..n.min(all.len())], "{q} --limit {n}");
        }
        let page = ids(&[q, "--offset", "2", "--limit", "3"]);
        assert_eq!(page[..], all[2.min(all.len())..5.min(all.len())], "{q} page 2");
    }
}

/// `search --collapse` folds near-duplicates under the best-ranked one:
/// the groups account for every hit, keep the ranking order, and the
/// bundled corpus's repeats (two printings of the 1959 and 1991 national
/// reports) do fold.
#[test]
fn collapse_folds_near_duplicates_in_ranking_order() {
    let hits = |args: &[&str]| -> Vec<HitData> {
        let mut argv = vec!["search", "--json"];
        argv.extend(args);
        let (code, out, err) = on_bundled(&argv);
        assert_eq!(code, 0, "{err}");
        json_lines(&out)
            .into_iter()
            .filter(|(t, _)| t == "hit")
            .map(|(_, d)| serde_json::from_value(d).unwrap())
            .collect()
    };
    let mut folded_somewhere = false;
    for q in ["法律顾问", "依法行政", "全面"] {
        let all = hits(&[q, "--all"]);
        assert!(all.iter().all(|h| h.copies.is_none()), "no copies field without --collapse");
        let groups = hits(&[q, "--all", "--collapse"]);
        let copies: usize = groups.iter().map(|h| 1 + h.copies.unwrap()).sum();
        assert_eq!(copies, all.len(), "{q}: every hit is in one group");
        folded_somewhere |= groups.len() < all.len();
        // The groups' heads are hits, in the same relative order.
        let order: Vec<&str> = all.iter().map(|h| h.passage.id.as_str()).collect();
        let pos: Vec<usize> = groups
            .iter()
            .map(|g| order.iter().position(|id| *id == g.passage.id).unwrap())
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{q}: {pos:?}");
        // Pages count groups.
        let page = hits(&[q, "--collapse", "--offset", "1", "--limit", "2"]);
        let ids = |v: &[HitData]| v.iter().map(|h| h.passage.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&page), ids(&groups[1.min(groups.len())..3.min(groups.len())]));
    }
    assert!(folded_somewhere);
}

#[test]
fn an_index_of_an_older_format_asks_for_a_full_rebuild() {
    let env = Env::new();
    env.write("a.txt", "关于2023年法治政府建设情况的报告\n\n坚持和发展新时代枫桥经验。\n");
    assert_eq!(env.run(&["index"]).0, 0);
    // What an index of format 5 says in its commit payload (format 6
    // left two-character words out of `words`: same schema, other content).
    let meta = env.index().join("meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    assert!(text.contains("\\\"format\\\":6"), "{text}");
    std::fs::write(&meta, text.replace("\\\"format\\\":6", "\\\"format\\\":5")).unwrap();
    let (code, _, err) = env.run(&["search", "枫桥经验"]);
    assert_eq!(code, 2);
    assert!(err.contains("older baogao") && err.contains("format 5"), "{err}");
    assert!(err.contains("baogao index --full"), "{err}");
    assert_eq!(env.run(&["index", "--full"]).0, 0);
    assert_eq!(env.run(&["search", "枫桥经验"]).0, 0);
}

/// `reports --json` lines, parsed strictly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportLineData {
    #[serde(flatten)]
    report: ReportData,
    sections: Vec<ReportSectionData>,
    chars: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportSectionData {
    kinds: Vec<String>,
    heading: Option<String>,
}

/// The metadata columns of a CSV row, as the JSON has them (empty = null).
fn csv_report_fields(r: &csv::StringRecord, from: usize) -> Vec<Option<String>> {
    (from..from + 10).map(|i| Some(r[i].to_string()).filter(|s| !s.is_empty())).collect()
}

fn json_report_fields(r: &ReportData) -> Vec<Option<String>> {
    vec![
        Some(r.path.clone()),
        r.title.clone(),
        r.province.clone(),
        r.city.clone(),
        r.county.clone(),
        r.township.clone(),
        r.level.clone(),
        r.issuer.clone(),
        r.year.map(|y| y.to_string()),
        r.published.clone(),
    ]
}

#[test]
fn search_csv_is_the_json_flattened() {
    let args = ["search", "法律顾问 OR 枫桥经验", "--limit", "100", "--offset", "2"];
    let (code, out, _) = on_bundled(&[&args[..], &["--json"]].concat());
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    let hits: Vec<HitData> = lines[..lines.len() - 1]
        .iter()
        .map(|(_, d)| serde_json::from_value(d.clone()).unwrap())
        .collect();
    let (code, out, _) = on_bundled(&[&args[..], &["--csv"]].concat());
    assert_eq!(code, 0);
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "rank",
            "score",
            "id",
            "report",
            "path",
            "title",
            "province",
            "city",
            "county",
            "township",
            "level",
            "issuer",
            "year",
            "published",
            "ordinal",
            "kinds",
            "heading",
            "heading_path",
            "matches",
            "text"
        ]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), hits.len(), "one row per hit shown, no summary row");
    assert!(rows.len() >= 10, "{}", rows.len());
    for (r, h) in rows.iter().zip(&hits) {
        assert_eq!(r[0].parse::<usize>().unwrap(), h.rank);
        assert!((r[1].parse::<f64>().unwrap() - h.score).abs() < 1e-3);
        assert_eq!(&r[2], h.passage.id);
        assert_eq!(&r[3], h.report.id);
        assert_eq!(csv_report_fields(r, 4), json_report_fields(&h.report));
        assert_eq!(r[14].parse::<u64>().unwrap(), h.passage.ordinal);
        assert_eq!(&r[15], h.section.kinds.join(";"));
        assert_eq!(&r[16], h.section.heading.clone().unwrap_or_default());
        assert_eq!(&r[17], h.section.path.join(" › "));
        let spans: Vec<String> =
            h.matches.iter().map(|m| format!("{}-{}", m.start, m.end)).collect();
        assert_eq!(&r[18], spans.join(";"));
        // The original text, whole: each span is a mention of a query word.
        assert_eq!(&r[19], h.passage.text);
        let chars: Vec<char> = r[19].chars().collect();
        for m in &h.matches {
            let word: String = chars[m.start..m.end].iter().collect();
            assert!(["法律顾问", "枫桥经验"].contains(&word.as_str()), "{word}");
        }
    }
    assert_eq!(rows[0][0].to_string(), "3", "ranks count from the offset");
    // --collapse: a `copies` column before `text`, as `copies` in JSON.
    let args = ["search", "政府工作报告", "--collapse", "--all"];
    let (_, out, _) = on_bundled(&[&args[..], &["--json"]].concat());
    let lines = json_lines(&out);
    let copies: Vec<u64> =
        lines[..lines.len() - 1].iter().map(|(_, d)| d["copies"].as_u64().unwrap()).collect();
    assert!(copies.iter().any(|&n| n > 0), "the bundled corpus has near-duplicates");
    let (_, out, _) = on_bundled(&[&args[..], &["--csv"]].concat());
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[18..], ["matches", "copies", "text"]);
    let got: Vec<u64> = rd.records().map(|r| r.unwrap()[19].parse().unwrap()).collect();
    assert_eq!(got, copies);
    // A query nothing matches: the header alone, exit 1.
    let (code, out, _) = on_bundled(&["search", "没有这个词语的报告", "--csv"]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn reports_csv_is_the_json_flattened() {
    for filter in [&[][..], &["--missing", "published"], &["--level", "county"]] {
        let (code, out, _) = on_bundled(&[&["reports", "--json"][..], filter].concat());
        assert_eq!(code, 0);
        let reports: Vec<ReportLineData> = json_lines(&out)
            .into_iter()
            .map(|(t, d)| {
                assert_eq!(t, "report");
                serde_json::from_value(d).unwrap()
            })
            .collect();
        let (code, out, _) = on_bundled(&[&["reports", "--csv"][..], filter].concat());
        assert_eq!(code, 0);
        let mut rd = csv::Reader::from_reader(out.as_bytes());
        assert_eq!(
            rd.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "id",
                "path",
                "title",
                "province",
                "city",
                "county",
                "township",
                "level",
                "issuer",
                "year",
                "published",
                "chars",
                "sections",
                "headings"
            ]
        );
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), reports.len(), "{filter:?}");
        for (r, j) in rows.iter().zip(&reports) {
            assert_eq!(&r[0], j.report.id);
            assert_eq!(csv_report_fields(r, 1), json_report_fields(&j.report));
            assert_eq!(r[11].parse::<u64>().unwrap(), j.chars);
            let kinds: Vec<String> = j.sections.iter().map(|s| s.kinds.join("+")).collect();
            assert_eq!(&r[12], kinds.join(";"));
            let headings: Vec<String> =
                j.sections.iter().map(|s| s.heading.clone().unwrap_or_default()).collect();
            assert_eq!(&r[13], headings.join(";"));
        }
    }
    let (code, _, err) = on_bundled(&["reports", "--csv", "--explain"]);
    assert_eq!(code, 2, "{err}");
}

/// The subcommands `baogao --help` lists.
fn subcommands() -> Vec<String> {
    let (code, out, _) = on_bundled(&["--help"]);
    assert_eq!(code, 0);
    let names: Vec<String> = out
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(String::from)
        .collect();
    assert!(names.len() >= 14 && names.contains(&"man".into()), "{names:?}");
    names
}

#[test]
fn completions_name_every_subcommand() {
    let names = subcommands();
    let env = Env::new();
    // No corpus and no index needed: an empty folder will do.
    let (code, bash, err) = env.run(&["completions", "bash"]);
    assert_eq!(code, 0, "{err}");
    assert!(bash.contains("complete -F _baogao") && bash.contains("baogao"), "{bash}");
    // The root's candidates: the line `opts="…"` that offers the commands.
    let root = bash.lines().find(|l| l.contains("opts=\"") && l.contains("search")).unwrap();
    for n in &names {
        assert!(root.split(['"', ' ']).any(|w| w == n), "{n} in {root}");
    }
    assert!(bash.contains("--missing") && bash.contains("--csv"), "flags complete too");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let (code, script, err) = env.run(&["completions", shell]);
        assert_eq!(code, 0, "{err}");
        for n in &names {
            assert!(script.contains(n.as_str()), "{n} in {shell}");
        }
    }
    assert_eq!(env.run(&["completions", "tcsh"]).0, 2, "an unknown shell is a usage error");
    // `| head`: a closed pipe is not an error.
    for args in [&["completions", "bash"][..], &["man"]] {
        let mut child = env
            .cmd()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(!env.index().exists(), "no index was built");
}

#[test]
fn man_page_has_every_subcommand() {
    let names = subcommands();
    let env = Env::new();
    let (code, man, err) = env.run(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(man.lines().any(|l| l.starts_with(".TH baogao 1")), "{}", &man[..200]);
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH \"EXIT STATUS\""] {
        assert!(man.contains(section), "{section}");
    }
    for n in &names {
        assert!(man.contains(&format!(".SH \"BAOGAO {}\"", n.to_uppercase())), "{n}");
        assert!(man.contains(&format!("baogao {n}")), "{n} synopsis");
    }
    // Flag docs come from the clap definitions.
    assert!(man.contains("\\-\\-missing") && man.contains("national, province, city"));
    assert!(!env.index().exists(), "no index was built");
}

/// A passage's heading path is kept once per report (format 5: a number
/// into the record's table of paths): every passage gets its own path back,
/// in `search` and `show`, also after a reindex that only restamps the file.
#[test]
fn heading_paths_come_back_per_passage() {
    let env = Env::new();
    env.write(
        "r.txt",
        "某镇2023年法治政府建设年度报告\n\n一、主要举措和成效\n\n（一）聘请法律顾问\n\n全镇聘请法律顾问一名。\n\n（二）矛盾纠纷化解\n\n坚持枫桥经验，化解纠纷。\n\n二、存在的不足\n\n法律顾问作用发挥不够。\n",
    );
    assert_eq!(env.run(&["index"]).0, 0);
    let paths = |env: &Env| -> Vec<(String, Vec<String>)> {
        let (code, out, err) = env.run(&["search", "法律顾问 OR 枫桥经验", "--all", "--json"]);
        assert_eq!(code, 0, "{err}");
        let mut v: Vec<(String, Vec<String>)> = json_lines(&out)
            .into_iter()
            .filter(|(t, _)| t == "hit")
            .map(|(_, d)| {
                let path = d["section"]["path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h.as_str().unwrap().to_string())
                    .collect();
                (d["passage"]["text"].as_str().unwrap().to_string(), path)
            })
            .collect();
        v.sort();
        v
    };
    let want = vec![
        (
            "坚持枫桥经验，化解纠纷。".to_string(),
            vec!["一、主要举措和成效".into(), "（二）矛盾纠纷化解".into()],
        ),
        (
            "全镇聘请法律顾问一名。".to_string(),
            vec!["一、主要举措和成效".into(), "（一）聘请法律顾问".into()],
        ),
        ("法律顾问作用发挥不够。".to_string(), vec!["二、存在的不足".into()]),
        (
            "（一）聘请法律顾问".to_string(),
            vec!["一、主要举措和成效".into(), "（一）聘请法律顾问".into()],
        ),
    ];
    let mut want = want;
    want.sort();
    assert_eq!(paths(&env), want);
    // A new modification time alone rewrites only the record (restamp).
    let file = env.corpus().join("r.txt");
    let f = std::fs::File::options().append(true).open(&file).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).unwrap();
    drop(f);
    assert_eq!(env.run(&["index"]).0, 0);
    assert_eq!(paths(&env), want);
}
