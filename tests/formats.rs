//! Every input format and every skip reason, end to end: Word `.docx`
//! read and searchable, each kind of bad file skipped with its reason
//! while the batch goes on, and metadata overrides (`metadata.csv`,
//! sidecars) applied with their problems reported by file and line.
//! Issue #3.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::Path;

use serde_json::Value;

use crate::util::{json_lines, Env};

/// A minimal valid `.docx`: the parts Word itself needs to open it, with
/// `body` (WordprocessingML) as the content of `<w:body>`.
fn docx(body: &str) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("word/document.xml", &document),
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A paragraph of runs; `\t` in the text becomes `<w:tab/>`.
fn para(text: &str) -> String {
    let runs: Vec<String> = text
        .split('\t')
        .map(|t| format!("<w:r><w:t xml:space=\"preserve\">{t}</w:t></w:r>"))
        .collect();
    format!("<w:p>{}</w:p>", runs.join("<w:r><w:tab/></w:r>"))
}

/// A table of one-paragraph cells.
fn table(rows: &[&[&str]]) -> String {
    let rows: String = rows
        .iter()
        .map(|cells| {
            let cells: String =
                cells.iter().map(|c| format!("<w:tc><w:tcPr/>{}</w:tc>", para(c))).collect();
            format!("<w:tr>{cells}</w:tr>")
        })
        .collect();
    format!("<w:tbl><w:tblPr/>{rows}</w:tbl>")
}

/// Reports of `reports --json` by path.
fn reports(env: &Env) -> BTreeMap<String, Value> {
    let (code, out, err) = env.run(&["reports", "--json"]);
    assert_eq!(code, 0, "{err}");
    json_lines(&out)
        .into_iter()
        .filter(|(t, _)| t == "report")
        .map(|(_, d)| (d["path"].as_str().unwrap().to_string(), d))
        .collect()
}

/// `index --json`: (skipped path → reason, summary, stderr).
fn index(env: &Env) -> (BTreeMap<String, String>, Value, String) {
    let (code, out, err) = env.run(&["index", "--json"]);
    assert_eq!(code, 0, "one bad file never stops the batch: {err}");
    let lines = json_lines(&out);
    let skipped = lines
        .iter()
        .filter(|(t, _)| t == "skipped")
        .map(|(_, d)| (d["path"].as_str().unwrap().into(), d["reason"].as_str().unwrap().into()))
        .collect();
    let summary = lines.iter().find(|(t, _)| t == "summary").expect("a summary").1.clone();
    (skipped, summary, err)
}

/// Every entry under `root`: relative path → (kind, mode, length, blake3
/// of the bytes or of the link target). Files we may not read (chmod 000
/// as a non-root user) are described by their metadata only.
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode();
            let desc = if meta.file_type().is_symlink() {
                format!("link {:?}", std::fs::read_link(&path).unwrap())
            } else if meta.is_dir() {
                stack.push(path.clone());
                format!("dir {mode:o}")
            } else {
                let hash = std::fs::read(&path)
                    .map(|b| blake3::hash(&b).to_hex().to_string())
                    .unwrap_or_else(|e| format!("unreadable: {e}"));
                format!("file {mode:o} {} {hash} {:?}", meta.len(), meta.modified().unwrap())
            };
            out.insert(rel, desc);
        }
    }
    out
}

const REPORT: &str = "关于2023年法治政府建设情况的报告\n\n一、主要举措和成效\n\n坚持和发展新时代“枫桥经验”，实现法律顾问全覆盖。\n";

