//! baogao (报告): a full-text search engine for Chinese government reports.
//!
//! The pipeline, one module per step: [`corpus`] reads report files
//! (decoding, HTML, structure, metadata, locality), [`text`] normalizes and
//! segments, [`index`] builds and opens the tantivy index, [`query`]
//! parses the query language, plans index queries and verifies matches
//! exactly, [`search`] ranks verified passages, [`analysis`] computes
//! statistics over them, [`output`] prints, and [`cli`] is the command
//! line on top.
//!
//! ```no_run
//! use baogao::index::{build::build_at, IndexReader};
//! use baogao::query::{parse, Matcher};
//! use baogao::search::{Page, Searcher};
//!
//! build_at("corpus".as_ref(), "index".as_ref()).unwrap();
//! let reader = IndexReader::open("index".as_ref()).unwrap();
//! let query = parse("枫桥经验").unwrap();
//! let matcher = Matcher::from_expr(query.expr.as_ref().unwrap()).unwrap();
//! let results = Searcher::new(&reader).search(Some(&matcher), &query.filters, Page::first(10)).unwrap();
//! println!("{} passages in {} reports", results.total, results.reports);
//! ```

#![warn(missing_docs)]
// `vec![a..b]` of one range is what we mean when we return spans.
#![allow(clippy::single_range_in_vec_init)]

pub mod analysis;
pub mod cli;
pub mod corpus;
pub mod index;
pub mod output;
pub mod query;
pub mod search;
pub mod text;
