//! `keywords`: keyness, the words whose frequency differs most between two
//! sub-corpora (SPEC §3).
//!
//! # Words
//!
//! Each passage's normalized text (SPEC §2) is segmented with jieba and the
//! domain dictionary ([`crate::text::segment::words`], the same cut that
//! ranks search results), so 枫桥经验 or 法律顾问 count as one word. Every
//! token that [`segment::words`] keeps (it drops punctuation and
//! whitespace) counts towards the size of its sub-corpus, `words_a` and
//! `words_b`: the corpus is as long as it is, whatever we later choose to
//! show. A word is a *candidate* for the table only if it
//!
//! - contains a Han ideograph (so `2019`, `5G`, `3.5` and `gdp` are out),
//! - is not made only of Chinese numerals (`一`, `十三`, `两`), unless the
//!   domain dictionary lists it (`十三五`, `十四五` stay: they name plans),
//! - is not in the stop-word list [`dict::STOPWORDS`] (function words and
//!   the generic verbs of report prose, 加强 推进 进一步, that rise and fall
//!   with the length of a report rather than with its subject).
//!
//! # Statistics
//!
//! For a word with `a` occurrences among the `c` words of sub-corpus A and
//! `b` among the `d` words of B, the 2×2 contingency table is
//!
//! ```text
//!                 A        B
//!   the word      a        b        a + b
//!   other words   c − a    d − b    N − a − b
//!                 c        d        N = c + d
//! ```
//!
//! - **G²** (log-likelihood, Dunning 1993, "Accurate methods for the
//!   statistics of surprise and coincidence", *Computational Linguistics*
//!   19(1)): `G² = 2 Σ O ln(O / E)` over the four cells, where
//!   `E = row total × column total / N` and `0 · ln 0 = 0`. This is the
//!   formulation of Rayson & Garside (2000, "Comparing corpora using
//!   frequency profiling", WCC workshop, ACL) with the complement row
//!   included; their worksheet sums only the first row (`a` and `b`), which
//!   differs from the full table by the complement cells' contribution —
//!   negligible when the word is rare against `c` and `d`, as here. G² is
//!   asymptotically χ² with one degree of freedom: 3.84 is p < 0.05,
//!   6.63 p < 0.01, 10.83 p < 0.001, 15.13 p < 0.0001.
//! - **Log ratio** (Hardie 2014, "Log Ratio — an informal introduction",
//!   CASS): `log₂((a / c) / (b / d))`, the binary log of the ratio of
//!   relative frequencies: +1 means twice as frequent in A, −1 twice as
//!   frequent in B. A zero count is replaced by [`ZERO_SMOOTHING`] (0.5)
//!   for this measure only, as Hardie suggests, so that a word absent from
//!   one side gets a large but finite effect size instead of ±∞.
//!
//! # Single characters
//!
//! By default ([`KeynessOptions::min_chars`] = 2) the table leaves out
//! one-character words. In jieba's output they are mostly function words,
//! measure words and the fragments of words jieba does not know (小 / 微
//! of 小微企业, cut apart without HMM), and they crowd out the terms a reader
//! looks for; the few that matter (稳, 降) can be brought back with
//! `--min-chars 1`. They still count in the sub-corpus size.
//!
//! G² says how sure we are that a difference is not chance; log ratio says
//! how big it is. Rows are ranked by G² (the usual keyness order) and carry
//! both. A word is *overused in A* when its relative frequency is higher in
//! A (`a·d > b·c`), else in B; each direction is ranked separately.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::text::{dict, segment};

/// The count that replaces a zero in the log ratio (Hardie 2014).
pub const ZERO_SMOOTHING: f64 = 0.5;

/// The critical value of χ² with one degree of freedom at p = 0.05.
pub const G2_P05: f64 = 3.84;

/// Word frequencies of one sub-corpus.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WordCounts {
    /// Occurrences of each candidate word (see the module docs).
    pub counts: HashMap<String, u64>,
    /// All word tokens, candidates or not: the size of the sub-corpus.
    pub tokens: u64,
}

