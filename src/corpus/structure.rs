//! Report text to sections and passages.
