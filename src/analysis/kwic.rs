//! `kwic`: a concordance (key word in context), one line per mention.
//!
//! The lines are exactly the mentions that [`count`](mod@super::count) counts (SPEC
//! §4): for each matching passage, every non-overlapping occurrence,
//! leftmost first, of each positive query word in the *normalized* text.
//! Each occurrence is then mapped back to the *original* text (as search
//! highlights are), and the context around it is cut from the original
//! text too, so the user reads what the report says, full-width commas and
//! all. Context never leaves the passage: a concordance line that ran into
//! the next paragraph would suggest a continuity the report does not have.
//! Line breaks inside a passage are shown as spaces, so that every mention
//! is one line of output.
//!
//! When two query words overlap (`法律 法律顾问`), both occurrences are
//! lines, as both are counted mentions.

use std::sync::Arc;

use crate::index::records::ReportHead;
use crate::query::{Filters, Matcher};
use crate::search::SearchError;
use crate::text::Normalized;

/// One concordance line.
#[derive(Debug, Clone)]
pub struct KwicLine {
    /// The report.
    pub report: Arc<ReportHead>,
    /// Ordinal of the passage in the report (1-based).
    pub ordinal: u64,
    /// Up to `width` characters before the match (line breaks as spaces).
    pub left: String,
    /// The matched text, as written in the report.
    pub matched: String,
    /// Up to `width` characters after the match (line breaks as spaces).
    pub right: String,
    /// Character offset of the match in the passage's original text.
    pub start: usize,
    /// End (exclusive) of the match, in characters.
    pub end: usize,
    /// For a `NEAR` co-occurrence, the other word's span in the passage's
    /// original text (characters).
    pub partner: Option<std::ops::Range<usize>>,
}

/// How to order the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KwicSort {
    /// Report path, then passage, then position (the default).
    #[default]
    Report,
    /// By the left context read backwards from the match, as concordancers
    /// do: lines whose match is preceded by the same word come together.
    Left,
    /// By the right context (then the match).
    Right,
    /// By year (unknown last), then report order.
    Year,
    /// By place (province, city, county, township; unknown last), then
    /// year, then report order.
    Place,
}

/// One mention in a passage: its original character span and context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Context before the match.
    pub left: String,
    /// The match as written.
    pub matched: String,
    /// Context after the match.
    pub right: String,
    /// Start, in characters of the original text.
    pub start: usize,
    /// End (exclusive), in characters of the original text.
    pub end: usize,
    /// For a `NEAR` co-occurrence, the other word's span (characters of
    /// the original text).
    pub partner: Option<std::ops::Range<usize>>,
}

/// The mentions of `matcher` in one passage's original `text`
/// ([`Matcher::mention_spans`]: each counted word occurrence, or each
/// `NEAR` co-occurrence), in order of position, each with up to `width`
/// characters of context on each side. Their number is
/// `matcher.mentions` of the normalized text.
pub fn mentions_in(text: &str, matcher: &Matcher, width: usize) -> Vec<Mention> {
    let normalized = Normalized::new(text);
    let chars: Vec<char> = text.chars().collect();
    matcher
        .mention_spans(&normalized.text)
        .into_iter()
        .map(|m| {
            let r = normalized.to_original(m.span);
            Mention {
                left: flat(&chars[r.start.saturating_sub(width)..r.start]),
                matched: flat(&chars[r.clone()]),
                right: flat(&chars[r.end..r.end.saturating_add(width).min(chars.len())]),
                start: r.start,
                end: r.end,
                partner: m.partner.map(|p| normalized.to_original(p)),
            }
        })
        .collect()
}

/// Characters as one line: line breaks and tabs become spaces.
fn flat(chars: &[char]) -> String {
    chars.iter().map(|&c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect()
}

/// The concordance of `matcher` over the passages that pass `filters`, in
/// report order, with `width` characters of context on each side.
pub fn kwic(
    backend: &dyn crate::backend::Backend,
    matcher: &Matcher,
    filters: &Filters,
    width: usize,
) -> Result<Vec<KwicLine>, SearchError> {
    use rayon::prelude::*;
    let matches = backend.matching_texts(Some(matcher), filters)?;
    // Passages in parallel; `collect` keeps their order.
    let per_passage: Vec<Vec<KwicLine>> = matches
        .into_par_iter()
        .map(|doc| {
            mentions_in(&doc.text, matcher, width)
                .into_iter()
                .map(|m| KwicLine {
                    report: doc.report.clone(),
                    ordinal: doc.ordinal,
                    left: m.left,
                    matched: m.matched,
                    right: m.right,
                    start: m.start,
                    end: m.end,
                    partner: m.partner,
                })
                .collect()
        })
        .collect();
    Ok(per_passage.into_iter().flatten().collect())
}

/// Years ascending, unknown last.
fn year_key(l: &KwicLine) -> (bool, Option<i32>) {
    (l.report.year.is_none(), l.report.year)
}

/// Sorts lines (stably: ties keep report order).
pub fn sort(lines: &mut [KwicLine], by: KwicSort) {
    let reversed = |s: &str| s.chars().rev().collect::<String>();
    match by {
        KwicSort::Report => {}
        KwicSort::Left => lines.sort_by_cached_key(|l| reversed(&l.left)),
        KwicSort::Right => {
            lines.sort_by(|a, b| a.right.cmp(&b.right).then(a.matched.cmp(&b.matched)))
        }
        KwicSort::Year => lines.sort_by_key(year_key),
        KwicSort::Place => lines.sort_by(|a, b| {
            let (pa, pb) = (&a.report.places, &b.report.places);
            let unknown = |p: &[Option<String>; 4]| p.iter().all(Option::is_none);
            unknown(pa)
                .cmp(&unknown(pb))
                // `None` sorts before `Some`: a province's own report comes
                // before those of its cities.
                .then_with(|| pa.cmp(pb))
                .then_with(|| year_key(a).cmp(&year_key(b)))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn w(s: &str) -> Matcher {
        Matcher::Word(normalize::normalize(s))
    }

    #[test]
    fn context_is_cut_from_the_original_text() {
        let text = "坚持和发展新时代“枫桥 经验”，\n推进枫桥经验。";
        let m = mentions_in(text, &w("枫桥经验"), 3);
        assert_eq!(m.len(), w("枫桥经验").mentions(&normalize::normalize(text)));
        assert_eq!(m[0].left, "时代“");
        assert_eq!(m[0].matched, "枫桥 经验");
        assert_eq!(m[0].right, "”， ", "line breaks become spaces");
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[m[1].start..m[1].end].iter().collect::<String>(), "枫桥经验");
        assert_eq!(m[1].right, "。", "context stops at the end of the passage");
    }

    #[test]
    fn overlapping_words_are_separate_mentions() {
        let m = Matcher::And(vec![w("法律"), w("法律顾问")]);
        let text = "聘请法律顾问";
        let lines = mentions_in(text, &m, 5);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines.len(), m.mentions(text));
        assert_eq!((lines[0].start, lines[0].end, lines[1].end), (2, 4, 6));
    }

    #[test]
    fn negated_words_are_not_mentions() {
        let m = Matcher::And(vec![w("调解"), Matcher::Not(Box::new(w("枫桥")))]);
        assert_eq!(mentions_in("人民调解", &m, 2).len(), 1);
    }
}
