//! A small synchronous client for ClickHouse's HTTP interface.
//!
//! One request per connection (`Connection: close`), HTTP/1.1 over
//! `std::net::TcpStream`: the statement travels in the URL's `query`
//! parameter when there is a body of data (`INSERT … FORMAT
//! JSONEachRow`), in the body otherwise. Data is never part of a
//! statement, and every literal a statement holds went through
//! [`super::sql::quote`]. We need no more than this (no TLS, no keep-alive,
//! no compression), so we do not pull in an HTTP crate; a response is read
//! to the end, and de-chunked when the server streams it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::Location;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server could not be reached or the connection broke.
    #[error("cannot reach ClickHouse at {0}: {1}")]
    Io(String, std::io::Error),
    /// The server answered with an error (its message, first line).
    #[error("ClickHouse at {0} refused the statement: {1}")]
    Server(String, String),
    /// The answer was not HTTP we understand.
    #[error("ClickHouse at {0} sent a malformed answer: {1}")]
    Malformed(String, String),
}

/// A client for one server (host and port of a [`Location`]).
#[derive(Debug, Clone)]
pub struct Client {
    loc: Location,
    /// Settings sent with every request (`name=value`, URL-encoded).
    settings: Vec<(String, String)>,
}

impl Client {
    /// A client for the server of `loc`, in its database.
    pub fn new(loc: &Location) -> Client {
        Client {
            loc: loc.clone(),
            settings: vec![
                // Numbers as JSON numbers, not strings.
                ("output_format_json_quote_64bit_integers".into(), "0".into()),
            ],
        }
    }

    /// A copy that sends one more setting with every request.
    pub fn with_setting(mut self, name: &str, value: &str) -> Client {
        self.settings.push((name.into(), value.into()));
        self
    }

    /// Runs a statement without data; returns the response body.
    pub fn query(&self, sql: &str) -> Result<String, HttpError> {
        self.request(None, sql.as_bytes())
    }

    /// Runs `INSERT INTO table FORMAT JSONEachRow` with `rows` (one JSON
    /// object per line) as the body.
    pub fn insert_json(&self, table: &str, rows: &[u8]) -> Result<(), HttpError> {
        if rows.is_empty() {
            return Ok(());
        }
        let sql = format!("INSERT INTO {} FORMAT JSONEachRow", super::sql::ident(table));
        self.request(Some(&sql), rows).map(|_| ())
    }

    /// Runs a `SELECT … FORMAT JSONEachRow` and parses each line.
    pub fn select<T: serde::de::DeserializeOwned>(&self, sql: &str) -> Result<Vec<T>, HttpError> {
        let body = self.query(&format!("{sql} FORMAT JSONEachRow"))?;
        body.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).map_err(|e| {
                    HttpError::Malformed(self.loc.server(), format!("{e} in row {l:.200}"))
                })
            })
            .collect()
    }

    fn request(&self, query: Option<&str>, body: &[u8]) -> Result<String, HttpError> {
        log_statement(query, body);
        let server = self.loc.server();
        let io = |e| HttpError::Io(server.clone(), e);
        let mut params: Vec<(&str, &str)> = vec![("database", &self.loc.database)];
        if let Some(q) = query {
            params.push(("query", q));
        }
        if let Some(u) = &self.loc.user {
            params.push(("user", u));
        }
        if let Some(p) = &self.loc.password {
            params.push(("password", p));
        }
        for (k, v) in &self.settings {
            params.push((k, v));
        }
        let target =
            params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&");
        let mut stream = TcpStream::connect((self.loc.host.as_str(), self.loc.port)).map_err(io)?;
        stream.set_read_timeout(Some(Duration::from_secs(600))).map_err(io)?;
        let head = format!(
            "POST /?{target} HTTP/1.1\r\nHost: {}:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.loc.host,
            self.loc.port,
            body.len()
        );
        stream.write_all(head.as_bytes()).map_err(io)?;
        stream.write_all(body).map_err(io)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(io)?;
        let (status, chunked, payload) = parse_response(&raw).ok_or_else(|| {
            let statement = query.map_or_else(|| String::from_utf8_lossy(body), Into::into);
            HttpError::Malformed(
                server.clone(),
                format!("no HTTP header ({} bytes) in answer to {statement:.120}", raw.len()),
            )
        })?;
        let payload = if chunked {
            dechunk(payload)
                .ok_or_else(|| HttpError::Malformed(server.clone(), "bad chunking".into()))?
        } else {
            payload.to_vec()
        };
        let text = String::from_utf8(payload)
            .map_err(|e| HttpError::Malformed(server.clone(), e.to_string()))?;
        if status != 200 {
            let first = text.lines().next().unwrap_or("").to_string();
            return Err(HttpError::Server(server, first));
        }
        // An error after the header was sent ends up in the body.
        if let Some(pos) = text.rfind("\nCode: ") {
            if text[pos..].contains("DB::Exception") {
                return Err(HttpError::Server(server, text[pos + 1..].trim().to_string()));
            }
        }
        Ok(text)
    }
}

/// With `BAOGAO_CLICKHOUSE_LOG=FILE`, appends each statement sent (not
/// the data of inserts) to FILE as a JSON string per line, so that
/// `tools/ch-current` can replay exactly baogao's SQL on another
/// ClickHouse version.
fn log_statement(query: Option<&str>, body: &[u8]) {
    let Some(path) = std::env::var_os("BAOGAO_CLICKHOUSE_LOG") else { return };
    let statement = match query {
        Some(q) => q.to_string(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    let line = serde_json::to_string(&statement).expect("a string serializes");
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{line}");
    }
}

/// Percent-encodes a URL query value (everything but unreserved bytes).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Status code, whether the body is chunked, and the body.
fn parse_response(raw: &[u8]) -> Option<(u16, bool, &[u8])> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let chunked = lines.any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    Some((status, chunked, &raw[end + 4..]))
}

/// Joins the chunks of a chunked body.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let eol = body.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&body[..eol]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        body = &body[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let (status, chunked, body) = parse_response(raw).unwrap();
        assert_eq!((status, chunked), (200, true));
        assert_eq!(dechunk(body).unwrap(), b"abcde");
        assert_eq!(encode("a b'枫"), "a%20b%27%E6%9E%AB");
    }
}
