//! The tantivy schema: one index holds four kinds of documents.
//!
//! * `passage` documents are what search returns: the original passage
//!   text (stored), its normalized character bigrams with positions (`bi`
//!   — exact matching and mention counting, see [`super::tokenizer`]), its
//!   jieba words (`words` — BM25 ranking) and the words of its heading path
//!   (`hwords`), plus, as fast fields, everything a filter or a grouping
//!   needs: its report's id, path, year, level and place chain, its section
//!   kinds, its ordinal, its length and its heading path (a number into the
//!   record's table of heading paths). A command never has to load a
//!   report record to filter, group or order passages, and the text is a
//!   passage's only stored field.
//! * `report` documents hold one report's record ([`super::ReportRecord`],
//!   JSON in `data`) and the same report-level fast fields as its passages
//!   plus its path and size: group sizes and the `reports` listing are
//!   answered from them.
//! * `skipped` documents remember the corpus files that were not indexed
//!   and why ([`super::SkipRecord`]), so that the next run knows them.
//! * one `manifest` document lists every file the last build saw (for
//!   incremental builds and `baogao status`) and the corpus folders with
//!   their modification times (for the cheap "corpus changed" check).
//!
//! Keeping all of them in one index means one atomic commit covers them: a
//! crash can never leave passages without their report or the other way
//! round.
//!
//! Places are identities (SPEC §1): the `province`, `city`, `county` and
//! `township` fields hold the *chain* down to that level
//! (`四川省›达州市›渠县`), so two 城关镇 are two values; filters match a
//! prefix of the last link with a regular expression on the (small) term
//! dictionary.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};
use tantivy::Index;

use super::tokenizer::{BigramTokenizer, JiebaTokenizer, BIGRAM, JIEBA, JIEBA_HEADINGS};
use crate::corpus::{Level, Metadata, SectionKind};

/// Version of the index layout; bumped whenever the schema or the meaning
/// of a stored field changes, so that an old index asks for `--full`.
pub const FORMAT: u32 = 6;

/// The `kind` of a passage document.
pub const KIND_PASSAGE: &str = "passage";
/// The `kind` of a report document.
pub const KIND_REPORT: &str = "report";
/// The `kind` of a skipped-file document.
pub const KIND_SKIPPED: &str = "skipped";
/// The `kind` of the one document listing every corpus file the last
/// build saw.
pub const KIND_MANIFEST: &str = "manifest";
/// The `path` value of the manifest document (not a real path).
pub const MANIFEST_PATH: &str = "\u{0}manifest";
/// The `kind` of the one document listing the corpus folders with their
/// modification times ([`super::status::FolderStamp`]).
pub const KIND_FOLDERS: &str = "folders";
/// The `path` value of the folders document.
pub const FOLDERS_PATH: &str = "\u{0}folders";

/// Separator of the links of a place chain (`四川省›达州市›渠县`).
pub const CHAIN_SEP: char = crate::corpus::report::CHAIN_SEPARATOR;

/// `flags` bit: the passage is a heading standing on its own line.
pub const FLAG_HEADING: u64 = 1;

