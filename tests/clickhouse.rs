//! The index in ClickHouse (issue #13): real servers started by the test,
//! on 127.0.0.1 with free ports and config files written to a temporary
//! folder, stopped by pid when the test ends.
//!
//! * one `clickhouse-server`;
//! * a ZooKeeper and 2 shards × 2 replicas (4 servers, `remote_servers`
//!   and `macros`), with the tables `ON CLUSTER` as replicated shards
//!   behind `Distributed` tables; then one replica of each shard stopped.
//!
//! Each time the bundled corpus is indexed into ClickHouse, and the JSON
//! output of a set of commands — every query operator, every filter,
//! every command that works from ClickHouse — must equal the local
//! index's (`elapsed_ms` aside). Where `clickhouse-server` is not
//! installed (CI installs it: see `.ci/run`) the tests print SKIP and
//! return; everything else is a failure.
//!
//! See: issue #13.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{baogao, bundled, run};

/// The server binary, or `None` (with a SKIP line) when not installed.
fn server_binary() -> Option<PathBuf> {
    for p in ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"] {
        if Path::new(p).exists() {
            return Some(PathBuf::from(p));
        }
    }
    eprintln!(
        "SKIP: clickhouse-server is not installed (apt-get install clickhouse-server \
         clickhouse-client zookeeper); the ClickHouse tests did not run"
    );
    None
}

/// A free TCP port on 127.0.0.1 (bound, then released), never one this
/// test process handed out before: the servers of a test start one after
/// the other, so a port handed out but not yet bound is not free for the
/// OS's next `bind(0)`, and a server must not get another's port (an HTTP
/// request to a native-protocol port gets no HTTP answer).
fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// A process we started; killed (by its pid) when dropped.
struct Proc {
    child: Child,
    name: String,
}

impl Proc {
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
        eprintln!("stopped {} (pid {})", self.name, self.child.id());
    }
}

/// Waits until `port` answers HTTP `GET /ping` (ClickHouse) or accepts a
/// connection (ZooKeeper).
fn wait_port(port: u16, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not start on port {port}");
}

/// Runs a statement on a server's HTTP port (baogao's own client).
fn sql(port: u16, statement: &str) -> String {
    try_sql(port, statement).unwrap_or_else(|e| panic!("{statement}: {e}"))
}

fn try_sql(port: u16, statement: &str) -> Result<String, String> {
    let loc =
        baogao::clickhouse::Location::parse(&format!("clickhouse://127.0.0.1:{port}/default"))
            .unwrap();
    baogao::clickhouse::http::Client::new(&loc).query(statement).map_err(|e| e.to_string())
}

/// One clickhouse-server.
struct Server {
    proc: Proc,
    http: u16,
}

/// Writes a server's config into `dir` and starts it. `extra` goes
/// inside `<yandex>` (cluster, macros, ZooKeeper).
fn start_server(bin: &Path, dir: &Path, name: &str, tcp: u16, extra: &str) -> Server {
    let http = free_port();
    let inter = free_port();
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let p = d.display();
    std::fs::write(
        d.join("config.xml"),
        format!(
            "<yandex>\n<logger><level>warning</level><log>{p}/log</log><errorlog>{p}/err</errorlog>\
             </logger>\n<http_port>{http}</http_port><tcp_port>{tcp}</tcp_port>\
             <interserver_http_port>{inter}</interserver_http_port>\
             <interserver_http_host>127.0.0.1</interserver_http_host>\
             <listen_host>127.0.0.1</listen_host>\n<path>{p}/data/</path>\
             <tmp_path>{p}/tmp/</tmp_path><format_schema_path>{p}/fmt/</format_schema_path>\
             <mark_cache_size>5368709</mark_cache_size>\
             <users_config>{p}/users.xml</users_config><default_profile>default</default_profile>\
             <default_database>default</default_database>\
             <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>\n{extra}\
             </yandex>\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("users.xml"),
        "<yandex><profiles><default><max_memory_usage>2000000000</max_memory_usage></default>\
         </profiles><users><default><password></password><networks><ip>127.0.0.1</ip>\
         </networks><profile>default</profile><quota>default</quota></default></users>\
         <quotas><default></default></quotas></yandex>\n",
    )
    .unwrap();
    let child = Command::new(bin)
        .arg(format!("--config-file={}", d.join("config.xml").display()))
        .current_dir(&d)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("clickhouse-server starts");
    let server = Server { proc: Proc { child, name: format!("clickhouse {name}") }, http };
    wait_port(http, name);
    // Listening is not yet answering: wait for a query.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if try_sql(http, "SELECT 1").is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(d.join("err")).unwrap_or_default();
    panic!("clickhouse {name} does not answer on port {http}: {}", sql_tail(&log));
}

/// The last lines of a log, for a failure message.
fn sql_tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

/// A ZooKeeper (standalone) on a free port.
fn start_zookeeper(dir: &Path) -> (Proc, u16) {
    let port = free_port();
    let data = dir.join("zk");
    std::fs::create_dir_all(&data).unwrap();
    let child = Command::new("java")
        .args([
            "-Dzookeeper.admin.enableServer=false",
            "-cp",
            "/usr/share/java/zookeeper.jar",
            "org.apache.zookeeper.server.ZooKeeperServerMain",
            &port.to_string(),
            &data.display().to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("java starts ZooKeeper (apt-get install zookeeper)");
    let proc = Proc { child, name: "zookeeper".into() };
    wait_port(port, "zookeeper");
    // Accepting is not yet serving: wait for `srvr` to answer.
    let start = Instant::now();
    loop {
        use std::io::{Read, Write};
        let answer = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
            s.write_all(b"srvr")?;
            let mut out = String::new();
            s.read_to_string(&mut out)?;
            Ok(out)
        });
        if answer.is_ok_and(|a| a.contains("Zookeeper version")) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "zookeeper does not serve");
        std::thread::sleep(Duration::from_millis(200));
    }
    (proc, port)
}

