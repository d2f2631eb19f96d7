//! The index: schema, building, reading.
//!
//! See [`schema`] for what is stored, [`mod@build`] for how a corpus becomes an
//! index, [`reader`] for opening one.

pub mod build;
pub mod postings;
pub mod reader;
pub mod rebuild;
pub mod records;
pub mod schema;
pub mod status;
pub mod store;
pub mod tokenizer;
pub mod verify;

pub mod sink {
    //! The seam between reading a corpus and storing an index.
    pub use super::build::{DocumentSink, PassageRow};
}
pub use build::{build, BuildOptions, BuildSummary};
pub use reader::IndexReader;
pub use rebuild::free_bytes;
pub use records::{FileStamp, ReportRecord, SkipRecord};

/// The stable id of a passage: its report's id and its ordinal
/// (`2bf9ed1f6e-12`), unchanged while the report is unchanged.
pub fn passage_id(report: &str, ordinal: u64) -> String {
    format!("{report}-{ordinal}")
}
