//! Text processing: normalization, segmentation, dictionaries.

pub mod dict;
