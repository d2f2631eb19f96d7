//! baogao (报告): a full-text search engine for Chinese government reports.

pub mod corpus;
pub mod query;
pub mod text;
