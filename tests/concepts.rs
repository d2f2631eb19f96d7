//! Concepts (`@name`): expansion in every command, concept files, and the
//! built-in concepts checked against the bundled corpus for precision
//! (every passage a default concept matches is about what its name
//! promises) and, by spot checks, recall.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{json_lines, on_bundled, run, Env};

/// Runs on the bundled index and insists on exit 0.
fn ok(args: &[&str]) -> String {
    let (code, out, err) = on_bundled(args);
    assert_eq!(code, 0, "{args:?} exited {code}: {err}");
    out
}

/// `concepts --json` on the bundled corpus: name → data.
fn default_concepts() -> Vec<(String, Value)> {
    let lines = json_lines(&ok(&["concepts", "--json"]));
    let (last, concepts) = lines.split_last().unwrap();
    assert_eq!(last.0, "summary");
    concepts
        .iter()
        .map(|(t, d)| {
            assert_eq!(t, "concept");
            (d["name"].as_str().unwrap().to_string(), d.clone())
        })
        .collect()
}

/// Every passage a query matches: (report id, passage ordinal) → text.
fn hits(query: &str) -> Vec<((String, u64), String)> {
    let (code, out, err) = on_bundled(&["search", query, "--all", "--json"]);
    assert!(code == 0 || code == 1, "search {query:?} exited {code}: {err}");
    json_lines(&out)
        .into_iter()
        .filter(|(t, _)| t == "hit")
        .map(|(_, d)| {
            let key = (
                d["report"]["id"].as_str().unwrap().to_string(),
                d["passage"]["ordinal"].as_u64().unwrap(),
            );
            (key, d["passage"]["text"].as_str().unwrap().to_string())
        })
        .collect()
}

fn keys(h: &[((String, u64), String)]) -> BTreeSet<(String, u64)> {
    h.iter().map(|(k, _)| k.clone()).collect()
}

/// What each default concept promises, written by hand and independently
/// of its query: every matching passage must contain all of `all` and at
/// least one of `any` (after normalization), and the passage containing
/// `recall` must be among the hits.
struct Promise {
    name: &'static str,
    all: &'static [&'static str],
    any: &'static [&'static str],
    recall: &'static str,
}

const PROMISES: &[Promise] = &[
    Promise {
        name: "枫桥经验",
        all: &["枫桥"],
        any: &["经验", "枫桥式"],
        recall: "坚持和发展新时代“枫桥经验”",
    },
    Promise {
        name: "法律顾问覆盖",
        all: &["法律顾问"],
        any: &["覆盖", "一村", "各村", "每个村", "村居"],
        recall: "实现各村(社区)法律顾问全覆盖",
    },
    Promise {
        name: "矛盾纠纷化解",
        all: &[],
        any: &["纠纷化解", "纠纷调解", "人民调解", "多元化解", "大调解", "纠纷", "调解"],
        recall: "2024年全镇共排查各类矛盾纠纷516起",
    },
    Promise {
        name: "行政执法三项制度",
        all: &["执法"],
        any: &["三项制度", "公示", "全过程", "法制审核", "法制审查", "审查"],
        recall: "推动行政执法公示、执法全过程记录",
    },
    Promise {
        name: "谁执法谁普法",
        all: &["普法"],
        any: &["谁执法", "谁主管", "谁服务", "责任"],
        recall: "谁执法谁普法责任制有待加强",
    },
    Promise {
        name: "法治宣传",
        all: &["法"],
        any: &["普法", "宣传", "教育", "明白人", "法治文化"],
        recall: "加大法治宣传力度",
    },
    Promise {
        name: "依法决策",
        all: &[],
        any: &["决策", "合法性审查"],
        recall: "落实重大行政决策制度",
    },
    Promise {
        name: "法治建设第一责任人",
        all: &["第一责任人"],
        any: &["法治", "法制", "依法"],
        recall: "镇党政主要负责人作为法治建设第一责任人",
    },
    Promise {
        name: "政务公开",
        all: &["公开"],
        any: &["政务", "政府信息", "依申请"],
        recall: "大力推行政府信息公开",
    },
    Promise {
        name: "行政复议与应诉",
        all: &[],
        any: &["复议", "应诉", "行政诉讼"],
        recall: "出庭应诉率达到100%",
    },
    Promise {
        name: "放管服与营商环境",
        all: &[],
        any: &["放管", "营商环境", "简政放权"],
        recall: "深化“放管服”改革，构建一流营商环境",
    },
    Promise {
        name: "基层治理",
        all: &[],
        any: &["治理", "网格化管理", "德治"],
        recall: "探索创新现代化基层治理模式",
    },
    Promise {
        name: "公共法律服务",
        all: &[],
        any: &["法律援助", "法律服务"],
        recall: "法律服务体系逐渐完善",
    },
];

