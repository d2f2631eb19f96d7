//! One bad file, query or disk never stops the work, loses data or
//! crashes: every case of issue #9, run on the real binary.
//!
//! See: issue #9 (`/work/notes/issue-9.md` in the project's notes).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::{baogao, json_lines, on_bundled, root, run, Env};

const GOOD: &str = "有庆镇2023年法治政府建设情况的报告\n\n\
    一、主要举措和成效\n\n\
    坚持和发展新时代枫桥经验，全镇二十八个村（社区）实现一村一法律顾问全覆盖。\n";

/// `index --json` → (skipped path → reason, summary).
fn index_json(env: &Env, extra: &[&str]) -> (Vec<(String, String)>, Value) {
    let mut args = vec!["index", "--json"];
    args.extend(extra);
    let (code, out, err) = env.run(&args);
    assert_eq!(code, 0, "index failed:\n{out}\n{err}");
    let lines = json_lines(&out);
    let skipped = lines
        .iter()
        .filter(|(t, _)| t == "skipped")
        .map(|(_, d)| {
            (d["path"].as_str().unwrap().to_string(), d["reason"].as_str().unwrap().to_string())
        })
        .collect();
    (skipped, lines.last().unwrap().1.clone())
}

/// `reports --json` paths.
fn report_paths(env: &Env) -> Vec<String> {
    let (_, out, _) = env.run(&["reports", "--json"]);
    json_lines(&out).iter().map(|(_, d)| d["path"].as_str().unwrap().to_string()).collect()
}

#[cfg(unix)]
fn write_bytes_name(dir: &Path, name: &[u8], text: &str) {
    use std::os::unix::ffi::OsStrExt;
    std::fs::write(dir.join(std::ffi::OsStr::from_bytes(name)), text).unwrap();
}

