//! Reading reports: corpus file → decoded text → [`Report`] with metadata,
//! sections and passages.

pub mod decode;
pub mod docx;
pub mod html;
pub mod locality;
pub mod metadata;
pub mod overrides;
pub mod read;
pub mod report;
pub mod sidecar;
pub mod skip;
pub mod structure;
pub mod walk;

pub use report::{Level, Metadata, Passage, Section, SectionKind, Structure};
pub use skip::SkipReason;
