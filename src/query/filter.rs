//! Filters (year, place, level) evaluated on report records.
//!
//! Report-level filters are decided in memory on the report records, which
//! the reader loads anyway; the result is a set of report ids that the
//! tantivy query is restricted to. Locality values match as prefixes of the
//! official names (`四川` matches `四川省`, `有庆` matches `有庆镇`).

use super::parse::Filters;
use crate::index::ReportRecord;

/// Does a report pass the report-level filters (everything but `section`)?
pub fn report_matches(f: &Filters, r: &ReportRecord) -> bool {
    let m = &r.meta;
    let prefix = |values: &[String], field: &Option<String>| {
        values.is_empty()
            || field.as_deref().is_some_and(|v| values.iter().any(|p| v.starts_with(p.as_str())))
    };
    (f.years.is_empty()
        || m.year.is_some_and(|y| {
            f.years.iter().any(|r| r.from.is_none_or(|a| y >= a) && r.to.is_none_or(|b| y <= b))
        }))
        && prefix(&f.township, &m.township)
        && prefix(&f.county, &m.county)
        && prefix(&f.city, &m.city)
        && prefix(&f.province, &m.province)
        && (f.place.is_empty()
            || [&m.province, &m.city, &m.county, &m.township].iter().any(|field| {
                field.as_deref().is_some_and(|v| f.place.iter().any(|p| v.starts_with(p.as_str())))
            }))
        && (f.level.is_empty() || m.level.is_some_and(|l| f.level.contains(&l)))
}

/// Are there any report-level filters at all?
pub fn has_report_filters(f: &Filters) -> bool {
    !(f.years.is_empty()
        && f.township.is_empty()
        && f.county.is_empty()
        && f.city.is_empty()
        && f.province.is_empty()
        && f.place.is_empty()
        && f.level.is_empty())
}
