//! The query language (SPEC §2): parsing, planning tantivy queries, and
//! exact verification against passage text.

pub mod concepts;
pub mod filter;
pub mod parse;
pub mod plan;
pub mod verify;

pub use concepts::{ConceptError, Concepts};
pub use parse::{parse, Expr, Filters, ParseError, Query};
pub use verify::Matcher;
