//! Incremental reindexing: after every change the index equals a clean
//! build of the same corpus; no-op runs change nothing; a killed build
//! leaves the last commit searchable; two builds at once are refused.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::util::{baogao, json_lines, root, run, Env};

const QUERIES: &[&str] = &["法治", "枫桥经验", "法律顾问", "镇", "2023年", "依法行政 OR 普法"];

/// Everything a user can observe of an index: report records (without
/// file stamps) and per-report mentions for a few queries.
fn observe(index: &Path, corpus: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let (_, reports, _) = run(baogao(index, corpus).args(["reports", "--json"]));
    let mut lines: Vec<String> = reports.lines().map(String::from).collect();
    lines.sort();
    out.extend(lines);
    for q in QUERIES {
        let (_, groups, _) =
            run(baogao(index, corpus).args(["count", q, "--by", "report", "--json"]));
        let mut lines: Vec<String> = groups.lines().map(String::from).collect();
        lines.sort();
        out.extend(lines);
    }
    out
}

/// Index `env` incrementally and compare with a clean build in a fresh
/// folder; returns the incremental summary.
fn reindex_equals_clean(env: &Env) -> Value {
    let (code, out, err) = env.run(&["index", "--json"]);
    assert_eq!(code, 0, "{err}");
    let summary = json_lines(&out).pop().unwrap().1;
    let clean = env.dir.path().join("clean-index");
    let _ = std::fs::remove_dir_all(&clean);
    let (code, clean_out, err) = run(baogao(&clean, &env.corpus()).args(["index", "--json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(observe(&env.index(), &env.corpus()), observe(&clean, &env.corpus()));
    // the same files are skipped, for the same reasons
    let skipped = |s: &str| -> Vec<String> {
        json_lines(s)
            .into_iter()
            .filter(|(t, _)| t == "skipped")
            .map(|(_, d)| d.to_string())
            .collect()
    };
    assert_eq!(skipped(&out), skipped(&clean_out));
    summary
}

fn counts(s: &Value) -> [u64; 5] {
    ["added", "updated", "removed", "unchanged", "skipped"].map(|k| s[k].as_u64().unwrap())
}

fn report(n: usize, town: &str, extra: &str) -> String {
    format!(
        "{town}关于2023年法治政府建设情况的报告\n\n一、主要举措和成效\n\n（一）第{n}项工作。坚持新时代枫桥经验，法律顾问全覆盖。{extra}\n\n二、存在的不足\n\n依法行政能力有待提升。\n"
    )
}

#[test]
fn add_change_remove_rename_converge_to_a_clean_build() {
    let env = Env::new();
    env.write("a.txt", report(1, "有庆镇", ""));
    env.write("b/b.txt", report(2, "濮院镇", ""));
    env.write("c.txt", report(3, "巴阳镇", ""));
    assert_eq!(counts(&reindex_equals_clean(&env)), [3, 0, 0, 0, 0]);

    // no-op: nothing read, nothing committed
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 0, 0, 3, 0]);

    // add one, change one
    env.write("d.txt", report(4, "燕山乡", "普法宣传。"));
    std::thread::sleep(Duration::from_millis(20));
    env.write("a.txt", report(1, "有庆镇", "新增的一句话。"));
    assert_eq!(counts(&reindex_equals_clean(&env)), [1, 1, 0, 2, 0]);

    // remove one
    std::fs::remove_file(env.corpus().join("c.txt")).unwrap();
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 0, 1, 3, 0]);

    // rename: a removal and an addition
    std::fs::rename(env.corpus().join("d.txt"), env.corpus().join("b/e.txt")).unwrap();
    assert_eq!(counts(&reindex_equals_clean(&env)), [1, 0, 1, 2, 0]);

    // touch without changing the content: unchanged, and no warning later
    let bytes = std::fs::read(env.corpus().join("a.txt")).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(env.corpus().join("a.txt"), bytes).unwrap();
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 0, 0, 3, 0]);
    let (_, _, err) = env.run(&["search", "枫桥经验"]);
    assert!(!err.contains("changed since"), "{err}");
}