/// Handles to every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `passage`, `report`, `skipped` or `manifest`.
    pub kind: Field,
    /// Report id (passage and report documents; indexed and fast, not
    /// stored): deleting this term removes a report with all its passages.
    pub report: Field,
    /// Report id on report documents only: finds a record with one
    /// postings lookup per segment.
    pub rid: Field,
    /// Relative path (report and skipped documents; fast on reports, for
    /// ordering groups by path without loading records): deleting this
    /// term removes the record of a path but not its passages.
    pub path: Field,
    /// Relative path of a passage's report (fast only): concordances and
    /// exports order passages by path without reading records.
    pub ppath: Field,
    /// A 64-bit number derived from the report id (fast): distinct reports
    /// among hits, and the stable tie-break of rankings.
    pub rnum: Field,
    /// Report year (indexed for range filters, fast for grouping); absent
    /// when unknown.
    pub year: Field,
    /// Report level as [`level_code`] (indexed, fast); absent when unknown.
    pub level: Field,
    /// Province chain (the official name).
    pub province: Field,
    /// City chain (`四川省›达州市`).
    pub city: Field,
    /// County chain (`四川省›达州市›渠县`, `北京市›朝阳区`).
    pub county: Field,
    /// Township chain.
    pub township: Field,
    /// Section kinds of a passage (indexed, several values possible).
    pub section: Field,
    /// Section kinds of a passage as a bit set ([`kind_bits`], fast).
    pub kinds: Field,
    /// Ordinal of a passage in its report (1-based; fast).
    pub ordinal: Field,
    /// Normalized characters: of the passage, or of the whole report.
    pub chars: Field,
    /// Passage flags ([`FLAG_HEADING`]), fast.
    pub flags: Field,
    /// Index of the passage's section in the report record (fast).
    pub sec: Field,
    /// Original passage text (stored only).
    pub text: Field,
    /// The passage's heading path as an index into its record's
    /// [`super::ReportRecord::headings`] (fast): a section's passages share
    /// one path, so it is stored once per report, not once per passage.
    pub heading: Field,
    /// Normalized bigrams with positions (exact matching, mentions).
    pub bi: Field,
    /// jieba words (BM25 ranking).
    pub words: Field,
    /// jieba words of the passage's heading path (ranking context).
    pub hwords: Field,
    /// JSON record of a report, skipped file or the manifest (stored only).
    pub data: Field,
    /// A report's metadata evidence (stored only, read by `--explain`).
    pub evidence: Field,
}

/// The place fields with their levels, from the top down.
pub const PLACE_LEVELS: [Level; 4] = [Level::Province, Level::City, Level::County, Level::Township];

impl Fields {
    /// Builds the schema and returns it with its field handles.
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let gram = |tokenizer: &str, rec: IndexRecordOption| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(rec),
            )
        };
        let num = || NumericOptions::default().set_indexed().set_fast();
        // Exact-value fields are only ever filters or deletion keys, never
        // scored: no field norms (a byte per document and field saved).
        let string = || {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_fieldnorms(false)
                    .set_index_option(IndexRecordOption::Basic),
            )
        };
        let fields = Fields {
            kind: b.add_text_field("kind", string()),
            report: b.add_text_field("report", string() | FAST),
            rid: b.add_text_field("rid", string()),
            path: b.add_text_field("path", string() | FAST),
            ppath: b.add_text_field("ppath", FAST),
            rnum: b.add_u64_field("rnum", FAST),
            year: b.add_i64_field("year", num()),
            level: b.add_u64_field("level", num()),
            province: b.add_text_field("province", string() | FAST),
            city: b.add_text_field("city", string() | FAST),
            county: b.add_text_field("county", string() | FAST),
            township: b.add_text_field("township", string() | FAST),
            section: b.add_text_field("section", string()),
            kinds: b.add_u64_field("kinds", FAST),
            ordinal: b.add_u64_field("ordinal", FAST),
            chars: b.add_u64_field("chars", FAST),
            flags: b.add_u64_field("flags", FAST),
            sec: b.add_u64_field("sec", FAST),
            text: b.add_text_field("text", STORED),
            heading: b.add_u64_field("heading", FAST),
            bi: b.add_text_field("bi", gram(BIGRAM, IndexRecordOption::WithFreqsAndPositions)),
            words: b.add_text_field("words", gram(JIEBA, IndexRecordOption::WithFreqs)),
            hwords: b.add_text_field("hwords", gram(JIEBA_HEADINGS, IndexRecordOption::WithFreqs)),
            data: b.add_text_field("data", STORED),
            evidence: b.add_text_field("evidence", STORED),
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

    /// The tantivy field of a ranking field.
    pub fn rank_field(&self, field: crate::rank::RankField) -> Field {
        match field {
            crate::rank::RankField::Words => self.words,
            crate::rank::RankField::Headings => self.hwords,
            crate::rank::RankField::Bigrams => self.bi,
        }
    }

    /// The place field of a level (`None` for [`Level::National`]).
    pub fn place(&self, level: Level) -> Option<Field> {
        match level {
            Level::National => None,
            Level::Province => Some(self.province),
            Level::City => Some(self.city),
            Level::County => Some(self.county),
            Level::Township => Some(self.township),
        }
    }
}

