//! Normalization of text and queries (SPEC §2), with a map back to the
//! original characters.
//!
//! Matching in baogao is exact substring matching on *normalized* text, and
//! the user always sees the *original* text. This module is the seam between
//! the two: [`normalize`] gives the normalized string that the index and the
//! verifier see, and [`Normalized`] additionally remembers, for every
//! normalized character, the range of original characters it came from, so
//! that a match found in normalized text can be highlighted in the original.
//!
//! The rules, applied in this order:
//!
//! 1. Unicode NFKC: full-width ASCII and digits become half-width
//!    (`（社区）` = `(社区)`, `１９９６` = `1996`), U+3000 becomes a space.
//!    We apply NFKC to each base character together with the combining
//!    marks that follow it, which is what NFKC does for every text a report
//!    can contain, and lets us keep an exact offset map.
//! 2. The middle-dot family `· • ∙ ・ ‧` (and half-width `･`) is one
//!    character, `·` (U+00B7): `12·4` = `12∙4`.
//! 3. ASCII letters fold to lower case.
//! 4. Whitespace (spaces, U+3000, NBSP, tabs, line breaks) is removed
//!    wherever it touches a CJK character (`2023 年` = `2023年`, `政 府` =
//!    `政府`, `镇机\n关全体` = `镇机关全体`); any other run of whitespace
//!    becomes one space; leading and trailing whitespace is dropped.
//!
//! "CJK character" means, after NFKC, a Han ideograph (including the
//! extensions and the compatibility ideographs) or a character of the blocks
//! CJK Symbols and Punctuation (U+3000–303F) or Halfwidth and Fullwidth
//! Forms (U+FF00–FFEF). Note that NFKC turns most full-width punctuation
//! (`，` `：` `（`) into ASCII, so those are *not* CJK after normalization,
//! while `。` and `、` are.
//!
//! All offsets here are in characters (Unicode scalar values), never bytes.

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The canonical middle dot that the whole middle-dot family maps to.
pub const MIDDLE_DOT: char = '\u{00B7}';

/// Is `c` (already NFKC-normalized) a CJK character in the sense of SPEC §2?
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F        // CJK Symbols and Punctuation
        | 0x3400..=0x4DBF      // Extension A
        | 0x4E00..=0x9FFF      // Unified Ideographs
        | 0xF900..=0xFAFF      // Compatibility Ideographs
        | 0xFF00..=0xFFEF      // Halfwidth and Fullwidth Forms
        | 0x20000..=0x2A6DF    // Extension B
        | 0x2A700..=0x2EE5F    // Extensions C–F, I
        | 0x2F800..=0x2FA1F    // Compatibility Ideographs Supplement
        | 0x30000..=0x323AF    // Extensions G, H
    )
}

/// Is `c` one of the middle-dot family that we fold into [`MIDDLE_DOT`]?
fn is_middle_dot(c: char) -> bool {
    matches!(c, '\u{00B7}' | '\u{2022}' | '\u{2219}' | '\u{30FB}' | '\u{2027}' | '\u{FF65}')
}

/// Characters that NFKC leaves unchanged and that need no folding: the
/// common case in Chinese text, handled without calling the normalizer.
#[inline]
fn is_stable(c: char) -> bool {
    // U+3001–3029: CJK punctuation (、。《》「」【】…), before the
    // ideographic tone marks.
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3001..=0x3029)
        || (c.is_ascii() && !c.is_ascii_uppercase())
}

/// NFKC of a full-width ASCII variant (U+FF01–FF5E: `，（）：１Ａ`) is the
/// ASCII character 0xFEE0 below it.
#[inline]
fn fullwidth_ascii(c: char) -> Option<char> {
    matches!(c as u32, 0xFF01..=0xFF5E).then(|| char::from_u32(c as u32 - 0xFEE0)).flatten()
}

/// `is_combining_mark` without the table lookup for the common case:
/// ASCII and CJK ideographs are never combining marks.
#[inline]
fn combining(c: char) -> bool {
    !matches!(c as u32, 0..=0x2FF | 0x4E00..=0x9FFF) && is_combining_mark(c)
}

/// Calls `emit(ch, original_char_range)` for every character of the text
/// after steps 1–3 (NFKC per base character with its combining marks,
/// middle dots, case); whitespace is passed through (as produced by NFKC)
/// and collapsed by the caller.
fn fold_chars(text: &str, mut emit: impl FnMut(char, Range<usize>)) {
    let mut chars = text.chars().enumerate().peekable();
    let mut group = String::new();
    while let Some((i, c)) = chars.next() {
        // A base character followed by combining marks is normalized as a
        // unit so that NFKC can compose them (e + ◌́ = é).
        let mut end = i + 1;
        if chars.peek().is_some_and(|&(_, n)| combining(n)) {
            group.clear();
            group.push(c);
            while let Some(&(j, n)) = chars.peek() {
                if !combining(n) {
                    break;
                }
                group.push(n);
                end = j + 1;
                chars.next();
            }
            for o in group.nfkc() {
                emit(fold(o), i..end);
            }
        } else if is_stable(c) {
            emit(c, i..end);
        } else if let Some(a) = fullwidth_ascii(c) {
            emit(fold(a), i..end);
        } else {
            for o in std::iter::once(c).nfkc() {
                emit(fold(o), i..end);
            }
        }
    }
}