#[test]
fn ids_are_stable_across_reindexes() {
    let env = Env::new();
    env.write("a.txt", report(1, "有庆镇", ""));
    env.write("b.txt", report(2, "濮院镇", ""));
    env.run(&["index"]);
    let ids = |env: &Env| -> Vec<(String, String)> {
        let (_, out, _) = env.run(&["reports", "--json"]);
        let mut v: Vec<_> = json_lines(&out)
            .into_iter()
            .map(|(_, d)| (d["path"].as_str().unwrap().into(), d["id"].as_str().unwrap().into()))
            .collect();
        v.sort();
        v
    };
    let before = ids(&env);
    env.write("0.txt", report(0, "燕山乡", ""));
    env.write("a.txt", report(1, "有庆镇", "改动。"));
    env.run(&["index"]);
    let after = ids(&env);
    for (path, id) in &before {
        assert!(after.contains(&(path.clone(), id.clone())), "{path} kept its id");
    }
    env.run(&["index", "--full"]);
    assert_eq!(ids(&env), after, "--full keeps ids too");
}

#[test]
fn duplicates_converge() {
    let env = Env::new();
    env.write("m.txt", report(1, "有庆镇", ""));
    env.write("z.txt", report(1, "有庆镇", "")); // duplicate of m.txt
    assert_eq!(counts(&reindex_equals_clean(&env)), [1, 0, 0, 0, 1]);
    // a twin that sorts first takes the place of m.txt
    env.write("a.txt", report(1, "有庆镇", ""));
    assert_eq!(counts(&reindex_equals_clean(&env)), [1, 0, 1, 0, 2]);
    // remove the original: the next twin is indexed again
    std::fs::remove_file(env.corpus().join("a.txt")).unwrap();
    assert_eq!(counts(&reindex_equals_clean(&env)), [1, 0, 1, 0, 1]);
    // change the indexed one: the duplicate becomes the original
    env.write("m.txt", report(9, "有庆镇", "完全不同。"));
    assert_eq!(counts(&reindex_equals_clean(&env)), [1, 1, 0, 0, 0]);
}

#[test]
fn skipped_files_are_remembered_and_revisited() {
    let env = Env::new();
    env.write("a.txt", report(1, "有庆镇", ""));
    env.write("empty.txt", "");
    assert_eq!(counts(&reindex_equals_clean(&env)), [1, 0, 0, 0, 1]);
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 0, 0, 1, 1]);
    env.write("empty.txt", report(5, "濮院镇", ""));
    assert_eq!(counts(&reindex_equals_clean(&env)), [1, 0, 0, 1, 0]);
    env.write("a.txt", "");
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 0, 1, 1, 1]);
}

#[test]
fn second_build_is_refused_while_one_runs() {
    let env = Env::new();
    env.write("a.txt", report(1, "有庆镇", ""));
    assert_eq!(env.run(&["index"]).0, 0);
    let _lock = baogao::index::store::BuildLock::acquire(&env.index()).unwrap();
    let (code, _, err) = env.run(&["index"]);
    assert_eq!(code, 2);
    assert!(err.contains("locked"), "{err}");
    // searching is not affected by the lock
    assert_eq!(env.run(&["search", "枫桥经验"]).0, 0);
}

/// A build killed with SIGKILL at some point leaves the last commit
/// searchable; the next run converges to a clean build.
#[test]
fn killed_build_leaves_the_last_commit() {
    let env = Env::new();
    let status = Command::new("python3")
        .arg(root().join("tools/gen-corpus"))
        .args(["--reports", "150", "--seed", "5", "--out"])
        .arg(env.corpus())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(env.run(&["index"]).0, 0);
    let before = observe(&env.index(), &env.corpus());

    // Change every report, then kill the rebuild at several moments.
    for (i, entry) in walk(&env.corpus()).iter().enumerate() {
        if i % 2 == 0 {
            let mut text = std::fs::read_to_string(entry).unwrap_or_default();
            text.push_str("\n新增段落：坚持和发展新时代枫桥经验。\n");
            std::fs::write(entry, text).unwrap();
        }
    }
    let after = observe_clean(&env);
    assert_ne!(before, after);
    for delay in [100u64, 600, 1500] {
        let mut child = env.cmd().args(["index", "--full"]).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        // The last commit is intact and searchable: a --full build commits
        // once, at the end, so the index is either the old one or (if the
        // kill came after the commit) the new one, never a mix.
        assert_eq!(env.run(&["search", "法治"]).0, 0, "kill at {delay} ms");
        let now = observe(&env.index(), &env.corpus());
        assert!(now == before || now == after, "kill at {delay} ms left a mixed index");
    }
    reindex_equals_clean(&env);
}

