//! Plain text that a PDF conversion hard-wrapped, joined back into
//! paragraphs.
//!
//! `pdftotext` (and scrapers that wrap at a fixed width) write one line per
//! line of the printed page: a paragraph becomes several lines that break
//! at a near-constant width, anywhere — inside a word (`枫桥` / `经验`), a
//! number (`〔202` / `3〕`) or a heading (`（一）坚持党建统领，深学笃用习近
//! 平法治思` / `想`). Page numbers and running heads sit between the lines of
//! a paragraph that goes over a page break, after a form feed. Left as they
//! are, [`super::structure`] would keep a wrapped heading apart from its
//! last characters and split paragraphs whose lines happen to end in `。`,
//! and every match across a break would be lost.
//!
//! [`unwrap`] recognises such text and rewrites it as one paragraph per
//! line:
//!
//! 1. **Pages.** Form feeds split pages; page numbers and running heads at
//!    their edges are dropped ([`super::furniture`]).
//! 2. **Width.** Each line's right end is its display width (a CJK
//!    character is two columns). The text is hard-wrapped when a narrow
//!    band of right ends, `[R − 5, R]`, holds at least a third of the lines
//!    and almost no line reaches beyond it; ordinary text, one paragraph per
//!    line, has right ends all over the place and many beyond any band.
//! 3. **Joining.** A line that reaches the band is *full*: the paragraph
//!    goes on, on the next line, unless that line is indented (a new
//!    paragraph, in `pdftotext -layout` output) or the full line ends a
//!    sentence and the next opens a heading or a list item. A line that
//!    stops short of the band ends its paragraph. With `-layout` the
//!    indentation shows, so the band is narrower (three columns); plain
//!    `pdftotext` drops it, so the first line of an indented paragraph is
//!    two characters short of the others and the band is wider (six).
//!
//! Joined lines get no space between them, except between two pieces of
//! Latin script (see [`needs_space`]): CJK text wraps anywhere and its
//! lines are one run of text, while English wraps at spaces.

use unicode_width::UnicodeWidthChar;

use super::furniture::{self, PageLine};

/// Right ends within this many columns of the widest band count as full
/// in text without indentation (plain `pdftotext`).
const SLACK_PLAIN: usize = 6;
/// … and in text that keeps indentation (`pdftotext -layout`).
const SLACK_LAYOUT: usize = 3;
/// Lines narrower than this are never evidence of wrapping.
const MIN_WIDTH: usize = 20;
/// Nobody wraps wider than this (a landscape page in `-layout` is ~250
/// columns); a line reaching it is an unwrapped paragraph, and its width
/// is not counted further (most of a report's bytes are in such lines, so
/// this keeps the check cheap).
const MAX_WIDTH: usize = 320;

/// One non-blank line of the input.
#[derive(Debug)]
struct Line<'a> {
    text: &'a str,
    /// Display width of the leading whitespace.
    indent: usize,
    /// Display width of the whole line (leading whitespace included,
    /// trailing whitespace not).
    end: usize,
    /// Blank lines before it on the same page.
    blank_before: bool,
    /// First line of its page (after furniture).
    page_start: bool,
}

/// Re-joins hard-wrapped text; `None` when `text` is not hard-wrapped and
/// has no form feeds (the caller keeps it as it is).
pub fn unwrap(text: &str) -> Option<String> {
    let paged = text.contains('\u{c}');
    if !paged && !may_be_wrapped(text) {
        return None;
    }
    let lines = lines_without_furniture(text);
    let band = wrap_band(&lines);
    if band.is_none() && !paged {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let Some((right, slack)) = band else {
        // Pages but no wrapping: drop the furniture, keep the lines.
        for l in &lines {
            if l.blank_before || l.page_start {
                out.push('\n');
            }
            out.push_str(l.text.trim_end());
            out.push('\n');
        }
        return Some(out);
    };
    let left = body_indent(&lines);
    let layout = slack == SLACK_LAYOUT;
    let mut prev: Option<&Line<'_>> = None;
    for l in &lines {
        let join = prev.is_some_and(|p| {
            let full = p.end + slack >= right;
            let indented = layout && l.indent > left + 1 && !centered(l, left, right);
            let opens = starts_item(l.text.trim_start());
            let closes = ends_sentence(p.text);
            // After a sentence end, a heading or list item starts anew, and
            // so does anything after a blank line inside a page, and a short
            // line that ends no sentence (a signature, a title).
            let stub = l.end + slack < right && !ends_sentence(l.text);
            let breaks = closes && (opens || l.blank_before || stub);
            full && !indented && !breaks
        });
        if join {
            let left_text = out.trim_end_matches([' ', '\t', '\u{3000}']).len();
            out.truncate(left_text);
            if out.ends_with('\n') {
                out.pop();
            }
            let a = out.chars().next_back();
            let b = l.text.trim_start().chars().next();
            if let (Some(a), Some(b)) = (a, b) {
                if needs_space(a, b) {
                    out.push(' ');
                }
            }
            out.push_str(l.text.trim());
        } else {
            if prev.is_some() && l.blank_before {
                out.push('\n');
            }
            out.push_str(l.text.trim_end());
        }
        out.push('\n');
        prev = Some(l);
    }
    Some(out)
}

/// Whether two pieces joined at a line break need a space between them:
/// only when one side is a Latin letter and neither is CJK (`the` / `quick`).
/// Digits and punctuation join directly (`〔202` / `3〕`, `COVID-` / `19`).
pub fn needs_space(left: char, right: char) -> bool {
    let wide = |c: char| c.width().unwrap_or(0) >= 2 || is_cjk(c);
    !wide(left) && !wide(right) && (left.is_ascii_alphabetic() || right.is_ascii_alphabetic())
}

/// CJK in the sense of SPEC §2 (also full-width forms).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0xFF00..=0xFFEF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0x20000..=0x2FA1F | 0x30000..=0x323AF)
}

