//! Printing results: human-readable ([`human`]) and JSON Lines ([`json`]).

pub mod csv;
pub mod human;
pub mod json;