fn observe_clean(env: &Env) -> Vec<String> {
    let clean = env.dir.path().join("clean-index");
    let _ = std::fs::remove_dir_all(&clean);
    run(baogao(&clean, &env.corpus()).args(["index"]));
    observe(&clean, &env.corpus())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|e| e == "txt") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn changing_an_override_reindexes_the_report() {
    let env = Env::new();
    env.write("a.txt", report(1, "", ""));
    env.write("b.txt", report(2, "", "不同。"));
    assert_eq!(counts(&reindex_equals_clean(&env)), [2, 0, 0, 0, 0]);
    let township = |env: &Env, path: &str| -> Value {
        let (_, out, _) = env.run(&["reports", "--json"]);
        json_lines(&out).into_iter().find(|(_, d)| d["path"] == path).unwrap().1["township"].clone()
    };
    // a sidecar appears
    env.write("a.meta.toml", "township = \"有庆镇\"\ncounty = \"渠县\"\nprovince = \"四川省\"\n");
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 1, 0, 1, 0]);
    assert_eq!(township(&env, "a.txt"), "有庆镇");
    // metadata.csv appears, then changes
    env.write("metadata.csv", "path,township\nb.txt,濮院镇\n");
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 1, 0, 1, 0]);
    assert_eq!(township(&env, "b.txt"), "濮院镇");
    env.write("metadata.csv", "path,township\nb.txt,巴阳镇\n");
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 1, 0, 1, 0]);
    assert_eq!(township(&env, "b.txt"), "巴阳镇");
    // the sidecar goes away
    std::fs::remove_file(env.corpus().join("a.meta.toml")).unwrap();
    assert_eq!(counts(&reindex_equals_clean(&env)), [0, 1, 0, 1, 0]);
}

/// Segments listed in the index's `meta.json`.
fn segments(index: &Path) -> usize {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(index.join("meta.json")).unwrap()).unwrap();
    meta["segments"].as_array().unwrap().len()
}

#[test]
fn many_small_batches_do_not_pile_up_segments() {
    let env = Env::new();
    env.write("a.txt", report(1, "有庆镇", ""));
    assert_eq!(env.run(&["index"]).0, 0);
    // Each run commits at least one new small segment; tantivy's log
    // policy merges them in groups of 8, so 20 runs stay far below 20.
    let mut most = 0;
    for n in 2..=21 {
        env.write(&format!("r{n}.txt"), report(n, "濮院镇", ""));
        assert_eq!(env.run(&["index"]).0, 0);
        most = most.max(segments(&env.index()));
    }
    assert!(most <= 9, "{most} segments after 21 small batches");
    assert_eq!(counts(&reindex_equals_clean(&env))[3], 21);
}

