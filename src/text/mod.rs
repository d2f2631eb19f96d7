//! Text processing: normalization with offsets back to the original,
//! segmentation with jieba, and the bundled dictionaries.

pub mod dict;
pub mod normalize;
pub mod segment;

pub use normalize::{normalize, Normalized};