/// Steps 2 and 3 on one NFKC-normalized character.
#[inline]
fn fold(c: char) -> char {
    if is_middle_dot(c) {
        MIDDLE_DOT
    } else {
        c.to_ascii_lowercase()
    }
}

/// Collapses whitespace (step 4) while characters stream through.
struct Collapser {
    /// The last non-whitespace character emitted, if any.
    last: Option<char>,
    /// Original range of a pending whitespace run (not yet emitted).
    pending: Option<Range<usize>>,
}

impl Collapser {
    fn new() -> Self {
        Collapser { last: None, pending: None }
    }

    /// Feeds one folded character; calls `out` for what must be emitted.
    #[inline]
    fn push(&mut self, c: char, range: Range<usize>, mut out: impl FnMut(char, Range<usize>)) {
        if c.is_whitespace() {
            match &mut self.pending {
                Some(r) => r.end = range.end,
                None => self.pending = Some(range),
            }
            return;
        }
        if let Some(ws) = self.pending.take() {
            if let Some(prev) = self.last {
                if !is_cjk(prev) && !is_cjk(c) {
                    out(' ', ws);
                }
            }
        }
        self.last = Some(c);
        out(c, range);
    }
}

/// Normalizes `text` (SPEC §2). Equivalent to
/// `Normalized::new(text).text`, without building the offset map.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut collapser = Collapser::new();
    fold_chars(text, |c, r| collapser.push(c, r, |o, _| out.push(o)));
    out
}

/// Normalized text together with a map from each normalized character back
/// to the original characters it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The normalized text.
    pub text: String,
    /// For each normalized character, the half-open range of original
    /// characters it was made from. Ranges are non-decreasing; a character
    /// that NFKC expanded into several (`㈠` → `(一)`) gives several
    /// normalized characters with the same range, and a whitespace run
    /// collapsed into one space maps to the whole run.
    map: Vec<Range<u32>>,
}

impl Normalized {
    /// Normalizes `text` and records the offset map.
    pub fn new(text: &str) -> Normalized {
        let mut out = String::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len() / 2);
        let mut collapser = Collapser::new();
        fold_chars(text, |c, r| {
            collapser.push(c, r, |o, r| {
                out.push(o);
                map.push(r.start as u32..r.end as u32);
            })
        });
        Normalized { text: out, map }
    }

    /// Number of characters of the normalized text.
    pub fn char_len(&self) -> usize {
        self.map.len()
    }

    /// Maps a non-empty range of normalized characters to the range of
    /// original characters that produced it.
    ///
    /// # Panics
    /// If the range is empty or out of bounds.
    pub fn to_original(&self, range: Range<usize>) -> Range<usize> {
        assert!(range.start < range.end && range.end <= self.map.len(), "bad range {range:?}");
        self.map[range.start].start as usize..self.map[range.end - 1].end as usize
    }
}

/// Byte offset → character offset conversion table for one string, for
/// turning the byte positions that `str::find` returns into the character
/// positions that the rest of baogao speaks.
pub struct CharIndex {
    /// `starts[k]` is the byte offset of character `k`; one extra entry for
    /// the end of the string.
    starts: Vec<u32>,
}

impl CharIndex {
    /// Builds the table for `s`.
    pub fn new(s: &str) -> CharIndex {
        let mut starts: Vec<u32> = s.char_indices().map(|(b, _)| b as u32).collect();
        starts.push(s.len() as u32);
        CharIndex { starts }
    }

    /// The character offset of a byte offset that lies on a character
    /// boundary.
    pub fn char_of(&self, byte: usize) -> usize {
        self.starts.binary_search(&(byte as u32)).expect("byte offset on a char boundary")
    }
}

/// All non-overlapping occurrences of `needle` in `haystack`, leftmost
/// first, as byte ranges (the counting rule of SPEC §4 `mentions`).
pub fn find_all(haystack: &str, needle: &str) -> Vec<Range<usize>> {
    if needle.is_empty() {
        return Vec::new();
    }
    haystack.match_indices(needle).map(|(b, m)| b..b + m.len()).collect()
}

