//! Report text to sections and passages (SPEC §1).
//!
//! [`parse`] takes the decoded text of one report (from `decode` or `html`)
//! and returns its [`Structure`]: the top-level [`Section`]s with their
//! kinds, and the [`Passage`]s (paragraphs) with their heading paths. The
//! indexer stores passages as documents; `count` sums over them, so the one
//! promise this module must keep above all others is:
//!
//! **every non-whitespace character of the input is in exactly one passage,
//! in order.** Concatenating the passage texts with all whitespace removed
//! gives the input with all whitespace removed. Headings, titles, signatures
//! and junk lines are passages too (a heading line is a passage whose path
//! ends with itself), so nothing is lost and nothing is counted twice.
//!
//! The work happens in four steps, all linear in the size of the text:
//!
//! 1. **Lines.** Each line is trimmed (spaces, U+3000, NBSP) and described:
//!    does it end a sentence, is it indented, does it look like a heading,
//!    a date, a signature, a metadata line (`来源:`, `发布日期:`)?
//!    A line holding ` | ` is a table row (the `.docx` reader joins a
//!    row's cells so): it stays a paragraph of its own.
//! 2. **Paragraphs.** Consecutive lines are joined back into one paragraph
//!    when a PDF or web copy broke a sentence (`镇机` + blank + `关全体干部`).
//!    We only join when the first part does not end a sentence and the second
//!    does not start like a heading or a new paragraph, and never for titles,
//!    headings, dates, signatures or metadata. In documents whose paragraphs
//!    are consistently indented we also join an unindented line to the
//!    paragraph before it: that is what a break looks like there, even when
//!    it falls just after a `。`.
//! 3. **Headings.** A short line `一、…` (also `一.` `一．`, `一…` without a
//!    separator when it names a section kind, a bare `一`, `第一部分`) that
//!    continues the numbering starts a new top-level section. Below it, the
//!    numbering styles `（一）` `1.` `（1）` `①` form the heading path,
//!    whatever their order of nesting in a given report. A sub-heading is
//!    either a line of its own or the first sentence of a paragraph
//!    (`(一)强化组织领导,健全法治建设机制。深入贯彻…`).
//! 4. **Closing.** Signature lines, dates and page junk after the last
//!    paragraph go to a final `other` section rather than stay in the last
//!    real section.
//!
//! Very long paragraphs (over [`MAX_PASSAGE_CHARS`]) are split at sentence
//! ends so that one search hit stays readable.

use std::sync::LazyLock;

use regex::Regex;

use crate::corpus::docx::CELL_SEPARATOR;
use crate::corpus::report::{Passage, Section, SectionKind, Structure};

/// Paragraphs longer than this many characters are split at sentence ends
/// (。！？) into passages of at most about this size.
pub const MAX_PASSAGE_CHARS: usize = 2000;

/// A single "sentence" longer than this many characters (no 。！？ in
/// it: a table flattened into one line, or 49 MB of one repeated letter,
/// issue #9) is cut into pieces of at most this size, after a comma or a
/// space near the end of each piece where there is one. This bounds the
/// work and memory per passage in indexing and searching; a mention that
/// straddles such a cut is not found, which only happens in text that has
/// no sentence end for 20,000 characters.
pub const MAX_SENTENCE_CHARS: usize = 10 * MAX_PASSAGE_CHARS;

/// A standalone heading (top-level or sub-level) is at most this many
/// characters long, counted after its number.
const MAX_HEADING_CHARS: usize = 60;

/// A line shorter than this (in characters) that does not end a sentence is
/// a title, a label or a signature, not a fragment of a broken paragraph: a
/// PDF breaks lines at the page width, which is much longer.
const MIN_BROKEN_LINE_CHARS: usize = 16;

/// Parses decoded report text into sections and passages.
///
/// `text` has LF line endings (CRLF already converted) and its original
/// characters, indentation included. The result satisfies the invariant in
/// the module documentation; `Passage::section` always indexes
/// `Structure::sections`. Text before the first top-level heading is a
/// preamble section (`[other]`, no heading); a closing signature block is a
/// final `[other]` section.
pub fn parse(text: &str) -> Structure {
    let lines: Vec<Line<'_>> = text.lines().map(Line::new).collect();
    let indented_doc = is_indented_document(&lines);
    let paragraphs = join_paragraphs(&lines, indented_doc);
    build_structure(paragraphs)
}

/// The kinds of a top-level section, from its heading (SPEC §1).
///
/// Kinds come in their canonical order ([`SectionKind::ALL`]); a heading that
/// names none is `[other]`. `三、工作不足及2021年工作计划` is
/// `[shortcomings, plans]`. A heading about the 第一责任人 duty is
/// `[responsibility]` only: that heading is a fixed formula whose other
/// words (`加强法治政府建设有关情况`) only qualify it.
pub fn heading_kinds(heading: &str) -> Vec<SectionKind> {
    static RULES: LazyLock<[(SectionKind, Regex); 4]> = LazyLock::new(|| {
        [
            (
                SectionKind::Measures,
                Regex::new(r"举措|成效|开展情况|做法|回顾|工作总结|主要工作|取得的成绩|工作进展")
                    .unwrap(),
            ),
            (SectionKind::Shortcomings, Regex::new(r"不足|问题|差距|短板|薄弱|原因").unwrap()),
            (SectionKind::Responsibility, Regex::new(r"第一责任人|主要负责人").unwrap()),
            (
                SectionKind::Plans,
                Regex::new(r"下一步|打算|安排|工作计划|年计划|任务|工作部署|工作思路|建议")
                    .unwrap(),
            ),
        ]
    });
    let found: Vec<SectionKind> =
        RULES.iter().filter(|(_, rx)| rx.is_match(heading)).map(|(k, _)| *k).collect();
    if found.contains(&SectionKind::Responsibility) {
        return vec![SectionKind::Responsibility];
    }
    if found.is_empty() {
        vec![SectionKind::Other]
    } else {
        found
    }
}

