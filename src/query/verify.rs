//! Exact evaluation of a query on normalized passage text.
//!
//! A [`Matcher`] is the query expression with every word normalized
//! (SPEC §2). It decides whether a passage matches by plain substring
//! search on the passage's normalized text — the ground truth that the
//! index ([`super::plan`]) only accelerates — and it finds the spans to
//! highlight and the mentions to count.

use std::ops::Range;

use super::parse::Expr;
use crate::text::normalize::{self, CharIndex, Normalized};

/// A query expression with normalized words.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    /// A normalized word (never empty).
    Word(String),
    /// All must match.
    And(Vec<Matcher>),
    /// At least one must match.
    Or(Vec<Matcher>),
    /// Must not match.
    Not(Box<Matcher>),
    /// Both sides match within `distance` characters of each other.
    Near {
        /// One side.
        left: Box<Matcher>,
        /// The other side.
        right: Box<Matcher>,
        /// Maximal number of characters between the two.
        distance: u32,
    },
}

/// Why an expression cannot become a matcher.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    /// A word that normalizes to nothing (only spaces, say).
    #[error("the word {0:?} is empty after normalization")]
    EmptyWord(String),
    /// An `@name` that was not expanded.
    #[error("unknown concept @{0}")]
    UnknownConcept(String),
    /// Over [`MAX_DEPTH`](super::parse::MAX_DEPTH) or
    /// [`MAX_WORDS`](super::parse::MAX_WORDS), typically once its concepts
    /// are expanded.
    #[error("{0} (after expanding its concepts)")]
    Limit(#[from] super::parse::LimitError),
}

impl Matcher {
    /// Builds a matcher from a parsed expression (concepts already
    /// expanded). Checks the expression against the query limits first, so
    /// that this and every later recursive pass stays within the stack.
    pub fn from_expr(expr: &Expr) -> Result<Matcher, MatcherError> {
        super::parse::check_limits(expr)?;
        Matcher::build(expr)
    }

    fn build(expr: &Expr) -> Result<Matcher, MatcherError> {
        Ok(match expr {
            Expr::Word(w) => {
                let n = normalize::normalize(w);
                if n.is_empty() {
                    return Err(MatcherError::EmptyWord(w.clone()));
                }
                Matcher::Word(n)
            }
            Expr::Concept(name) => return Err(MatcherError::UnknownConcept(name.clone())),
            Expr::And(xs) => Matcher::And(xs.iter().map(Matcher::build).collect::<Result<_, _>>()?),
            Expr::Or(xs) => Matcher::Or(xs.iter().map(Matcher::build).collect::<Result<_, _>>()?),
            Expr::Not(x) => Matcher::Not(Box::new(Matcher::build(x)?)),
            Expr::Near { left, right, distance } => Matcher::Near {
                left: Box::new(Matcher::build(left)?),
                right: Box::new(Matcher::build(right)?),
                distance: *distance,
            },
        })
    }

    /// Does the index alone decide this query exactly? True unless a
    /// `NEAR` is involved (the index only checks that both sides occur).
    pub fn index_is_exact(&self) -> bool {
        match self {
            Matcher::Word(_) => true,
            Matcher::And(xs) | Matcher::Or(xs) => xs.iter().all(Matcher::index_is_exact),
            Matcher::Not(x) => x.index_is_exact(),
            Matcher::Near { .. } => false,
        }
    }