/// A corpus of hostile files, made here: the batch finishes with exit 0,
/// every bad file is skipped with its reason, the rest is searchable, and
/// a second run changes nothing.
#[cfg(unix)]
#[test]
fn hostile_corpus_indexes_and_searches() {
    use std::os::unix::fs::symlink;
    let env = Env::new();
    let c = env.corpus();
    env.write("good.txt", GOOD);
    // 46 KB of 9,300 unclosed elements: a stack overflow (exit 134).
    env.write("deep.html", "<div>".repeat(9300) + "坚持和发展新时代枫桥经验，深入推进。");
    // 1.4 MB of unclosed tags: minutes, then an abort.
    env.write("unclosed.html", "<html><body>".to_string() + &"<div>报告".repeat(130_000));
    // One letter, repeated (49 MB in the issue; 3 MB here, cut the same way).
    env.write("letters.txt", "a".repeat(3_000_000));
    // A line cut at byte 180 inside a character panicked in metadata.
    env.write("meta-cut.txt", "报告\n现将a".to_string() + &"法".repeat(100) + "\n正文。\n");
    // GBK names that are equal once converted lossily.
    write_bytes_name(&c, b"\xB1\xA8\xB8\xE6.txt", "第一份报告，法律顾问甲。\n");
    write_bytes_name(&c, b"\xB1\xA6\xB8\xE6.txt", "第二份报告，法律顾问乙。\n");
    // Dates that do not exist are not dates.
    env.write("feb31.txt", GOOD.to_string() + "\n有庆镇人民政府\n2024年2月31日\n");
    env.write("feb29.txt", GOOD.replace("枫桥", "桥头") + "\n有庆镇人民政府\n2024年2月29日\n");
    // Plain bad files.
    env.write("empty.txt", "");
    env.write("binary.txt", b"\x00\x01\x02binary\x00".repeat(100));
    env.write("bad.docx", b"PK\x03\x04 not really a zip");
    // Links out of the corpus, to the root, and in a loop.
    let outside = env.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "绝密文件内容，不应被索引。\n").unwrap();
    symlink(outside.join("secret.txt"), c.join("link-out.txt")).unwrap();
    symlink("/", c.join("link-root")).unwrap();
    std::fs::create_dir_all(c.join("sub")).unwrap();
    symlink(&c, c.join("sub/loop")).unwrap();

    let (skipped, summary) = index_json(&env, &[]);
    let reason = |p: &str| {
        skipped.iter().find(|(s, _)| s == p).map(|(_, r)| r.clone()).unwrap_or_else(|| {
            panic!("{p} not skipped: {skipped:?}");
        })
    };
    assert_eq!(reason("empty.txt"), "empty file");
    assert_eq!(reason("binary.txt"), "binary file, not text");
    assert!(!reason("bad.docx").is_empty());
    assert!(reason("link-out.txt").ends_with("outside the corpus: not followed"));
    assert_eq!(reason("link-root"), "symbolic link to /, outside the corpus: not followed");
    assert_eq!(reason("sub/loop"), "unreadable: symbolic link loop, not followed");
    assert_eq!(skipped.len(), 6, "{skipped:?}");
    assert_eq!(summary["added"], 9, "{summary}");

    let paths = report_paths(&env);
    for p in ["good.txt", "deep.html", "unclosed.html", "letters.txt", "meta-cut.txt"] {
        assert!(paths.contains(&p.to_string()), "{p} not indexed: {paths:?}");
    }
    let gbk: Vec<&String> = paths.iter().filter(|p| p.starts_with('\u{FFFD}')).collect();
    assert_eq!(gbk.len(), 2, "two GBK names, two reports: {paths:?}");
    assert_ne!(gbk[0], gbk[1]);

    // Searchable afterwards, the deep page included; the outside file not.
    let (code, out, _) = env.run(&["search", "枫桥经验", "--json"]);
    assert_eq!(code, 0);
    let hits: Vec<String> = json_lines(&out)
        .iter()
        .filter(|(t, _)| t == "hit")
        .map(|(_, d)| d["report"]["path"].as_str().unwrap().to_string())
        .collect();
    assert!(hits.contains(&"deep.html".to_string()), "{hits:?}");
    assert!(hits.contains(&"good.txt".to_string()), "{hits:?}");
    assert_eq!(env.run(&["search", "绝密文件"]).0, 1);
    assert_eq!(env.run(&["count", "法律顾问乙", "--by", "report"]).0, 0);
    // The letters are searchable too (in passages of at most 20,000).
    assert_eq!(env.run(&["search", "aaaa", "--limit", "1"]).0, 0);

    // Dates.
    let (_, out, _) = env.run(&["reports", "--json"]);
    let published = |path: &str| {
        json_lines(&out)
            .iter()
            .find(|(_, d)| d["path"] == path)
            .map(|(_, d)| d["published"].clone())
            .unwrap()
    };
    assert_eq!(published("feb31.txt"), Value::Null);
    assert_eq!(published("feb29.txt"), "2024-02-29");

    // Converged: nothing to do the second time (lossy names made `index`
    // say "updated" forever).
    let (_, summary) = index_json(&env, &[]);
    assert_eq!((summary["added"].as_u64(), summary["updated"].as_u64()), (Some(0), Some(0)));
    assert_eq!(summary["unchanged"], 9, "{summary}");
}

/// Flips one bit of a file in place.
fn flip(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = at.min(bytes.len() - 1);
    bytes[at] ^= 0x10;
    std::fs::write(path, bytes).unwrap();
}

