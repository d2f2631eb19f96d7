//! Fuzzing in the test suite: property tests that feed every stage that
//! reads user input — decoding, HTML, Word, metadata, structure,
//! normalization, the tokenizers, the query language, matching, `kwic`,
//! `diff`, sidecars and `metadata.csv`, and a whole file read end to end —
//! with random and hostile input, and check that nothing panics and the
//! stage's promises hold (issue #9).
//!
//! Each test runs [`crate::fuzz_cases`] cases: a few hundred in `cargo
//! test`, so the suite stays fast, and as many as `BAOGAO_FUZZ_CASES` says
//! for a campaign:
//!
//! ```sh
//! BAOGAO_FUZZ_CASES=100000 cargo test --release --lib fuzz_
//! ```
//!
//! Inputs are drawn half from plain random bytes or strings and half from
//! fragments that each stage cares about (tags, entities, BOMs, dates,
//! headings, operators…), glued at random, because random bytes alone
//! rarely get past the first check of a parser. The crashes that issue #9
//! reported are kept as regression tests at the end.

use proptest::prelude::*;

use crate::corpus::{decode, docx, html, metadata, structure, SkipReason};
use crate::query::{self, Matcher};
use crate::text::normalize::{self, Normalized};

fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: crate::fuzz_cases(default),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Strings glued from `fragments` and random characters.
fn glued(fragments: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(fragments).prop_map(String::from),
            1 => any::<char>().prop_map(String::from),
            1 => "[\u{4e00}-\u{9fa5}]{1,8}",
            1 => "[ \t\r\n\u{3000}]{1,3}",
        ],
        0..max,
    )
    .prop_map(|v| v.concat())
}

const HTML_FRAGMENTS: &[&str] = &[
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<br>",
    "<br/>",
    "<span>",
    "</span>",
    "<b id=1>",
    "</b>",
    "<table>",
    "<tr>",
    "<td>",
    "</td>",
    "</tr>",
    "</table>",
    "<script>",
    "</script>",
    "<style>",
    "</style>",
    "<!--",
    "-->",
    "<!DOCTYPE html>",
    "<html>",
    "<head>",
    "<title>",
    "</title>",
    "</head>",
    "<body>",
    "</body>",
    "<a href=\"x\">",
    "</a>",
    "<div class=\"nav\">",
    "<div id=\"zoom\">",
    "<h1>",
    "</h1>",
    "<pre>",
    "</pre>",
    "&nbsp;",
    "&lt;",
    "&amp;",
    "&#12288;",
    "&#x3000;",
    "&#99999999;",
    "&bogus;",
    "&",
    "<",
    ">",
    "</",
    "<!",
    "<?xml?>",
    "发布日期：",
    "2023-02-20",
    "来源：",
    "索引号：",
    "<meta name=\"PubDate\" content=\"2024-1-5\">",
    "<meta name=\"ArticleTitle\" content=\"报告\">",
    "<font>",
    "<ul><li>",
    "<li>",
    "\"",
    "'",
];

const TEXT_FRAGMENTS: &[&str] = &[
    "一、",
    "二、",
    "三、",
    "（一）",
    "(二)",
    "1.",
    "①",
    "第一部分",
    "主要举措和成效",
    "存在的不足",
    "下一步工作打算",
    "。",
    "，",
    "！",
    "？",
    "\n",
    "\n\n",
    "　　",
    "现将",
    "如下",
    "2024年",
    "二〇二四年",
    "2月31日",
    "2月29日",
    "12月",
    "年度",
    "——",
    "在",
    "人民代表大会",
    "人民政府",
    "有庆镇",
    "渠县",
    "四川省",
    "镇",
    "乡",
    "街道",
    "关于",
    "法治政府建设",
    "工作情况的报告",
    "发布日期：",
    "发文日期:",
    "2023-02-20",
    "来源：",
    "中共",
    "委员会",
    "\u{FEFF}",
    "\u{FFFD}",
    "ａ",
    "１２３",
    "a",
    "z",
    "0",
    " ",
    "\t",
    "\r\n",
];

const QUERY_FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "\"",
    "-",
    "@",
    "OR",
    "AND",
    "NOT",
    "or",
    "not",
    "NEAR/3",
    "NEAR",
    "near/5",
    "NEAR/0",
    "NEAR/4294967296",
    "year:",
    "yaer:",
    "level:",
    "section:",
    "place:",
    ":",
    "：",
    "2023",
    "..",
    "镇",
    "法律顾问",
    "（",
    "）",
    " ",
    "\u{3000}",
    "\t",
    "@枫桥经验",
    "@x",
    "http://",
    "a",
    "·",
    "ａ",
];