/// Is `word` a candidate for the keyness table: it has a Han ideograph, is
/// not only Chinese numerals (unless the domain dictionary lists it), and
/// is not a stop word.
pub fn is_candidate(word: &str) -> bool {
    static STOP: OnceLock<HashSet<&'static str>> = OnceLock::new();
    static DICT: OnceLock<HashSet<&'static str>> = OnceLock::new();
    if !word.chars().any(is_han) {
        return false;
    }
    if STOP.get_or_init(|| dict::stopwords().collect()).contains(word) {
        return false;
    }
    let numeral =
        word.chars().all(|c| "〇零一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾".contains(c));
    !numeral || DICT.get_or_init(|| dict::dict_words().collect()).contains(word)
}

/// A Han ideograph (not CJK punctuation), after NFKC.
fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3007                 // 〇
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x323AF)
}

/// Segments normalized passage texts (in parallel) and counts their words.
pub fn count_words(texts: &[&str]) -> WordCounts {
    // Each rayon job folds into a map keyed by slices of the texts (no
    // allocation per token); the maps are merged pairwise, and owned
    // strings are made once per distinct word at the end.
    let (counts, tokens) = texts
        .par_iter()
        .fold(
            || (HashMap::<&str, u64>::new(), 0u64),
            |(mut map, mut tokens), text| {
                for w in segment::words(text) {
                    tokens += 1;
                    if is_candidate(w) {
                        *map.entry(w).or_default() += 1;
                    }
                }
                (map, tokens)
            },
        )
        .reduce(
            || (HashMap::new(), 0),
            |(a, ta), (b, tb)| {
                // Merge the smaller map into the larger.
                let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (w, n) in small {
                    *big.entry(w).or_default() += n;
                }
                (big, ta + tb)
            },
        );
    WordCounts { counts: counts.into_iter().map(|(w, n)| (w.to_string(), n)).collect(), tokens }
}

/// `x · ln(x / e)`, with `0 · ln 0 = 0`.
fn o_ln_o_e(o: f64, e: f64) -> f64 {
    if o > 0.0 {
        o * (o / e).ln()
    } else {
        0.0
    }
}

/// Log-likelihood G² of the 2×2 table of a word seen `a` times among
/// `total_a` words and `b` times among `total_b` (see the module docs).
/// Zero when either total is zero or the word never occurs.
pub fn g2(a: u64, b: u64, total_a: u64, total_b: u64) -> f64 {
    let n = (total_a + total_b) as f64;
    let row = (a + b) as f64;
    if n == 0.0 || row == 0.0 || total_a == 0 || total_b == 0 {
        return 0.0;
    }
    let (ca, cb) = (total_a as f64, total_b as f64);
    let rest = n - row;
    let cells = [
        (a as f64, row * ca / n),
        (b as f64, row * cb / n),
        (ca - a as f64, rest * ca / n),
        (cb - b as f64, rest * cb / n),
    ];
    // Rounding can make a cell of an all-equal table a hair negative.
    (2.0 * cells.iter().map(|&(o, e)| o_ln_o_e(o, e)).sum::<f64>()).max(0.0)
}

/// Hardie's log ratio: `log₂((a / total_a) / (b / total_b))`, a zero count
/// replaced by [`ZERO_SMOOTHING`].
pub fn log_ratio(a: u64, b: u64, total_a: u64, total_b: u64) -> f64 {
    let smooth = |x: u64| if x == 0 { ZERO_SMOOTHING } else { x as f64 };
    ((smooth(a) / total_a.max(1) as f64) / (smooth(b) / total_b.max(1) as f64)).log2()
}

/// Which sub-corpus a word is overused in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The target side (`--where` or the filter flags).
    A,
    /// The reference side (`--vs`).
    B,
}

impl Side {
    /// `a` or `b`, as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::A => "a",
            Side::B => "b",
        }
    }
}

