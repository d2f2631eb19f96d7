//! Query text to an expression tree and filters.
