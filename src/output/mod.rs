//! Printing results: human-readable ([`human`]) and JSON Lines ([`json`]).

pub mod human;
pub mod json;
