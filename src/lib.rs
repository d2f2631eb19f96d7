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

/// `eprintln!` that never panics. The standard macro panics when stderr
/// cannot be written (a full disk behind `2>log`, a closed pipe), which
/// turned a warning into a crash (issue #9). Defined before the modules,
/// this `macro_rules!` shadows the standard one in the whole library:
/// diagnostics that cannot be written are dropped.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($arg)*);
    }};
}

/// How many cases each property test (our fuzzing, see the README) runs:
/// `default`, or `BAOGAO_FUZZ_CASES` when set, for a longer campaign
/// (`BAOGAO_FUZZ_CASES=200000 cargo test --release fuzz`).
#[cfg(test)]
pub(crate) fn fuzz_cases(default: u32) -> u32 {
    std::env::var("BAOGAO_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub mod analysis;
pub mod backend;
pub mod cli;
pub mod clickhouse;
pub mod corpus;
#[cfg(test)]
mod fuzz;
pub mod index;
pub mod isolate;
pub mod output;
pub mod query;
pub mod rank;
pub mod search;
pub mod text;