/// The segment files of an index with an extension.
fn segment_files(index: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(index)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

/// Each kind of damage is an exit-2 error naming it (never a panic, never
/// wrong counts); `index --full` repairs it, whatever it is.
#[test]
fn damaged_indexes_are_detected_and_repaired_by_full() {
    let env = Env::new();
    for i in 0..6 {
        env.write(&format!("r{i}.txt"), GOOD.replace("二十八", &"十".repeat(i + 1)));
    }
    assert_eq!(env.run(&["index"]).0, 0);
    let (_, out, _) = env.run(&["count", "法律顾问", "--by", "report", "--json"]);
    let good_counts = out.clone();
    type Damage = Box<dyn Fn(&Path)>;
    let damages: Vec<(&str, Damage)> = vec![
        (
            "truncated .term",
            Box::new(|i| {
                let f = &segment_files(i, "term")[0];
                let len = std::fs::metadata(f).unwrap().len();
                std::fs::OpenOptions::new().write(true).open(f).unwrap().set_len(len / 2).unwrap();
            }),
        ),
        ("deleted .idx", Box::new(|i| std::fs::remove_file(&segment_files(i, "idx")[0]).unwrap())),
        (
            "garbage meta.json",
            Box::new(|i| std::fs::write(i.join("meta.json"), "{ garbage").unwrap()),
        ),
        ("bit flip in .term", Box::new(|i| flip(&segment_files(i, "term")[0], 100))),
        ("bit flip in .idx", Box::new(|i| flip(&segment_files(i, "idx")[0], 57))),
        ("bit flip in .store", Box::new(|i| flip(&segment_files(i, "store")[0], 333))),
        (
            "duplicated segment in meta.json",
            Box::new(|i| {
                let mut meta: Value =
                    serde_json::from_slice(&std::fs::read(i.join("meta.json")).unwrap()).unwrap();
                let first = meta["segments"][0].clone();
                meta["segments"].as_array_mut().unwrap().push(first);
                std::fs::write(i.join("meta.json"), meta.to_string()).unwrap();
            }),
        ),
    ];
    for (what, damage) in &damages {
        damage(&env.index());
        for cmd in
            [&["search", "法律顾问"][..], &["count", "法律顾问"], &["kwic", "法律顾问"], &["index"]]
        {
            let (code, out, err) = env.run(cmd);
            assert_eq!(code, 2, "{what}: {cmd:?} gave exit {code}\n{out}\n{err}");
            assert!(err.contains("`baogao index --full`"), "{what}: {cmd:?}: {err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
        }
        let (code, _, err) = env.run(&["index", "--full"]);
        assert_eq!(code, 0, "{what}: --full failed: {err}");
        let (code, out, _) = env.run(&["count", "法律顾问", "--by", "report", "--json"]);
        assert_eq!(code, 0, "{what}");
        let strip = |s: &str| {
            json_lines(s)
                .into_iter()
                .map(|(t, mut d)| {
                    d.as_object_mut().unwrap().remove("elapsed_ms");
                    (t, d)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&out), strip(&good_counts), "{what}: counts after repair");
    }
    // Nothing left next to the index by the rebuilds.
    let left: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.iter().all(|n| !n.contains(".baogao-")), "{left:?}");
}

/// What a killed `--full` left next to the index is removed by the next
/// build.
#[test]
fn leftovers_of_a_killed_rebuild_are_removed() {
    let env = Env::new();
    env.write("a.txt", GOOD);
    assert_eq!(env.run(&["index"]).0, 0);
    let leftover = env.dir.path().join(".index.baogao-new-999999");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("meta.json"), "{}").unwrap();
    let unrelated = env.dir.path().join(".other.baogao-new-1");
    std::fs::create_dir_all(&unrelated).unwrap();
    env.write("b.txt", "第二份报告，法律顾问。\n");
    assert_eq!(env.run(&["index"]).0, 0);
    assert!(!leftover.exists());
    assert!(unrelated.exists(), "another index's folder is not ours");
}

/// `--full` refuses to replace a folder holding other files, and a new
/// index is never made in one.
#[test]
fn an_index_is_never_made_in_a_folder_of_other_files() {
    let env = Env::new();
    env.write("a.txt", GOOD);
    std::fs::create_dir_all(env.index()).unwrap();
    std::fs::write(env.index().join("my-notes.docx"), "mine").unwrap();
    for args in [&["index"][..], &["index", "--full"]] {
        let (code, _, err) = env.run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("it holds other files (my-notes.docx)"), "{err}");
    }
    assert_eq!(std::fs::read_dir(env.index()).unwrap().count(), 1);
}

