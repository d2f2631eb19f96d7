//! Word segmentation with jieba and the domain dictionary.
//!
//! Segmentation decides *how high* a passage ranks (BM25 over words), never
//! *whether* it matches: matching is exact on characters (see
//! [`crate::index`]). We load jieba once per process, with its default
//! dictionary plus ours (`data/dict.txt`: 枫桥经验, 法律顾问, 谁执法谁普法, …),
//! and share it between threads.

use std::sync::OnceLock;

use jieba_rs::Jieba;

use crate::text::dict::DICT;

/// The process-wide jieba instance with the domain dictionary loaded.
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        let mut jieba = Jieba::new();
        jieba
            .load_dict(&mut DICT.as_bytes())
            .expect("the bundled domain dictionary is well-formed (tested)");
        jieba
    })
}

/// Is this token a word worth indexing: it has a letter, a digit or an
/// ideograph (punctuation and whitespace are not words).
pub fn is_word(token: &str) -> bool {
    // CJK ideographs and ASCII first: `char::is_alphanumeric` looks most
    // ideographs up in a table, and this runs on every jieba token.
    token.chars().any(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c as u32, 0x4E00..=0x9FFF)
            || (!c.is_ascii() && c.is_alphanumeric())
    })
}

/// Segments already-normalized text into words, in order, dropping
/// punctuation and whitespace. We use jieba's precise mode without HMM:
/// the domain dictionary covers the vocabulary that matters for ranking,
/// and HMM would roughly halve throughput.
pub fn words(normalized: &str) -> Vec<&str> {
    jieba().cut(normalized, false).into_iter().map(|t| t.word).filter(|w| is_word(w)).collect()
}

/// Like [`words`], with the character offset of each word in the text.
pub fn words_with_offsets(normalized: &str) -> Vec<(usize, &str)> {
    jieba()
        .cut(normalized, false)
        .into_iter()
        .filter(|t| is_word(t.word))
        .map(|t| (t.start, t.word))
        .collect()
}

/// The words of already-normalized text as byte ranges, in order (for
/// tantivy's pre-tokenized documents).
pub fn words_with_byte_offsets(normalized: &str) -> Vec<(usize, usize)> {
    jieba()
        .cut(normalized, false)
        .into_iter()
        .filter(|t| is_word(t.word))
        .map(|t| (t.byte_start, t.byte_end))
        .collect()
}

/// Search-mode segmentation of already-normalized text, as byte ranges in
/// order of position: every word of [`words`], each followed by the
/// dictionary words inside it when it is longer than two characters
/// (`法律顾问`, `顾问` and `制度` inside `法律顾问制度`; `第一责任人` inside
/// `第一责任人职责`), so that a query word hidden in a longer dictionary
/// word still counts for ranking. (jieba's own `cut_for_search` offers
/// only the 2- and 3-character parts, which misses the 4-character
/// domain terms that matter most here.) This is what a heading path's
/// words are (the `hwords` field).
pub fn search_words_with_byte_offsets(normalized: &str) -> Vec<(usize, usize)> {
    search_words(normalized, true)
}

/// The search-mode words of a passage's text as the `words` field holds
/// them: those of [`search_words_with_byte_offsets`] except the words of
/// exactly two characters. A two-character word is its own character
/// bigram, and the `bi` field holds every occurrence of every bigram, so
/// ranking reads a two-character word from there (see
/// [`crate::rank::scored_terms`]); leaving them out of `words` spares the
/// index build two thirds of its jieba tokens.
pub fn text_words_with_byte_offsets(normalized: &str) -> Vec<(usize, usize)> {
    search_words(normalized, false)
}

/// Whether the `words` field can hold this word (see
/// [`text_words_with_byte_offsets`]): any word but one of two characters.
pub fn in_words_field(word: &str) -> bool {
    let mut chars = word.chars();
    !(chars.next().is_some() && chars.next().is_some() && chars.next().is_none())
}

/// jieba's two-character words (its default dictionary and ours), sorted
/// by bytes: `data/pairs.txt`, written by `tools/make-pairs`.
const PAIRS: &str = include_str!("../../data/pairs.txt");

/// Whether a two-character piece of a query is a word as jieba would cut
/// it: a word of jieba's dictionary or ours, or two ASCII letters or
/// digits (jieba joins those). The `words` field no longer holds
/// two-character words, so query cutting asks this instead of the index
/// (binary search in [`PAIRS`]; no jieba at query time).
pub fn is_dictionary_pair(word: &str) -> bool {
    static SORTED: OnceLock<Vec<&'static str>> = OnceLock::new();
    if word.chars().all(|c| c.is_ascii_alphanumeric()) {
        return true;
    }
    SORTED.get_or_init(|| PAIRS.lines().collect()).binary_search(&word).is_ok()
}