#[test]
fn docx_is_indexed_searched_and_shown() {
    let env = Env::new();
    let body = [
        para("关于2023年法治政府建设情况的报告"),
        para("一、主要举措和成效"),
        para("（一）坚持和发展新时代“枫桥经验”。\t全年化解矛盾纠纷百余件。"),
        table(&[&["项目", "数量"], &["法律顾问覆盖村居", "十二个"]]),
        para("二、存在的不足"),
        // A deleted revision is not the document's text.
        "<w:p><w:del w:id=\"1\"><w:r><w:delText>删掉的旧说法</w:delText></w:r></w:del>\
         <w:r><w:t>基层法治力量仍较薄弱。</w:t></w:r></w:p>"
            .to_string(),
    ]
    .concat();
    env.write("报告.docx", docx(&body));
    env.write("~$报告.docx", b"\x0bWord lock file".as_slice());

    let (skipped, summary, _) = index(&env);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(summary["added"], 1, "the Word lock file is not a report");

    let (code, out, _) = env.run(&["search", "枫桥经验", "--json"]);
    assert_eq!(code, 0);
    let hits: Vec<_> = json_lines(&out).into_iter().filter(|(t, _)| t == "hit").collect();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0].1;
    assert_eq!(hit["report"]["path"], "报告.docx");
    assert_eq!(hit["report"]["year"], 2023);
    assert_eq!(hit["section"]["kinds"][0], "measures");
    // The tab between the runs is kept in the text the user sees.
    let text = hit["passage"]["text"].as_str().unwrap();
    assert!(text.contains("“枫桥经验”。\t全年"), "{text:?}");
    // A table row is one passage, its cells joined with ` | `; a match
    // stays inside a cell (neither across cells nor across rows).
    let (code, out, _) = env.run(&["search", "法律顾问覆盖村居", "--json"]);
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    assert_eq!(lines[0].1["passage"]["text"], "法律顾问覆盖村居 | 十二个");
    assert_eq!(lines[0].1["section"]["kinds"][0], "measures");
    assert_eq!(env.run(&["search", "\"村居十二个\""]).0, 1, "not across cells");
    assert_eq!(env.run(&["search", "\"数量法律顾问\""]).0, 1, "not across rows");
    assert_eq!(env.run(&["search", "\"项目 | 数量\""]).0, 0, "the row as it reads");
    assert_eq!(env.run(&["search", "删掉的旧说法"]).0, 1, "deleted revisions are not text");

    let r = reports(&env);
    let id = r["报告.docx"]["id"].as_str().unwrap().to_string();
    let (code, shown, err) = env.run(&["show", &id]);
    assert_eq!(code, 0, "{err}");
    for part in ["主要举措和成效", "枫桥经验", "十二个", "基层法治力量仍较薄弱"]
    {
        assert!(shown.contains(part), "{part} in {shown}");
    }
}

#[test]
fn every_skip_reason_and_one_bad_file_never_stops_the_batch() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let corpus = env.corpus();
    env.write("good.txt", REPORT);
    env.write("good.docx", docx(&para("枫桥经验在Word里")));
    env.write("same.txt", REPORT);
    env.write("corrupt.docx", b"PK\x03\x04 this zip was cut short".as_slice());
    env.write("no-text.docx", docx("<w:p/>"));
    env.write(
        "renamed.docx",
        [&[0xD0u8, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..], &[0; 504]].concat(),
    );
    env.write("old.doc", [0xD0u8, 0xCF, 0x11, 0xE0].as_slice());
    env.write("scan.pdf", b"%PDF-1.4\n".as_slice());
    env.write("wps.wps", [0xD0u8, 0xCF, 0x11, 0xE0].as_slice());
    env.write("empty.txt", "");
    let junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    env.write("binary.txt", junk);
    // 60 MB without writing 60 MB: a sparse file.
    std::fs::File::create(corpus.join("huge.txt")).unwrap().set_len(60_000_000).unwrap();
    std::os::unix::fs::symlink(corpus.join("gone.txt"), corpus.join("link.txt")).unwrap();
    env.write("locked.txt", REPORT.replace("枫桥经验", "枫桥经验锁"));
    let locked = corpus.join("locked.txt");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads whatever the mode says, so the check only means
    // something for other users.
    let can_test_permissions = std::fs::read(&locked).is_err();

    let before = snapshot(&corpus);
    let (skipped, summary, _) = index(&env);
    let after = snapshot(&corpus);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(before, after, "nothing in the corpus is modified");

    let reason = |p: &str| skipped.get(p).cloned().unwrap_or_else(|| format!("not skipped: {p}"));
    assert_eq!(reason("same.txt"), "duplicate of good.txt");
    assert!(
        reason("corrupt.docx").starts_with("undecodable text: not a valid .docx"),
        "{skipped:?}"
    );
    assert_eq!(reason("no-text.docx"), "no text found");
    assert!(reason("renamed.docx").contains("legacy Word .doc"), "{skipped:?}");
    assert!(reason("renamed.docx").contains("save it as .docx"), "{skipped:?}");
    assert!(reason("old.doc").contains("convert it to .docx or .txt"), "{skipped:?}");
    assert!(reason("wps.wps").contains("convert it to .docx or .txt"), "{skipped:?}");
    // Read as a PDF since issue #12: a header and nothing else is damaged.
    assert!(reason("scan.pdf").starts_with("damaged PDF"), "{skipped:?}");
    assert!(reason("scan.pdf").contains("repair it (e.g. `qpdf in.pdf out.pdf`)"), "{skipped:?}");
    assert_eq!(reason("empty.txt"), "empty file");
    assert_eq!(reason("binary.txt"), "binary file, not text");
    assert_eq!(reason("huge.txt"), "too large (60.0 MB, the limit is 50 MB)");
    assert_eq!(reason("link.txt"), "unreadable: broken symlink or vanished file");
    let mut expected_skips = 11;
    if can_test_permissions {
        assert!(reason("locked.txt").starts_with("unreadable:"), "{skipped:?}");
        assert!(reason("locked.txt").contains("ermission denied"), "{skipped:?}");
        expected_skips += 1;
    } else {
        eprintln!(
            "formats: running as root, chmod 000 does not stop reads: not checking locked.txt"
        );
        assert!(!skipped.contains_key("locked.txt"), "{skipped:?}");
    }
    assert_eq!(skipped.len(), expected_skips, "{skipped:?}");
    assert_eq!(summary["skipped"], expected_skips);
    assert_eq!(summary["added"], 2 + usize::from(!can_test_permissions));
    // The good files around the bad ones were indexed.
    let (code, out, _) = env.run(&["search", "枫桥经验", "--json"]);
    assert_eq!(code, 0);
    let paths: Vec<String> = json_lines(&out)
        .into_iter()
        .filter(|(t, _)| t == "hit")
        .map(|(_, d)| d["report"]["path"].as_str().unwrap().to_string())
        .collect();
    assert!(paths.contains(&"good.txt".into()) && paths.contains(&"good.docx".into()), "{paths:?}");
}