/// The value of a Chinese numeral from 一 to 九十九 (`十二` → 12).
fn chinese_number(s: &str) -> Option<u32> {
    fn digit(c: char) -> Option<u32> {
        "一二三四五六七八九".chars().position(|d| d == c).map(|i| i as u32 + 1)
    }
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// Characters that end a sentence (or a salutation) at the end of a line:
/// a line ending with one of them is not a broken line.
fn is_final_punct(c: char) -> bool {
    matches!(
        c,
        '。' | '！' | '？' | '；' | '：' | '…' | '”' | '」' | '』' | '!' | '?' | ';' | ':' | '.'
    )
}

/// Whether a trimmed line ends a sentence: its last character is final
/// punctuation, or it ends with a bracketed remark after one
/// (`…初步基础。（鼓掌）`).
fn ends_sentence(text: &str) -> bool {
    // Web copies leave private-use and zero-width characters at line ends
    // (U+E004 after every paragraph of one national report): they are not
    // what the line ends with.
    let text = text.trim_end_matches(|c: char| {
        matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{200B}'..='\u{200D}' | '\u{FEFF}')
            || c.is_whitespace()
    });
    let Some(last) = text.chars().next_back() else {
        return false;
    };
    if is_final_punct(last) {
        return true;
    }
    if matches!(last, '）' | ')') {
        if let Some(open) = text.rfind(['（', '(']) {
            return text[..open].chars().next_back().is_some_and(is_final_punct);
        }
    }
    false
}

/// Sentence ends inside a heading line: a "heading" that has one of these
/// before its last character is really a paragraph.
fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';')
}

/// CJK in the sense of SPEC §2: Han ideographs, CJK Symbols and Punctuation,
/// Halfwidth and Fullwidth Forms. Broken lines are joined without a space
/// between two such characters.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0xFF00..=0xFFEF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0x20000..=0x2FA1F | 0x30000..=0x323AF)
}

/// The numbering styles below the top level, in no fixed order: each report
/// nests them its own way, so we keep a stack and pop back to a style when
/// it recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubStyle {
    /// `一、` used below the top level (or out of sequence).
    ChineseSep,
    /// `（一）` `(一)`.
    ChineseParen,
    /// `1.` `1、` `1．`.
    Digit,
    /// `（1）` `(1)`.
    DigitParen,
    /// `①`.
    Circled,
}

/// What the start of a line says about it as a heading.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Marker {
    /// A candidate top-level heading numbered `n`; `keyword` tells whether
    /// the text after the number names a section kind, `loose` whether it
    /// lacks a separator (`一主要举措和成效`), which we only accept when it
    /// names a section kind.
    Top { n: u32, loose: bool, keyword: bool },
    /// A sub-heading numbering.
    Sub(SubStyle),
    /// No heading numbering.
    None,
}

static TOP_SEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]{1,3})[ \t]*[、.．]\s*(\S.*)$").unwrap());
static TOP_BARE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]{1,3})$").unwrap());
static TOP_LOOSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]{1,2})([^、.．,，是\s].*)$").unwrap());
static TOP_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^第([一二三四五六七八九十]{1,3})(?:部分|章|篇)(?:\s*[、.．:：]?\s*(.*))?$")
        .unwrap()
});
static SUB_CN_PAREN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[（(]\s*[一二三四五六七八九十]{1,3}\s*[)）]").unwrap());
static SUB_DIGIT_PAREN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[（(]\s*\d{1,2}\s*[)）]").unwrap());
static SUB_DIGIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{1,2}[ \t]*[.、．]").unwrap());
static SUB_CN_SEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[一二三四五六七八九十]{1,3}[、.．]").unwrap());
/// `一是…` `二是…` `第一，…`: inline enumerations that start a paragraph but
/// are not headings.
static ENUMERATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}[，,、])").unwrap()
});
/// A date on a line of its own (signature date), possibly in a delivery
/// line `——2022年3月5日` or in brackets.
static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[\s—\-－―（(]*(?:(?:\d\s*){4}|[〇○零一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日[\s）)]*$|^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$",
    )
    .unwrap()
});
/// Page metadata and junk that web copies carry (`来源:…`, `分享到:`).
static METADATA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:来源|信息来源|文章来源|发布日期|发布时间|发文日期|成文日期|索引号|发布机构|发文机关|公开方式|组配分类|文件编号|文号|点击数|浏览次数|阅读次数|作者|责任编辑|编辑|分享到|分享|打印|关闭|关闭窗口|返回|扫一扫)\s*[:：]?",
    )
    .unwrap()
});
/// The issuing bodies that sign a report.
static ISSUER_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:委员会|人民政府|政府|办公室|办事处|党委|党组|人民代表大会)$").unwrap()
});
/// Endings of title lines (`…年度法治政府建设工作情况的报告`).
static TITLE_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:报告|报告书|通知|办法|意见|决定|方案)$").unwrap());

/// One line of the input with what we need to know about it.
#[derive(Debug)]
struct Line<'a> {
    /// Trimmed of whitespace (spaces, tabs, U+3000, NBSP).
    text: &'a str,
    /// Whether the line starts with whitespace (indentation).
    indented: bool,
    /// Number of characters of `text`.
    chars: usize,
    /// Whether `text` ends with sentence-final punctuation.
    ends_sentence: bool,
    marker: Marker,
    /// A table row (cells joined with [`CELL_SEPARATOR`], as the `.docx`
    /// reader writes them): a passage of its own, never a heading, never
    /// joined with the lines around it.
    row: bool,
}