#[test]
fn every_default_concept_is_precise_on_the_bundled_corpus() {
    let norm = baogao::text::normalize;
    let defaults = default_concepts();
    for p in PROMISES {
        assert!(defaults.iter().any(|(n, _)| n == p.name), "no default concept {}", p.name);
    }
    for (name, _) in &defaults {
        assert!(
            PROMISES.iter().any(|p| p.name == name),
            "default @{name} has no test of its promise"
        );
    }
    for p in PROMISES {
        let h = hits(&format!("@{}", p.name));
        assert!(!h.is_empty(), "@{} matches nothing in the bundled corpus", p.name);
        for (key, text) in &h {
            let t = norm(text);
            let all = p.all.iter().all(|w| t.contains(&norm(w)));
            let any = p.any.iter().any(|w| t.contains(&norm(w)));
            assert!(all && any, "@{} matches {key:?}, which is not about it: {text}", p.name);
        }
        let recall = norm(p.recall);
        assert!(
            h.iter().any(|(_, text)| norm(text).contains(&recall)),
            "@{} misses the passage with {:?}",
            p.name,
            p.recall
        );
    }
}

#[test]
fn a_concept_finds_what_its_query_written_out_finds() {
    for (name, data) in default_concepts() {
        let query = data["query"].as_str().unwrap();
        let by_name = hits(&format!("@{name}"));
        assert_eq!(keys(&by_name), keys(&hits(query)), "@{name} vs {query}");
        assert_eq!(
            data["passages_matching"].as_u64().unwrap() as usize,
            by_name.len(),
            "concepts --json counts @{name} like search"
        );
    }
    // The example of the brief, with the definition it names.
    let fengqiao = hits("@枫桥经验");
    assert_eq!(keys(&fengqiao), keys(&hits("枫桥经验 OR 枫桥式")));
    // Five passages in the township reports, nine in the province, city
    // and county reports added for issue #8.
    assert_eq!(fengqiao.len(), 14);
    // Inside a larger query, with filters and negation.
    assert_eq!(
        keys(&hits("@枫桥经验 -派出所 year:2019..2024")),
        keys(&hits("(枫桥经验 OR 枫桥式) -派出所 year:2019..2024"))
    );
}

#[test]
fn count_and_kwic_and_trend_take_concepts() {
    let out = ok(&["count", "@法律顾问覆盖", "--by", "report", "--json"]);
    let lines = json_lines(&out);
    let matching: Vec<&Value> = lines
        .iter()
        .filter(|(t, d)| t == "group" && d["reports_matching"].as_u64() == Some(1))
        .map(|(_, d)| d)
        .collect();
    assert!(
        matching.iter().any(|d| d["path"].as_str().unwrap().starts_with("000_")),
        "seed 000 counts: {out}"
    );
    let summary = &lines.last().unwrap().1;
    assert_eq!(
        summary["passages_matching"].as_u64().unwrap() as usize,
        hits("@法律顾问覆盖").len()
    );

    let (code, out, _) = on_bundled(&["kwic", "@枫桥经验", "--json"]);
    assert_eq!(code, 0);
    let (code, written_out, _) = on_bundled(&["kwic", "枫桥经验 OR 枫桥式", "--json"]);
    assert_eq!(code, 0);
    let rows = |s: &str| json_lines(s).into_iter().filter(|(t, _)| t != "summary").count();
    assert_eq!(rows(&out), rows(&written_out));

    let out = ok(&["trend", "@枫桥经验", "@法律顾问覆盖", "--by", "level", "--json"]);
    assert!(out.contains("@枫桥经验"), "{out}");
}