    /// The distinct words that are not under a `NOT`, in query order: the
    /// words that are highlighted and counted as mentions.
    pub fn positive_words(&self) -> Vec<&str> {
        fn walk<'a>(m: &'a Matcher, out: &mut Vec<&'a str>) {
            match m {
                Matcher::Word(w) => {
                    if !out.contains(&w.as_str()) {
                        out.push(w)
                    }
                }
                Matcher::And(xs) | Matcher::Or(xs) => xs.iter().for_each(|x| walk(x, out)),
                Matcher::Not(_) => {}
                Matcher::Near { left, right, .. } => {
                    walk(left, out);
                    walk(right, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// The units that mentions are counted in (SPEC §4): every distinct
    /// positive word outside a `NEAR`, and every outermost `NEAR` (one
    /// mention per co-occurrence; its words are context, not counted on
    /// their own). Nothing under a `NOT` counts.
    pub fn mention_units(&self) -> Vec<&Matcher> {
        fn walk<'a>(m: &'a Matcher, out: &mut Vec<&'a Matcher>) {
            match m {
                Matcher::Word(_) | Matcher::Near { .. } => {
                    if !out.contains(&m) {
                        out.push(m)
                    }
                }
                Matcher::And(xs) | Matcher::Or(xs) => xs.iter().for_each(|x| walk(x, out)),
                Matcher::Not(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Every distinct word of the expression, negated ones included (what
    /// a [`SpanSource`] must be able to answer for).
    pub fn all_words(&self) -> Vec<&str> {
        fn walk<'a>(m: &'a Matcher, out: &mut Vec<&'a str>) {
            match m {
                Matcher::Word(w) => {
                    if !out.contains(&w.as_str()) {
                        out.push(w)
                    }
                }
                Matcher::And(xs) | Matcher::Or(xs) => xs.iter().for_each(|x| walk(x, out)),
                Matcher::Not(x) => walk(x, out),
                Matcher::Near { left, right, .. } => {
                    walk(left, out);
                    walk(right, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// Does a passage with this normalized text match?
    pub fn matches(&self, norm: &str) -> bool {
        self.matches_in(&mut TextSpans::new(norm))
    }

    /// Does the passage that `src` describes match?
    pub fn matches_in(&self, src: &mut dyn SpanSource) -> bool {
        match self {
            Matcher::Word(w) => src.contains(w),
            Matcher::And(xs) => xs.iter().all(|x| x.matches_in(src)),
            Matcher::Or(xs) => xs.iter().any(|x| x.matches_in(src)),
            Matcher::Not(x) => !x.matches_in(src),
            Matcher::Near { .. } => !self.spans_in(src).is_empty(),
        }
    }

    /// The character spans where a NEAR operand occurs: for a word its
    /// occurrences, for OR the union, for NEAR the hull of each close pair.
    fn spans_in(&self, src: &mut dyn SpanSource) -> Vec<Range<usize>> {
        match self {
            Matcher::Word(w) => src.spans(w),
            Matcher::Or(xs) => {
                let mut v: Vec<_> = xs.iter().flat_map(|x| x.spans_in(src)).collect();
                v.sort_by_key(|r| (r.start, r.end));
                v
            }
            Matcher::Near { left, right, distance } => {
                let (a, b) = (left.spans_in(src), right.spans_in(src));
                let mut out = Vec::new();
                for x in &a {
                    for y in close_to(x, &b, *distance) {
                        out.push(x.start.min(y.start)..x.end.max(y.end));
                    }
                }
                out.sort_by_key(|r| (r.start, r.end));
                out.dedup();
                out
            }
            // The parser rejects AND / NOT inside NEAR; treat them as "the
            // whole passage" if they ever get here and hold.
            Matcher::And(_) | Matcher::Not(_) => {
                if self.matches_in(src) {
                    vec![0..usize::MAX]
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// Mentions in a passage (SPEC §4): non-overlapping occurrences,
    /// leftmost first, of each positive word outside a `NEAR`, plus one per
    /// co-occurrence of each `NEAR` (see [`Matcher::mention_units`]).
    pub fn mentions(&self, norm: &str) -> usize {
        self.mentions_in(&mut TextSpans::new(norm))
    }

    /// [`Matcher::mentions`] of the passage that `src` describes.
    pub fn mentions_in(&self, src: &mut dyn SpanSource) -> usize {
        // The common case (one word) without collecting the units.
        if let Matcher::Word(w) = self {
            return src.count(w);
        }
        self.mention_units()
            .into_iter()
            .map(|u| match u {
                Matcher::Word(w) => src.count(w),
                near => near.near_mentions(src).len(),
            })
            .sum()
    }

    /// The co-occurrences of a `NEAR`: each non-overlapping occurrence of
    /// its first operand that has the other within range, with the closest
    /// such occurrence of the other.
    fn near_mentions(&self, src: &mut dyn SpanSource) -> Vec<MentionSpan> {
        let Matcher::Near { left, right, distance } = self else { return Vec::new() };
        let (a, b) = (non_overlapping(left.spans_in(src)), right.spans_in(src));
        a.into_iter()
            .filter_map(|x| {
                let partner = close_to(&x, &b, *distance).min_by_key(|y| (gap(&x, y), y.start))?;
                Some(MentionSpan { span: x, partner: Some(partner.clone()) })
            })
            .collect()
    }

    /// Every mention of a passage in order of position, as character
    /// ranges of the normalized text: a word's occurrence, or a `NEAR`'s
    /// first word with its partner. There are exactly
    /// [`Matcher::mentions`] of them.
    pub fn mention_spans(&self, norm: &str) -> Vec<MentionSpan> {
        let mut src = TextSpans::new(norm);
        let mut out: Vec<MentionSpan> = Vec::new();
        for u in self.mention_units() {
            match u {
                Matcher::Word(w) => out.extend(
                    src.spans(w).into_iter().map(|span| MentionSpan { span, partner: None }),
                ),
                near => out.extend(near.near_mentions(&mut src)),
            }
        }
        out.sort_by_key(|m| (m.span.start, m.span.end));
        out
    }

    /// The spans of every positive word in a passage, as character ranges
    /// of the *original* text, sorted (what gets highlighted).
    pub fn highlights(&self, normalized: &Normalized) -> Vec<Range<usize>> {
        let mut src = TextSpans::new(&normalized.text);
        let mut out: Vec<Range<usize>> = Vec::new();
        for w in self.positive_words() {
            out.extend(src.spans(w).into_iter().map(|r| normalized.to_original(r)));
        }
        out.sort_by_key(|r| (r.start, r.end));
        out
    }

    /// The smallest number of characters between occurrences of two
    /// different positive words (for the proximity boost), if the query has
    /// two or more positive words that occur.
    pub fn min_gap(&self, norm: &str) -> Option<usize> {
        self.min_gap_in(&mut TextSpans::new(norm))
    }

    /// [`Matcher::min_gap`] of the passage that `src` describes.
    pub fn min_gap_in(&self, src: &mut dyn SpanSource) -> Option<usize> {
        let words = self.positive_words();
        if words.len() < 2 {
            return None;
        }
        let spans: Vec<Vec<Range<usize>>> = words.iter().map(|w| src.spans(w)).collect();
        let mut best: Option<usize> = None;
        for i in 0..spans.len() {
            for j in i + 1..spans.len() {
                for x in &spans[i] {
                    // Spans are sorted: the closest ones are next to where x
                    // would be inserted.
                    let k = spans[j].partition_point(|y| y.start < x.start);
                    for y in spans[j][k.saturating_sub(1)..(k + 1).min(spans[j].len())].iter() {
                        let g = gap(x, y);
                        best = Some(best.map_or(g, |b| b.min(g)));
                    }
                }
            }
        }
        best
    }
}

/// One mention: a span of the normalized text (characters), and for a
/// `NEAR` co-occurrence the span of the other word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionSpan {
    /// The word counted (the first operand of a `NEAR`).
    pub span: Range<usize>,
    /// A `NEAR`'s closest occurrence of its other operand.
    pub partner: Option<Range<usize>>,
}

/// Where the words of a query occur in one passage. Implemented on the
/// normalized text ([`TextSpans`]) and on the index's positions
/// ([`crate::index::postings`]); the [`Matcher`] evaluates the query on
/// either, so that both give the same answers by construction.
pub trait SpanSource {
    /// Non-overlapping occurrences of a normalized word, leftmost first,
    /// as character ranges of the normalized text, sorted.
    fn spans(&mut self, word: &str) -> Vec<Range<usize>>;

    /// How many [`SpanSource::spans`] there are (a source may know without
    /// listing them).
    fn count(&mut self, word: &str) -> usize {
        self.spans(word).len()
    }

    /// Whether the word occurs at all.
    fn contains(&mut self, word: &str) -> bool {
        self.count(word) > 0
    }
}

/// A [`SpanSource`] over a passage's normalized text.
pub struct TextSpans<'a> {
    norm: &'a str,
    index: Option<CharIndex>,
}

impl<'a> TextSpans<'a> {
    /// Wraps a normalized text.
    pub fn new(norm: &'a str) -> Self {
        TextSpans { norm, index: None }
    }
}

impl SpanSource for TextSpans<'_> {
    fn spans(&mut self, word: &str) -> Vec<Range<usize>> {
        let ci = self.index.get_or_insert_with(|| CharIndex::new(self.norm));
        normalize::find_all(self.norm, word)
            .into_iter()
            .map(|r| ci.char_of(r.start)..ci.char_of(r.end))
            .collect()
    }

    fn count(&mut self, word: &str) -> usize {
        normalize::count(self.norm, word)
    }

    fn contains(&mut self, word: &str) -> bool {
        self.norm.contains(word)
    }
}

/// The spans of `b` within `distance` characters of `x`.
fn close_to<'b>(
    x: &Range<usize>,
    b: &'b [Range<usize>],
    distance: u32,
) -> impl Iterator<Item = &'b Range<usize>> + 'b {
    let x = x.clone();
    b.iter().filter(move |y| gap(&x, y) <= distance as usize)
}

/// Greedy non-overlapping spans, leftmost first (longest first at the same
/// start): what counting a word's occurrences means for a union of words.
fn non_overlapping(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in spans {
        if out.last().is_none_or(|l| r.start >= l.end) {
            out.push(r);
        }
    }
    out
}

/// Characters strictly between two spans (0 when they touch or overlap).
fn gap(x: &Range<usize>, y: &Range<usize>) -> usize {
    y.start.saturating_sub(x.end).max(x.start.saturating_sub(y.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Matcher {
        Matcher::Word(normalize::normalize(s))
    }

    #[test]
    fn substring_matching_ignores_segmentation() {
        assert!(w("化解").matches("健全矛盾纠纷多元化解机制"));
        assert!(w("桥经").matches("坚持发展新时代“枫桥经验”"));
        assert!(w("一村（社区）一法律顾问")
            .matches(&normalize::normalize("实行“一村(社区)一法律顾问”制度")));
        assert!(w("12·4").matches(&normalize::normalize("“12∙4”宪法宣传日")));
        assert!(w("2023年").matches(&normalize::normalize("现将我镇 2023 年法治")));
    }

    #[test]
    fn boolean_and_near() {
        let text = normalize::normalize("深入推进法律顾问制度,实现各村法律顾问全覆盖");
        let near = |d| Matcher::Near {
            left: Box::new(w("法律顾问")),
            right: Box::new(w("全覆盖")),
            distance: d,
        };
        assert!(near(0).matches(&text));
        let far = normalize::normalize("法律顾问制度健全,普法宣传全覆盖");
        assert!(!near(3).matches(&far));
        assert!(near(9).matches(&far));
        assert!(Matcher::And(vec![w("法律顾问"), Matcher::Not(Box::new(w("枫桥")))]).matches(&text));
        assert!(!Matcher::Or(vec![w("枫桥"), w("调解")]).matches(&text));
    }

    #[test]
    fn mentions_and_highlights() {
        let original = "枫桥经验，“枫桥 经验”";
        let n = Normalized::new(original);
        let m = w("枫桥经验");
        assert_eq!(m.mentions(&n.text), 2);
        let chars: Vec<char> = original.chars().collect();
        let spans: Vec<String> =
            m.highlights(&n).into_iter().map(|r| chars[r].iter().collect()).collect();
        assert_eq!(spans, vec!["枫桥经验", "枫桥 经验"]);
    }

    #[test]
    fn min_gap_between_words() {
        let m = Matcher::And(vec![w("法律顾问"), w("全覆盖")]);
        assert_eq!(m.min_gap("法律顾问xx全覆盖"), Some(2));
        assert_eq!(w("a").min_gap("a"), None);
    }
}
