//! Printing results: human-readable ([`human`]), JSON Lines ([`json`]),
//! CSV ([`csv`]) and charts ([`chart`]).

pub mod chart;
pub mod csv;
pub mod human;
pub mod json;
