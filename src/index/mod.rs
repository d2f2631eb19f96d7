//! The index: schema, building, reading.
//!
//! See [`schema`] for what is stored, [`mod@build`] for how a corpus becomes an
//! index, [`reader`] for opening one.

pub mod build;
pub mod reader;
pub mod rebuild;
pub mod records;
pub mod schema;
pub mod store;
pub mod tokenizer;
pub mod verify;

pub use build::{build, BuildOptions, BuildSummary};
pub use reader::IndexReader;
pub use rebuild::free_bytes;
pub use records::{FileStamp, ReportRecord, SkipRecord};