/// Display width of a string (a CJK character is 2 columns, a tab 4), or
/// anything above [`MAX_WIDTH`] once it gets there.
fn width(s: &str) -> usize {
    let mut w = 0;
    for c in s.chars() {
        // The common cases first: ASCII, then the CJK blocks (all wide).
        w += match c {
            '\t' => 4,
            ' '..='~' => 1,
            '\u{3000}'..='\u{303E}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF01}'..='\u{FF60}' => 2,
            c => c.width().unwrap_or(0),
        };
        if w > MAX_WIDTH {
            break;
        }
    }
    w
}

/// The non-blank lines of `text`, pages split at form feeds, furniture
/// removed.
fn lines_without_furniture(text: &str) -> Vec<Line<'_>> {
    let pages: Vec<Vec<(&str, bool)>> = text
        .split('\u{c}')
        .map(|page| {
            let mut blank = false;
            let mut lines = Vec::new();
            for raw in page.lines() {
                if raw.trim().is_empty() {
                    blank = !lines.is_empty();
                    continue;
                }
                lines.push((raw, blank));
                blank = false;
            }
            lines
        })
        .collect();
    let view: Vec<Vec<PageLine<'_>>> = pages
        .iter()
        .map(|p| p.iter().map(|(t, _)| PageLine { text: t, y: None }).collect())
        .collect();
    let drop =
        if pages.len() > 1 { furniture::find(&view) } else { vec![vec![false; pages[0].len()]] };
    let mut out = Vec::new();
    for (page, drop) in pages.iter().zip(&drop) {
        let mut first = true;
        let mut blank = false;
        for ((raw, blank_before), d) in page.iter().zip(drop) {
            if *d {
                blank = !first;
                continue;
            }
            let trimmed = raw.trim_end();
            let body = trimmed.trim_start();
            out.push(Line {
                text: trimmed,
                indent: width(&trimmed[..trimmed.len() - body.len()]),
                end: width(trimmed),
                blank_before: !first && (*blank_before || blank),
                page_start: first,
            });
            first = false;
            blank = false;
        }
    }
    out
}

/// A quick look at every `.txt` before any work: false when the text
/// cannot be hard-wrapped — more than one line in twenty wider than anyone
/// wraps (a report with a paragraph a line has many), or no band of line
/// ends ([`wrap_band`], without the furniture, which a text without form
/// feeds does not have apart). No allocation but the line ends.
fn may_be_wrapped(text: &str) -> bool {
    let total = text.lines().filter(|l| !l.trim().is_empty()).count();
    let (mut ends, mut indented, mut wide) = (Vec::new(), 0, 0);
    for raw in text.lines() {
        let line = raw.trim_end();
        if line.is_empty() {
            continue;
        }
        let end = width(line);
        if end > MAX_WIDTH {
            wide += 1;
            if wide * 20 > total {
                return false;
            }
        }
        if end >= MIN_WIDTH {
            ends.push(end);
        }
        indented += usize::from(line.starts_with("  ") || line.starts_with('\u{3000}'));
    }
    band(ends, total, indented).is_some()
}

