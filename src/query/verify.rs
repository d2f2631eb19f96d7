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

    /// Does a passage with this normalized text match?
    pub fn matches(&self, norm: &str) -> bool {
        let mut index = None;
        self.eval(norm, &mut index)
    }

    fn eval(&self, norm: &str, index: &mut Option<CharIndex>) -> bool {
        match self {
            Matcher::Word(w) => norm.contains(w.as_str()),
            Matcher::And(xs) => xs.iter().all(|x| x.eval(norm, index)),
            Matcher::Or(xs) => xs.iter().any(|x| x.eval(norm, index)),
            Matcher::Not(x) => !x.eval(norm, index),
            Matcher::Near { .. } => {
                let ci = index.get_or_insert_with(|| CharIndex::new(norm));
                !self.spans(norm, ci).is_empty()
            }
        }
    }

    /// The character spans where a NEAR operand occurs: for a word its
    /// occurrences, for OR the union, for NEAR the hull of each close pair.
    fn spans(&self, norm: &str, ci: &CharIndex) -> Vec<Range<usize>> {
        match self {
            Matcher::Word(w) => normalize::find_all(norm, w)
                .into_iter()
                .map(|r| ci.char_of(r.start)..ci.char_of(r.end))
                .collect(),
            Matcher::Or(xs) => {
                let mut v: Vec<_> = xs.iter().flat_map(|x| x.spans(norm, ci)).collect();
                v.sort_by_key(|r| (r.start, r.end));
                v
            }
            Matcher::Near { left, right, distance } => {
                let (a, b) = (left.spans(norm, ci), right.spans(norm, ci));
                let mut out = Vec::new();
                for x in &a {
                    for y in &b {
                        if gap(x, y) <= *distance as usize {
                            out.push(x.start.min(y.start)..x.end.max(y.end));
                        }
                    }
                }
                out.sort_by_key(|r| (r.start, r.end));
                out.dedup();
                out
            }
            // The parser rejects AND / NOT inside NEAR; treat them as "the
            // whole passage" if they ever get here and hold.
            Matcher::And(_) | Matcher::Not(_) => {
                let mut idx = None;
                if self.eval(norm, &mut idx) {
                    vec![0..ci.char_of(norm.len())]
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// Mentions in a passage (SPEC §4): non-overlapping occurrences,
    /// leftmost first, of each positive word, summed.
    pub fn mentions(&self, norm: &str) -> usize {
        self.positive_words().iter().map(|w| normalize::count(norm, w)).sum()
    }

    /// The spans of every positive word in a passage, as character ranges
    /// of the *original* text, sorted (what gets highlighted).
    pub fn highlights(&self, normalized: &Normalized) -> Vec<Range<usize>> {
        let ci = CharIndex::new(&normalized.text);
        let mut out: Vec<Range<usize>> = Vec::new();
        for w in self.positive_words() {
            for r in normalize::find_all(&normalized.text, w) {
                out.push(normalized.to_original(ci.char_of(r.start)..ci.char_of(r.end)));
            }
        }
        out.sort_by_key(|r| (r.start, r.end));
        out
    }

    /// The smallest number of characters between occurrences of two
    /// different positive words (for the proximity boost), if the query has
    /// two or more positive words that occur.
    pub fn min_gap(&self, norm: &str) -> Option<usize> {
        let words = self.positive_words();
        if words.len() < 2 {
            return None;
        }
        let ci = CharIndex::new(norm);
        let spans: Vec<Vec<Range<usize>>> = words
            .iter()
            .map(|w| {
                normalize::find_all(norm, w)
                    .into_iter()
                    .map(|r| ci.char_of(r.start)..ci.char_of(r.end))
                    .collect()
            })
            .collect();
        let mut best: Option<usize> = None;
        for i in 0..spans.len() {
            for j in i + 1..spans.len() {
                for x in &spans[i] {
                    for y in &spans[j] {
                        let g = gap(x, y);
                        best = Some(best.map_or(g, |b| b.min(g)));
                    }
                }
            }
        }
        best
    }
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
