//! The domain dictionary and stop words, bundled into the binary.

/// jieba user dictionary (`word freq tag` per line): rule-of-law and
/// government vocabulary that must stay whole words.
pub const DICT: &str = include_str!("../../data/dict.txt");
/// Stop words for keyness analysis, one per line.
pub const STOPWORDS: &str = include_str!("../../data/stopwords.txt");
