//! Positioned glyphs → lines → paragraphs, one per line of text.
//!
//! A PDF knows where each glyph is, not where a paragraph ends; what a
//! reader sees we rebuild from the geometry:
//!
//! 1. **Lines.** Glyphs sharing a baseline (within half the font size) form
//!    a line, read left to right. A gap wider than a quarter of the font
//!    size between two Latin glyphs is a space (PDF writers often move the
//!    pen instead of drawing one; next to CJK characters only wide gaps
//!    are); glyphs drawn twice at the same spot (fake bold) count once.
//! 2. **Furniture.** Page numbers and running heads at the top and bottom
//!    of the pages are dropped ([`crate::corpus::furniture`]).
//! 3. **Edges.** The body's left edge is the leftmost line start that
//!    recurs, its right edge the right end that the longest lines reach.
//! 4. **Paragraphs.** A line that reaches the right edge goes on, on the
//!    next line — on the next page too, after the furniture — unless the
//!    next line is indented (a new paragraph), set in another font size,
//!    far below, or opens a heading after a full stop. A line that stops
//!    short ends its paragraph; "short" allows for ragged text (an
//!    unbreakable `〔2024〕` pushed to the next line leaves a gap of a few
//!    characters) when the line does not end a sentence. A centred title
//!    that wraps continues on its next centred line.
//!
//! The text is one paragraph per line; a paragraph whose first line was
//! indented starts with two spaces (as in the plain-text reports
//! [`crate::corpus::structure`] reads), so the usual passage rules apply.

use crate::corpus::furniture::{self, PageLine};
use crate::corpus::hardwrap::{needs_space, starts_item};

use super::content::Page;

/// One line of a page.
#[derive(Debug)]
struct Line {
    text: String,
    /// Left end of the first visible glyph.
    x0: f32,
    /// Right end of the last visible glyph.
    x1: f32,
    /// Baseline.
    y: f32,
    /// The most common glyph size.
    size: f32,
}

/// The body's edges on one page.
#[derive(Debug, Clone, Copy)]
struct Edges {
    left: f32,
    right: f32,
}

/// A line ending at most this many font sizes short of the right edge is
/// full: justified text and CJK text broken at any character end there.
const FULL: f32 = 0.6;
/// A line ending at most this many font sizes short of the right edge may
/// still have wrapped: ragged text pushes an unbreakable number or Latin
/// word (`〔2024〕`, `2023年`), or a character that may not start a line
/// (`，`) with the one before it, to the next line.
const NEARLY_FULL: f32 = 3.5;

/// Lays out the pages' glyphs as text, one paragraph per line.
pub fn text(pages: &[Page]) -> String {
    let lines: Vec<Vec<Line>> = pages.iter().map(page_lines).collect();
    let view: Vec<Vec<PageLine<'_>>> = lines
        .iter()
        .map(|p| p.iter().map(|l| PageLine { text: &l.text, y: Some(l.y) }).collect())
        .collect();
    let furniture = furniture::find(&view);
    let lines: Vec<Vec<Line>> = lines
        .into_iter()
        .zip(furniture)
        .map(|(p, drop)| p.into_iter().zip(drop).filter(|(_, d)| !d).map(|(l, _)| l).collect())
        .collect();
    let body = body_size(&lines);
    let fallback = Edges { left: 0.0, right: 0.0 };
    let doc_edges = edges(lines.iter().flatten(), body).unwrap_or(fallback);
    let mut out = String::new();
    let mut prev: Option<(&Line, Edges, bool)> = None;
    for page in &lines {
        let page_edges = if page.iter().filter(|l| is_body(l, body)).count() >= 8 {
            edges(page.iter(), body).unwrap_or(doc_edges)
        } else {
            doc_edges
        };
        for (i, l) in page.iter().enumerate() {
            let join = prev.is_some_and(|(p, pe, same_page)| {
                continues(p, pe, l, page_edges, same_page && i > 0)
            });
            if join {
                let cut = out.trim_end().len();
                out.truncate(cut);
                if let (Some(a), Some(b)) = (out.chars().next_back(), l.text.chars().next()) {
                    if needs_space(a, b) {
                        out.push(' ');
                    }
                }
                out.push_str(&l.text);
            } else {
                if !out.is_empty() {
                    out.push('\n');
                }
                if l.x0 - page_edges.left >= 0.9 * l.size {
                    out.push_str("  ");
                }
                out.push_str(&l.text);
            }
            prev = Some((l, page_edges, true));
        }
        if let Some(p) = prev.as_mut() {
            p.2 = false;
        }
    }
    out.push('\n');
    out
}

