//! Statistics over verified matches: counts per group ([`count`](mod@count), also as
//! a two-key pivot), several queries side by side ([`trend`](mod@trend)) and the
//! concordance of every mention ([`kwic`](mod@kwic)). All three count the same
//! mentions (SPEC §4), so their figures agree with each other.

pub mod count;
pub mod kwic;
pub mod trend;

pub use count::{count, pivot, CountTable, Group, GroupBy, Pivot};
pub use kwic::{kwic, KwicLine, KwicSort};
pub use trend::{trend, Trend, TrendRow};
