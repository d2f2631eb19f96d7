//! Reading reports in every encoding a collection arrives in, and skipping
//! what is not a report.

use crate::util::{json_lines, Env};

const TEXT: &str = "关于2023年法治政府建设情况的报告\n\n一、主要举措和成效\n\n坚持和发展新时代“枫桥经验”，实现法律顾问全覆盖。\n";

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in text.encode_utf16() {
        let b = if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() };
        out.extend_from_slice(&b);
    }
    out
}

#[test]
fn every_encoding_is_read_and_junk_is_skipped() {
    let env = Env::new();
    let distinct = |tag: &str| TEXT.replace("枫桥经验", &format!("枫桥经验{tag}"));
    env.write("utf8.txt", distinct("甲"));
    env.write(
        "utf8-bom-crlf.txt",
        [b"\xEF\xBB\xBF".as_slice(), distinct("乙").replace('\n', "\r\n").as_bytes()].concat(),
    );
    env.write("gb18030.txt", encoding_rs::GB18030.encode(&distinct("丙")).0);
    env.write("utf16le.txt", utf16(&distinct("丁"), false));
    env.write("utf16be.txt", utf16(&distinct("戊"), true));
    env.write("page.html", format!(
        "<html><head><meta charset=\"utf-8\"><title>报告</title><script>var 枫桥经验己 = 1;</script></head>\
         <body><div class=\"nav\">首页 &gt; 政务公开</div><div class=\"content\"><p>{}</p></div>\
         <div class=\"footer\">主办单位：人民政府办公室</div></body></html>",
        distinct("己").replace('\n', "</p><p>")
    ));
    env.write("empty.txt", "");
    env.write("blank.txt", " \n\u{3000}\n");
    let junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    env.write("binary.txt", junk);
    env.write("scan.pdf", b"%PDF-1.4 ...");
    env.write("notes.md", "# not a report");

    let (code, out, err) = env.run(&["index", "--json"]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let skipped: Vec<(String, String)> = lines
        .iter()
        .filter(|(t, _)| t == "skipped")
        .map(|(_, d)| (d["path"].as_str().unwrap().into(), d["reason"].as_str().unwrap().into()))
        .collect();
    let reason =
        |p: &str| skipped.iter().find(|(q, _)| q == p).map(|(_, r)| r.clone()).unwrap_or_default();
    assert_eq!(reason("empty.txt"), "empty file");
    assert_eq!(reason("blank.txt"), "empty file");
    assert!(reason("binary.txt").contains("binary"), "{skipped:?}");
    // A PDF header and nothing else: read as a PDF, and damaged (issue #12).
    assert!(reason("scan.pdf").starts_with("damaged PDF"), "{skipped:?}");
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    assert_eq!(lines.last().unwrap().1["added"], 6);

    for tag in ["甲", "乙", "丙", "丁", "戊", "己"] {
        let (code, out, _) = env.run(&["search", &format!("枫桥经验{tag}"), "--json"]);
        assert_eq!(code, 0, "{tag}");
        let hits: Vec<_> = json_lines(&out).into_iter().filter(|(t, _)| t == "hit").collect();
        assert_eq!(hits.len(), 1, "{tag}: the script in the HTML page is not text");
        // The user sees the original characters.
        assert!(hits[0].1["passage"]["text"].as_str().unwrap().contains("“枫桥经验"), "{tag}");
    }
    // navigation and footer of the HTML page are not indexed
    assert_eq!(env.run(&["search", "主办单位"]).0, 1);
    assert_eq!(env.run(&["search", "首页"]).0, 1);
}

#[test]
fn nothing_in_the_corpus_is_modified() {
    let env = Env::new();
    env.write("a.txt", TEXT);
    env.write("b.txt", encoding_rs::GB18030.encode(TEXT).0);
    let before: Vec<_> =
        ["a.txt", "b.txt"].iter().map(|p| std::fs::read(env.corpus().join(p)).unwrap()).collect();
    assert_eq!(env.run(&["index"]).0, 0);
    let after: Vec<_> =
        ["a.txt", "b.txt"].iter().map(|p| std::fs::read(env.corpus().join(p)).unwrap()).collect();
    assert_eq!(before, after);
    let names: Vec<_> =
        std::fs::read_dir(env.corpus()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2);
}