/// Runs `cmd` as an unprivileged user when we are root (as root every file
/// is readable, so "unreadable" cannot be tested otherwise).
#[cfg(unix)]
fn unprivileged(cmd: &mut Command) -> Command {
    // SAFETY-free check of our effective uid through /proc.
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    if !root {
        return std::mem::replace(cmd, Command::new("true"));
    }
    let mut wrapped = Command::new("setpriv");
    wrapped.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
    wrapped.arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    wrapped
}

/// A file skipped as unreadable is read again by the next `index` once it
/// is readable (a `chmod` changes neither its size nor its mtime).
#[cfg(unix)]
#[test]
fn unreadable_files_are_retried() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    for d in [env.dir.path().to_path_buf(), env.corpus()] {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    env.write("a.txt", GOOD);
    env.write("locked.txt", GOOD.replace("枫桥", "锁住"));
    let locked = env.corpus().join("locked.txt");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let index = |env: &Env| {
        let (code, out, err) = run(&mut unprivileged(env.cmd().args(["index", "--json"])));
        assert_eq!(code, 0, "{out}\n{err}");
        json_lines(&out)
    };
    let lines = index(&env);
    let skipped: Vec<&Value> =
        lines.iter().filter(|(t, _)| t == "skipped").map(|(_, d)| d).collect();
    assert_eq!(skipped.len(), 1, "{lines:?}");
    assert_eq!(skipped[0]["path"], "locked.txt");
    assert!(skipped[0]["reason"].as_str().unwrap().starts_with("unreadable: "), "{skipped:?}");
    // Still unreadable: no change, nothing committed.
    let s = index(&env).last().unwrap().1.clone();
    assert_eq!((s["added"].as_u64(), s["skipped"].as_u64()), (Some(0), Some(1)), "{s}");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    let s = index(&env).last().unwrap().1.clone();
    assert_eq!((s["added"].as_u64(), s["skipped"].as_u64()), (Some(1), Some(0)), "{s}");
    let (code, _, _) = run(&mut unprivileged(env.cmd().args(["search", "锁住经验"])));
    assert_eq!(code, 0);
}

