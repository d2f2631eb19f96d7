//! The query language (SPEC §2): parsing, planning tantivy queries, and
//! exact verification against passage text.

pub mod parse;