/// One row of the keyness table.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    /// The word (normalized text).
    pub word: String,
    /// Where it is relatively more frequent.
    pub side: Side,
    /// Occurrences in A.
    pub count_a: u64,
    /// Occurrences in B.
    pub count_b: u64,
    /// Occurrences per 10,000 words of A.
    pub per_10k_a: f64,
    /// Occurrences per 10,000 words of B.
    pub per_10k_b: f64,
    /// Log-likelihood G².
    pub g2: f64,
    /// Log ratio (binary log of the ratio of relative frequencies, A over B).
    pub log_ratio: f64,
}

/// What to keep in the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeynessOptions {
    /// Words occurring fewer times than this in both sub-corpora together
    /// are left out (their G² is unreliable and they crowd the table).
    pub min_count: u64,
    /// At most this many rows per direction.
    pub top: usize,
    /// Rows with a G² below this are left out (default [`G2_P05`]).
    pub min_g2: f64,
    /// Words shorter than this many characters are left out (default 2).
    pub min_chars: usize,
}

impl Default for KeynessOptions {
    fn default() -> Self {
        KeynessOptions { min_count: 5, top: 20, min_g2: G2_P05, min_chars: 2 }
    }
}

/// The keyness table: the words overused in each sub-corpus.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeynessTable {
    /// Overused in A, by G² descending.
    pub a: Vec<Keyword>,
    /// Overused in B, by G² descending.
    pub b: Vec<Keyword>,
    /// Candidate words with at least `min_count` occurrences (the words
    /// that were tested).
    pub tested: usize,
    /// Of those, how many reached `min_g2` in either direction (before
    /// `top` cut the lists).
    pub significant: usize,
}

