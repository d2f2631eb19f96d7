//! Calendar dates: the one check that a year, month and day name a real
//! day (`2024年2月31日` does not; `2024年2月29日` does).
//!
//! Every place that reads a date (report text in [`super::metadata`], HTML
//! labels in [`super::html`], sidecar and `metadata.csv` overrides in
//! [`super::sidecar`]) goes through [`is_valid`], so a date baogao
//! publishes always exists (issue #9: `2024年2月31日` was published as
//! `2024-02-31`).

/// Days in `month` (1–12) of `year` in the Gregorian calendar, 0 for a
/// month out of range.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `year-month-day` is a real day of a year baogao accepts in a
/// report (1900–2100: reports before 1900 or after 2100 are misreadings).
pub fn is_valid(year: i32, month: u32, day: u32) -> bool {
    (1900..=2100).contains(&year) && day >= 1 && day <= days_in_month(year, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_days_only() {
        assert!(is_valid(2024, 2, 29));
        assert!(!is_valid(2023, 2, 29));
        assert!(!is_valid(2024, 2, 31));
        assert!(!is_valid(1900, 2, 29));
        assert!(is_valid(2000, 2, 29));
        assert!(!is_valid(2024, 4, 31));
        assert!(is_valid(2024, 12, 31));
        assert!(!is_valid(2024, 13, 1));
        assert!(!is_valid(2024, 0, 1));
        assert!(!is_valid(2024, 1, 0));
        assert!(!is_valid(1899, 12, 31));
        assert!(!is_valid(2101, 1, 1));
    }
}