#[test]
fn status_lists_what_index_would_do_and_the_cheap_check_sees_folders() {
    let env = Env::new();
    env.write("a.txt", "第一份报告，枫桥经验。\n");
    env.write("b/b.txt", "第二份报告，法律顾问。\n");
    env.write("b/c.txt", "第三份报告，法律顾问。\n");
    assert_eq!(env.run(&["index"]).0, 0);
    let (code, out, _) = env.run(&["status", "--json"]);
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!(lines[0].1["unchanged"], 3);

    // Rewritten in place, same size: the folder's time does not change,
    // so the per-command check stays silent; status hashes and sees it.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(env.corpus().join("a.txt"), "第一份报告，枫桥经历。\n").unwrap();
    let (_, _, err) = env.run(&["search", "报告"]);
    assert!(!err.contains("changed since"), "{err}");
    // Touched only: not a change.
    let bytes = std::fs::read(env.corpus().join("b/b.txt")).unwrap();
    std::fs::write(env.corpus().join("b/b.txt"), bytes).unwrap();
    // Added and removed in a subfolder: the folder's time changes.
    env.write("b/d.txt", "第四份报告。\n");
    std::fs::remove_file(env.corpus().join("b/c.txt")).unwrap();
    let (_, _, err) = env.run(&["search", "报告"]);
    assert!(err.contains("changed since") && err.contains("1 folder: b"), "{err}");

    let (_, out, _) = env.run(&["status", "--json"]);
    let changes: Vec<(String, String)> = json_lines(&out)
        .into_iter()
        .filter(|(t, _)| t == "file")
        .map(|(_, d)| (d["change"].as_str().unwrap().into(), d["path"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        changes,
        [
            ("added".to_string(), "b/d.txt".to_string()),
            ("updated".into(), "a.txt".into()),
            ("removed".into(), "b/c.txt".into())
        ]
    );
    let (_, human, _) = env.run(&["status"]);
    assert!(human.contains("1 added, 1 updated, 1 removed, 1 unchanged"), "{human}");

    // What index then does is what status said.
    let (_, out, _) = env.run(&["index", "--json"]);
    let summary = json_lines(&out).last().unwrap().1.clone();
    assert_eq!(
        (&summary["added"], &summary["updated"], &summary["removed"]),
        (&1.into(), &1.into(), &1.into())
    );
    let (_, human, _) = env.run(&["status"]);
    assert!(human.contains("up to date"), "{human}");
    let (_, _, err) = env.run(&["search", "报告"]);
    assert!(!err.contains("changed since"), "{err}");

    // A file that is not a report still changes its folder's time: the
    // next index records the folders again, and the warning goes away.
    env.write("notes.md", "not a report");
    let (_, _, err) = env.run(&["search", "报告"]);
    assert!(err.contains("changed since"), "{err}");
    assert_eq!(env.run(&["index"]).0, 0);
    let (_, _, err) = env.run(&["search", "报告"]);
    assert!(!err.contains("changed since"), "{err}");
}

/// `index --verbose` lists on stderr, in path order, what the build added
/// (`+`), updated (`~`), removed (`-`) and skipped (`!` with the reason);
/// a run that changes nothing lists only the skipped files.
#[test]
fn verbose_lists_every_changed_and_skipped_file() {
    let env = Env::new();
    let listed = |env: &Env| {
        let (code, _, err) = env.run(&["index", "--verbose"]);
        assert_eq!(code, 0, "{err}");
        err.lines().map(String::from).collect::<Vec<_>>()
    };
    env.write("a.txt", report(1, "有庆镇", ""));
    env.write("b/b.txt", report(2, "濮院镇", ""));
    env.write("c.txt", report(3, "巴阳镇", ""));
    env.write("empty.txt", "");
    assert_eq!(listed(&env), ["+ a.txt", "+ b/b.txt", "+ c.txt", "! empty.txt: empty file"]);
    assert_eq!(listed(&env), ["! empty.txt: empty file"], "nothing changed");

    std::thread::sleep(Duration::from_millis(20));
    env.write("a.txt", report(1, "有庆镇", "新增的一句话。"));
    std::fs::remove_file(env.corpus().join("b/b.txt")).unwrap();
    env.write("d.txt", report(4, "燕山乡", ""));
    // c.txt becomes a copy of a report that sorts before it: removed, and
    // skipped as a duplicate.
    env.write("c.txt", report(1, "有庆镇", "新增的一句话。"));
    // --json only changes stdout.
    let (code, out, err) = env.run(&["index", "--verbose", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "~ a.txt",
            "- b/b.txt",
            "- c.txt",
            "! c.txt: duplicate of a.txt",
            "+ d.txt",
            "! empty.txt: empty file"
        ]
    );
    assert_eq!(counts(&json_lines(&out).pop().unwrap().1), [1, 1, 2, 0, 2]);
    // Without --verbose, nothing on stderr.
    env.write("e.txt", report(5, "七宝镇", ""));
    let (_, _, err) = env.run(&["index"]);
    assert_eq!(err, "");
}