/// For every built-in concept and a few NEAR queries, the three views of
/// mentions agree (SPEC §4: one mention per NEAR co-occurrence, context
/// words not counted): `kwic` lines = `count` mentions = the sum of
/// `trend --measure mentions` cells, and each NEAR line names its partner.
#[test]
fn kwic_count_and_trend_agree_on_mentions_for_every_concept() {
    let mut queries: Vec<String> =
        default_concepts().into_iter().map(|(name, _)| format!("@{name}")).collect();
    queries.extend(
        ["法律顾问 NEAR/30 全覆盖", "执法 NEAR/10 (培训 OR 考试)", "镇 NEAR/5 村"]
            .map(String::from),
    );
    for q in &queries {
        let (code, out, err) = on_bundled(&["count", q, "--json"]);
        assert!(code == 0 || code == 1, "{q}: {err}");
        let mentions = json_lines(&out).last().unwrap().1["mentions"].as_u64().unwrap();
        let (_, out, _) = on_bundled(&["kwic", q, "--json"]);
        let lines: Vec<Value> =
            json_lines(&out).into_iter().filter(|(t, _)| t == "line").map(|(_, d)| d).collect();
        assert_eq!(lines.len() as u64, mentions, "{q}: kwic lines vs count mentions");
        if q.contains("NEAR") {
            assert!(lines.iter().all(|l| l["partner"].is_object()), "{q}: a partner per line");
        }
        let (_, out, _) =
            on_bundled(&["trend", q, "--by", "year", "--measure", "mentions", "--csv"]);
        let cells: u64 = csv::Reader::from_reader(out.as_bytes())
            .records()
            .map(|r| r.unwrap()[3].parse::<u64>().unwrap_or(0))
            .sum();
        assert_eq!(cells, mentions, "{q}: trend cells vs count mentions");
    }
}