/// The right edge of the wrapped lines and the slack to use, or `None`
/// when the lines do not break at a near-constant width.
fn wrap_band(lines: &[Line<'_>]) -> Option<(usize, usize)> {
    let ends: Vec<usize> = lines.iter().map(|l| l.end).filter(|e| *e >= MIN_WIDTH).collect();
    let indented = lines.iter().filter(|l| l.indent >= 2).count();
    band(ends, lines.len(), indented)
}

/// [`wrap_band`] from the right ends of the lines at least [`MIN_WIDTH`]
/// wide, the number of lines and how many are indented.
fn band(mut ends: Vec<usize>, lines: usize, indented: usize) -> Option<(usize, usize)> {
    if ends.len() < 6 {
        return None;
    }
    ends.sort_unstable();
    // Indentation that shows (`-layout`) makes the band narrow.
    let slack = if indented * 10 >= lines { SLACK_LAYOUT } else { SLACK_PLAIN };
    // The band [r − slack, r] holding the most right ends (ties: the widest).
    let mut best = (0usize, 0usize);
    let mut lo = 0;
    for hi in 0..ends.len() {
        while ends[hi] - ends[lo] > slack {
            lo += 1;
        }
        let n = hi - lo + 1;
        if n >= best.0 {
            best = (n, ends[hi]);
        }
    }
    let (n, right) = best;
    let beyond = ends.iter().filter(|e| **e > right + 2).count();
    let wrapped = right <= MAX_WIDTH && n * 3 >= lines && n >= 4 && beyond * 20 <= lines;
    wrapped.then_some((right, slack))
}

/// The indentation of body lines: the most common indent of lines that
/// reach the band.
fn body_indent(lines: &[Line<'_>]) -> usize {
    let mut counts = std::collections::BTreeMap::new();
    for l in lines {
        *counts.entry(l.indent).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(indent, n)| (*n, std::cmp::Reverse(*indent)))
        .map_or(0, |(i, _)| i)
}

/// A line centred between the body's edges (a title's second line).
fn centered(l: &Line<'_>, left: usize, right: usize) -> bool {
    let lgap = l.indent.saturating_sub(left);
    let rgap = right.saturating_sub(l.end);
    lgap >= 4 && lgap.abs_diff(rgap) <= 3
}

/// Whether a line ends a sentence (so that a heading may follow it).
fn ends_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['。', '！', '？', '；', '：', '!', '?', ';', ':', '”', '）', ')'])
}

