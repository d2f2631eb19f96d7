//! The domain dictionary for jieba and the stopword list, compiled in.
//!
//! Ranking (SPEC §2) is BM25 over jieba words, so the words of the domain
//! must come out of jieba whole: 枫桥经验, 一村一法律顾问, 谁执法谁普法,
//! 行政执法三项制度, 供给侧结构性改革 … Jieba's default dictionary cuts most
//! of them into pieces (`枫桥/经验`). [`DICT`] is a jieba user dictionary
//! (`word freq tag` per line) of the rule-of-law and government-work
//! vocabulary of 法治政府建设年度报告 and 政府工作报告; `text::segment`
//! loads it on top of the default dictionary with `Jieba::load_dict`.
//!
//! Every entry has the same frequency, 20000: high enough that jieba's
//! dynamic programming prefers the whole term to any split (a split
//! multiplies two probabilities, each far below one), low enough not to
//! swallow its neighbours. The test below checks that claim for every
//! entry in a sentence context, so a term added later that jieba still
//! cuts is caught.
//!
//! [`STOPWORDS`] (one word per line) lists function words and the generic
//! words of report prose (加强, 推进, 进一步, 工作 …) that `keywords`
//! leaves out of its keyness table: they rise and fall with the length of
//! a report, not with its subject. Search never drops them: a query word is
//! matched exactly whatever it is.

/// The jieba user dictionary: one `word freq tag` entry per line, no
/// comments, no duplicates, no single characters.
pub const DICT: &str = include_str!("../../data/dict.txt");

/// Stopwords for keyness analysis, one word per line.
pub const STOPWORDS: &str = include_str!("../../data/stopwords.txt");

/// The words of [`DICT`], in file order.
pub fn dict_words() -> impl Iterator<Item = &'static str> {
    DICT.lines().filter_map(|line| line.split_whitespace().next())
}

/// The words of [`STOPWORDS`], in file order.
pub fn stopwords() -> impl Iterator<Item = &'static str> {
    STOPWORDS.lines().map(str::trim).filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jieba_rs::Jieba;
    use std::collections::HashSet;

    fn jieba() -> Jieba {
        let mut jieba = Jieba::new();
        jieba.load_dict(&mut DICT.as_bytes()).unwrap();
        jieba
    }

    #[test]
    fn dict_is_well_formed() {
        let mut seen = HashSet::new();
        for (i, line) in DICT.lines().enumerate() {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 3, "line {}: `{line}` is not `word freq tag`", i + 1);
            let (word, freq, tag) = (fields[0], fields[1], fields[2]);
            assert!(word.chars().count() >= 2, "line {}: single character `{word}`", i + 1);
            assert!(word.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{word}");
            assert!(freq.parse::<u32>().is_ok_and(|f| f >= 1000), "line {}: freq {freq}", i + 1);
            assert!(["n", "nz", "v", "l", "nt"].contains(&tag), "line {}: tag {tag}", i + 1);
            assert!(seen.insert(word), "line {}: duplicate `{word}`", i + 1);
        }
        assert!(seen.len() >= 300, "only {} entries", seen.len());
        assert!(DICT.ends_with('\n') && !DICT.contains('\r'));
        for word in ["枫桥经验", "新时代枫桥经验", "一村一法律顾问", "谁执法谁普法", "三重一大"]
        {
            assert!(seen.contains(word), "{word} missing");
        }
    }

    #[test]
    fn jieba_keeps_every_term_whole() {
        let jieba = jieba();
        let all: HashSet<&str> = dict_words().collect();
        let mut split = Vec::new();
        for word in dict_words() {
            // Two contexts: after a verb and before 工作, and between a
            // verb and punctuation. A term may also come out inside a
            // longer dictionary term that the context completes (三农 in
            // 三农工作): that is the dictionary working, not a split.
            for sentence in [format!("我们要做好{word}工作"), format!("全镇坚持{word}，成效明显")]
            {
                let tokens: Vec<&str> = jieba.cut(&sentence, true).iter().map(|t| t.word).collect();
                let whole =
                    tokens.iter().any(|t| *t == word || (all.contains(t) && t.contains(word)));
                if !whole {
                    split.push(format!("{word}: {}", tokens.join("/")));
                }
            }
        }
        assert!(split.is_empty(), "jieba splits {} terms:\n{}", split.len(), split.join("\n"));
    }

    #[test]
    fn without_the_dict_jieba_splits_them() {
        // The reason the dictionary exists: check that it changes something.
        let plain = Jieba::new();
        let words: Vec<&str> =
            plain.cut("坚持新时代枫桥经验", true).iter().map(|t| t.word).collect();
        assert!(!words.contains(&"新时代枫桥经验"), "{words:?}");
        let words: Vec<&str> =
            jieba().cut("坚持新时代枫桥经验", true).iter().map(|t| t.word).collect();
        assert_eq!(words, ["坚持", "新时代枫桥经验"]);
    }

    #[test]
    fn stopwords_are_well_formed() {
        let mut seen = HashSet::new();
        for line in STOPWORDS.lines() {
            assert_eq!(line, line.trim(), "stray whitespace in `{line}`");
            assert!(!line.is_empty() && !line.contains(' '), "`{line}`");
            assert!(seen.insert(line), "duplicate stopword `{line}`");
        }
        assert!((250..=500).contains(&seen.len()), "{} stopwords", seen.len());
        for word in ["的", "了", "和", "是", "在", "等", "进一步", "加强", "工作"] {
            assert!(seen.contains(word), "{word} missing");
        }
        // A stopword list must not hide the domain's own words.
        let dict: HashSet<&str> = dict_words().collect();
        let both: Vec<&&str> = seen.iter().filter(|w| dict.contains(**w)).collect();
        assert!(both.is_empty(), "in both lists: {both:?}");
    }
}
