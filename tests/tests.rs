//! Integration tests: the real `baogao` binary on the bundled reports, on
//! crafted corpora and on generated ones.

mod util;

mod cli;
mod compare;
mod encodings;
mod metadata;
mod oracle;