/// Whether a line opens a heading or a list item: `一、` `（一）` `(1)` `1.`
/// `①` `第一部分` `一是` and bullets.
pub fn starts_item(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else { return false };
    let second = chars.next();
    const NUMERALS: &str = "一二三四五六七八九十";
    match first {
        '（' | '(' => second.is_some_and(|c| NUMERALS.contains(c) || c.is_ascii_digit()),
        '①'..='⑳' | '●' | '◆' | '■' | '•' | '★' | '▲' | '※' | '—' | '-' | '－' => {
            true
        }
        // `第一部分` `第三章` `第一，`, not `第三方`.
        '第' => {
            let rest: String = text.chars().skip(1).skip_while(|c| NUMERALS.contains(*c)).collect();
            second.is_some_and(|c| NUMERALS.contains(c))
                && ["部分", "章", "节", "条", "、", "，", ",", "是"]
                    .iter()
                    .any(|s| rest.starts_with(s))
        }
        c if NUMERALS.contains(c) => {
            let rest: String = text.chars().skip_while(|c| NUMERALS.contains(*c)).take(1).collect();
            matches!(rest.as_str(), "、" | "." | "．" | "是")
        }
        c if c.is_ascii_digit() => {
            let rest: String = text.chars().skip_while(|c| c.is_ascii_digit()).take(2).collect();
            (rest.starts_with(['、', '．'])
                || rest.starts_with('.') && !rest[1..].starts_with(|c: char| c.is_ascii_digit()))
                && text.chars().take_while(|c| c.is_ascii_digit()).count() <= 2
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_only_between_latin_pieces() {
        assert!(!needs_space('枫', '桥'));
        assert!(!needs_space('2', '3'));
        assert!(!needs_space('-', '1'));
        assert!(!needs_space('年', 'G'));
        assert!(needs_space('e', 'q'));
        assert!(needs_space('P', '5'));
    }

    #[test]
    fn items() {
        for t in [
            "一、总体要求",
            "（一）坚持",
            "(1)加强",
            "1.加强",
            "2、落实",
            "①",
            "第一部分",
            "三是",
            "— 2022年",
        ] {
            assert!(starts_item(t), "{t}");
        }
        for t in ["1.5亿元", "一些地方", "2023年", "十分重要", "第三方"] {
            assert!(!starts_item(t), "{t}");
        }
    }

    /// Wraps `paras` at `cols` display columns, as pdftotext does (no
    /// indentation).
    fn wrap(paras: &[&str], cols: usize) -> String {
        let mut out = String::new();
        for p in paras {
            let mut w = 0;
            for c in p.chars() {
                let cw = c.width().unwrap_or(0);
                if w + cw > cols {
                    out.push('\n');
                    w = 0;
                }
                out.push(c);
                w += cw;
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn plain_text_is_left_alone() {
        let text =
            "标题\n\n第一段很长很长的内容，写了许多许多的字，直到句号为止。\n第二段比较短。\n\
                    第三段又是一段很长很长很长很长很长很长很长很长很长很长很长的内容。\n";
        assert_eq!(unwrap(text), None);
    }

    #[test]
    fn wrapped_paragraphs_are_joined() {
        let paras = [
            "关于2023年法治政府建设情况的报告",
            "按照《中共云阳县委全面依法治县委员会办公室关于报送2023年度工作总结的通知》（云阳委法办白头〔2024〕3号）文件要求，现将情况报告如下：",
            "一、2023年推进法治政府建设的主要举措和成效",
            "（一）坚持党建统领，深学笃用习近平法治思想，坚持和发展新时代枫桥经验",
            "巴阳镇坚持党建统领，以习近平新时代中国特色社会主义思想为指导，深入贯彻落实习近平法治思想，把法制学习作为提升干部能力素质的重要一环。",
            "二、存在的不足",
            "一是法治队伍力量薄弱。",
        ];
        let wrapped = wrap(&paras, 40);
        assert!(wrapped.lines().count() > paras.len() + 5);
        let joined = unwrap(&wrapped).expect("recognised as wrapped");
        let got: Vec<&str> = joined.lines().collect();
        assert_eq!(got, paras);
    }

    #[test]
    fn pages_lose_their_numbers_and_heads() {
        // Lines of 21 characters (42 columns), each different (running
        // heads may differ in their digits, so the numbers are Chinese).
        let cn = |n: usize| "〇一二三四".chars().nth(n).unwrap();
        let line = |page: usize, n: usize| {
            format!("第{}页第{}行的文字内容写到这一行的末尾为止\n", cn(page), cn(n))
        };
        let text = format!(
            "{}{}{}第一页的第四行文字内容足够长足够长足枫桥\n\n- 1 -\n\x0c\
             某镇2024年度报告\n\n经验。这是第二页的第一行文字内容足够长足\n{}{}第二页的末行\n\n- 2 -\n\x0c\
             某镇2024年度报告\n\n{}第三页的第二行。\n\n- 3 -\n\x0c",
            line(1, 1),
            line(1, 2),
            line(1, 3),
            line(2, 2),
            line(2, 3),
            line(3, 1),
        );
        let text = text.as_str();
        let joined = unwrap(text).unwrap();
        assert!(joined.contains("枫桥经验"), "{joined}");
        assert!(!joined.contains("- 1 -") && !joined.contains("某镇2024年度报告"), "{joined}");
        // Two paragraphs: pages 1–2, then page 3 (page 2 ends short).
        assert_eq!(joined.lines().filter(|l| !l.is_empty()).count(), 2, "{joined}");
    }

    #[test]
    fn reports_that_are_not_wrapped_stay_as_they_are() {
        // Every bundled text report (one paragraph per line, some with
        // broken lines of their own) and the pdftotext copies: only the
        // copies are wrapped.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![root.join("corpus"), root.join("tests/data/pdftotext")];
        let (mut plain, mut wrapped) = (0, 0);
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                if path.extension().is_none_or(|e| e != "txt") {
                    continue;
                }
                let copy = path.starts_with(root.join("tests/data/pdftotext"));
                assert_eq!(unwrap(&text).is_some(), copy, "{}", path.display());
                if copy {
                    wrapped += 1;
                } else {
                    plain += 1;
                }
            }
        }
        assert!(plain >= 70 && wrapped == 6, "{plain} {wrapped}");
    }

    proptest::proptest! {
        #[test]
        fn nothing_is_lost_without_form_feeds(
            paras in proptest::collection::vec("[一二（）、。，法治政府建设A-Za-z0-9 \u{3000}]{0,80}", 0..30),
            cols in 20usize..90,
        ) {
            // Wrapped or not, text without pages keeps every character, in
            // order (furniture is only ever dropped at page edges).
            let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            for text in [paras.join("\n"), wrap(&paras.iter().map(String::as_str).collect::<Vec<_>>(), cols)] {
                let out = unwrap(&text).unwrap_or_else(|| text.clone());
                proptest::prop_assert_eq!(squeeze(&out), squeeze(&text));
            }
        }
    }
}
