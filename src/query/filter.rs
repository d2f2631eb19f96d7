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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexReader;
    use crate::query::parse;

    /// The filters the index answers (fast fields and place chains,
    /// [`crate::query::plan::filter_query`]) select exactly the reports
    /// that these in-memory rules select, on the bundled corpus.
    #[test]
    fn index_filters_equal_record_filters() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        crate::index::build::build_at(&corpus, dir.path()).unwrap();
        let reader = IndexReader::open(dir.path()).unwrap();
        let all = reader.reports_where(&Filters::default()).unwrap();
        assert!(all.len() > 50);
        for q in [
            "year:2019",
            "year:2012..2015",
            "year:..1960",
            "year:2020.. year:1954",
            "level:township",
            "level:national level:county",
            "province:四川",
            "province:内蒙古 year:2013..",
            "county:海拉尔",
            "township:有庆",
            "place:渠县",
            "place:上海",
            "city:呼伦贝尔",
            "province:不存在",
        ] {
            let filters = parse(q).unwrap().filters;
            let want: Vec<&str> =
                all.iter().filter(|r| report_matches(&filters, r)).map(|r| r.id.as_str()).collect();
            let got: Vec<String> =
                reader.reports_where(&filters).unwrap().iter().map(|r| r.id.clone()).collect();
            assert_eq!(got, want, "{q}");
            assert_eq!(reader.count_reports(&filters).unwrap(), want.len(), "{q}");
        }
    }
}