/// Compares two sub-corpora word by word.
pub fn keyness(a: &WordCounts, b: &WordCounts, opts: &KeynessOptions) -> KeynessTable {
    let per_10k = |n: u64, total: u64| if total == 0 { 0.0 } else { n as f64 * 1e4 / total as f64 };
    let words: HashSet<&str> = a.counts.keys().chain(b.counts.keys()).map(String::as_str).collect();
    let mut table = KeynessTable::default();
    for word in words {
        let ca = a.counts.get(word).copied().unwrap_or(0);
        let cb = b.counts.get(word).copied().unwrap_or(0);
        if ca + cb < opts.min_count.max(1) || word.chars().count() < opts.min_chars {
            continue;
        }
        table.tested += 1;
        let g = g2(ca, cb, a.tokens, b.tokens);
        if g < opts.min_g2 {
            continue;
        }
        // Compare relative frequencies exactly, in integers.
        let side = if (ca as u128) * (b.tokens as u128) > (cb as u128) * (a.tokens as u128) {
            Side::A
        } else {
            Side::B
        };
        let row = Keyword {
            word: word.to_string(),
            side,
            count_a: ca,
            count_b: cb,
            per_10k_a: per_10k(ca, a.tokens),
            per_10k_b: per_10k(cb, b.tokens),
            g2: g,
            log_ratio: log_ratio(ca, cb, a.tokens, b.tokens),
        };
        table.significant += 1;
        match side {
            Side::A => table.a.push(row),
            Side::B => table.b.push(row),
        }
    }
    for rows in [&mut table.a, &mut table.b] {
        rows.sort_by(|x, y| {
            y.g2.total_cmp(&x.g2)
                .then(y.log_ratio.abs().total_cmp(&x.log_ratio.abs()))
                .then_with(|| x.word.cmp(&y.word))
        });
        rows.truncate(opts.top);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, eps: f64) -> bool {
        (x - y).abs() < eps
    }

    #[test]
    fn g2_and_log_ratio_by_hand() {
        // a = 30 of c = 10,000 words, b = 10 of d = 10,000 words.
        // N = 20,000; word row = 40, other row = 19,960; each column 10,000.
        // Expected: E(a) = E(b) = 40 · 10,000 / 20,000 = 20;
        //           E(c−a) = E(d−b) = 19,960 · 10,000 / 20,000 = 9,980.
        // Observed: 30, 10, 9,970, 9,990.
        //   30 · ln(30/20)       =  30 · 0.405465108 =  12.163953
        //   10 · ln(10/20)       =  10 · −0.69314718 =  −6.931472
        //   9970 · ln(9970/9980) = 9970 · −0.00100251 =  −9.994988
        //   9990 · ln(9990/9980) = 9990 ·  0.00100150 =  10.005008
        // Sum = 5.242501, G² = 2 · 5.242501 = 10.485002.
        let g = g2(30, 10, 10_000, 10_000);
        assert!(close(g, 10.485002, 1e-5), "{g}");
        // Rayson & Garside's first-row shortcut would give
        // 2 · (12.163953 − 6.931472) = 10.464963: the complement row adds
        // only 0.02 here.
        // Log ratio: log2((30/10000)/(10/10000)) = log2(3) = 1.5849625.
        assert!(close(log_ratio(30, 10, 10_000, 10_000), 3f64.log2(), 1e-12));

        // Unequal sizes: a = 5 of 1,000, b = 0 of 3,000; N = 4,000.
        // E(a) = 5 · 1,000 / 4,000 = 1.25, E(b) = 3.75,
        // E(c−a) = 3,995 · 1,000 / 4,000 = 998.75, E(d−b) = 2,996.25.
        //   5 · ln(5/1.25)          = 5 · 1.38629436    =  6.931472
        //   0 · ln 0                                    =  0
        //   995 · ln(995/998.75)    = 995 · −0.00376176 = −3.742951
        //   3000 · ln(3000/2996.25) = 3000 · 0.00125078 =  3.752346
        // Sum = 6.940867, G² = 13.881733.
        let g = g2(5, 0, 1_000, 3_000);
        assert!(close(g, 13.881733, 1e-5), "{g}");
        // Log ratio with b = 0 smoothed to 0.5:
        // log2((5/1000)/(0.5/3000)) = log2(30) = 4.9068906.
        assert!(close(log_ratio(5, 0, 1_000, 3_000), 30f64.log2(), 1e-12));
    }

    #[test]
    fn g2_edge_cases() {
        assert_eq!(g2(0, 0, 100, 100), 0.0);
        assert_eq!(g2(3, 0, 0, 100), 0.0);
        // Same relative frequency on both sides: no evidence of a difference.
        assert!(g2(10, 20, 1_000, 2_000) < 1e-9);
        // Symmetric in the two sides.
        assert!(close(g2(7, 30, 5_000, 9_000), g2(30, 7, 9_000, 5_000), 1e-9));
    }

    #[test]
    fn candidates() {
        assert!(is_candidate("枫桥经验"));
        assert!(is_candidate("十三五"), "dictionary numerals stay");
        assert!(!is_candidate("2019"));
        assert!(!is_candidate("gdp"));
        assert!(!is_candidate("十三"));
        assert!(!is_candidate("的"));
        assert!(!is_candidate("加强"));
        assert!(!is_candidate("。"));
    }

    #[test]
    fn counts_and_table() {
        let a = count_words(&["法律顾问全覆盖,法律顾问参与决策。", "法律顾问"]);
        let b = count_words(&["扶贫攻坚,脱贫攻坚。"]);
        assert_eq!(a.counts.get("法律顾问"), Some(&3));
        assert!(a.tokens >= 6, "{a:?}");
        assert!(!a.counts.contains_key(","));
        let opts = KeynessOptions { min_count: 1, top: 5, min_g2: 0.0, min_chars: 1 };
        let t = keyness(&a, &b, &opts);
        assert_eq!(t.a[0].word, "法律顾问");
        assert_eq!((t.a[0].count_a, t.a[0].count_b, t.a[0].side), (3, 0, Side::A));
        assert!(t.b.iter().all(|k| k.side == Side::B && k.count_a == 0));
        assert!(t.a.windows(2).all(|w| w[0].g2 >= w[1].g2));
        let strict = keyness(&a, &b, &KeynessOptions { min_count: 4, ..opts });
        assert!(strict.a.is_empty() && strict.b.is_empty());
    }
}