/// Checks the promise of [`structure`]: every non-whitespace character in
/// exactly one passage, in order; sections valid and non-empty.
fn check_structure(text: &str) {
    let s = structure::parse(text);
    let squeeze = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let joined: String = s.passages.iter().map(|p| squeeze(&p.text)).collect();
    assert_eq!(joined, squeeze(text));
    for p in &s.passages {
        assert!(p.section < s.sections.len());
        assert!(p.text.chars().count() <= structure::MAX_SENTENCE_CHARS);
    }
}

/// What must hold of any metadata we publish.
fn check_metadata(text: &str, rel: &str, hints: &metadata::Hints) {
    let m = metadata::extract(text, rel, hints);
    if let Some(p) = &m.published {
        let parts: Vec<u32> = p.split('-').filter_map(|x| x.parse().ok()).collect();
        assert_eq!(parts.len(), 3, "{p}");
        assert!(crate::corpus::date::is_valid(parts[0] as i32, parts[1], parts[2]), "{p}");
    }
    if let Some(y) = m.year {
        assert!((1900..=2100).contains(&y), "{y}");
    }
}

/// Runs a query's whole front end on `text` and a passage.
fn check_query(q: &str, passage: &str) {
    let Ok(parsed) = query::parse(q) else { return };
    let Some(expr) = parsed.expr else { return };
    let expanded = query::Concepts::defaults().expand(&expr).unwrap_or(expr);
    let Ok(m) = Matcher::from_expr(&expanded) else { return };
    let norm = normalize::normalize(passage);
    let matched = m.matches(&norm);
    let _ = m.mentions(&norm);
    let _ = m.min_gap(&norm);
    let n = Normalized::new(passage);
    for r in m.highlights(&n) {
        assert!(r.start <= r.end && r.end <= passage.chars().count());
    }
    for mention in crate::analysis::kwic::mentions_in(passage, &m, 5) {
        assert!(mention.start < mention.end);
    }
    if m.positive_words().is_empty() {
        return;
    }
    // A word query matches exactly when the word is a substring.
    if let query::Expr::Word(w) = &expanded {
        assert_eq!(matched, norm.contains(&normalize::normalize(w)));
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn fuzz_decode_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(d) = decode::decode(&bytes) {
            prop_assert!(!d.text.contains('\r'));
        }
    }

    #[test]
    fn fuzz_decode_structured(
        bom in prop::sample::select(vec![&b""[..], b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE\xFF"]),
        body in prop::collection::vec(prop_oneof![
            any::<u8>(),
            prop::sample::select(vec![0xB1u8, 0xA8, 0xD6, 0xD0, 0x81, 0x30, 0xFE, 0x0D, 0x0A, 0x00]),
        ], 0..1024),
    ) {
        let mut bytes = bom.to_vec();
        bytes.extend(body);
        let _ = decode::decode(&bytes);
    }

    #[test]
    fn fuzz_html(page in glued(HTML_FRAGMENTS, 80)) {
        let p = html::extract(&page);
        prop_assert!(!p.text.contains("<script"));
        let _ = html::extract_flat(&page);
        let _ = html::nesting(&page);
        if let Some(d) = p.published {
            prop_assert_eq!(d.len(), 10);
        }
    }

    #[test]
    fn fuzz_html_deep(open in prop::sample::select(vec!["<div>", "<span>", "<b id=x>", "<table><tr><td>", "<ul><li>", "<font>", "<a>"]),
                      n in 200usize..3000, text in "[\u{4e00}-\u{9fa5}]{1,20}") {
        let page = open.repeat(n) + &text;
        prop_assert!(html::extract(&page).text.contains(&text));
    }

    #[test]
    fn fuzz_docx_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = docx::extract(&bytes);
    }

    #[test]
    fn fuzz_docx_xml(body in glued(&[
        "<w:p>", "</w:p>", "<w:r>", "</w:r>", "<w:t>", "</w:t>", "<w:t xml:space=\"preserve\">",
        "<w:tab/>", "<w:br/>", "<w:tbl>", "<w:tr>", "<w:tc>", "</w:tc>", "</w:tr>", "</w:tbl>",
        "<w:sectPr/>", "&amp;", "&lt;", "&#12288;", "&bogus;", "<", ">", "<!--", "-->",
        "<![CDATA[", "]]>", "<?xml version=\"1.0\"?>", "<!DOCTYPE x [<!ENTITY e \"x\">]>", "&e;",
    ], 60)) {
        use std::io::Write;
        let doc = format!(
            "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
        );
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file("word/document.xml", opts).unwrap();
        zip.write_all(doc.as_bytes()).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let _ = docx::extract(&bytes);
    }

    #[test]
    fn fuzz_metadata(text in glued(TEXT_FRAGMENTS, 120), rel in glued(&["2023", "/", "有庆镇", "-", ".txt", "\u{FFFD}B1"], 6)) {
        check_metadata(&text, &rel, &metadata::Hints::default());
    }

    #[test]
    fn fuzz_metadata_hints(text in glued(TEXT_FRAGMENTS, 40), title in glued(TEXT_FRAGMENTS, 8),
                           published in glued(TEXT_FRAGMENTS, 6), source in glued(TEXT_FRAGMENTS, 6)) {
        let hints = metadata::Hints { title: Some(title), published: Some(published), source: Some(source) };
        check_metadata(&text, "", &hints);
    }

    #[test]
    fn fuzz_structure(text in glued(TEXT_FRAGMENTS, 200)) {
        check_structure(&text);
    }

    #[test]
    fn fuzz_structure_any(text in any::<String>()) {
        check_structure(&text);
    }

    #[test]
    fn fuzz_normalize(text in prop_oneof![any::<String>(), glued(TEXT_FRAGMENTS, 40)]) {
        let n = Normalized::new(&text);
        let len = text.chars().count();
        for k in 0..n.char_len() {
            let r = n.to_original(k..k + 1);
            prop_assert!(r.start <= r.end && r.end <= len);
        }
        prop_assert_eq!(&n.text, &normalize::normalize(&text));
    }

    #[test]
    fn fuzz_tokenizers(text in prop_oneof![any::<String>(), glued(TEXT_FRAGMENTS, 40)]) {
        use tantivy::tokenizer::{TokenStream, Tokenizer};
        let norm = normalize::normalize(&text);
        for (from, to) in crate::text::segment::words_with_byte_offsets(&norm) {
            prop_assert!(norm.is_char_boundary(from) && norm.is_char_boundary(to) && from <= to);
        }
        let mut bi = crate::index::tokenizer::BigramTokenizer::default();
        let mut stream = bi.token_stream(&norm);
        let mut n = 0;
        while stream.advance() {
            n += 1;
        }
        prop_assert_eq!(n, norm.chars().count());
        let mut jieba = crate::index::tokenizer::JiebaTokenizer::default();
        let mut stream = jieba.token_stream(&norm);
        while stream.advance() {}
    }

    #[test]
    fn fuzz_query(q in glued(QUERY_FRAGMENTS, 24), passage in glued(TEXT_FRAGMENTS, 30)) {
        check_query(&q, &passage);
    }

    #[test]
    fn fuzz_query_any(q in any::<String>(), passage in any::<String>()) {
        check_query(&q, &passage);
    }

    #[test]
    fn fuzz_concepts_file(defs in prop::collection::vec((0usize..6, glued(QUERY_FRAGMENTS, 8)), 0..8)) {
        let mut toml = String::from("[concepts]\n");
        for (i, (n, q)) in defs.iter().enumerate() {
            let q = q.replace('\'', "").replace(['\n', '\r'], " ");
            toml.push_str(&format!("\"c{n}_{i}\" = '{q} @c{}_{}'\n", (n + 1) % 6, i));
        }
        let _ = query::Concepts::from_toml(&toml, query::concepts::Source::Default);
    }

    #[test]
    fn fuzz_sidecar(text in glued(&[
        "year", "published", "title", "province", "level", " = ", "=", "\"", "'", "2024-02-31",
        "2024-02-29", "20240", "\n", "[x]", "township", "\"有庆镇\"", "-", "null", "1e99", "true",
        "2021-01-05T10:00:00", "{", "}", "[", "]", ",",
    ], 30)) {
        let mut meta = crate::corpus::Metadata::default();
        for err in crate::corpus::sidecar::apply_overrides(&mut meta, &text) {
            prop_assert!(!err.is_empty());
        }
        if let Some(p) = &meta.published {
            let parts: Vec<i32> = p.split('-').filter_map(|x| x.parse().ok()).collect();
            prop_assert!(crate::corpus::date::days_in_month(parts[0], parts[1] as u32) >= parts[2] as u32);
        }
    }

    #[test]
    fn fuzz_diff(a in prop::collection::vec(glued(TEXT_FRAGMENTS, 12), 0..12),
                 b in prop::collection::vec(glued(TEXT_FRAGMENTS, 12), 0..12)) {
        let ta: Vec<&str> = a.iter().map(String::as_str).collect();
        let tb: Vec<&str> = b.iter().map(String::as_str).collect();
        let al = crate::analysis::diff::align(&ta, &tb);
        // Every passage of either report is in exactly one unit.
        let mut seen_a: Vec<usize> = al.units.iter().flat_map(|u| u.a.clone()).collect();
        let mut seen_b: Vec<usize> = al.units.iter().flat_map(|u| u.b.clone()).collect();
        seen_a.sort_unstable();
        seen_b.sort_unstable();
        prop_assert_eq!(seen_a, (0..ta.len()).collect::<Vec<_>>());
        prop_assert_eq!(seen_b, (0..tb.len()).collect::<Vec<_>>());
    }
}

proptest! {
    // Each case writes a file and reads it back: fewer cases.
    #![proptest_config(config(64))]

    /// A whole corpus file, read as the indexer reads it: never an internal
    /// error (a caught panic), whatever its bytes and extension.
    #[test]
    fn fuzz_read_file(
        ext in prop::sample::select(vec!["txt", "html", "docx"]),
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..4096),
            glued(HTML_FRAGMENTS, 60).prop_map(String::into_bytes),
            glued(TEXT_FRAGMENTS, 120).prop_map(String::into_bytes),
        ],
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(format!("f.{ext}")), &bytes).unwrap();
        let files = crate::corpus::walk::scan(dir.path()).unwrap();
        prop_assert_eq!(files.len(), 1);
        let table = crate::corpus::overrides::MetadataTable::default();
        let r = crate::corpus::read::read(&files[0], &table);
        prop_assert!(!matches!(r, Err(SkipReason::Internal(_))), "{:?}", r.err());
    }

    #[test]
    fn fuzz_metadata_csv(text in glued(&[
        "path", ",", "year", "province", "published", "level", "\n", "\"", "a.txt", "2024",
        "2024-02-31", "-", "null", "有庆镇", "yaer", ",,,,", "\r\n", "\u{FEFF}",
    ], 40)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "报告").unwrap();
        std::fs::write(dir.path().join("metadata.csv"), &text).unwrap();
        let (table, _) = crate::corpus::overrides::MetadataTable::load(dir.path());
        let mut meta = crate::corpus::Metadata::default();
        let _ = table.apply("a.txt", &mut meta);
    }
}