/// Whether line `b` continues the paragraph that line `a` is in.
///
/// `a` must reach the right edge and `b` start at the left edge (or be
/// centred, as a wrapped title's second line is). A line that ends a little
/// short of the edge (ragged text) still continues if it does not end a
/// sentence. (When in doubt after a full stop we break: a paragraph split
/// in two at a sentence end loses no match, a heading run into the
/// paragraph after it would lose its place in the structure.)
fn continues(a: &Line, ae: Edges, b: &Line, be: Edges, same_page: bool) -> bool {
    let size = a.size.max(b.size);
    if (a.size - b.size).abs() > 0.2 * size {
        return false;
    }
    if same_page && (a.y - b.y > 2.6 * size || b.y > a.y) {
        return false;
    }
    let short = (ae.right - a.x1) / a.size;
    let closes = a.text.trim_end().ends_with(['。', '！', '？', '；', '：', '!', '?', ';', ':']);
    let full = short <= FULL || (short <= NEARLY_FULL && !closes);
    let flush = b.x0 <= be.left + 0.6 * b.size;
    let centred = {
        let lgap = b.x0 - be.left;
        let rgap = be.right - b.x1;
        lgap >= 2.0 * b.size && (lgap - rgap).abs() <= 1.5 * b.size
    };
    // After a full stop, a heading, a list item or a short line that ends
    // no sentence (a signature, a title) starts anew.
    let stub = (be.right - b.x1) / b.size > NEARLY_FULL && !ends_sentence(&b.text);
    full && (flush || centred) && !(closes && (starts_item(&b.text) || stub))
}

/// Whether a line ends a sentence or a bracketed remark after one.
fn ends_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['。', '！', '？', '；', '：', '!', '?', ';', ':', '”', '）', ')'])
}

/// The font size of body text: the size with the most glyphs.
fn body_size(pages: &[Vec<Line>]) -> f32 {
    let mut sizes: Vec<(i32, usize)> = Vec::new();
    for l in pages.iter().flatten() {
        let key = (l.size * 2.0).round() as i32;
        let n = l.text.chars().count();
        match sizes.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 += n,
            None => sizes.push((key, n)),
        }
    }
    sizes.into_iter().max_by_key(|(_, n)| *n).map_or(12.0, |(k, _)| k as f32 / 2.0)
}

fn is_body(l: &Line, body: f32) -> bool {
    (l.size - body).abs() <= 0.15 * body
}

/// The body's edges from a set of lines, `None` without body lines.
fn edges<'a>(lines: impl Iterator<Item = &'a Line>, body: f32) -> Option<Edges> {
    let body_lines: Vec<&Line> =
        lines.filter(|l| is_body(l, body) && l.text.chars().count() >= 2).collect();
    if body_lines.is_empty() {
        return None;
    }
    // Left: the leftmost start shared by a few lines (one stray line, a
    // table cell or a label, does not move it).
    let mut starts: Vec<i32> = body_lines.iter().map(|l| l.x0.round() as i32).collect();
    starts.sort_unstable();
    let need = (body_lines.len() / 20).max(2).min(body_lines.len());
    let left =
        starts.windows(need).find(|w| w[need - 1] - w[0] <= 2).map_or(starts[0], |w| w[0]) as f32;
    // Right: the end most lines reach. Justified lines end at it exactly.
    let mut ends: Vec<f32> = body_lines.iter().map(|l| l.x1).collect();
    ends.sort_by(|a, b| b.total_cmp(a));
    let right = ends[(ends.len() / 20).min(ends.len() - 1)];
    Some(Edges { left, right })
}

/// The lines of one page, top to bottom, in the direction most of its
/// glyphs run (a page set sideways is read sideways).
fn page_lines(page: &Page) -> Vec<Line> {
    let mut by_dir = [0usize; 4];
    for g in &page.glyphs {
        by_dir[usize::from(g.dir & 3)] += 1;
    }
    let dir = (0..4).max_by_key(|d| (by_dir[*d], std::cmp::Reverse(*d))).unwrap_or(0) as u8;
    let mut order: Vec<usize> =
        (0..page.glyphs.len()).filter(|&i| page.glyphs[i].dir == dir).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&page.glyphs[i], &page.glyphs[j]);
        b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x))
    });
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut base = f32::NAN;
    let mut base_size = 0.0f32;
    for i in order {
        let g = &page.glyphs[i];
        let tol = 0.5 * base_size.max(g.size).max(1.0);
        if groups.is_empty() || (base - g.y).abs() > tol {
            groups.push(Vec::new());
            base = g.y;
            base_size = g.size;
        }
        if let Some(last) = groups.last_mut() {
            last.push(i);
        }
    }
    groups.into_iter().filter_map(|mut idx| line(page, &mut idx)).collect()
}

