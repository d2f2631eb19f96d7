//! CSV output for the table commands (`--csv`): a header row, then one row
//! per table row, RFC 4180 quoting (the `csv` crate), UTF-8 without BOM.

use std::io::{self, Write};

/// Writes a header and rows as CSV.
pub fn write_table<W: Write>(out: W, headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(headers)?;
    for row in rows {
        w.write_record(row)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting() {
        let mut out = Vec::new();
        write_table(&mut out, &["key", "n"], &[vec!["渠县,有庆镇".into(), "3".into()]]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "key,n\n\"渠县,有庆镇\",3\n");
    }
}