/// Search-mode words; with `pairs == false` without those of exactly two
/// characters.
fn search_words(normalized: &str, pairs: bool) -> Vec<(usize, usize)> {
    let jieba = jieba();
    let mut out = Vec::new();
    PARTS.with(|cache| {
        let mut cache = cache.borrow_mut();
        for t in jieba.cut(normalized, false) {
            if !is_word(t.word) {
                continue;
            }
            let chars = t.word.chars().count();
            if pairs || chars != 2 {
                out.push((t.byte_start, t.byte_end));
            }
            // Long tokens (numbers, URLs, English) hold no dictionary words
            // worth a quadratic search.
            if chars <= 2 || chars > 12 {
                continue;
            }
            if cache.len() > 200_000 {
                cache.clear();
            }
            // Look up before inserting: most long words were seen before,
            // and `entry` would allocate the key every time.
            let parts = match cache.get(t.word) {
                Some(parts) => parts,
                None => cache.entry(t.word.to_string()).or_insert_with(|| parts_of(t.word)),
            };
            out.extend(
                parts
                    .iter()
                    .filter(|&&(_, _, n)| pairs || n != 2)
                    .map(|&(a, b, _)| (t.byte_start + a, t.byte_start + b)),
            );
        }
    });
    out
}

/// A dictionary word inside a longer word: its byte range in the longer
/// word and its length in characters.
type Part = (usize, usize, usize);

thread_local! {
    /// Long word → the dictionary words inside it: words repeat (a report
    /// says 法律顾问制度 many times), the search does not need to.
    static PARTS: std::cell::RefCell<rustc_hash::FxHashMap<String, Vec<Part>>> =
        std::cell::RefCell::new(rustc_hash::FxHashMap::default());
}

/// Every substring of two or more characters, shorter than the word, that
/// the dictionary knows, as byte ranges with their length in characters.
fn parts_of(word: &str) -> Vec<Part> {
    let jieba = jieba();
    let mut starts: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
    let n = starts.len();
    starts.push(word.len());
    let mut out = Vec::new();
    for i in 0..n {
        for j in i + 2..=n {
            if (i, j) == (0, n) {
                continue;
            }
            let part = &word[starts[i]..starts[j]];
            if jieba.has_word(part) && is_word(part) {
                out.push((starts[i], starts[j], j - i));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_word_is_alphanumeric() {
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            assert_eq!(is_word(&c.to_string()), c.is_alphanumeric(), "U+{:04X}", c as u32);
        }
        assert!(is_word("。法"));
        assert!(!is_word("。,"));
    }

    #[test]
    fn domain_terms_stay_whole() {
        let w = words("坚持和发展新时代枫桥经验,落实谁执法谁普法责任制,实现法律顾问全覆盖");
        assert!(w.contains(&"枫桥经验") || w.contains(&"新时代枫桥经验"), "{w:?}");
        assert!(w.contains(&"谁执法谁普法"), "{w:?}");
        assert!(w.contains(&"法律顾问"), "{w:?}");
        assert!(!w.contains(&","));
    }

    #[test]
    fn search_mode_finds_words_inside_words() {
        let text = "完善法律顾问制度和第一责任人职责";
        let words: Vec<&str> =
            search_words_with_byte_offsets(text).iter().map(|&(a, b)| &text[a..b]).collect();
        // jieba keeps 法律顾问制度 whole only if its dictionary has it; in
        // search mode the parts are there either way.
        assert!(words.contains(&"法律顾问"), "{words:?}");
        assert!(words.contains(&"顾问"), "{words:?}");
        assert!(words.contains(&"第一责任人"), "{words:?}");
        let precise = super::words(text);
        assert!(words.iter().all(|w| precise.contains(w) || w.chars().count() >= 2), "{words:?}");
        // The precise-mode words come first, in order.
        assert_eq!(words[0], "完善");
    }

    #[test]
    fn pairs_are_jiebas_two_character_words() {
        let sorted: Vec<&str> = PAIRS.lines().collect();
        assert!(sorted.len() > 100_000);
        assert!(sorted.windows(2).all(|w| w[0] < w[1]), "data/pairs.txt is sorted and unique");
        for w in ["顾问", "法律", "信访", "普法", "调解"] {
            assert!(is_dictionary_pair(w), "{w}");
        }
        for w in ["桥经", "问全", "镇"] {
            assert!(!is_dictionary_pair(w), "{w}");
        }
        assert!(is_dictionary_pair("12") && is_dictionary_pair("ab"));
        // Every two-character word jieba cuts from real report text is in
        // the list (two of the seed reports).
        for text in [
            include_str!("../../corpus/000_9c79e6bc865fa9b2.txt"),
            include_str!("../../corpus/004_f102fbc9b73e32b7.txt"),
        ] {
            let norm = crate::text::normalize(text);
            for w in words(&norm) {
                if w.chars().count() == 2 {
                    assert!(is_dictionary_pair(w), "{w}");
                }
            }
        }
        for w in PAIRS.lines().step_by(997) {
            assert!(jieba().has_word(w), "{w}");
        }
    }

    #[test]
    fn offsets_are_characters() {
        let w = words_with_offsets("我镇法律顾问");
        let (start, word) = w.iter().find(|(_, w)| *w == "法律顾问").unwrap();
        assert_eq!((*start, *word), (2, "法律顾问"));
    }
}