/// One line from its glyphs.
fn line(page: &Page, idx: &mut [usize]) -> Option<Line> {
    idx.sort_by(|&i, &j| page.glyphs[i].x.total_cmp(&page.glyphs[j].x));
    let mut sizes: Vec<f32> = idx.iter().map(|&i| page.glyphs[i].size).collect();
    sizes.sort_by(f32::total_cmp);
    let size = sizes[sizes.len() / 2].max(1.0);
    let mut text = String::new();
    let (mut x0, mut x1) = (f32::NAN, f32::NAN);
    let mut prev: Option<(f32, f32, &str)> = None; // (x, right end, text) of the last glyph
    for &i in idx.iter() {
        let g = &page.glyphs[i];
        let t = page.glyph_text(g);
        let blank = t.chars().all(char::is_whitespace);
        if let Some((px, pend, pt)) = prev {
            // The same glyph drawn again over itself (fake bold).
            if t == pt && (g.x - px).abs() < 0.3 * g.w.max(0.1 * size) {
                continue;
            }
            let gap = g.x - pend;
            let wide = |s: &str| {
                s.chars().any(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) >= 2)
            };
            // Between Latin glyphs a quarter of an em is a space; next to a
            // CJK character only a wide gap is worth showing (spaces there
            // are ignored by matching, and office suites put a small one
            // between CJK and digits by themselves).
            let threshold = match (wide(pt), wide(t)) {
                (true, true) => 1.0,
                (false, false) => 0.22,
                _ => 0.6,
            };
            if !blank && !text.ends_with(' ') && gap > threshold * size {
                text.push(' ');
            }
        }
        if blank {
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
        } else {
            text.push_str(t);
            if x0.is_nan() {
                x0 = g.x;
            }
            x1 = g.x + g.w;
        }
        prev = Some((g.x, g.x + g.w, t));
    }
    let text = text.trim().to_owned();
    if text.is_empty() {
        return None;
    }
    let y = page.glyphs[idx[0]].y;
    Some(Line { text, x0, x1, y, size })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line of `text` at size 10, from `x0` to `x1`, baseline `y`.
    fn line(text: &str, x0: f32, x1: f32, y: f32) -> Line {
        Line { text: text.into(), x0, x1, y, size: 10.0 }
    }

    const E: Edges = Edges { left: 50.0, right: 450.0 };

    #[test]
    fn when_a_line_goes_on() {
        let full = line(
            "按照文件要求，结合实施方案和工作要点，巴阳镇依法全面履行政府职",
            50.0,
            450.0,
            700.0,
        );
        let flush = line("能，切实抓好法治政府建设各项工作。", 50.0, 220.0, 686.0);
        assert!(continues(&full, E, &flush, E, true));
        // A new, indented paragraph; a line far below; another size.
        let indented = line("二是全面推进政务信息公开。", 70.0, 200.0, 686.0);
        assert!(!continues(&full, E, &indented, E, true));
        assert!(!continues(&full, E, &line("能。", 50.0, 70.0, 640.0), E, true));
        let mut big = line("能。", 50.0, 70.0, 686.0);
        big.size = 16.0;
        assert!(!continues(&full, E, &big, E, true));
        // A line that stops short ends its paragraph…
        let short = line("现将情况报告如下：", 50.0, 140.0, 700.0);
        assert!(!continues(&short, E, &flush, E, true));
        // …unless it is ragged text pushed short by an unbreakable number
        // and does not end a sentence.
        let ragged = line("按照《中共云阳县委全面依法治县委员会办公室关于报送", 50.0, 430.0, 700.0);
        assert!(continues(&ragged, E, &flush, E, true));
        // After a full stop: a heading, or a short line ending no sentence
        // (a signature), starts anew.
        let stop = line(
            "形成监督合力，确保执法行为公平、公正、公开，切实提升执法水平。",
            50.0,
            450.0,
            700.0,
        );
        assert!(!continues(&stop, E, &line("（二）把牢法治航向", 50.0, 140.0, 686.0), E, true));
        assert!(!continues(&stop, E, &line("中共渠县有庆镇委员会", 50.0, 150.0, 686.0), E, true));
        assert!(continues(&stop, E, &flush, E, true));
        // Across a page break the heights do not matter.
        assert!(continues(&full, E, &line("能，切实抓好。", 50.0, 120.0, 780.0), E, false));
    }

    #[test]
    fn a_wrapped_centred_title_goes_on() {
        let first =
            line("中共渠县有庆镇委员会 渠县有庆镇人民政府关于2024年度法治政府", 52.0, 448.0, 760.0);
        let second = line("建设工作情况的报告", 205.0, 295.0, 746.0);
        assert!(continues(&first, E, &second, E, true));
    }
}
