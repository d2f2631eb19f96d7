//! Bytes to text: BOM, UTF-16, UTF-8, GB18030 detection, CRLF.