impl<'a> Line<'a> {
    fn new(raw: &'a str) -> Line<'a> {
        let text = raw.trim();
        let row = raw.contains(CELL_SEPARATOR);
        let indented = raw.starts_with(char::is_whitespace) && !text.is_empty() && !row;
        let chars = text.chars().count();
        let ends_sentence = ends_sentence(text);
        let marker = if row { Marker::None } else { marker_of(text) };
        Line { text, indented, chars, ends_sentence, marker, row }
    }

    fn is_blank(&self) -> bool {
        self.text.is_empty()
    }

    /// A heading that is the whole line (top-level candidate or standalone
    /// sub-heading), as opposed to a paragraph that starts with a number.
    fn is_standalone_heading(&self) -> bool {
        match self.marker {
            Marker::Top { .. } => true,
            Marker::Sub(_) => is_short_heading(self.text),
            Marker::None => false,
        }
    }

    fn is_date(&self) -> bool {
        self.chars <= 40 && DATE_LINE.is_match(self.text)
    }

    fn is_metadata(&self) -> bool {
        self.chars <= 120 && METADATA.is_match(self.text)
    }

    /// A signature line: one or more issuing bodies separated by spaces
    /// (`中共渠县有庆镇委员会   渠县有庆镇人民政府`).
    fn is_issuer(&self) -> bool {
        self.chars <= 60
            && !self.text.contains(is_final_punct)
            && self.text.split(char::is_whitespace).filter(|t| !t.is_empty()).all(|t| {
                ISSUER_TOKEN.is_match(t)
                    || t.trim_end_matches(['（', '(', '）', ')', '章']).ends_with("印")
            })
    }

    /// Whether a paragraph ending with this line may continue on the next
    /// line: the line does not end a sentence and is none of the lines that
    /// legitimately lack final punctuation.
    fn may_break(&self) -> bool {
        !self.row
            && !self.ends_sentence
            && self.chars >= MIN_BROKEN_LINE_CHARS
            && !self.is_standalone_heading()
            && !self.is_date()
            && !self.is_metadata()
            && !self.is_issuer()
            && !TITLE_END.is_match(self.text)
            && !starts_with_dash(self.text)
    }

    /// Whether this line may be the continuation of a broken paragraph:
    /// it does not start like a heading or a new paragraph.
    fn may_continue(&self) -> bool {
        !self.row
            && self.marker == Marker::None
            && !ENUMERATION.is_match(self.text)
            && !starts_with_dash(self.text)
            && !self.is_date()
            && !self.is_metadata()
            && !self.is_issuer()
            // A short line that does not end a sentence is a title or a
            // label, and a short one ending in ：or ！ is a salutation
            // (`各位代表！`, `县委、县政府：`).
            && (self.chars >= MIN_BROKEN_LINE_CHARS
                || (self.ends_sentence && !self.text.ends_with(['：', ':', '！', '!'])))
    }
}

/// Lines that open with a dash or a bullet start something of their own:
/// a delivery line (`——2022年3月5日在…`), a list item.
fn starts_with_dash(text: &str) -> bool {
    text.starts_with(['—', '-', '－', '―', '●', '◆', '■', '•', '★', '▲', '※'])
}

/// A heading short enough to be a line of its own: at most
/// [`MAX_HEADING_CHARS`] characters and no sentence end before its last
/// character.
fn is_short_heading(text: &str) -> bool {
    let mut n = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        n += 1;
        if n > MAX_HEADING_CHARS + 6 {
            return false;
        }
        if is_sentence_end(c) && chars.peek().is_some() {
            return false;
        }
    }
    true
}

/// Classifies the start of a trimmed line. Top-level candidates are judged
/// here on their form only; whether they continue the numbering is decided
/// in [`build_structure`].
fn marker_of(text: &str) -> Marker {
    if let Some(c) = TOP_SEP.captures(text) {
        let rest = c.get(2).map_or("", |m| m.as_str());
        // A top-level heading never ends a sentence: `四、国家机关…进行切实的
        // 检查。` is an item of a list, whatever its number.
        let ends_sentence = rest.chars().next_back().is_some_and(is_sentence_end);
        if let Some(n) = chinese_number(&c[1]) {
            if rest.chars().count() <= MAX_HEADING_CHARS && is_short_heading(rest) && !ends_sentence
            {
                let keyword = heading_kinds(rest) != [SectionKind::Other];
                return Marker::Top { n, loose: false, keyword };
            }
        }
        return Marker::Sub(SubStyle::ChineseSep);
    }
    if let Some(c) = TOP_BARE.captures(text) {
        if let Some(n) = chinese_number(&c[1]) {
            return Marker::Top { n, loose: false, keyword: false };
        }
    }
    if let Some(c) = TOP_PART.captures(text) {
        let rest = c.get(2).map_or("", |m| m.as_str());
        if let Some(n) = chinese_number(&c[1]) {
            if is_short_heading(rest) {
                let keyword = heading_kinds(rest) != [SectionKind::Other];
                return Marker::Top { n, loose: false, keyword };
            }
        }
    }
    if let Some(c) = TOP_LOOSE.captures(text) {
        // `一主要举措和成效`: no separator, so we want a short line without
        // sentence punctuation that names a section kind. Words that start
        // with a numeral (`一年来`, `一些`, `一方面`, `三个`) are prose.
        let rest = &c[2];
        let plain = !rest.contains(is_final_punct);
        let wordish = rest.starts_with([
            '年', '些', '直', '切', '方', '般', '起', '道', '同', '定', '致', '律', '贯', '向',
            '再', '度', '边', '时', '举', '个', '次', '届', '月', '日', '天', '季', '批', '项',
        ]);
        if let Some(n) = chinese_number(&c[1]) {
            if plain
                && !wordish
                && rest.chars().count() <= MAX_HEADING_CHARS
                && heading_kinds(rest) != [SectionKind::Other]
            {
                return Marker::Top { n, loose: true, keyword: true };
            }
        }
    }
    if SUB_CN_PAREN.is_match(text) {
        return Marker::Sub(SubStyle::ChineseParen);
    }
    if SUB_DIGIT_PAREN.is_match(text) {
        return Marker::Sub(SubStyle::DigitParen);
    }
    if let Some(m) = SUB_DIGIT.find(text) {
        // `1.5亿元` is a number, not a heading.
        let next = text[m.end()..].chars().next();
        if next.is_some_and(|c| !c.is_ascii_digit() && !c.is_numeric()) {
            return Marker::Sub(SubStyle::Digit);
        }
    }
    if text.starts_with(|c: char| ('\u{2460}'..='\u{2473}').contains(&c)) {
        return Marker::Sub(SubStyle::Circled);
    }
    if SUB_CN_SEP.is_match(text) {
        return Marker::Sub(SubStyle::ChineseSep);
    }
    Marker::None
}

