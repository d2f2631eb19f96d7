//! Statistics over verified matches: counts per group.

pub mod count;

pub use count::{count, CountTable, Group, GroupBy};