/// Commands whose JSON output must be the same from both indexes: every
/// operator (phrase, AND, OR, NOT, NEAR, parentheses, quoted strings,
/// concepts), every filter and every command ClickHouse answers.
const CASES: &[&[&str]] = &[
    &["search", "枫桥经验", "--json", "--limit", "20"],
    &["search", "桥经", "--json", "--all"],
    &["search", "全面", "--json", "--collapse", "--limit", "40"],
    &["search", "法律顾问", "--csv", "--all"],
    &["search", "法律顾问 全覆盖", "--json", "--all"],
    &["search", "法律顾问 OR 公职律师", "--json", "--limit", "30"],
    &["search", "依法行政 -法治", "--json", "--limit", "30"],
    &["search", "依法行政 NOT 法治", "--json", "--limit", "5", "--offset", "3"],
    &["search", "法律顾问 NEAR/20 (全覆盖 OR 一村一法律顾问)", "--json", "--all"],
    &["search", "(矛盾 OR 纠纷) 化解 -信访", "--json", "--limit", "20"],
    &["search", "一村(社区)一法律顾问", "--json", "--all"],
    &["search", "\"COVID 19\" OR 疫情", "--json", "--limit", "10"],
    &["search", "@法律顾问覆盖", "--json", "--all"],
    &["search", "法治", "--year", "2020..2024", "--json", "--limit", "20"],
    &["search", "法律", "--level", "township", "--json", "--limit", "20"],
    &["search", "问题", "--section", "不足", "--json", "--limit", "20"],
    &["search", "法", "--province", "四川", "--json", "--limit", "20"],
    &["search", "政府 place:海拉尔 year:2019", "--json", "--all"],
    &["search", "工作", "--county", "海拉尔区", "--json", "--limit", "10"],
    &["search", "镇", "--township", "有庆", "--json", "--limit", "10"],
    &["search", "city:达州", "--json", "--limit", "10"],
    &["count", "枫桥经验", "--by", "year", "--json"],
    &["count", "法治", "--by", "decade", "--json"],
    &["count", "法治", "--by", "level", "--json"],
    &["count", "法治", "--by", "province", "--json"],
    &["count", "法治", "--by", "city", "--json"],
    &["count", "法治", "--by", "county", "--json"],
    &["count", "法治", "--by", "township", "--json"],
    &["count", "法治", "--by", "section", "--json"],
    &["count", "法治", "--by", "report", "--json"],
    &["count", "法治", "--by", "year,level", "--json"],
    &["count", "法治 OR 依法", "--by", "section,decade", "--json"],
    &["count", "法律顾问 NEAR/30 全覆盖", "--by", "report", "--section", "举措", "--json"],
    &["count", "依法行政", "--by", "year", "--level", "national", "--json"],
    &["count", "@枫桥经验", "--by", "year", "--json", "--matching"],
    &["count", "法治", "--by", "province", "--sort", "rate", "--json"],
    &["trend", "依法行政", "法治", "--by", "decade", "--json"],
    &["trend", "依法行政", "--by", "year", "--level", "national", "--json"],
    &["kwic", "法律顾问", "--json"],
    &["kwic", "枫桥经验", "--json", "--sort", "left"],
    &["kwic", "法律顾问 NEAR/10 覆盖", "--json"],
    &["reports", "--json"],
    &["reports", "--json", "--level", "township"],
    &["reports", "--json", "--year", "2019..2021", "--province", "内蒙古"],
    &["show", "2bf9ed1f6e", "--json"],
    &["status", "--json"],
    &["show", "2bf9", "--json", "--section", "不足"],
    &["keywords", "--county", "海拉尔区", "--year", "2019", "--vs", "2012", "--json"],
    &["keywords", "--level", "township", "--vs", "county", "--json"],
    &["diff", "2bf9ed1f6e", "90b0cb4df1", "--json"],
    &["concepts", "--json"],
    &["export", "法律顾问 NEAR/20 全覆盖", "--format", "jsonl"],
    &["export", "枫桥经验", "--format", "csv", "--year", "2019.."],
    &["concepts", "枫桥经验", "法律顾问覆盖", "--year", "2020..", "--json"],
];