/// Number of non-overlapping occurrences of `needle`, leftmost first.
pub fn count(haystack: &str, needle: &str) -> usize {
    if needle.is_empty() {
        0
    } else {
        haystack.matches(needle).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fast paths (`is_stable`, `fullwidth_ascii`) agree with NFKC
    /// and the folds for every character of the blocks they cover.
    #[test]
    fn fast_paths_equal_nfkc() {
        let blocks = [0x20..0x7F, 0x3000..0x3040, 0x4E00..0xA000, 0xFF00..0xFFF0];
        for c in blocks.into_iter().flatten().filter_map(char::from_u32) {
            let slow: String = std::iter::once(c).nfkc().map(fold).collect();
            let mut fast = String::new();
            fold_chars(&c.to_string(), |o, _| fast.push(o));
            assert_eq!(fast, slow, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn full_width_and_digits() {
        assert_eq!(normalize("一村（社区）一法律顾问"), "一村(社区)一法律顾问");
        assert_eq!(normalize("１９９６年３月５日"), "1996年3月5日");
        assert_eq!(normalize("ＡＢＣ abc"), "abc abc");
    }

    #[test]
    fn middle_dots_are_one() {
        for dot in ["·", "•", "∙", "・", "‧", "･"] {
            assert_eq!(normalize(&format!("12{dot}4")), "12·4", "{dot}");
        }
    }

    #[test]
    fn whitespace_touching_cjk_is_ignored() {
        assert_eq!(normalize("2023 年"), "2023年");
        assert_eq!(normalize("政 府 工 作 报 告"), "政府工作报告");
        assert_eq!(normalize("镇机\n\n关全体干部"), "镇机关全体干部");
        assert_eq!(normalize("\u{3000}\u{3000}依法\u{a0}行政 "), "依法行政");
        // Spaced digits in dates stay apart from each other (no CJK there)
        // but not from 年.
        assert_eq!(normalize("1 9 9 8 年3 月"), "1 9 9 8年3月");
        assert_eq!(normalize("COVID  \t 19"), "covid 19");
        assert_eq!(normalize("“三项制度” 落地"), "“三项制度”落地");
    }

    #[test]
    fn map_points_back_to_original() {
        let original = "现将我镇 2023 年法治（政府）";
        let n = Normalized::new(original);
        assert_eq!(n.text, "现将我镇2023年法治(政府)");
        let chars: Vec<char> = original.chars().collect();
        let slice = |r: Range<usize>| chars[r].iter().collect::<String>();
        let pos = n.text.find("2023年").unwrap();
        let ci = CharIndex::new(&n.text);
        let start = ci.char_of(pos);
        let r = n.to_original(start..start + 5);
        assert_eq!(slice(r), "2023 年");
        let pos = n.text.find("(政府)").unwrap();
        let start = ci.char_of(pos);
        assert_eq!(slice(n.to_original(start..start + 4)), "（政府）");
    }

    #[test]
    fn combining_marks_compose() {
        assert_eq!(normalize("cafe\u{301}"), "café");
        let n = Normalized::new("cafe\u{301} x");
        assert_eq!(n.to_original(3..4), 3..5);
    }

    #[test]
    fn expansions_share_their_source() {
        let n = Normalized::new("㈠法治");
        assert_eq!(n.text, "(一)法治");
        assert_eq!(n.to_original(0..3), 0..1);
        assert_eq!(n.to_original(1..4), 0..2);
    }

    #[test]
    fn counting_is_leftmost_non_overlapping() {
        assert_eq!(count("哈哈哈", "哈哈"), 1);
        assert_eq!(count("哈哈哈哈", "哈哈"), 2);
        assert_eq!(find_all("枫桥经验枫桥", "枫桥"), vec![0..6, 12..18]);
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "法", "治", "政", "府", "年", "（", "）", "(", ")", "１", "9", "A", "b", " ",
            "\u{3000}", "\u{a0}", "\n", "\t", "·", "•", "∙", "・", "‧", "㈠", "e\u{301}",
            "\u{301}", "。", "，", ",", "x", "Ⅻ", "ﬁ", "𠀀", "豈",
        ]);
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn map_is_consistent(s in text_strategy()) {
            let n = Normalized::new(&s);
            prop_assert_eq!(&n.text, &normalize(&s));
            prop_assert_eq!(n.char_len(), n.text.chars().count());
            let len = s.chars().count();
            let mut prev = 0;
            for k in 0..n.char_len() {
                let r = n.to_original(k..k + 1);
                prop_assert!(r.start < r.end && r.end <= len);
                prop_assert!(r.start >= prev);
                prev = r.start;
            }
        }

        #[test]
        fn normalization_is_idempotent(s in text_strategy()) {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        /// Any substring of the normalized text, mapped back to the
        /// original, normalizes to itself again: this is what makes every
        /// highlighted span equal to the query.
        #[test]
        fn mapped_spans_normalize_to_the_match(s in text_strategy(), a in 0usize..40, l in 1usize..8) {
            let n = Normalized::new(&s);
            let chars: Vec<char> = n.text.chars().collect();
            prop_assume!(a + l <= chars.len());
            let needle: String = chars[a..a + l].iter().collect();
            // Spans that start or end on a collapsed space or inside an
            // NFKC expansion can't be reproduced from a slice; the matcher
            // only ever reports matches of normalized queries, which never
            // start or end with a space.
            prop_assume!(!needle.starts_with(' ') && !needle.ends_with(' '));
            let r = n.to_original(a..a + l);
            let orig: String = s.chars().skip(r.start).take(r.end - r.start).collect();
            prop_assert!(normalize(&orig).contains(&needle), "{:?} -> {:?} vs {:?}", s, orig, needle);
        }
    }
}
