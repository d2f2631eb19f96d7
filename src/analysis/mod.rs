//! Statistics over verified matches: counts per group, keyness between two
//! sub-corpora, and the alignment of two reports.

pub mod count;
pub mod diff;
pub mod keyness;

pub use count::{count, CountTable, Group, GroupBy};
