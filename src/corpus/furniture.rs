//! Page furniture: page numbers, running heads and running feet.
//!
//! A PDF page carries lines that are not text of the report: the page
//! number (`- 3 -`, `— 3 —`, `第3页 共12页`, `3/12`) and often a running
//! title repeated at the top or bottom of every page. They sit at the edges
//! of a page, so a paragraph that continues over a page break has them in
//! its middle, and a running title would add one mention per page of every
//! word in it. Both the PDF reader ([`super::pdf`]) and the re-joining of
//! `pdftotext` output ([`super::hardwrap`], pages split at form feeds) drop
//! them with [`find`] before joining lines into paragraphs.
//!
//! A line is furniture when it is among the first or last
//! [`EDGE_LINES`] lines of its page, every line between it and the page's
//! edge is furniture too, and either
//!
//! - it is a page number by its form (a line of nothing else), or
//! - its *shape* (the text without spaces, digits replaced by `#`) comes
//!   back at an edge of at least half of the pages (two at least), at the
//!   same height when the height is known.
//!
//! The first condition keeps a repeated first line of the body (a heading
//! that happens to start two pages) from counting, unless it really stands
//! on the edge of half the pages.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

/// How many lines at each edge of a page may be furniture.
pub const EDGE_LINES: usize = 3;

/// A line of a page, as [`find`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct PageLine<'a> {
    /// The line's text.
    pub text: &'a str,
    /// Its baseline height, when known (PDF user space, y up).
    pub y: Option<f32>,
}

/// Page numbers as they stand alone on a line: `- 3 -`, `—3—`, `3`,
/// `第3页 共12页`, `共12页 第3页`, `第 3 页`, `3/12`, `Page 3 of 12`.
static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            [-—–－―~·•\s]*\d{1,4}[-—–－―~·•\s]*
          | 第\s*\d{1,4}\s*页(?:\s*[,，、/／]?\s*共\s*\d{1,4}\s*页)?
          | 共\s*\d{1,4}\s*页\s*[,，、]?\s*第\s*\d{1,4}\s*页
          | \d{1,4}\s*[/／]\s*\d{1,4}
          | (?i:page)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?
        )$",
    )
    .unwrap()
});

/// Whether a trimmed line is a page number and nothing else.
pub fn is_page_number(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars().count() <= 24
        && t.contains(|c: char| c.is_ascii_digit())
        && PAGE_NUMBER.is_match(t)
}

/// The shape of a line for comparing running heads: no whitespace, digits
/// as `#`.
fn shape(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// For each page (its lines top to bottom, blank lines left out), which
/// lines are furniture.
pub fn find(pages: &[Vec<PageLine<'_>>]) -> Vec<Vec<bool>> {
    // Edge lines by shape: the pages they are on, and their heights.
    let mut seen: HashMap<String, (Vec<usize>, Vec<f32>)> = HashMap::new();
    for (p, lines) in pages.iter().enumerate() {
        for i in edge_indexes(lines.len()) {
            let s = shape(lines[i].text);
            if s.is_empty() {
                continue;
            }
            let entry = seen.entry(s).or_default();
            if entry.0.last() != Some(&p) {
                entry.0.push(p);
            }
            entry.1.extend(lines[i].y);
        }
    }
    let needed = pages.len().div_ceil(2);
    let running: HashMap<String, Option<f32>> = seen
        .into_iter()
        .filter(|(_, (on, _))| pages.len() >= 2 && on.len() >= needed.max(2))
        .filter_map(|(s, (on, ys))| {
            if ys.is_empty() {
                return Some((s, None));
            }
            // The height most of them share.
            let best = ys
                .iter()
                .map(|y| (y, ys.iter().filter(|z| (*z - y).abs() <= 3.0).count()))
                .max_by_key(|(_, n)| *n)?;
            (best.1 >= needed.max(2).min(on.len())).then_some((s, Some(*best.0)))
        })
        .collect();
    pages
        .iter()
        .map(|lines| {
            let is_furniture = |l: &PageLine<'_>| {
                if is_page_number(l.text) {
                    return true;
                }
                match running.get(&shape(l.text)) {
                    Some(Some(y)) => l.y.is_some_and(|ly| (ly - y).abs() <= 3.0),
                    Some(None) => true,
                    None => false,
                }
            };
            let mut out = vec![false; lines.len()];
            for i in 0..lines.len().min(EDGE_LINES) {
                if !is_furniture(&lines[i]) {
                    break;
                }
                out[i] = true;
            }
            for i in (lines.len().saturating_sub(EDGE_LINES)..lines.len()).rev() {
                if out[i] || !is_furniture(&lines[i]) {
                    break;
                }
                out[i] = true;
            }
            out
        })
        .collect()
}

/// Indexes of the lines at the edges of a page of `n` lines.
fn edge_indexes(n: usize) -> impl Iterator<Item = usize> {
    let top = 0..n.min(EDGE_LINES);
    let bottom = n.saturating_sub(EDGE_LINES).max(n.min(EDGE_LINES))..n;
    top.chain(bottom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page<'a>(lines: &[&'a str]) -> Vec<PageLine<'a>> {
        lines.iter().map(|t| PageLine { text: t, y: None }).collect()
    }

    #[test]
    fn page_numbers() {
        for t in [
            "- 3 -",
            "— 12 —",
            "3",
            "第3页 共12页",
            "第 3 页",
            "共12页 第3页",
            "3/12",
            "Page 3 of 12",
            " －4－ ",
        ] {
            assert!(is_page_number(t), "{t}");
        }
        for t in ["2023年", "一、3", "3.", "(3)", "第3条", "300万元", ""] {
            assert!(!is_page_number(t), "{t}");
        }
    }

    #[test]
    fn running_heads_and_numbers_at_the_edges() {
        let pages = vec![
            page(&["报告标题", "正文第一行", "正文第二行", "- 1 -"]),
            page(&["有庆镇2024年度报告", "接上页的正文", "(三)一个标题", "更多正文", "- 2 -"]),
            page(&["有庆镇2024年度报告", "正文", "- 3 -"]),
        ];
        let f = find(&pages);
        assert_eq!(f[0], [false, false, false, true]);
        assert_eq!(f[1], [true, false, false, false, true]);
        assert_eq!(f[2], [true, false, true]);
    }

    #[test]
    fn repeated_body_lines_in_the_middle_stay() {
        // A line repeated on every page but not at an edge is text.
        let pages = vec![
            page(&["甲", "乙", "丙", "重复的一行", "丁", "戊", "己"]),
            page(&["庚", "辛", "壬", "重复的一行", "癸", "子", "丑"]),
        ];
        assert!(find(&pages).iter().all(|p| p.iter().all(|f| !f)));
    }

    #[test]
    fn heights_must_agree() {
        let pages: Vec<Vec<PageLine<'_>>> = vec![
            vec![
                PageLine { text: "标题", y: Some(800.0) },
                PageLine { text: "正文", y: Some(700.0) },
            ],
            vec![
                PageLine { text: "标题", y: Some(650.0) },
                PageLine { text: "正文二", y: Some(600.0) },
            ],
            vec![
                PageLine { text: "标题", y: Some(800.0) },
                PageLine { text: "正文三", y: Some(700.0) },
            ],
        ];
        let f = find(&pages);
        assert_eq!(f[0], [true, false]);
        assert_eq!(f[1], [false, false]);
        assert_eq!(f[2], [true, false]);
    }
}