#[test]
fn sidecar_problems_are_warned_with_file_and_line() {
    let env = Env::new();
    env.write("a.txt", REPORT);
    env.write("a.meta.toml", "# 更正\nyaer = 2020\nprovince = \"重庆市\"\n");
    env.write("b.txt", REPORT.replace("枫桥经验", "枫桥经验乙"));
    env.write("b.txt.meta.toml", "year = \"20x0\"\ncounty = \"万州区\"\n");

    let (code, out, err) = env.run(&["index"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("warning: a.txt: a.meta.toml: line 2: unknown key \"yaer\""), "{err}");
    assert!(err.contains("warning: b.txt: b.txt.meta.toml: line 1: bad year \"20x0\""), "{err}");
    let r = reports(&env);
    assert_eq!(r["a.txt"]["province"], "重庆市", "valid keys apply");
    assert_eq!(r["a.txt"]["year"], 2023, "the unknown key changed nothing");
    assert_eq!(r["b.txt"]["county"], "万州区");
    assert_eq!(r["b.txt"]["year"], 2023, "the bad year left the extracted one");
}

#[test]
fn metadata_csv_overrides_and_reports_problems() {
    let env = Env::new();
    // No place in the text: only the table can say where it is from.
    env.write("乡镇/a.txt", REPORT);
    env.write("b.txt", REPORT.replace("枫桥经验", "枫桥经验乙"));
    // b's sidecar is more specific than the table.
    env.write("b.meta.toml", "county = \"万州区\"\n");
    env.write(
        "metadata.csv",
        "path,province,city,county,township,level,yaer,year,published\n\
         乡镇/a.txt,四川省,达州市,渠县,有庆镇,township,,,2024-01-15\n\
         b.txt,重庆市,-,表里的县,,county,,20x0,\n\
         missing.txt,,,,,,,2020,\n",
    );
    let before = snapshot(&env.corpus());
    let (skipped, summary, err) = index(&env);
    assert_eq!(before, snapshot(&env.corpus()), "nothing in the corpus is modified");
    assert!(skipped.is_empty(), "metadata.csv is not a report: {skipped:?}");
    assert_eq!(summary["added"], 2);
    for warning in [
        "warning: metadata.csv: line 1: unknown column \"yaer\"",
        "warning: metadata.csv: line 4: no file \"missing.txt\" in the corpus",
        "warning: b.txt: metadata.csv: line 3: bad year \"20x0\"",
    ] {
        assert!(err.contains(warning), "{warning} in {err}");
    }

    let r = reports(&env);
    let a = &r["乡镇/a.txt"];
    assert_eq!(
        (&a["province"], &a["city"], &a["county"], &a["township"], &a["level"]),
        (
            &Value::from("四川省"),
            &Value::from("达州市"),
            &Value::from("渠县"),
            &Value::from("有庆镇"),
            &Value::from("township")
        )
    );
    assert_eq!(a["published"], "2024-01-15");
    assert_eq!(a["year"], 2023, "an empty cell keeps the extracted value");
    let b = &r["b.txt"];
    assert_eq!(b["province"], "重庆市");
    assert_eq!(b["city"], Value::Null);
    assert_eq!(b["county"], "万州区", "the sidecar wins over the table");
    assert_eq!(b["level"], "county");
    assert_eq!(b["year"], 2023, "the bad cell is ignored, the rest of the row applies");
    // Overrides are searchable as filters.
    assert_eq!(env.run(&["search", "枫桥经验", "--township", "有庆镇"]).0, 0);
}

/// `reports --missing FIELD` lists only the reports that could have the
/// field: not those of a higher level (a national report has no province,
/// a county report no township), nor those whose place has none in the
/// gazetteer (a district of 北京 has no city).
/// Places set with metadata.csv, so that each report lacks exactly what
/// the table says.
#[test]
fn missing_lists_only_reports_that_could_have_the_field() {
    let env = Env::new();
    let rows = [
        // path, province, city, county, township, level
        ("national.txt", "-", "-", "-", "-", "national"),
        ("province.txt", "四川省", "-", "-", "-", "province"),
        ("city.txt", "四川省", "达州市", "-", "-", "city"),
        ("county.txt", "四川省", "达州市", "渠县", "-", "county"),
        ("town-no-name.txt", "四川省", "达州市", "渠县", "-", "township"),
        ("county-no-city.txt", "四川省", "-", "渠县", "-", "county"),
        ("beijing-district.txt", "北京市", "-", "朝阳区", "-", "county"),
        ("dongguan-town.txt", "广东省", "东莞市", "-", "虎门镇", "township"),
        ("shanghai-town.txt", "上海市", "-", "松江区", "泗泾镇", "township"),
        ("unknown.txt", "-", "-", "-", "-", "-"),
    ];
    let mut table = String::from("path,province,city,county,township,level\n");
    for (i, (path, p, c, k, t, l)) in rows.iter().enumerate() {
        env.write(path, REPORT.replace("枫桥经验", &format!("枫桥经验{i}")));
        table.push_str(&format!("{path},{p},{c},{k},{t},{l}\n"));
    }
    env.write("metadata.csv", table);
    let (skipped, _, err) = index(&env);
    assert!(skipped.is_empty() && !err.contains("warning"), "{skipped:?} {err}");
    let missing = |field: &str| {
        let (code, out, err) = env.run(&["reports", "--missing", field, "--json"]);
        assert!(code <= 1, "{err}");
        let mut paths: Vec<String> = json_lines(&out)
            .into_iter()
            .map(|(_, d)| d["path"].as_str().unwrap().to_string())
            .collect();
        paths.sort();
        paths
    };
    assert_eq!(missing("province"), ["unknown.txt"]);
    // 渠县 is in 达州市; 朝阳区 of 北京市 and a town of 上海市 have no city.
    assert_eq!(missing("city"), ["county-no-city.txt", "unknown.txt"]);
    // The gazetteer puts the towns of 东莞 under a county-level 东莞市.
    assert_eq!(missing("county"), ["dongguan-town.txt", "unknown.txt"]);
    assert_eq!(missing("township"), ["town-no-name.txt", "unknown.txt"]);
    assert_eq!(missing("locality"), ["unknown.txt"]);
    // The index summary counts what --missing township lists.
    env.write("other.txt", REPORT.replace("枫桥经验", "枫桥经验其他"));
    let (code, out, _) = env.run(&["index", "--full"]);
    assert_eq!(code, 0);
    let line = out.lines().find(|l| l.contains("without a township")).unwrap();
    assert_eq!(line.split_whitespace().last(), Some("3"), "{line}");
}
