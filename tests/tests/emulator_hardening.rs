//! Hostile input against the emulator, sent with plain reqwest and raw TCP
//! so that the emulator's own behaviour is what is tested: deep nesting,
//! huge id lists, held connections, unlisted sorts and bad tokens.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use falcon_emulator::filter_parser::{MAX_DEPTH, MAX_FILTER_LEN};
use falcon_emulator::{
    BAD_TOKEN_LIMIT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig,
    EmulatorHandle, FaultConfig, MAX_AGG_DEPTH, MAX_IDS,
};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const QUERY: &str = "/fem/queries/external-assets/v1";
const ENTITIES: &str = "/fem/entities/external-assets/v1";
const AGGREGATE: &str = "/fem/aggregates/external-assets/v1";

struct Api {
    emu: EmulatorHandle,
    http: reqwest::Client,
    token: String,
}

async fn start(cfg: EmulatorConfig) -> Api {
    let emu = Emulator::start(cfg.assets(200).anchor(1_795_000_000))
        .await
        .expect("emulator starts");
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/oauth2/token", emu.base_url()))
        .form(&[
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.expect("token json");
    let token = v["access_token"].as_str().expect("token").to_string();
    Api { emu, http, token }
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.base_url())
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, HeaderMap, Value) {
        let r = req.send().await.expect("the emulator answers");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, headers, v)
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, HeaderMap, Value) {
        self.send(
            self.http
                .get(self.url(path))
                .query(query)
                .bearer_auth(&self.token),
        )
        .await
    }

    async fn aggregate(&self, body: String) -> (u16, Value) {
        let req = self
            .http
            .post(self.url(AGGREGATE))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body);
        let (s, _, v) = self.send(req).await;
        (s, v)
    }

    /// The emulator still serves a normal request.
    async fn still_serves(&self) {
        let (s, _, v) = self
            .get(QUERY, &[("filter", "asset_type:'ip'"), ("limit", "1")])
            .await;
        assert_eq!(s, 200, "{v}");
    }
}

/// The message of a 400 reply in the API's error envelope.
fn error_400(status: u16, v: &Value) -> String {
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["meta"]["powered_by"], "crowdstrike-api-gateway", "{v}");
    assert_eq!(v["errors"][0]["code"], 400, "{v}");
    v["errors"][0]["message"]
        .as_str()
        .expect("an error message")
        .to_string()
}