// ---------------------------------------------------------------------------
// Regression cases: the crashes of issue #9, and what fuzzing found.

/// A line of metadata cut at a fixed byte offset inside a character
/// (`opening_year`, 9,239 of 200,000 fuzzed inputs panicked).
#[test]
fn regression_metadata_cut_inside_a_character() {
    let text = "报告\n现将a".to_string() + &"法".repeat(100) + "\n正文。\n";
    check_metadata(&text, "", &metadata::Hints::default());
}

/// 46 KB of 9,300 unclosed elements overflowed the stack.
#[test]
fn regression_deep_html() {
    let page = "<div>".repeat(9300) + "法治";
    assert_eq!(html::extract(&page).text, "法治");
}

/// 942 chained NOT, 913 NEAR/5 terms, 6,371 nested parentheses overflowed
/// the stack.
#[test]
fn regression_deep_queries() {
    for q in [
        "NOT ".repeat(942) + "a",
        (0..913).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" NEAR/5 "),
        "(".repeat(6371) + "a" + &")".repeat(6371),
    ] {
        assert!(query::parse(&q).unwrap_err().message.contains("query too deep"));
    }
}

/// `2024年2月31日` was published as `2024-02-31`.
#[test]
fn regression_impossible_dates() {
    let text = "关于2023年法治政府建设情况的报告\n正文。\n有庆镇人民政府\n2024年2月31日\n";
    assert_eq!(metadata::extract(text, "", &metadata::Hints::default()).published, None);
    let text = text.replace("31日", "29日");
    assert_eq!(
        metadata::extract(&text, "", &metadata::Hints::default()).published.as_deref(),
        Some("2024-02-29")
    );
}
