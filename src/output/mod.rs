//! Printing results: human-readable ([`human`]), JSON Lines ([`json`]),
//! CSV ([`csv`]), charts ([`chart`]) and the evidence behind metadata
//! ([`explain`]).

pub mod chart;
pub mod csv;
pub mod explain;
pub mod human;
pub mod json;