fn depth_message_ok(msg: &str) {
    assert!(
        msg.contains(&format!("at most {MAX_DEPTH} are allowed")) && msg.contains("nest"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_filter_with_4000_nested_parentheses_is_a_400_naming_the_depth_limit() {
    let api = start(EmulatorConfig::default()).await;
    let deep = format!("{}asset_type:'ip'{}", "(".repeat(4_000), ")".repeat(4_000));
    let (s, _, v) = api.get(QUERY, &[("filter", &deep)]).await;
    depth_message_ok(&error_400(s, &v));
    api.still_serves().await;

    // The limit itself is accepted; one level more is not.
    let at = |n: usize| format!("{}asset_type:'ip'{}", "(".repeat(n), ")".repeat(n));
    let (s, _, v) = api.get(QUERY, &[("filter", &at(MAX_DEPTH))]).await;
    assert_eq!(s, 200, "{v}");
    let (s, _, v) = api.get(QUERY, &[("filter", &at(MAX_DEPTH + 1))]).await;
    depth_message_ok(&error_400(s, &v));
}

#[tokio::test]
async fn a_filter_with_20000_negations_is_a_400_naming_the_depth_limit() {
    let api = start(EmulatorConfig::default()).await;
    let deep = format!("{}asset_type:'ip'", "!".repeat(20_000));
    let (s, _, v) = api.get(QUERY, &[("filter", &deep)]).await;
    depth_message_ok(&error_400(s, &v));
    api.still_serves().await;
}

#[tokio::test]
async fn a_list_opened_20000_times_is_a_400_without_recursion() {
    let api = start(EmulatorConfig::default()).await;
    let deep = format!("asset_type:{}", "[".repeat(20_000));
    let (s, _, v) = api.get(QUERY, &[("filter", &deep)]).await;
    assert_eq!(
        error_400(s, &v),
        "invalid filter: nested lists are not allowed (position 12)"
    );
    api.still_serves().await;
}

#[tokio::test]
async fn a_filter_longer_than_the_limit_is_a_400_naming_it() {
    let api = start(EmulatorConfig::default()).await;
    let long = format!("asset_type:'{}'", "a".repeat(MAX_FILTER_LEN));
    let (s, _, v) = api.get(QUERY, &[("filter", &long)]).await;
    let msg = error_400(s, &v);
    assert!(
        msg.contains(&format!("at most {MAX_FILTER_LEN} bytes")),
        "{msg}"
    );
    api.still_serves().await;
}

#[tokio::test]
async fn an_aggregate_filter_nested_5000_deep_is_a_400_naming_the_depth_limit() {
    let api = start(EmulatorConfig::default()).await;
    let filter = format!("{}asset_type:'ip'{}", "(".repeat(5_000), ")".repeat(5_000));
    let body = json!([{"name": "x", "type": "terms", "field": "asset_type", "filter": filter}]);
    let (s, v) = api.aggregate(body.to_string()).await;
    let msg = error_400(s, &v);
    depth_message_ok(&msg);
    assert!(msg.starts_with("aggregation 'x'"), "{msg}");
    api.still_serves().await;
}

#[tokio::test]
async fn sub_aggregates_nested_past_the_depth_limit_are_a_400_naming_it() {
    let api = start(EmulatorConfig::default()).await;
    // Written as text: a 5,000-deep serde_json::Value would itself need a deep stack.
    let nested = |levels: usize| {
        let open = r#"{"name":"l","type":"terms","field":"asset_type","sub_aggregates":["#;
        format!(
            "[{}{}{}]",
            open.repeat(levels - 1),
            r#"{"name":"leaf","type":"max","field":"confidence"}"#,
            "]}".repeat(levels - 1)
        )
    };
    let (s, v) = api.aggregate(nested(MAX_AGG_DEPTH)).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = api.aggregate(nested(MAX_AGG_DEPTH + 1)).await;
    let msg = error_400(s, &v);
    assert!(
        msg.contains(&format!("at most {MAX_AGG_DEPTH} levels")),
        "{msg}"
    );
    // 5,000 levels stop at the JSON parser's recursion limit.
    let (s, v) = api.aggregate(nested(5_000)).await;
    assert!(error_400(s, &v).contains("recursion limit"), "{v}");
    api.still_serves().await;
}

#[tokio::test]
async fn json_bodies_nested_5000_deep_are_a_400() {
    let api = start(EmulatorConfig::default()).await;
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let (s, v) = api.aggregate(deep.clone()).await;
    assert!(error_400(s, &v).contains("recursion limit"), "{v}");
    // Typed bodies skip unknown fields without recursing, at any depth.
    let patch = format!(r#"{{"assets":[{{"id":"x","extra":{deep}}}]}}"#);
    let req = api
        .http
        .patch(api.url(ENTITIES))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body(patch);
    let (s, _, v) = api.send(req).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["errors"][0]["message"], "asset not found: x", "{v}");
    api.still_serves().await;
}

#[tokio::test]
async fn thirteen_thousand_ids_are_a_400_naming_the_100_limit() {
    let api = start(EmulatorConfig::default()).await;
    // Short ids and literal commas keep the URL under the 64 KiB a URI may have.
    let ids: Vec<String> = (0..13_000).map(|i| format!("{i:x}")).collect();
    let url = format!("{}?ids={}", api.url(ENTITIES), ids.join(","));
    let (s, _, v) = api.send(api.http.get(url).bearer_auth(&api.token)).await;
    let msg = error_400(s, &v);
    assert_eq!(
        msg,
        format!("too many ids: 13000 given, at most {MAX_IDS} are allowed")
    );
    // Duplicates are dropped before the limit applies.
    let (_, _, v) = api.get(QUERY, &[("limit", "1")]).await;
    let id = v["resources"][0].as_str().expect("an id").to_string();
    let same = vec![id.as_str(); 500].join(",");
    let (s, _, v) = api.get(ENTITIES, &[("ids", &same)]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["resources"].as_array().map(Vec::len), Some(1), "{v}");
    // Exactly the limit is accepted.
    let hundred = ids[..MAX_IDS].join(",");
    let (s, _, v) = api.get(ENTITIES, &[("ids", &hundred)]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(MAX_IDS));
}

#[tokio::test]
async fn subsidiary_queries_refuse_a_sort_on_an_unlisted_field() {
    let api = start(EmulatorConfig::default()).await;
    for path in [
        "/fem/queries/ecosystem-subsidiaries/v1",
        "/fem/combined/ecosystem-subsidiaries/v1",
    ] {
        for sort in ["risk_score|asc", "risk_score", "asset_count.desc", "id|asc"] {
            let (s, _, v) = api.get(path, &[("sort", sort)]).await;
            let msg = error_400(s, &v);
            assert!(
                msg.contains("the allowed fields are name and primary_domain"),
                "{path} {sort}: {msg}"
            );
        }
        let (s, _, v) = api.get(path, &[("sort", "name|sideways")]).await;
        assert!(error_400(s, &v).contains("asc or desc"), "{v}");
    }
    // The listed fields sort, in both spellings and directions.
    let combined = "/fem/combined/ecosystem-subsidiaries/v1";
    for (sort, key, desc) in [
        ("name|asc", "name", false),
        ("name.desc", "name", true),
        ("primary_domain|desc", "primary_domain", true),
        ("primary_domain", "primary_domain", false),
    ] {
        let (s, _, v) = api.get(combined, &[("sort", sort)]).await;
        assert_eq!(s, 200, "{sort}: {v}");
        let keys: Vec<&str> = v["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .map(|r| r[key].as_str().expect("a key"))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        if desc {
            sorted.reverse();
        }
        assert!(keys.len() > 1, "{v}");
        assert_eq!(keys, sorted, "{sort}");
    }
}

fn header(h: &HeaderMap, name: &str) -> i64 {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in {h:?}"))
}

#[tokio::test]
async fn bad_tokens_get_their_own_limit_of_15_a_minute_then_429() {
    let api = start(EmulatorConfig::default()).await;
    let bad = |authorization: Option<&str>| {
        let req = api.http.get(api.url(QUERY));
        match authorization {
            Some(a) => req.header("authorization", a),
            None => req,
        }
    };
    // Missing, unknown and malformed tokens all count.
    for n in 1..=BAD_TOKEN_LIMIT {
        let authorization = match n % 3 {
            0 => None,
            1 => Some("Bearer not-a-token"),
            _ => Some("Basic Zm9vOmJhcg=="),
        };
        let (s, h, v) = api.send(bad(authorization)).await;
        assert_eq!(s, 401, "request {n}: {v}");
        assert_eq!(header(&h, "x-ratelimit-limit"), 15);
        assert_eq!(
            header(&h, "x-ratelimit-remaining"),
            i64::from(BAD_TOKEN_LIMIT - n)
        );
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let (s, h, v) = api.send(bad(Some("Bearer not-a-token"))).await;
    assert_eq!(s, 429, "{v}");
    assert_eq!(header(&h, "x-ratelimit-limit"), 15);
    assert_eq!(header(&h, "x-ratelimit-remaining"), 0);
    let retry = header(&h, "x-ratelimit-retryafter");
    assert!(retry > now - 1 && retry <= now + 61, "{retry} vs {now}");
    // msa.ReplyMetaOnly: meta and errors only.
    assert_eq!(v["errors"][0]["code"], 429, "{v}");
    assert!(v["meta"]["trace_id"].is_string(), "{v}");
    assert!(v.get("resources").is_none(), "{v}");
    // A valid token is not affected and reports the account limit.
    let (s, h, _) = api.get(QUERY, &[("limit", "1")]).await;
    assert_eq!(s, 200);
    assert_eq!(header(&h, "x-ratelimit-limit"), 6000);
}

#[tokio::test]
async fn the_bad_token_limit_can_be_turned_off_for_tests() {
    let api = start(EmulatorConfig::default().enforce_bad_token_limit(false)).await;
    for _ in 0..BAD_TOKEN_LIMIT + 5 {
        let (s, h, _) = api
            .send(api.http.get(api.url(QUERY)).bearer_auth("nope"))
            .await;
        assert_eq!(s, 401);
        assert_eq!(header(&h, "x-ratelimit-limit"), 15);
    }
}

/// Reads until the server closes the connection; returns what was read and
/// how long it took, or panics after `limit`.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), stream.read(&mut buf))
            .await
        {
            Err(_) => panic!("the connection was still open after {limit:?}"),
            Ok(Ok(0)) | Ok(Err(_)) => return (got, start.elapsed()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn short_timeouts(header: u64, idle: u64) -> EmulatorConfig {
    EmulatorConfig::default()
        .header_read_timeout(Some(Duration::from_millis(header)))
        .idle_timeout(Some(Duration::from_millis(idle)))
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let api = start(short_timeouts(10_000, 500)).await;
    let mut s = TcpStream::connect(api.emu.addr()).await.expect("connect");
    let (got, took) = until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(got.is_empty());
    assert!(took >= Duration::from_millis(400), "{took:?}");
}

#[tokio::test]
async fn a_trickled_header_is_cut_off_by_the_header_read_timeout() {
    // The idle timeout never fires: a byte arrives every 100 ms.
    let api = start(short_timeouts(800, 10_000)).await;
    let mut s = TcpStream::connect(api.emu.addr()).await.expect("connect");
    let start = Instant::now();
    let head = b"GET /fem/queries/external-assets/v1 HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    let mut closed = false;
    for b in head.iter().chain(b"a".repeat(100).iter()) {
        if s.write_all(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if start.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    if !closed {
        until_closed(&mut s, Duration::from_millis(500)).await;
    }
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_when_idle_but_not_during_a_slow_reply() {
    let api = start(short_timeouts(10_000, 400)).await;
    // Every request takes 1.2 s to answer, three times the idle timeout.
    api.emu.set_faults(FaultConfig {
        latency: Some(Duration::from_millis(1_200)),
        ..FaultConfig::none()
    });
    let mut s = TcpStream::connect(api.emu.addr()).await.expect("connect");
    let req = format!(
        "GET {QUERY}?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        api.token
    );
    s.write_all(req.as_bytes()).await.expect("send");
    let (got, took) = until_closed(&mut s, Duration::from_secs(5)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    // Served after the latency, then closed once idle.
    assert!(took >= Duration::from_millis(1_500), "{took:?}");
}

const CHILD: &str = "FALCON_EMULATOR_FD_LIMIT_CHILD";

/// CPU time (user + system) of process `pid` in seconds, from /proc.
#[cfg(target_os = "linux")]
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    let hz = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    ticks / hz
}

/// The name the test harness knows `test` of this module by: its module
/// path without the crate's name, as in `suite::module::test`.
#[cfg(target_os = "linux")]
fn test_path(test: &str) -> String {
    match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::{test}"),
        None => test.to_owned(),
    }
}

/// Runs the emulator in a child process limited to 64 file descriptors,
/// holds 150 connections open (so that accepting fails with `EMFILE`) and
/// measures the child's CPU use: a loop that retries at once keeps a core
/// busy, one that backs off stays idle.
#[cfg(target_os = "linux")]
#[test]
fn accept_errors_back_off_instead_of_spinning() {
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" "$1" --exact --ignored --nocapture"#)
        .arg(exe)
        .arg(test_path("fd_limited_emulator"))
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child");
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout");
    let addr = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("EMULATOR_ADDR=").map(str::to_string))
        .expect("the child reports its address");
    // 150: past the 64 descriptors, within what the listen backlog holds.
    let held: Vec<std::net::TcpStream> = (0..150)
        .filter_map(|_| std::net::TcpStream::connect(&addr).ok())
        .collect();
    assert!(held.len() > 100, "only {} connections opened", held.len());
    std::thread::sleep(Duration::from_millis(500));
    let before = cpu_seconds(pid);
    let interval = Duration::from_secs(2);
    std::thread::sleep(interval);
    let used = cpu_seconds(pid) - before;
    let _ = child.kill();
    let _ = child.wait();
    drop(held);
    let share = used / interval.as_secs_f64();
    println!(
        "emulator CPU while out of file descriptors: {:.1} %",
        share * 100.0
    );
    assert!(
        share < 0.1,
        "the accept loop used {:.0} % of a core",
        share * 100.0
    );
}

/// The child of [`accept_errors_back_off_instead_of_spinning`]; does nothing
/// unless started by it.
#[test]
#[ignore = "run by accept_errors_back_off_instead_of_spinning in a child process"]
fn fd_limited_emulator() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let emu = Emulator::start(EmulatorConfig::default().assets(10))
            .await
            .expect("start");
        println!("EMULATOR_ADDR={}", emu.addr());
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
}
