//! Reading reports: corpus file → decoded text → [`Report`](read::Report)
//! with metadata, sections and passages.
//!
//! [`walk`] lists the corpus files; [`read`] turns one into a report:
//! [`decode`] (text, re-joined by [`hardwrap`] when a PDF conversion
//! hard-wrapped it), [`html`], [`docx`] or [`pdf`] (other formats),
//! [`structure`], [`metadata`] (with [`dates`], and [`resolve`] over the
//! [`locality`] gazetteer with [`boundary`] checks), recording its
//! [`evidence`], then the overrides of [`overrides`] (`metadata.csv`) and
//! [`sidecar`] (`NAME.meta.toml`). [`skip`] names why a file is not read.

pub mod boundary;
pub mod date;
pub mod dates;
pub mod decode;
pub mod docx;
pub mod evidence;
pub mod furniture;
pub mod hardwrap;
pub mod html;
pub mod locality;
pub mod metadata;
pub mod name;
pub mod overrides;
pub mod pdf;
pub mod read;
pub mod report;
pub mod resolve;
pub mod sidecar;
pub mod skip;
pub mod structure;
pub mod walk;

pub use evidence::Evidence;
pub use report::{Level, Metadata, Passage, Section, SectionKind, Structure};
pub use skip::SkipReason;
