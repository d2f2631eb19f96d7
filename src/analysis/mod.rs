//! Statistics over verified matches and comparisons of sub-corpora:
//! counts per group ([`count`](mod@count), also as a two-key pivot), several
//! queries side by side ([`trend`](mod@trend)), the concordance of every
//! mention ([`kwic`](mod@kwic)) — all three count the same mentions
//! (SPEC §4), so their figures agree — keyness between two sub-corpora
//! ([`keyness`]) and the alignment of two reports ([`diff`](mod@diff)).

pub mod count;
pub mod diff;
pub mod keyness;
pub mod kwic;
pub mod trend;

pub use count::{count, pivot, CountTable, Group, GroupBy, Pivot, SortBy};
pub use kwic::{kwic, KwicLine, KwicSort};
pub use trend::{trend, Measure, Trend, TrendRow};
