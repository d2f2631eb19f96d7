//! Exact recall: `count --by report` against an independent oracle that
//! normalizes the report text and counts substrings.
//!
//! The oracle reads each indexed file itself, decodes it (UTF-8 or
//! GB18030), normalizes it with its own implementation of SPEC §2, and
//! counts non-overlapping occurrences of the query. Two counts bracket the
//! truth: per line (`low`), and over the whole text with line breaks
//! treated as whitespace (`high`, which also finds words that a PDF copy
//! broke across lines — and words spanning two real paragraphs). baogao
//! must lie within, and equal both when they agree (nearly always).
//!
//! For a PDF report of the bundled corpus the oracle reads the text the PDF
//! was made from ([`PDF_SOURCES`]), so the PDF reader is checked too.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use crate::util::{json_lines, on_bundled, root};

/// SPEC §2 written out again, independently of `baogao::text`.
fn oracle_normalize(s: &str) -> String {
    let folded: Vec<char> = s
        .nfkc()
        .map(|c| match c {
            '·' | '•' | '∙' | '・' | '‧' | '･' => '·',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let cjk = |c: char| {
        let u = c as u32;
        (0x3000..=0x303F).contains(&u)
            || (0x3400..=0x4DBF).contains(&u)
            || (0x4E00..=0x9FFF).contains(&u)
            || (0xF900..=0xFAFF).contains(&u)
            || (0xFF00..=0xFFEF).contains(&u)
            || (0x20000..=0x323AF).contains(&u)
    };
    let mut out = String::new();
    let mut i = 0;
    while i < folded.len() {
        if folded[i].is_whitespace() {
            let mut j = i;
            while j < folded.len() && folded[j].is_whitespace() {
                j += 1;
            }
            let before = out.chars().last();
            let after = folded.get(j).copied();
            if let (Some(b), Some(a)) = (before, after) {
                if !cjk(b) && !cjk(a) {
                    out.push(' ');
                }
            }
            i = j;
        } else {
            out.push(folded[i]);
            i += 1;
        }
    }
    out
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// The bundled PDF reports and the texts they were made from (see
/// `tests/data/pdf/README.md`): the oracle counts in those.
pub const PDF_SOURCES: &[(&str, &str)] = &[
    ("pdf-reports/2024-日照市-政府工作报告.pdf", "tests/data/pdf/twins/日照.txt"),
    (
        "pdf-reports/P020200430583120174815.pdf",
        "tests/data/pdf/twins/深圳市龙华区2019年法治政府建设工作报告_2019.txt",
    ),
];

/// The file the oracle reads for a bundled report.
fn oracle_source(path: &str) -> std::path::PathBuf {
    match PDF_SOURCES.iter().find(|(pdf, _)| *pdf == path) {
        Some((_, source)) => root().join(source),
        None => {
            assert!(
                !path.ends_with(".pdf"),
                "{path}: add the text it was made from to PDF_SOURCES"
            );
            root().join("corpus").join(path)
        }
    }
}

fn decode(bytes: &[u8]) -> String {
    if bytes.starts_with(b"PK\x03\x04") {
        return docx_text(bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The text of a `.docx`, read independently of `baogao::corpus::docx`:
/// the `<w:t>` runs of `word/document.xml`, one line per `<w:p>`.
fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    let unescape = |t: &str| {
        t.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    let mut out = String::new();
    for para in xml.split("</w:p>") {
        let mut rest = para;
        while let Some(i) = rest.find("<w:t") {
            let after = &rest[i + 4..];
            // `<w:t>` or `<w:t xml:space="preserve">`, not `<w:tab/>`, `<w:tbl>`.
            let Some(end) = after.find('>') else { break };
            if !(after.starts_with('>') || after.starts_with(' ')) || after[..end].ends_with('/') {
                rest = &after[end + 1..];
                continue;
            }
            let body = &after[end + 1..];
            let close = body.find("</w:t>").unwrap_or(body.len());
            out.push_str(&unescape(&body[..close]));
            rest = &body[close..];
        }
        out.push('\n');
    }
    out
}

/// Queries over the bundled corpus: every case of the point 6 and
/// then some (single characters, numbers, national vocabulary).
pub const QUERIES: &[&str] = &[
    "枫桥经验",
    "化解",
    "桥经",
    "一村（社区）一法律顾问",
    "一村(社区)一法律顾问",
    "12·4",
    "12∙4",
    "2023年",
    "镇机关全体干部",
    "法律顾问",
    "全覆盖",
    "依法行政",
    "镇",
    "第一责任人",
    "谁执法谁普法",
    "三项制度",
    "营商环境",
    "放管服",
    "政府工作报告",
    "改革开放",
    "人民",
    "2019年",
    "海拉尔",
    "乡村振兴",
    "扫黑除恶",
    "民法典",
    "矛盾纠纷",
    "（社区）",
    "五年计划",
    "社会主义",
    "一把手",
    "合法性审查",
    "重大行政决策",
    "3·15",
    "６·２６",
    "1998年3月5日",
    "ＧＤＰ",
    "gdp",
    "呼伦贝尔",
    "法治",
    "。",
    "法治政府建设",
];

#[test]
fn count_by_report_equals_normalized_substring_counting() {
    // The reports baogao indexed (duplicates excluded) and their paths.
    let (code, out, err) = on_bundled(&["reports", "--json"]);
    assert_eq!(code, 0, "{err}");
    let reports: HashMap<String, String> = json_lines(&out)
        .into_iter()
        .map(|(_, d)| {
            (d["id"].as_str().unwrap().to_string(), d["path"].as_str().unwrap().to_string())
        })
        .collect();
    assert!(reports.len() >= 70, "{} reports", reports.len());
    let texts: HashMap<String, String> = reports
        .iter()
        .map(|(id, path)| {
            let bytes = std::fs::read(oracle_source(path)).unwrap();
            (id.clone(), decode(&bytes))
        })
        .collect();

    let mut exact_checks = 0;
    for q in QUERIES {
        let needle = oracle_normalize(q);
        let (code, out, err) = on_bundled(&["count", q, "--by", "report", "--json"]);
        assert!(code == 0 || code == 1, "{q}: {err}");
        let got: HashMap<String, u64> = json_lines(&out)
            .into_iter()
            .filter(|(t, _)| t == "group")
            .map(|(_, d)| (d["key"].as_str().unwrap().to_string(), d["mentions"].as_u64().unwrap()))
            .collect();
        assert_eq!(got.len(), reports.len(), "{q}: one group per report");
        for (id, text) in &texts {
            let low: usize = text.lines().map(|l| count(&oracle_normalize(l), &needle)).sum();
            let high = count(&oracle_normalize(text), &needle);
            let ours = got[id] as usize;
            let path = &reports[id];
            assert!(low <= ours && ours <= high, "{q} in {path}: {ours} not in [{low}, {high}]");
            if low == high {
                assert_eq!(ours, low, "{q} in {path}");
                exact_checks += 1;
            }
        }
    }
    assert!(exact_checks > QUERIES.len() * reports.len() * 95 / 100);
}

#[test]
fn broken_line_is_found_once() {
    // Seed 002 has `镇机` / blank line / `关全体干部`: one passage, one
    // mention, highlighted across the break.
    let (code, out, _) = on_bundled(&["search", "镇机关全体干部", "--json"]);
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    let hits: Vec<_> = lines.iter().filter(|(t, _)| t == "hit").collect();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].1["report"]["path"].as_str().unwrap().starts_with("002_"));
}

#[test]
fn highlighted_spans_equal_the_query() {
    for q in
        ["枫桥经验", "一村（社区）一法律顾问", "12·4", "2023年", "镇机关全体干部", "镇", "ＧＤＰ"]
    {
        let (code, out, err) = on_bundled(&["search", q, "--all", "--json"]);
        assert_eq!(code, 0, "{q}: {err}");
        let needle = oracle_normalize(q);
        let mut spans = 0;
        for (t, d) in json_lines(&out) {
            if t != "hit" {
                continue;
            }
            let text: Vec<char> = d["passage"]["text"].as_str().unwrap().chars().collect();
            let matches = d["matches"].as_array().unwrap();
            assert!(!matches.is_empty(), "{q}: a hit without highlight");
            let mut last = 0;
            for m in matches {
                let (s, e) =
                    (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
                assert!(s < e && e <= text.len() && s >= last, "{q}: bad span {s}..{e}");
                last = s;
                let span: String = text[s..e].iter().collect();
                assert_eq!(oracle_normalize(&span), needle, "{q}: span {span:?}");
                spans += 1;
            }
        }
        assert!(spans > 0);
    }
}