/// Whether the document indents its paragraphs consistently. We look at
/// paragraph starts only (long lines ending a sentence, after a line that
/// ends a sentence or a heading), so that the unindented halves of broken
/// lines do not hide the pattern they break.
fn is_indented_document(lines: &[Line<'_>]) -> bool {
    let (mut total, mut indented) = (0usize, 0usize);
    let mut prev: Option<&Line<'_>> = None;
    for line in lines.iter().filter(|l| !l.is_blank()) {
        if let Some(p) = prev {
            if line.chars >= 30
                && line.ends_sentence
                && line.marker == Marker::None
                && (p.ends_sentence || p.is_standalone_heading())
            {
                total += 1;
                indented += usize::from(line.indented);
            }
        }
        prev = Some(line);
    }
    total >= 3 && indented * 20 >= total * 19
}

/// A paragraph: one or more input lines joined back together.
struct Paragraph<'a> {
    /// The first line (it decides whether this is a heading).
    first: &'a Line<'a>,
    /// The joined, trimmed text.
    text: String,
    /// Whether `text` has a sentence end (。！？；) anywhere; kept up to
    /// date as lines are joined so that we never rescan the paragraph.
    has_sentence_end: bool,
}

/// Step 2: groups non-blank lines into paragraphs, joining broken lines.
fn join_paragraphs<'a>(lines: &'a [Line<'a>], indented_doc: bool) -> Vec<Paragraph<'a>> {
    let mut out: Vec<Paragraph<'a>> = Vec::new();
    // The last line of the paragraph being built.
    let mut last: Option<&Line<'_>> = None;
    for line in lines.iter().filter(|l| !l.is_blank()) {
        let join = match (out.last(), last) {
            (Some(p), Some(l)) if !p.first.is_standalone_heading() && line.may_continue() => {
                // The common case: a sentence broken across lines. A short
                // paragraph without any sentence end is more likely an
                // unnumbered heading (`加强政权建设，加强各族人民的大团结`)
                // than the first line of a broken one, so we leave it alone.
                (l.may_break()
                    && (p.has_sentence_end || l.chars >= 60))
                    // An indented document: an unindented line after an
                    // indented paragraph is the rest of it, even after `。`.
                    || (indented_doc
                        && p.first.indented
                        && !line.indented
                        && !p.first.is_date()
                        && !p.first.is_issuer()
                        && !p.first.is_metadata())
            }
            _ => false,
        };
        if join {
            // `join` is only true in the arm where `out.last()` is `Some`.
            let p = out.last_mut().expect("join needs a paragraph");
            let left = p.text.chars().next_back();
            let right = line.text.chars().next();
            if !(left.is_some_and(is_cjk) && right.is_some_and(is_cjk)) {
                p.text.push(' ');
            }
            p.text.push_str(line.text);
            p.has_sentence_end |= line.text.contains(is_sentence_end);
        } else {
            out.push(Paragraph {
                first: line,
                text: line.text.to_owned(),
                has_sentence_end: line.text.contains(is_sentence_end),
            });
        }
        last = Some(line);
    }
    out
}

/// The heading part of a paragraph that opens with a sub-heading number:
/// the whole line if it is a standalone heading, else its first sentence
/// (`(一)强化组织领导,健全法治建设机制。`), else its first clause, else its
/// first 40 characters.
fn heading_part(text: &str) -> &str {
    if is_short_heading(text) && text.chars().count() <= MAX_HEADING_CHARS + 6 {
        return text;
    }
    let cut = |pred: fn(char) -> bool, keep: bool| {
        text.char_indices().take(MAX_HEADING_CHARS).find(|&(_, c)| pred(c)).map(|(i, c)| {
            if keep {
                i + c.len_utf8()
            } else {
                i
            }
        })
    };
    let end = cut(is_sentence_end, true)
        .or_else(|| cut(|c| matches!(c, '，' | ',' | '：' | ':'), false))
        .unwrap_or_else(|| text.char_indices().nth(40).map_or(text.len(), |(i, _)| i));
    &text[..end]
}

/// Steps 3 and 4: sections, heading paths, the closing block, and long
/// paragraphs split.
fn build_structure(paragraphs: Vec<Paragraph<'_>>) -> Structure {
    let mut sections: Vec<Section> = Vec::new();
    let mut passages: Vec<Passage> = Vec::new();
    let mut last_top = 0u32;
    // The current top-level heading and the sub-heading stack below it.
    let mut top: Option<String> = None;
    let mut stack: Vec<(SubStyle, String)> = Vec::new();
    // Whether each passage's paragraph may belong to a closing block.
    let mut closing_like: Vec<bool> = Vec::new();
    let mut last_heading_passage: Option<usize> = None;

    for p in paragraphs {
        let first = p.first;
        let mut sub = None;
        match first.marker {
            Marker::Top { n, loose, keyword }
                if n == last_top + 1 && (!loose || keyword) && p.text == first.text =>
            {
                last_top = n;
                sections.push(Section {
                    kinds: heading_kinds(first.text),
                    heading: Some(first.text.to_owned()),
                });
                top = Some(first.text.to_owned());
                stack.clear();
                last_heading_passage = Some(passages.len());
            }
            // A top-level form out of sequence is an enumeration below the
            // top level (`一、我国人民已经推翻了帝国主义…` inside section 三).
            Marker::Top { .. } => sub = Some(SubStyle::ChineseSep),
            Marker::Sub(style) => sub = Some(style),
            Marker::None => {}
        }
        if let Some(style) = sub {
            if let Some(pos) = stack.iter().position(|(s, _)| *s == style) {
                stack.truncate(pos);
            }
            stack.push((style, heading_part(&p.text).to_owned()));
        }
        if sections.is_empty() {
            sections.push(Section { kinds: vec![SectionKind::Other], heading: None });
        }
        let path: Vec<String> =
            top.iter().cloned().chain(stack.iter().map(|(_, h)| h.clone())).collect();
        let section = sections.len() - 1;
        let is_closing =
            p.text == first.text && (first.is_date() || first.is_issuer() || first.is_metadata());
        for chunk in split_long(&p.text) {
            passages.push(Passage { section, path: path.clone(), text: chunk.to_owned() });
            closing_like.push(is_closing);
        }
    }

    // Step 4: the trailing run of signature, date and junk lines after the
    // last heading goes to a closing section, if it has a signature or date.
    if let Some(h) = last_heading_passage {
        let mut start = passages.len();
        while start > h + 1 && closing_like[start - 1] {
            start -= 1;
        }
        let signed = passages[start..].iter().any(|p| {
            let l = Line::new(&p.text);
            l.is_date() || l.is_issuer()
        });
        if start < passages.len() && signed {
            sections.push(Section { kinds: vec![SectionKind::Other], heading: None });
            let section = sections.len() - 1;
            for p in &mut passages[start..] {
                p.section = section;
                p.path.clear();
            }
        }
    }
    Structure { sections, passages }
}

/// Splits a paragraph longer than [`MAX_PASSAGE_CHARS`] at sentence ends
/// (。！？), greedily filling each piece up to that size. A single sentence
/// longer than the limit stays whole, unless it is longer than
/// [`MAX_SENTENCE_CHARS`] (see there). Pieces are trimmed; nothing else
/// changes, so the invariant holds.
fn split_long(text: &str) -> Vec<&str> {
    if text.chars().count() <= MAX_PASSAGE_CHARS {
        return vec![text];
    }
    let mut pieces = Vec::new();
    let (mut start, mut chars, mut last_end, mut chars_at_last_end) = (0usize, 0usize, 0, 0);
    for (i, c) in text.char_indices() {
        chars += 1;
        if chars > MAX_PASSAGE_CHARS && last_end > start {
            pieces.push(&text[start..last_end]);
            start = last_end;
            chars -= chars_at_last_end;
            chars_at_last_end = 0;
        }
        if matches!(c, '。' | '！' | '？') {
            last_end = i + c.len_utf8();
            chars_at_last_end = chars;
        }
    }
    pieces.push(&text[start..]);
    pieces.into_iter().flat_map(cut_overlong).map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// Cuts a piece longer than [`MAX_SENTENCE_CHARS`] into pieces of at most
/// that many characters, each ending after the last comma, semicolon,
/// enumeration comma, colon or whitespace in its final quarter if there is
/// one. Work is linear in the length of the piece.
fn cut_overlong(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    // `limit` is the byte offset of the first character past the limit,
    // from `char_indices`: a boundary, as is every cut below.
    while let Some((limit, _)) = rest.char_indices().nth(MAX_SENTENCE_CHARS) {
        let window = &rest[..limit];
        let soft = window
            .char_indices()
            .rev()
            .take(MAX_SENTENCE_CHARS / 4)
            .find(|&(_, c)| {
                matches!(c, '，' | ',' | '；' | ';' | '、' | '：' | ':') || c.is_whitespace()
            })
            .map(|(i, c)| i + c.len_utf8());
        let cut = soft.unwrap_or(limit);
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;
    use SectionKind::*;

    fn corpus_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
    }

    /// The seed file whose name starts with `prefix` (`002`).
    fn seed(prefix: &str) -> String {
        let dir = corpus_dir();
        let name = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with(prefix) && n.ends_with(".txt"))
            .unwrap();
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "txt") {
                out.push(p);
            }
        }
    }

    fn squeeze(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// The invariant of the module doc, plus valid section indexes.
    fn assert_invariant(text: &str, s: &Structure) {
        let joined: String = s.passages.iter().map(|p| squeeze(&p.text)).collect();
        assert_eq!(joined, squeeze(text), "passages must hold every character once, in order");
        for p in &s.passages {
            assert!(p.section < s.sections.len());
            assert!(!p.text.trim().is_empty());
            assert_eq!(p.text, p.text.trim());
        }
        // Sections appear in order and none is empty.
        let mut last = 0;
        for p in &s.passages {
            assert!(p.section >= last);
            last = p.section;
        }
        for i in 0..s.sections.len() {
            assert!(s.passages.iter().any(|p| p.section == i), "section {i} is empty");
        }
    }

    #[test]
    fn table_rows_are_passages_of_their_own() {
        // Rows as the .docx reader writes them: long, without a sentence
        // end, one starting like a heading — none joins a neighbour.
        let text = "一、主要举措和成效\n\
            全年共办理行政复议案件十二件，行政诉讼案件五件，法律顾问参与重大决策合法性审查\n\
            项目 | 数量 | 备注\n\
            （一）法律顾问覆盖村居 | 十二个 | 实现全覆盖，较上年增加三个村居的法律顾问服务，覆盖率达到百分之百\n\
            行政复议 | 十二件 | \n\
            基层法治力量仍较薄弱。";
        let s = parse(text);
        assert_invariant(text, &s);
        let texts: Vec<&str> = s.passages.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts[2..5],
            [
                "项目 | 数量 | 备注",
                "（一）法律顾问覆盖村居 | 十二个 | 实现全覆盖，较上年增加三个村居的法律顾问服务，覆盖率达到百分之百",
                "行政复议 | 十二件 |",
            ],
            "{texts:?}"
        );
        assert_eq!(s.passages[3].path, ["一、主要举措和成效"], "a row is not a heading");
    }

    /// Kinds of the sections that are not `[other]`, in order.
    fn real_kinds(s: &Structure) -> Vec<Vec<SectionKind>> {
        s.sections.iter().filter(|x| x.kinds != [Other]).map(|x| x.kinds.clone()).collect()
    }

    fn find<'a>(s: &'a Structure, needle: &str) -> &'a Passage {
        s.passages.iter().find(|p| p.text.contains(needle)).unwrap()
    }

    #[test]
    fn seed_sections() {
        let table: [(&str, Vec<Vec<SectionKind>>); 5] = [
            ("000", vec![vec![Measures], vec![Shortcomings], vec![Responsibility], vec![Plans]]),
            ("001", vec![vec![Measures], vec![Shortcomings], vec![Responsibility], vec![Plans]]),
            ("002", vec![vec![Measures], vec![Shortcomings], vec![Plans]]),
            ("003", vec![vec![Measures], vec![Responsibility], vec![Shortcomings, Plans]]),
            ("004", vec![vec![Measures], vec![Responsibility], vec![Shortcomings], vec![Plans]]),
        ];
        for (prefix, want) in table {
            let text = seed(prefix);
            let s = parse(&text);
            assert_eq!(real_kinds(&s), want, "seed {prefix}");
            assert_eq!(s.sections[0], Section { kinds: vec![Other], heading: None });
            assert_invariant(&text, &s);
        }
    }

    #[test]
    fn unnumbered_separator_heading_in_seed_000() {
        let s = parse(&seed("000"));
        assert_eq!(s.sections[1].heading.as_deref(), Some("一主要举措和成效"));
        assert_eq!(s.sections[2].heading.as_deref(), Some("二、存在的不足"));
    }

    #[test]
    fn kinds_of_headings() {
        assert_eq!(heading_kinds("三、工作不足及2021年工作计划"), [Shortcomings, Plans]);
        assert_eq!(
            heading_kinds(
                "三、2024年度党政主要负责人履行推进法治建设第一责任人职责规定，加强法治政府建设有关情况"
            ),
            [Responsibility]
        );
        assert_eq!(heading_kinds("二、2022年度推进法治政府建设存在的不足和原因"), [Shortcomings]);
        assert_eq!(heading_kinds("一、2022年推进法治政府建设的主要举措和成效"), [Measures]);
        assert_eq!(heading_kinds("四、2023年推进法治政府建设的主要安排"), [Plans]);
        assert_eq!(heading_kinds("一、工作开展情况"), [Measures]);
        assert_eq!(heading_kinds("一、过去五年工作回顾"), [Measures]);
        assert_eq!(heading_kinds("三、2022年政府工作任务"), [Plans]);
        assert_eq!(heading_kinds("八、其它"), [Other]);
    }

    #[test]
    fn seed_002_broken_lines_are_joined() {
        let text = seed("002");
        let s = parse(&text);
        let texts: Vec<&str> = s.passages.iter().map(|p| p.text.as_str()).collect();
        for seam in [
            "参与率 100%。镇机关全体干部日常学法常态化",
            "执法人员的服装、执法装备、执法车辆",
            "相结合的行政决策机制，推行重大行政决策听证",
        ] {
            let hits = texts.iter().filter(|t| t.contains(seam)).count();
            assert_eq!(hits, 1, "{seam}");
        }
        // The joined passages are whole paragraphs, from their first line to
        // their final 。.
        let p = find(&s, "镇机关全体");
        assert!(p.text.starts_with("镇党委政府高度重视法治工作"));
        assert!(p.text.ends_with("提升了依法行政的能力。"));
        let p = find(&s, "执法装备");
        assert!(p.text.starts_with("二是行政执法整体水平不高。"));
        let p = find(&s, "行政决策机制，推行");
        assert!(p.text.starts_with("三是完善政府行政决策机制"));
        // No passage swallows a heading.
        for t in &texts {
            for h in s.sections.iter().filter_map(|x| x.heading.as_deref()) {
                assert!(!t.contains(h) || *t == h, "{t} contains heading {h}");
            }
            assert!(!t.contains("（二）依法全面履行政府职能方面") || t.starts_with("（二）"));
        }
        // Titles stay separate: the title lacks final punctuation too.
        assert!(texts.contains(&"2023 年荆竹铺镇法治政府建设 年度报告"));
    }

    #[test]
    fn join_spacing() {
        let s = parse("一、工作开展情况\n\n全镇深入排查。共排查矛盾纠纷516起，化解率达到\n\n99%，社会治理水平稳步提升。\n");
        assert_eq!(
            s.passages[1].text,
            "全镇深入排查。共排查矛盾纠纷516起，化解率达到 99%，社会治理水平稳步提升。"
        );
    }

    #[test]
    fn heading_paths_in_seeds() {
        let s = parse(&seed("000"));
        let p = find(&s, "枫桥经验");
        assert_eq!(p.path, ["一主要举措和成效", "(五)依法化解社会矛盾纠纷,维护社会和谐稳定。"]);
        assert!(p.text.starts_with("(五)依法化解社会矛盾纠纷"));
        // A standalone heading line is a passage whose path ends with itself.
        let h = find(&s, "四、下一步打算");
        assert_eq!(h.text, "四、下一步打算");
        assert_eq!(h.path, ["四、下一步打算"]);
        // Three levels, `1、` below `(二)`, in seed 003 (no blank lines).
        let s = parse(&seed("003"));
        let p = find(&s, "依法治村”为关键");
        assert_eq!(
            p.path,
            ["一、工作开展情况", "(二)“四关键”强化法治意识", "4、以“依法治村”为关键。"]
        );
        // `（四）` after `3、` pops back to the `（一）` level.
        let p = find(&s, "公正是司法的生命");
        assert_eq!(p.path, ["一、工作开展情况", "（四）深化公正司法，力促社会和谐"]);
        // Standalone sub-headings are inherited by the paragraphs below them.
        let s = parse(&seed("002"));
        let p = find(&s, "统一的便民服务大厅");
        assert_eq!(p.path, ["一、工作开展情况", "（二）依法全面履行政府职能方面"]);
        // `(一) 强化…` with a space, and `1.` directly below the top level.
        let p = find(&s, "镇机关全体");
        assert_eq!(p.path[1], "(一) 强化法治思维和依法行政能力方面");
        let s = parse(&seed("001"));
        let p = find(&s, "清廉矩阵联盟");
        assert_eq!(p.path[1], "3.自觉执行廉洁自律规定。");
        // Preamble passages have no path.
        assert!(s.passages[0].path.is_empty());
    }

    #[test]
    fn yi_shi_is_not_a_heading() {
        let s = parse(&seed("000"));
        let p = find(&s, "一是法治队伍力量薄弱");
        assert_eq!(p.path, ["二、存在的不足"]);
        assert_eq!(s.sections.iter().filter(|x| x.heading.is_some()).count(), 4);
        let s = parse("一、存在的问题\n一是职权有限\n二是执法水平不高。\n三是普法不够。\n");
        assert_eq!(s.sections.len(), 1);
        assert!(s.passages.iter().all(|p| p.path == ["一、存在的问题"]));
        assert_eq!(s.passages.len(), 4);
    }

    #[test]
    fn long_enumerations_are_not_top_level() {
        // National 1955: `一、我国人民已经推翻了…` inside section 三 and a
        // short `四、…检查。` item must not open sections.
        let path = corpus_dir().join("national-gwr-1954-2022/1955-国务院-政府工作报告.txt");
        let s = parse(&std::fs::read_to_string(path).unwrap());
        let headings: Vec<&str> = s.sections.iter().filter_map(|x| x.heading.as_deref()).collect();
        assert_eq!(
            headings[..3],
            [
                "一、国家在过渡时期的总任务",
                "二、第一个五年计划概要",
                "三、第一个五年计划的若干问题"
            ]
        );
        assert!(headings.iter().all(|h| !h.ends_with('。')));
    }

    #[test]
    fn closing_block_is_its_own_section() {
        let s = parse(&seed("000"));
        let last = s.sections.last().unwrap();
        assert_eq!(last, &Section { kinds: vec![Other], heading: None });
        let closing: Vec<&str> = s
            .passages
            .iter()
            .filter(|p| p.section == s.sections.len() - 1)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(closing.len(), 3);
        assert!(closing[0].starts_with("中共渠县有庆镇委员会"));
        assert_eq!(closing[1..], ["2025年3月19日", "分享到:"]);
        let s = parse(&seed("004"));
        let closing: Vec<&str> = s
            .passages
            .iter()
            .filter(|p| p.section == s.sections.len() - 1)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(closing, ["中共云阳县巴阳镇委员会", "云阳县巴阳镇人民政府", "2024年1月31日"]);
        // The plans section keeps its last real paragraph.
        let p = find(&s, "紧扣法治建设新要求");
        assert_eq!(s.sections[p.section].kinds, [Plans]);
    }

    #[test]
    fn hailar_reports() {
        let mut files = Vec::new();
        walk(&corpus_dir().join("county-hailar-gwr-2012-2019"), &mut files);
        assert_eq!(files.len(), 8);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let s = parse(&text);
            assert_invariant(&text, &s);
            // `政 府 工 作 报 告` and the speaker line stay in the preamble.
            assert_eq!(s.sections[0].heading, None, "{}", f.display());
            let kinds = real_kinds(&s);
            assert_eq!(kinds.first(), Some(&vec![Measures]), "{}", f.display());
            assert!(kinds.iter().any(|k| k.contains(&Plans)), "{}", f.display());
        }
    }

    #[test]
    fn long_paragraphs_are_split_at_sentence_ends() {
        let sentence = "这是一个用于测试的句子，它有二十个字左右。";
        let para = sentence.repeat(300);
        let s = parse(&format!("一、工作开展情况\n{para}\n"));
        assert!(s.passages.len() > 2);
        for p in &s.passages[1..] {
            assert!(p.text.chars().count() <= MAX_PASSAGE_CHARS);
            assert!(p.text.ends_with('。'));
            assert_eq!(p.path, ["一、工作开展情况"]);
        }
        assert_invariant(&format!("一、工作开展情况\n{para}\n"), &s);
    }

    /// Issue #9: a 49 MB file of one repeated letter was one passage of
    /// 49 million characters (2.3 GB to index, 100 s to search).
    #[test]
    fn sentences_without_end_are_cut() {
        let text = "a".repeat(3 * MAX_SENTENCE_CHARS + 5);
        let s = parse(&text);
        let lens: Vec<usize> = s.passages.iter().map(|p| p.text.chars().count()).collect();
        assert_eq!(lens, [MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS, 5]);
        assert_invariant(&text, &s);
        // A comma near the end of the window is where the cut goes.
        let text = format!("{}，{}", "法".repeat(MAX_SENTENCE_CHARS - 10), "治".repeat(30));
        let s = parse(&text);
        assert_eq!(s.passages.len(), 2);
        assert!(s.passages[0].text.ends_with('，'));
        assert_invariant(&text, &s);
        // Chinese text without sentence ends, on character boundaries.
        let text = "政府工作报告".repeat(MAX_SENTENCE_CHARS / 3);
        assert_invariant(&text, &parse(&text));
    }

    #[test]
    fn invariant_on_every_bundled_file() {
        let mut files = Vec::new();
        walk(&corpus_dir(), &mut files);
        let mut checked = 0;
        for f in files {
            // The `encodings-raw/` files are GB18030; `decode` tests those.
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let s = parse(&text);
            assert_invariant(&text, &s);
            checked += 1;
        }
        assert!(checked >= 70, "only {checked} files");
    }

    #[test]
    fn print_some_real_reports() {
        // Not an assertion on wording, a look at what users get:
        // `cargo test print_some -- --nocapture`.
        for rel in [
            "national-gwr-1954-2022/2018-国务院-政府工作报告.txt",
            "county-hailar-gwr-2012-2019/2019-呼伦贝尔市海拉尔区-政府工作报告.txt",
            "township-shanghai-docs/2025-青浦区朱家角镇-小额建设工程实施办法.txt",
        ] {
            let s = parse(&std::fs::read_to_string(corpus_dir().join(rel)).unwrap());
            println!("== {rel}");
            for x in &s.sections {
                println!("  {:?} {:?}", x.kinds, x.heading);
            }
            assert!(s.sections.len() > 2, "{rel}");
        }
    }

    /// Lines a report is made of, for random documents.
    fn line_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("   ".to_owned()),
            Just("一、主要举措和成效".to_owned()),
            Just("二存在的不足".to_owned()),
            Just("  三、下一步打算".to_owned()),
            Just("（一）强化组织领导，健全机制。深入贯彻落实".to_owned()),
            Just("(二) 提升法治思维".to_owned()),
            Just("1.加强学习。".to_owned()),
            Just("①".to_owned()),
            Just("一是法治队伍力量薄弱。".to_owned()),
            Just("\u{3000}\u{3000}镇党委政府高度重视法治工作，参与率 100%。镇机".to_owned()),
            Just("关全体干部日常学法常态化，全部通过普法考试。".to_owned()),
            Just("2025年3月19日".to_owned()),
            Just("\u{a0}中共渠县有庆镇委员会\u{a0} 渠县有庆镇人民政府 ".to_owned()),
            Just("来源:渠县有庆镇".to_owned()),
            Just("分享到:".to_owned()),
            "[一二三是、。，（）()1.a-z \u{3000}镇法治年报告]{0,40}",
            "\\PC{0,30}",
        ]
    }

    proptest! {
        #[test]
        fn invariant_on_random_documents(lines in prop::collection::vec(line_strategy(), 0..40)) {
            let text = lines.join("\n");
            let s = parse(&text);
            assert_invariant(&text, &s);
        }

        #[test]
        fn invariant_on_long_random_paragraphs(n in 0usize..3000, cut in 0usize..3000) {
            let mut para: String = "法治政府建设。".chars().cycle().take(n).collect();
            if let Some((i, _)) = para.char_indices().nth(cut) {
                para.insert_str(i, "\n\n");
            }
            let s = parse(&para);
            assert_invariant(&para, &s);
        }
    }

    /// Decodes a generated file as `tools/gen-corpus` encoded it.
    fn decode_generated(bytes: &[u8], encoding: &str) -> String {
        let text = match encoding {
            "gb18030" => encoding_rs::GB18030.decode(bytes).0.into_owned(),
            "utf-16" => {
                let (enc, _) = encoding_rs::Encoding::for_bom(bytes).expect("BOM");
                enc.decode(bytes).0.into_owned()
            }
            _ => String::from_utf8(bytes.to_vec()).unwrap(),
        };
        text.trim_start_matches('\u{feff}').replace("\r\n", "\n")
    }

    #[test]
    fn generated_corpus_sections_match_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gen-corpus");
        let status = std::process::Command::new("python3")
            .arg(&script)
            .args(["--reports", "300", "--mix", "--seed", "7", "--out"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("python3 must be installed to run tools/gen-corpus");
        assert!(status.success());
        let manifest = std::fs::read_to_string(dir.path().join("MANIFEST.tsv")).unwrap();
        let mut header = None;
        let seed_line_ends: std::collections::HashSet<String> = ["000", "001", "002", "003", "004"]
            .iter()
            .flat_map(|n| {
                seed(n)
                    .lines()
                    .map(|l| l.trim().chars().rev().take(6).collect())
                    .collect::<Vec<String>>()
            })
            .collect();
        let (mut total, mut good, mut broken_files) = (0, 0, 0);
        // (fragments, passages) in files with and without broken lines.
        let (mut broken_stats, mut plain_stats) = ((0, 0), (0, 0));
        let mut failures = Vec::new();
        for line in manifest.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            let Some(h) = &header else {
                header = Some(cols.iter().map(|c| c.to_string()).collect::<Vec<_>>());
                continue;
            };
            let col = |name: &str| cols[h.iter().position(|c| c == name).unwrap()];
            if col("status") != "ok" || col("encoding") == "html" {
                continue;
            }
            let bytes = std::fs::read(dir.path().join(col("file"))).unwrap();
            let text = decode_generated(&bytes, col("encoding"));
            let s = parse(&text);
            assert_invariant(&text, &s);
            let want: Vec<Vec<SectionKind>> =
                col("sections").split(',').map(|k| vec![SectionKind::parse(k).unwrap()]).collect();
            total += 1;
            if real_kinds(&s) == want {
                good += 1;
            } else {
                failures.push(format!("{}: {:?} != {want:?}", col("file"), real_kinds(&s)));
            }
            // Passages of real sections that are neither a heading nor end
            // a sentence: fragments. The seed pool has a few of its own
            // (seed 002's breaks, taken one line at a time), so we compare
            // the broken-lines files with the others.
            let fragments = s
                .passages
                .iter()
                .filter(|p| s.sections[p.section].kinds != [Other])
                .filter(|p| p.path.last() != Some(&p.text) && !ends_sentence(&p.text))
                .inspect(|p| {
                    if col("encoding") == "utf-8-broken-lines" {
                        // A break that `break_lines` made must be repaired:
                        // the only fragments left are the pool's own.
                        let end: String = p.text.chars().rev().take(6).collect();
                        assert!(seed_line_ends.contains(&end), "broken passage: {}", p.text);
                    }
                })
                .count();
            let passages = s.passages.len();
            if col("encoding") == "utf-8-broken-lines" {
                broken_files += 1;
                broken_stats.0 += fragments;
                broken_stats.1 += passages;
            } else {
                plain_stats.0 += fragments;
                plain_stats.1 += passages;
            }
        }
        println!("gen-corpus: {good}/{total} files with the manifest's sections");
        println!("fragments: broken-lines files {broken_stats:?}, others {plain_stats:?}");
        for f in &failures {
            println!("  {f}");
        }
        assert!(total > 250 && broken_files > 0);
        assert!(good * 100 >= total * 99, "{good}/{total}: {failures:#?}");
    }
}