/// The name of the place field of a level, as fast-field readers want it.
pub fn place_field_name(level: Level) -> Option<&'static str> {
    match level {
        Level::National => None,
        Level::Province => Some("province"),
        Level::City => Some("city"),
        Level::County => Some("county"),
        Level::Township => Some("township"),
    }
}

/// The chain key of a report's place at one level (see
/// [`Metadata::chain_key`]): the known links from the province down to that
/// level, joined by [`CHAIN_SEP`] (`四川省›达州市›渠县`); `None` when the
/// report has no name at that level.
pub fn place_key(meta: &Metadata, level: Level) -> Option<String> {
    meta.chain_key(level)
}

/// The last link of a chain key (the place's own name).
pub fn last_link(key: &str) -> &str {
    key.rsplit(CHAIN_SEP).next().unwrap_or(key)
}

/// The fast-field code of a level (1 = national … 5 = township).
pub fn level_code(level: Level) -> u64 {
    Level::ALL.iter().position(|l| *l == level).map_or(0, |i| i as u64 + 1)
}

/// The level of a fast-field code.
pub fn level_of_code(code: u64) -> Option<Level> {
    Level::ALL.get((code as usize).checked_sub(1)?).copied()
}

/// The bit set of section kinds (bit i = `SectionKind::ALL[i]`).
pub fn kind_bits(kinds: &[SectionKind]) -> u64 {
    kinds
        .iter()
        .fold(0, |acc, k| acc | SectionKind::ALL.iter().position(|x| x == k).map_or(0, |i| 1 << i))
}

/// The kinds of a bit set, in canonical order.
pub fn kinds_of_bits(bits: u64) -> Vec<SectionKind> {
    SectionKind::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, k)| *k)
        .collect()
}

/// Registers our tokenizers on an index. Must be called on every
/// `Index` we create or open: the schema stores only their names.
pub fn register_tokenizers(index: &Index) {
    index.tokenizers().register(BIGRAM, BigramTokenizer::default());
    index.tokenizers().register(JIEBA, JiebaTokenizer::text());
    index.tokenizers().register(JIEBA_HEADINGS, JiebaTokenizer::remembering());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_keys_are_chains() {
        let meta = Metadata {
            province: Some("四川省".into()),
            city: Some("达州市".into()),
            county: Some("渠县".into()),
            township: Some("有庆镇".into()),
            ..Metadata::default()
        };
        assert_eq!(place_key(&meta, Level::Township).unwrap(), "四川省›达州市›渠县›有庆镇");
        assert_eq!(place_key(&meta, Level::City).unwrap(), "四川省›达州市");
        assert_eq!(place_key(&meta, Level::National), None);
        let bj = Metadata {
            province: Some("北京市".into()),
            county: Some("朝阳区".into()),
            ..Metadata::default()
        };
        assert_eq!(place_key(&bj, Level::County).unwrap(), "北京市›朝阳区");
        assert_eq!(place_key(&bj, Level::City), None);
        assert_eq!(last_link("北京市›朝阳区"), "朝阳区");
    }

    #[test]
    fn codes_round_trip() {
        for l in Level::ALL {
            assert_eq!(level_of_code(level_code(l)), Some(l));
        }
        assert_eq!(level_of_code(0), None);
        let kinds = [SectionKind::Shortcomings, SectionKind::Plans];
        assert_eq!(kinds_of_bits(kind_bits(&kinds)), kinds);
    }
}
