//! Title, year, published date, issuer and locality of a report.