/// Whether this machine lets us mount a tmpfs in a user namespace.
fn can_mount_tmpfs() -> bool {
    Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg("d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs \"$d\" && umount \"$d\" && rmdir \"$d\"")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a shell script in a user and mount namespace (where a tmpfs can be
/// mounted), with `$B` the baogao binary and `$D` a scratch folder; returns
/// its stdout.
fn in_namespace(script: &str, dir: &Path) -> String {
    let out = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", script])
        .env("B", env!("CARGO_BIN_EXE_baogao"))
        .env("D", dir)
        .env("NO_COLOR", "1")
        .env_remove("BAOGAO_INDEX")
        .env_remove("BAOGAO_CORPUS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A full disk (a 2 MB tmpfs under the index) is named as such, the
/// leftovers are removed, and the previous index stays searchable; a
/// read-only index folder is named too, and can still be searched.
#[test]
fn full_disk_and_read_only_index() {
    if !can_mount_tmpfs() {
        eprintln!("full_disk_and_read_only_index: skipped, no tmpfs can be mounted here (unshare)");
        return;
    }
    let env = Env::new();
    env.write("a.txt", GOOD);
    // More text than 2 MB of index can hold: the bundled national reports.
    let big = env.dir.path().join("big");
    for (i, entry) in
        std::fs::read_dir(root().join("corpus/national-gwr-1954-2022")).unwrap().enumerate()
    {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "txt") && i < 40 {
            std::fs::create_dir_all(&big).unwrap();
            std::fs::copy(&p, big.join(p.file_name().unwrap())).unwrap();
        }
    }
    let script = r#"
        set -u
        mkdir -p "$D/mnt" && mount -t tmpfs -o size=2m tmpfs "$D/mnt"
        I="$D/mnt/index"
        "$B" --index "$I" --corpus "$D/corpus" index >/dev/null 2>&1; echo "first=$?"
        before=$(du -sk "$D/mnt" | cut -f1)
        cp -r "$D/big" "$D/corpus/big"
        "$B" --index "$I" --corpus "$D/corpus" index >/dev/null 2>"$D/err1"; echo "incremental=$?"
        echo "err1=$(tr '\n' ' ' < "$D/err1")"
        "$B" --index "$I" --corpus "$D/corpus" index --full >/dev/null 2>"$D/err2"; echo "full=$?"
        echo "err2=$(tr '\n' ' ' < "$D/err2")"
        after=$(du -sk "$D/mnt" | cut -f1)
        echo "grew=$((after - before))"
        echo "leftovers=$(ls -A "$D/mnt" | tr '\n' ' ')"
        rm -rf "$D/corpus/big"
        "$B" --index "$I" --corpus "$D/corpus" search 枫桥经验 >/dev/null 2>&1; echo "search=$?"
        mount -o remount,ro "$D/mnt"
        echo x >> "$D/corpus/a.txt"
        "$B" --index "$I" --corpus "$D/corpus" index >/dev/null 2>"$D/err3"; echo "readonly=$?"
        echo "err3=$(tr '\n' ' ' < "$D/err3")"
        "$B" --index "$I" --corpus "$D/corpus" search 枫桥经验 >/dev/null 2>&1; echo "rosearch=$?"
    "#;
    let out = in_namespace(script, env.dir.path());
    let get = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k} in\n{out}"))
            .trim()
            .to_string()
    };
    assert_eq!(get("first"), "0", "{out}");
    assert_eq!(get("incremental"), "2", "{out}");
    assert!(get("err1").contains("no space left on the device of"), "{out}");
    assert_eq!(get("full"), "2", "{out}");
    assert!(get("err2").contains("no space left on the device of"), "{out}");
    // The failed builds' files are gone (tantivy's own bookkeeping may
    // differ by a few KB).
    assert!(get("grew").parse::<i64>().unwrap() < 64, "{out}");
    assert_eq!(get("leftovers"), "index", "{out}");
    assert_eq!(get("search"), "0", "{out}");
    assert_eq!(get("readonly"), "2", "{out}");
    assert!(get("err3").contains("Read-only file system"), "{out}");
    assert!(get("err3").contains("index"), "{out}");
    assert_eq!(get("rosearch"), "0", "{out}");
}

/// The foot-guns of point 9.
#[test]
fn query_mistakes_are_errors_with_hints() {
    let (code, _, err) = on_bundled(&["search", "法律顾问 yaer:2023"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `yaer:` (did you mean `year:`?)"), "{err}");
    let (code, _, err) = on_bundled(&["search", "法律顾问 near/20 全覆盖"]);
    assert_eq!(code, 2);
    assert!(err.contains("write `NEAR/20`"), "{err}");
    let (code, _, err) = on_bundled(&["count", "法律顾问 or 全覆盖"]);
    assert_eq!(code, 2);
    assert!(err.contains("write `OR`"), "{err}");
}

#[test]
fn queries_too_deep_or_long_are_errors() {
    let nots = "NOT ".repeat(942) + "法治";
    let nears: Vec<String> = (0..913).map(|i| format!("词{i}")).collect();
    let parens = "(".repeat(6371) + "法治" + &")".repeat(6371);
    for q in [nots, nears.join(" NEAR/5 "), parens] {
        for cmd in ["search", "count", "kwic"] {
            let (code, _, err) = on_bundled(&[cmd, &q]);
            assert_eq!(code, 2, "{cmd}: {err}");
            assert!(err.contains("query too deep"), "{cmd}: {err}");
        }
    }
    let words: Vec<String> = (0..2000).map(|i| format!("词{i}")).collect();
    let (code, _, err) = on_bundled(&["search", &words.join(" OR ")]);
    assert_eq!(code, 2);
    assert!(err.contains("query too long"), "{err}");
}

#[test]
fn concept_blow_ups_are_errors_naming_the_concepts() {
    let env = Env::new();
    env.write("a.txt", GOOD);
    let mut toml = String::from("[concepts]\n");
    for i in 0..20 {
        toml.push_str(&format!("\"c{i}\" = '@c{} OR @c{}'\n", i + 1, i + 1));
    }
    toml.push_str("\"c20\" = '枫桥 经验'\n");
    env.write("baogao.toml", toml);
    let (code, _, err) = env.run(&["search", "@c0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("concept @c0 is too large"), "{err}");
    assert!(err.contains("@c0 → @c1 → @c2"), "{err}");
}

#[cfg(unix)]
#[test]
fn arguments_and_paths_that_are_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let (index, corpus) = crate::util::bundled();
    let out = baogao(index, corpus).arg("search").arg(OsStr::from_bytes(b"\xff")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid UTF-8"));
    // A corpus folder whose name is not UTF-8.
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join(OsStr::from_bytes(b"\xB1\xA8\xB8\xE6"));
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join("a.txt"), GOOD).unwrap();
    let index = dir.path().join("index");
    assert_eq!(run(baogao(&index, &corpus).arg("index")).0, 0);
    assert_eq!(run(baogao(&index, &corpus).args(["search", "枫桥经验"])).0, 0);
    // And it is remembered as that folder (not a lossy copy of its name).
    let (code, _, err) =
        run(baogao(&index, &dir.path().join("\u{FFFD}\u{FFFD}")).args(["search", "x"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn huge_kwic_width_and_a_full_stderr() {
    let (code, out, _) = on_bundled(&["kwic", "枫桥经验", "--width", "18446744073709551615"]);
    assert_eq!(code, 0);
    assert!(out.contains("枫桥经验"));
    // An error written to a full stderr: still exit 2, no panic (101).
    let (index, corpus) = crate::util::bundled();
    let full = std::fs::File::options().write(true).open("/dev/full").unwrap();
    let status = baogao(index, corpus).args(["search", "yaer:2023"]).stderr(full).status().unwrap();
    assert_eq!(status.code(), Some(2));
}

/// `kwic --csv | head -1`: exit 0, nothing on stderr.
#[test]
fn broken_pipes_end_quietly() {
    let (index, corpus) = crate::util::bundled();
    for args in [
        &["kwic", "的", "--csv"][..],
        &["kwic", "的", "--json"],
        &["kwic", "的"],
        &["search", "的", "--all"],
    ] {
        let mut child = baogao(index, corpus)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        // The reader is dropped: the pipe is closed.
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
        assert!(!first.is_empty());
    }
}

#[test]
fn index_inside_the_corpus_is_refused() {
    let env = Env::new();
    env.write("a.txt", GOOD);
    for index in [env.corpus().join("index"), env.corpus()] {
        let (code, _, err) = run(baogao(&index, &env.corpus()).arg("index"));
        assert_eq!(code, 2);
        assert!(err.contains("is inside the corpus folder"), "{err}");
    }
    assert!(!env.corpus().join("index").exists());
}

#[test]
fn outputs_never_overwrite_corpus_or_index_files() {
    let env = Env::new();
    env.write("a.txt", GOOD);
    assert_eq!(env.run(&["index"]).0, 0);
    let meta = std::fs::read(env.index().join("meta.json")).unwrap();
    for target in
        [env.corpus().join("a.txt"), env.index().join("meta.json"), env.corpus().join("new.svg")]
    {
        let (code, _, err) = env.run(&["trend", "枫桥经验", "--svg", target.to_str().unwrap()]);
        assert_eq!(code, 2, "{}", target.display());
        assert!(err.contains("choose a path outside it"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(env.corpus().join("a.txt")).unwrap(), GOOD);
    assert_eq!(std::fs::read(env.index().join("meta.json")).unwrap(), meta);
    assert!(!env.corpus().join("new.svg").exists());
    let chart = env.dir.path().join("chart.svg");
    assert_eq!(env.run(&["trend", "枫桥经验", "--svg", chart.to_str().unwrap()]).0, 0);
    assert!(chart.exists());
}

/// An index remembers its corpus: another corpus is refused, by `index`
/// unless `--full` says so, and by every reading command.
#[test]
fn an_index_remembers_its_corpus() {
    let env = Env::new();
    env.write("a.txt", GOOD);
    assert_eq!(env.run(&["index"]).0, 0);
    let other = env.dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("b.txt"), "另一份报告，法律顾问丙。\n").unwrap();
    // `baogao index OTHER_DIR` does not repoint the index.
    let (code, _, err) = run(env.cmd().arg("index").arg(&other));
    assert_eq!(code, 2);
    assert!(err.contains("index --full"), "{err}");
    assert_eq!(env.run(&["search", "枫桥经验"]).0, 0, "the index still holds the corpus");
    // Another --corpus: refused, saying which corpus the index holds.
    let (code, _, err) = run(baogao(&env.index(), &other).args(["search", "法律顾问"]));
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("was built from {}", env.corpus().canonicalize().unwrap().display())),
        "{err}"
    );
    // Without --corpus and without ./corpus, the index's own corpus.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out, err) = run(Command::new(env!("CARGO_BIN_EXE_baogao"))
        .current_dir(elsewhere.path())
        .env_remove("BAOGAO_INDEX")
        .env_remove("BAOGAO_CORPUS")
        .env("NO_COLOR", "1")
        .arg("--index")
        .arg(env.index())
        .args(["search", "枫桥经验"]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!err.contains("changed since"), "{err}");
    // `--full` repoints it on purpose.
    let (code, _, err) = run(env.cmd().args(["index", "--full"]).arg(&other));
    assert_eq!(code, 0, "{err}");
    assert_eq!(run(baogao(&env.index(), &other).args(["search", "法律顾问丙"])).0, 0);
    assert_eq!(env.run(&["search", "法律顾问"]).0, 2, "the old corpus is refused now");
}

/// Run outside a project folder (or inside `corpus/`), a command finds no
/// index and no corpus, says so, and leaves no folder or lock behind.
#[test]
fn nothing_is_created_where_no_index_is() {
    let env = Env::new();
    env.write("a.txt", GOOD);
    for cwd in [env.dir.path().join("empty"), env.corpus()] {
        std::fs::create_dir_all(&cwd).unwrap();
        let before: Vec<_> = std::fs::read_dir(&cwd).unwrap().map(|e| e.unwrap().path()).collect();
        for args in [&["search", "枫桥经验"][..], &["count", "x"], &["index"], &["reports"]] {
            let (code, _, err) = run(Command::new(env!("CARGO_BIN_EXE_baogao"))
                .current_dir(&cwd)
                .env_remove("BAOGAO_INDEX")
                .env_remove("BAOGAO_CORPUS")
                .args(args));
            assert_eq!(code, 2, "{args:?} in {}", cwd.display());
            assert!(err.contains("corpus"), "{err}");
        }
        let after: Vec<_> = std::fs::read_dir(&cwd).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(before, after, "something was created in {}", cwd.display());
    }
}

#[test]
fn an_empty_corpus_is_an_empty_index() {
    let env = Env::new();
    let (skipped, summary) = index_json(&env, &[]);
    assert!(skipped.is_empty());
    assert_eq!(summary["added"], 0);
    let (code, _, err) = env.run(&["search", "枫桥经验"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the index holds no reports"), "{err}");
    assert!(!err.contains("building it"), "the index exists: {err}");
    let (code, _, _) = env.run(&["index"]);
    assert_eq!(code, 0);
}