#[test]
fn an_unknown_concept_lists_the_known_ones() {
    let (code, out, err) = on_bundled(&["search", "@法律顾问"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("unknown concept @法律顾问; known concepts: @法律顾问覆盖 "), "{err}");
    assert!(err.contains("@枫桥经验"), "{err}");
    let (code, _, err) = on_bundled(&["concepts", "枫桥"]);
    assert_eq!(code, 2);
    assert!(err.contains("known concepts: @枫桥经验"), "{err}");
}

#[test]
fn concepts_json_and_csv() {
    let lines = json_lines(&ok(&["concepts", "--json", "--level", "township"]));
    let (summary, concepts) = lines.split_last().unwrap();
    assert_eq!(summary.0, "summary");
    assert_eq!(summary.1["concepts"].as_u64().unwrap() as usize, concepts.len());
    assert!(concepts.len() >= 10);
    for (t, d) in concepts {
        assert_eq!(t, "concept");
        for k in ["name", "source", "query", "reports_matching", "passages_matching", "mentions"] {
            assert!(!d[k].is_null(), "{k} missing in {d}");
        }
        assert_eq!(d["source"], "default");
        assert!(d["description"].is_string());
    }
    // Filters restrict the counts like they restrict count.
    let fq = concepts.iter().find(|(_, d)| d["name"] == "枫桥经验").unwrap();
    let count = json_lines(&ok(&["count", "@枫桥经验", "--level", "township", "--json"]));
    let total = &count.last().unwrap().1;
    assert_eq!(fq.1["passages_matching"], total["passages_matching"]);
    assert_eq!(fq.1["mentions"], total["mentions"]);

    let csv = ok(&["concepts", "--csv", "法律顾问覆盖", "@枫桥经验"]);
    let mut rows = csv.lines();
    assert!(rows.next().unwrap().starts_with("name,source,query,description,reports_matching"));
    assert!(rows.next().unwrap().starts_with("法律顾问覆盖,default,"));
    assert!(rows.next().unwrap().starts_with("枫桥经验,default,"));
    assert!(rows.next().is_none());

    let human = ok(&["concepts"]);
    assert!(human.contains("@法律顾问覆盖"), "{human}");
    assert!(human.contains("reports searched"), "{human}");
}

/// A corpus of two small reports with a concept file.
fn env_with_concepts(toml: &str) -> Env {
    let env = Env::new();
    env.write(
        "a.txt",
        "甲镇2023年法治政府建设工作报告\n\n一、主要举措\n\n我镇推行“一村一辅警”制度，辅警全覆盖。\n\n坚持和发展新时代“枫桥经验”。\n",
    );
    env.write(
        "b.txt",
        "乙镇2022年法治政府建设工作报告\n\n一、主要举措\n\n辅警队伍建设稳步推进。\n",
    );
    env.write("baogao.toml", toml);
    env
}

#[test]
fn a_corpus_file_adds_concepts_to_every_command() {
    let env = env_with_concepts(
        "[concepts]\n\"辅警覆盖\" = { query = '辅警 NEAR/10 (全覆盖 OR 一村一辅警)', description = '每村一名辅警' }\n\
         both = '@辅警覆盖 OR @枫桥经验'\n",
    );
    let (code, out, err) = env.run(&["search", "@辅警覆盖", "--json"]);
    assert_eq!(code, 0, "{err}");
    let summary = json_lines(&out).pop().unwrap().1;
    assert_eq!(summary["hits"], 1);
    let (code, out, _) = env.run(&["count", "@both", "--by", "report", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(json_lines(&out).pop().unwrap().1["passages_matching"], 2);
    let (code, out, _) = env.run(&["kwic", "@辅警覆盖"]);
    assert_eq!(code, 0);
    assert!(out.contains("辅警"), "{out}");
    // baogao.toml is not a report.
    let (_, out, _) = env.run(&["reports", "--json"]);
    assert_eq!(json_lines(&out).iter().filter(|(t, _)| t == "report").count(), 2);
    // concepts lists it with its file and description, after the defaults.
    let (code, out, _) = env.run(&["concepts", "--json"]);
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    let mine = lines.iter().find(|(_, d)| d["name"] == "辅警覆盖").unwrap();
    assert_eq!(mine.1["description"], "每村一名辅警");
    assert!(mine.1["source"].as_str().unwrap().ends_with("baogao.toml"));
    assert_eq!(mine.1["reports_matching"], 1);
    assert_eq!(lines[0].1["name"], "枫桥经验");
}

#[test]
fn the_corpus_file_wins_over_the_current_folder() {
    let env = env_with_concepts("[concepts]\n\"枫桥经验\" = '辅警'\n");
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join("baogao.toml"),
        "[concepts]\n\"枫桥经验\" = '法治'\nmine = '报告'\n",
    )
    .unwrap();
    let (code, out, err) =
        run(env.cmd().current_dir(cwd.path()).args(["search", "@枫桥经验", "--json"]));
    assert_eq!(code, 0, "{err}");
    // The corpus file's 辅警 (2 passages), not the cwd's 法治 nor the default.
    assert_eq!(json_lines(&out).pop().unwrap().1["hits"], 2);
    let (code, _, err) = run(env.cmd().current_dir(cwd.path()).args(["search", "@mine"]));
    assert_eq!(code, 0, "the current folder's own concepts are there too: {err}");
}

#[test]
fn a_broken_concept_file_is_an_error_naming_the_file_and_concept() {
    let env = env_with_concepts("[concepts]\nok = '辅警'\nbad = '辅警 NEAR/5 (全覆盖'\n");
    let (code, out, err) = env.run(&["search", "@ok"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("baogao.toml, line 3: concept \"bad\": bad query at character"), "{err}");
    // Queries without concepts do not read the file.
    let (code, _, err) = env.run(&["search", "辅警"]);
    assert_eq!(code, 0, "{err}");

    let env = env_with_concepts("[concepts]\ny = 'year:2023 辅警'\n");
    let (code, _, err) = env.run(&["count", "@y"]);
    assert_eq!(code, 2);
    assert!(err.contains("concept \"y\"") && err.contains("has filters"), "{err}");

    let env = env_with_concepts("[concepts]\na = '@b'\nb = '辅警 OR @a'\n");
    let (code, _, err) = env.run(&["concepts"]);
    assert_eq!(code, 2);
    assert!(err.contains("concept cycle: a → b → a"), "{err}");

    let env = env_with_concepts("[concepts]\n辅警覆盖 = '辅警'\n");
    let (code, _, err) = env.run(&["search", "@辅警覆盖"]);
    assert_eq!(code, 2);
    assert!(err.contains("TOML parse error") && err.contains("must be quoted"), "{err}");
}