/// Runs every case against the local bundled index and `url`, and
/// compares.
fn check_equal(url: &str) {
    let (local, corpus) = bundled();
    let strip =
        |s: &str| regex::Regex::new(r#""elapsed_ms":\d+"#).unwrap().replace_all(s, "").into_owned();
    let mut failures = Vec::new();
    for case in CASES {
        let (code_l, out_l, err_l) = run(baogao(local, corpus).args(*case));
        let (code_c, out_c, err_c) = run(baogao(Path::new(url), corpus).args(*case));
        assert!(code_l < 2, "{case:?} locally: {err_l}");
        if code_c != code_l || strip(&out_c) != strip(&out_l) {
            let first = out_l
                .lines()
                .zip(out_c.lines())
                .find(|(a, b)| strip(a) != strip(b))
                .map(|(a, b)| format!("\n  local:      {a:.300}\n  clickhouse: {b:.300}"))
                .unwrap_or_default();
            failures.push(format!(
                "{case:?}: exit {code_l}/{code_c}, {} / {} lines{first}\n  {err_c}",
                out_l.lines().count(),
                out_c.lines().count()
            ));
        }
    }
    assert!(failures.is_empty(), "differences from the local index:\n{}", failures.join("\n"));
}

/// Indexes the bundled corpus into `url` and checks the summary.
fn index_into(url: &str) {
    let (_, corpus) = bundled();
    let (code, out, err) = run(baogao(Path::new(url), corpus).args(["index", "--json"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(r#""type":"summary""#), "{out}");
    // Again: nothing changed, nothing is written.
    let (code, out, err) = run(baogao(Path::new(url), corpus).args(["index", "--json"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(r#""added":0,"updated":0,"removed":0"#), "{out}");
}

#[test]
fn clickhouse_single_server_answers_as_the_local_index() {
    let Some(bin) = server_binary() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&bin, dir.path(), "single", free_port(), "");
    let url = format!("clickhouse://127.0.0.1:{}/baogao", server.http);
    index_into(&url);
    check_equal(&url);

    let (_, corpus) = bundled();
    // A database without an index is named, with what to do.
    let empty = format!("clickhouse://127.0.0.1:{}/nothing_here", server.http);
    let (code, _, err) = run(baogao(Path::new(&empty), corpus).args(["search", "法治"]));
    assert_eq!(code, 2);
    assert!(err.contains("no baogao index") && err.contains("index"), "{err}");
    let (code, _, err) = run(baogao(Path::new(&empty), corpus).arg("status"));
    assert_eq!(code, 2);
    assert!(err.contains("no baogao index"), "{err}");
    drop(server);
}

#[test]
fn clickhouse_literals_come_back_as_they_were() {
    let Some(bin) = server_binary() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&bin, dir.path(), "quote", free_port(), "");
    for s in ["枫桥经验", "a'b", r"a\'", "x\\", "a\nb\tc\u{0}d\u{1f}e\u{7f}", "';DROP TABLE x;--"]
    {
        let lit = baogao::clickhouse::sql::quote(s);
        let body = sql(
            server.http,
            &format!("SELECT {lit} = unhex({}) FORMAT TSV", {
                let hex: String = s.bytes().map(|b| format!("{b:02X}")).collect();
                format!("'{hex}'")
            }),
        );
        assert_eq!(body.trim(), "1", "{s:?} as {lit}");
    }
}

#[test]
fn clickhouse_cluster_answers_as_the_local_index_also_with_a_replica_down() {
    let Some(bin) = server_binary() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (_zk, zk_port) = start_zookeeper(dir.path());
    // Four servers: shard s1 = (a, b), shard s2 = (c, d).
    let names: [(&str, u32, u32); 4] = [("a", 1, 1), ("b", 1, 2), ("c", 2, 1), ("d", 2, 2)];
    let tcp: Vec<u16> = names.iter().map(|_| free_port()).collect();
    let replica =
        |i: usize| format!("<replica><host>127.0.0.1</host><port>{}</port></replica>", tcp[i]);
    let remote = format!(
        "<remote_servers><bg><shard><internal_replication>true</internal_replication>{}{}</shard>\
         <shard><internal_replication>true</internal_replication>{}{}</shard></bg>\
         </remote_servers>",
        replica(0),
        replica(1),
        replica(2),
        replica(3)
    );
    let extras = |shard: u32, rep: u32| {
        format!(
            "{remote}<zookeeper><node><host>127.0.0.1</host><port>{zk_port}</port></node>\
             </zookeeper><macros><shard>s{shard}</shard><replica>r{rep}</replica></macros>"
        )
    };
    let mut servers: Vec<Option<Server>> = names
        .iter()
        .enumerate()
        .map(|(i, (name, shard, rep))| {
            Some(start_server(&bin, dir.path(), name, tcp[i], &extras(*shard, *rep)))
        })
        .collect();
    // A server that could not reach ZooKeeper while starting (a loaded
    // machine) never does, and 18.16 crashes on the first ON CLUSTER
    // statement: check each, and start it again if needed.
    for (i, slot) in servers.iter_mut().enumerate() {
        let reaches = |port: u16| {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                if try_sql(port, "SELECT count() FROM system.zookeeper WHERE path = '/'").is_ok() {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            false
        };
        if !reaches(slot.as_ref().unwrap().http) {
            slot.take().unwrap().proc.stop();
            let (name, shard, rep) = names[i];
            let extra = extras(shard, rep);
            *slot = Some(start_server(&bin, dir.path(), name, tcp[i], &extra));
            assert!(
                reaches(slot.as_ref().unwrap().http),
                "clickhouse {name} cannot reach ZooKeeper"
            );
        }
    }
    let http: Vec<u16> = servers.iter().map(|s| s.as_ref().unwrap().http).collect();
    let url = format!("clickhouse://127.0.0.1:{}/baogao?cluster=bg", http[0]);
    let logs = |_: ()| {
        for (name, ..) in names {
            let log =
                std::fs::read_to_string(dir.path().join(name).join("err")).unwrap_or_default();
            eprintln!("--- clickhouse {name} errors:\n{}", sql_tail(&log));
        }
    };
    if std::panic::catch_unwind(|| index_into(&url)).is_err() {
        logs(());
        panic!("indexing into the cluster failed");
    }
    // Each shard holds some of the reports, and both its replicas hold them
    // (inserts wait for both replicas: insert_quorum).
    let local: Vec<u64> = http
        .iter()
        .map(|p| sql(*p, "SELECT count() FROM baogao.reports_local").trim().parse().unwrap())
        .collect();
    assert!(local[0] > 0 && local[2] > 0, "both shards hold reports: {local:?}");
    assert_eq!((local[0], local[2]), (local[1], local[3]), "replicas agree: {local:?}");
    check_equal(&url);
    // Updates through the cluster replace whole reports too.
    check_updates(http[2], &format!("clickhouse://127.0.0.1:{}/incr?cluster=bg", http[0]));

    // One replica of each shard stopped: the same answers.
    servers[1].take().unwrap().proc.stop();
    servers[3].take().unwrap().proc.stop();
    check_equal(&url);
    drop(servers);
}

#[test]
fn clickhouse_updates_replace_whole_reports() {
    let Some(bin) = server_binary() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&bin, dir.path(), "incr", free_port(), "");
    check_updates(server.http, &format!("clickhouse://127.0.0.1:{}/incr", server.http));
}

/// Indexes a small corpus into `url` (database `incr`), changes it in
/// every way an update can, and compares with a local index after each
/// step. `http` is a server of the index, for a look at the raw rows.
fn check_updates(http: u16, url: &str) {
    let env = crate::util::Env::new();
    let report = |town: &str, body: &str| {
        format!("{town}关于2023年法治政府建设情况的报告\n\n一、主要举措\n\n{body}\n\n二、存在的不足\n\n法治宣传不够。\n")
    };
    env.write("a.txt", report("有庆镇", "坚持新时代枫桥经验，化解矛盾纠纷。"));
    env.write("b.txt", report("龙凤镇", "枫桥经验在基层落地。法律顾问全覆盖。"));
    env.write("c.txt", report("三汇镇", "推进法律顾问全覆盖。"));
    let both = |args: &[&str]| {
        let (cl, ol, el) = run(env.cmd().args(args));
        let (cc, oc, ec) = run(baogao(Path::new(url), &env.corpus()).args(args));
        let strip = |s: &str| {
            regex::Regex::new(r#""elapsed_ms":\d+"#).unwrap().replace_all(s, "").into_owned()
        };
        assert_eq!((cl, strip(&ol)), (cc, strip(&oc)), "{args:?}: {el} / {ec}");
        oc
    };
    let checks = |label: &str| {
        for args in [
            &["reports", "--json"][..],
            &["count", "枫桥经验 OR 法律顾问", "--by", "report", "--json"],
            &["search", "法治 OR 枫桥 OR 法律", "--json", "--all"],
            &["show", "a.txt", "--json"],
        ] {
            let out = both(args);
            assert!(!out.is_empty(), "{label}: {args:?}");
        }
    };
    both(&["index", "--json"]);
    checks("first build");
    // Change one, remove one, add one, duplicate one: a new generation for
    // the changed report, its old passages invisible; the removed one gone.
    std::thread::sleep(Duration::from_millis(20));
    env.write("a.txt", report("有庆镇", "坚持发展新时代枫桥经验，枫桥经验两次。"));
    std::fs::remove_file(env.corpus().join("b.txt")).unwrap();
    env.write("d.txt", report("卷硐镇", "法律顾问进村。"));
    env.write("e.txt", report("三汇镇", "推进法律顾问全覆盖。"));
    // `status` sees what the next build will do, from the manifest the
    // last one left in ClickHouse, as it does from a local index.
    let out = both(&["status", "--json"]);
    for line in [
        r#"{"change":"updated","path":"a.txt"}"#,
        r#"{"change":"removed","path":"b.txt"}"#,
        r#"{"change":"added","path":"d.txt"}"#,
    ] {
        assert!(out.contains(line), "{line} in {out}");
    }
    let out = both(&["index", "--json"]);
    assert!(
        out.contains(r#""added":1,"updated":1,"removed":1,"unchanged":1,"skipped":1"#),
        "{out}"
    );
    checks("after changes");
    let out = both(&["status", "--json"]);
    assert!(out.contains(r#""added":0,"removed":0,"unchanged":4,"updated":0"#), "{out}");
    // Touched only (same bytes): the record's stamp is rewritten, nothing else.
    let a = env.corpus().join("a.txt");
    let bytes = std::fs::read(&a).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&a, bytes).unwrap();
    both(&["index", "--json"]);
    checks("after a touch");
    // Every passage row of an old generation is unreachable: the newest
    // generation of `a.txt` is the only one a query reads.
    let rows = sql(
        http,
        "SELECT count() FROM incr.passages WHERE (report, gen) GLOBAL IN (SELECT id, gen FROM \
         (SELECT id, argMax(gen, version) AS gen, argMax(deleted, version) AS del FROM \
         incr.reports GROUP BY id) WHERE del = 0)",
    );
    let (_, reports, _) = run(env.cmd().args(["reports", "--json"]));
    let passages: usize = crate::util::json_lines(&reports)
        .iter()
        .filter(|(t, _)| t == "report")
        .map(|(_, d)| {
            let (_, shown, _) = run(env.cmd().args(["show", d["id"].as_str().unwrap(), "--json"]));
            crate::util::json_lines(&shown).iter().filter(|(t, _)| t == "passage").count()
        })
        .sum();
    assert_eq!(rows.trim().parse::<usize>().unwrap(), passages);
    // `index --full` rebuilds from nothing, with the same answers.
    both(&["index", "--full", "--json"]);
    checks("after --full");
}
