//! An index that lives in ClickHouse (issue #13).
//!
//! The same corpus reading as the local index feeds a second
//! [`DocumentSink`](crate::index::sink::DocumentSink) ([`sink`]), and the
//! commands ask a second [`Backend`](crate::backend::Backend)
//! ([`backend`]). ClickHouse only *narrows*: a statement returns the
//! passages that can match (a substring test for the words every match
//! must contain, filters on passage columns) with the statistics ranking
//! needs; baogao's own verifier ([`crate::query::verify`]) decides
//! matches, mentions, `NEAR` and highlights on the returned text, and
//! [`crate::rank`] scores them, as with the local index.
//!
//! * [`http`]: the HTTP client;
//! * [`sql`]: quoting (every literal goes through [`sql::quote`]);
//! * [`schema`]: tables, single server or `ON CLUSTER`, and how a query
//!   sees each report's current generation only;
//! * [`sink`]: writing reports; [`backend`]: answering commands.
//!
//! See `docs/clickhouse.md` for the design and the figures.

pub mod backend;
pub mod http;
pub mod schema;
pub mod sink;
pub mod sql;

use std::fmt;

/// Where a ClickHouse index lives:
/// `clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE[?cluster=NAME]`
/// (the HTTP port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// User name (ClickHouse's `default` when absent).
    pub user: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Host name or address.
    pub host: String,
    /// HTTP port.
    pub port: u16,
    /// Database (created by `index` if missing).
    pub database: String,
    /// With a cluster name, tables are replicated shards behind
    /// `Distributed` tables, created `ON CLUSTER`.
    pub cluster: Option<String>,
}

/// The URL scheme of a ClickHouse index.
pub const SCHEME: &str = "clickhouse://";

impl Location {
    /// Parses a `clickhouse://` URL.
    pub fn parse(url: &str) -> Result<Location, String> {
        let bad = |why: &str| {
            format!(
                "bad ClickHouse index {url:?}: {why} (expected \
                 clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE[?cluster=NAME])"
            )
        };
        let rest =
            url.strip_prefix(SCHEME).ok_or_else(|| bad("it must start with clickhouse://"))?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((a, r)) => (Some(a), r),
            None => (None, rest),
        };
        let (user, password) = match auth {
            Some(a) => match a.split_once(':') {
                Some((u, p)) => (Some(u.to_string()), Some(p.to_string())),
                None => (Some(a.to_string()), None),
            },
            None => (None, None),
        };
        if user.as_deref() == Some("") {
            return Err(bad("empty user name"));
        }
        let (hostport, database) =
            rest.split_once('/').ok_or_else(|| bad("no /DATABASE after HOST:PORT"))?;
        let (host, port) =
            hostport.rsplit_once(':').ok_or_else(|| bad("no :PORT after the host"))?;
        let port: u16 = port.parse().map_err(|_| bad("the port is not a number"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if !sql::is_ident(database) {
            return Err(bad("the database name must be letters, digits and _"));
        }
        let mut cluster = None;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("cluster", name)) if sql::is_ident(name) => cluster = Some(name.to_string()),
                Some(("cluster", _)) => {
                    return Err(bad("the cluster name must be letters, digits and _"))
                }
                _ => return Err(bad(&format!("unknown parameter {pair:?}"))),
            }
        }
        Ok(Location {
            user,
            password,
            host: host.to_string(),
            port,
            database: database.to_string(),
            cluster,
        })
    }

    /// `HOST:PORT`, for messages.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl fmt::Display for Location {
    /// The URL without the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}")?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        write!(f, "{}:{}/{}", self.host, self.port, self.database)?;
        if let Some(c) = &self.cluster {
            write!(f, "?cluster={c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        let l = Location::parse("clickhouse://127.0.0.1:8123/baogao").unwrap();
        assert_eq!((l.host.as_str(), l.port, l.database.as_str()), ("127.0.0.1", 8123, "baogao"));
        assert_eq!((l.user, l.cluster), (None, None));
        let l = Location::parse("clickhouse://bob:s:e@cr@db.example:9000/x?cluster=c2").unwrap();
        assert_eq!(l.user.as_deref(), Some("bob"));
        assert_eq!(l.password.as_deref(), Some("s:e@cr"));
        assert_eq!(l.cluster.as_deref(), Some("c2"));
        assert_eq!(l.to_string(), "clickhouse://bob@db.example:9000/x?cluster=c2");
        for bad in [
            "clickhouse://h/db",
            "clickhouse://h:x/db",
            "clickhouse://h:1",
            "clickhouse://h:1/d-b",
            "clickhouse://h:1/db?cluster=a;b",
            "clickhouse://h:1/db?shards=2",
            "http://h:1/db",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }
}
