//! Integration tests: the real `baogao` binary on the bundled reports, on
//! crafted corpora and on generated ones.

mod util;

mod analysis;

mod cli;
mod clickhouse;
mod compare;
mod concepts;
mod encodings;
mod formats;
mod incremental;
mod metadata;
mod oracle;
mod pdf;
mod robust;
