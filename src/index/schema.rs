//! The tantivy schema: one index holds three kinds of documents.
//!
//! * `passage` documents are what search returns: the original passage
//!   text (stored), its normalized character bigrams (`bi` — exact
//!   matching, see [`super::tokenizer`]), its jieba words (`words` — BM25
//!   ranking), its section kinds, and its report id.
//! * `report` documents hold one report's record ([`super::ReportRecord`],
//!   JSON in `data`), for `reports`, `show`, `count` denominators, hit
//!   headers and filters (year, place and level are decided on the records
//!   in memory, see [`crate::query::filter`]).
//! * `skipped` documents remember the corpus files that were not indexed
//!   and why ([`super::SkipRecord`]), so that the next run knows them.
//!
//! Keeping all three in one index means one atomic commit covers them: a
//! crash can never leave passages without their report or the other way
//! round.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::Index;

use super::tokenizer::{BigramTokenizer, JiebaTokenizer, BIGRAM, JIEBA};

/// Version of the index layout; bumped whenever the schema or the meaning
/// of a stored field changes, so that an old index asks for `--full`.
pub const FORMAT: u32 = 3;

/// The `kind` of a passage document.
pub const KIND_PASSAGE: &str = "passage";
/// The `kind` of a report document.
pub const KIND_REPORT: &str = "report";
/// The `kind` of a skipped-file document.
pub const KIND_SKIPPED: &str = "skipped";
/// The `kind` of the one document listing every corpus file the last
/// build saw, with size and modification time (for the "corpus changed"
/// check, without loading every record).
pub const KIND_MANIFEST: &str = "manifest";
/// The `path` value of the manifest document (not a real path).
pub const MANIFEST_PATH: &str = "\u{0}manifest";

/// Handles to every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `passage`, `report` or `skipped`.
    pub kind: Field,
    /// Report id (passage and report documents): deleting this term
    /// removes a report with all its passages.
    pub report: Field,
    /// Relative path (report and skipped documents only): deleting this
    /// term removes the record of a path but not its passages.
    pub path: Field,
    /// A 64-bit number derived from the report id (fast field), to count
    /// distinct reports among hits without loading documents.
    pub rnum: Field,
    /// Section kinds of a passage (several values possible).
    pub section: Field,
    /// Ordinal of a passage in its report (1-based).
    pub ordinal: Field,
    /// Index of the passage's section in the report record.
    pub sec: Field,
    /// Original passage text (stored only).
    pub text: Field,
    /// Heading path of the passage, JSON array (stored only).
    pub hpath: Field,
    /// Normalized bigrams with positions (exact matching).
    pub bi: Field,
    /// jieba words (BM25 ranking).
    pub words: Field,
    /// JSON record of a report or skipped file (stored only).
    pub data: Field,
}

impl Fields {
    /// Builds the schema and returns it with its field handles.
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let gram = |tokenizer: &str, rec: IndexRecordOption| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(rec),
            )
        };
        let fields = Fields {
            kind: b.add_text_field("kind", STRING),
            report: b.add_text_field("report", STRING | STORED | FAST),
            path: b.add_text_field("path", STRING),
            rnum: b.add_u64_field("rnum", FAST),
            section: b.add_text_field("section", STRING),
            ordinal: b.add_u64_field("ordinal", STORED),
            sec: b.add_u64_field("sec", STORED),
            text: b.add_text_field("text", STORED),
            hpath: b.add_text_field("hpath", STORED),
            bi: b.add_text_field("bi", gram(BIGRAM, IndexRecordOption::WithFreqsAndPositions)),
            words: b.add_text_field("words", gram(JIEBA, IndexRecordOption::WithFreqs)),
            data: b.add_text_field("data", STORED),
        };
        (b.build(), fields)
    }

    /// Looks the fields up in an existing index's schema; `None` when the
    /// schema is not ours (a foreign or older index).
    pub fn from_schema(schema: &Schema) -> Option<Fields> {
        let (ours, fields) = Fields::build();
        // Same field names, types and options, in the same order.
        if schema.fields().map(|(_, e)| e).collect::<Vec<_>>()
            != ours.fields().map(|(_, e)| e).collect::<Vec<_>>()
        {
            return None;
        }
        Some(fields)
    }
}

/// Registers our tokenizers on an index. Must be called on every
/// `Index` we create or open: the schema stores only their names.
pub fn register_tokenizers(index: &Index) {
    index.tokenizers().register(BIGRAM, BigramTokenizer::default());
    index.tokenizers().register(JIEBA, JiebaTokenizer::default());
}
