//! The doctor's checks. Every request is a read; writes are never sent.

use std::time::Duration;

use falcon_exposure::probe::anonymise;
use falcon_exposure::{Client, Error, HttpMethod, OPERATIONS, Operation, ParamLocation};
use serde_json::json;

use crate::config::{FileStatus, Settings, url_label};
use crate::doctor::report::{Check, Report, Status};

/// The proxy variables reqwest reads (names only are reported: a value
/// may hold a password).
const PROXY_VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The most the clocks may differ before the doctor points it out.
const CLOCK_TOLERANCE_SECONDS: i64 = 60;

/// Time allowed for each scope request.
const SCOPE_TIMEOUT: Duration = Duration::from_secs(30);

/// An id no asset or subsidiary has, for reads that require ids.
const UNKNOWN_ID: &str = "falcon-exposure-doctor-unknown-id";

/// Runs every check with `client`, built from `settings`.
pub async fn run(settings: &Settings, client: &Client) -> Report {
    let mut report = Report::new();
    report.push("settings", settings_checks(settings));

    let configured = client.base_url();
    let auth = client.authenticate().await;
    report.push("credentials", vec![token_check(&auth)]);
    report.push(
        "cloud",
        cloud_checks(settings, configured.as_str(), client, &auth),
    );

    let (scopes, probe) = match &auth {
        Ok(()) => {
            let mut scopes = Vec::new();
            for op in OPERATIONS {
                scopes.push(scope_check(client, op).await);
            }
            (scopes, Some(falcon_exposure::probe::run(client).await))
        }
        Err(_) => (
            OPERATIONS
                .iter()
                .map(|op| {
                    Check::new(
                        operation_name(op),
                        Status::NotChecked,
                        "no token was issued",
                    )
                })
                .collect(),
            None,
        ),
    };
    report.push("scopes", scopes);

    let clock = match &probe {
        Some(Ok(p)) => match p.clock_skew_seconds {
            Some(s) if s.abs() <= CLOCK_TOLERANCE_SECONDS => Check::new(
                "clock",
                Status::Ok,
                format!("the API's clock is {s:+} s from this machine's"),
            ),
            Some(s) => Check::new(
                "clock",
                Status::Warning,
                format!(
                    "the API's clock is {s:+} s from this machine's: set this machine's clock \
                     (NTP); times in exports and diffs are compared with it"
                ),
            ),
            None => Check::new(
                "clock",
                Status::NotChecked,
                "the reply had no valid Date header",
            ),
        },
        Some(Err(_)) => Check::new("clock", Status::NotChecked, "the probe failed"),
        None => Check::new("clock", Status::NotChecked, "no token was issued"),
    };
    report.push("clock", vec![clock]);
    report.push("TLS and proxy", tls_checks(settings, client, &auth));

    let probe_check = match probe {
        Some(Ok(p)) => {
            let check = Check::new(
                "probe",
                Status::Ok,
                format!(
                    "page limits, cursor, aggregates and headers read with {} requests",
                    p.requests
                ),
            );
            report.probe = Some(p.to_string());
            check
        }
        Some(Err(e)) => Check::new("probe", Status::Failed, problem(&e)),
        None => Check::new("probe", Status::NotChecked, "no token was issued"),
    };
    report.push("probe", vec![probe_check]);
    report
}

/// Where each setting came from: no secret, the client ID's first 4
/// characters only, no member CID, no path.
fn settings_checks(settings: &Settings) -> Vec<Check> {
    let credentials = settings.credentials.to_string();
    let cloud = match &settings.cloud {
        Some(c) => format!("{}, from {}", settings.cloud_label(), c.source),
        None => settings.cloud_label(),
    };
    let member = match &settings.member_cid {
        Some(m) => format!("set (not shown), from {}", m.source),
        None => "none".to_owned(),
    };
    let file = match settings.file {
        FileStatus::Named => "read (named by FALCON_EXPOSURE_CONFIG)",
        FileStatus::Found => "read (in the configuration directory)",
        FileStatus::Absent => "none",
    };
    vec![
        Check::new("credentials", Status::Info, credentials),
        Check::new("client id", Status::Info, settings.client_id_hint()),
        Check::new("cloud", Status::Info, cloud),
        Check::new("member CID", Status::Info, member),
        Check::new("profiles file", Status::Info, file),
    ]
}

/// Whether a token was issued.
fn token_check(auth: &Result<(), Error>) -> Check {
    match auth {
        Ok(()) => Check::new("token", Status::Ok, "issued"),
        Err(Error::Auth { status, errors, .. }) => {
            let messages: Vec<String> = errors
                .iter()
                .filter_map(|e| e.message.as_deref())
                .map(anonymise)
                .collect();
            let said = if messages.is_empty() {
                String::new()
            } else {
                format!(" ({})", messages.join("; "))
            };
            let hint = if matches!(status.as_u16(), 400 | 401 | 403) {
                ": the API refused the credentials; check the client ID and secret, and the \
                 cloud (an API client exists in one cloud only)"
            } else {
                ""
            };
            Check::new(
                "token",
                Status::Failed,
                format!(
                    "authentication failed: HTTP {}{said}{hint}",
                    status.as_u16()
                ),
            )
        }
        Err(e) => Check::new("token", Status::Failed, problem(e)),
    }
}

/// The cloud set and the one in use after autodiscovery.
fn cloud_checks(
    settings: &Settings,
    configured: &str,
    client: &Client,
    auth: &Result<(), Error>,
) -> Vec<Check> {
    let now = client.base_url();
    let label = url_label(now.as_str());
    let mut checks = Vec::new();
    match auth {
        Ok(()) => checks.push(Check::new("cloud", Status::Ok, label.clone())),
        Err(_) => checks.push(Check::new(
            "cloud",
            Status::NotChecked,
            format!("{label} (no token was issued)"),
        )),
    }
    if now.as_str() != configured {
        checks.push(Check::new(
            "autodiscovery",
            Status::Info,
            format!(
                "the API client's cloud is {label}, not {}: give it with --cloud or \
                 FALCON_CLOUD to skip the detour",
                url_label(configured)
            ),
        ));
    } else if settings.cloud.is_none() {
        checks.push(Check::new(
            "autodiscovery",
            Status::Info,
            "on (no cloud given): the token reply's region is followed",
        ));
    }
    checks
}

/// `op`'s name in the report.
fn operation_name(op: &Operation) -> String {
    format!("{} ({})", op.id(), op.scope())
}

/// Whether the token carries `op`'s scope, by a minimal read of `op`.
/// Writes are not sent: doctor never writes, not even a request the API
/// should refuse (an empty PATCH), since no such request is provably
/// without effect or without a trace in the tenant's audit log.
async fn scope_check(client: &Client, op: &'static Operation) -> Check {
    let name = operation_name(op);
    if !op.scope().ends_with(":read") {
        return Check::new(
            name,
            Status::NotChecked,
            "a write scope: doctor never writes",
        );
    }
    let mut command = client.command_for(op).timeout(SCOPE_TIMEOUT);
    let query_param = |n: &str| {
        op.param(n)
            .is_some_and(|p| p.location() == ParamLocation::Query)
    };
    if query_param("limit") {
        command = command.query("limit", 1);
    }
    // Required parameters get values no asset has: an answer of 404 (or
    // 400) still says whether the scope is granted.
    for param in op.params() {
        if param.is_required()
            && param.location() == ParamLocation::Query
            && param.name() != "limit"
        {
            let value = match param.data_type() {
                "integer" | "number" => "1",
                _ => UNKNOWN_ID,
            };
            command = command.query(param.name(), value);
        }
    }
    if op.http_method() == HttpMethod::Post {
        command = command.body(json!([
            {"name": "doctor", "type": "terms", "field": "asset_type", "size": 1}
        ]));
    }
    let binary = !op.produces().is_empty()
        && op
            .produces()
            .iter()
            .all(|p| *p == "application/octet-stream");
    // A download's body is dropped unread.
    let sent = if binary {
        command.download().await.map(drop)
    } else {
        command.send().await.map(drop)
    };
    match sent {
        Ok(()) => Check::new(name, Status::Ok, "granted"),
        Err(e) => match e.status().map(|s| s.as_u16()) {
            // The gateway checks the scope first: a refusal of the
            // doctor's minimal parameters means the scope is granted.
            Some(status @ (400 | 404)) => Check::new(
                name,
                Status::Ok,
                format!("granted (HTTP {status} to the doctor's minimal parameters)"),
            ),
            Some(403) => Check::new(
                name,
                Status::Failed,
                format!(
                    "missing scope {}: grant it to the API client in the Falcon console (API \
                     clients and keys)",
                    op.scope()
                ),
            ),
            _ => Check::new(name, Status::Failed, problem(&e)),
        },
    }
}

/// Proxy variables, extra roots and whether the connection worked.
fn tls_checks(settings: &Settings, client: &Client, auth: &Result<(), Error>) -> Vec<Check> {
    let set: Vec<&str> = PROXY_VARIABLES
        .into_iter()
        .filter(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
        .collect();
    let proxies = if set.is_empty() {
        "none set".to_owned()
    } else {
        format!("{} set (values not shown)", set.join(", "))
    };
    let roots = if settings.roots.is_empty() {
        "none (no --ca-file, no SSL_CERT_FILE)".to_owned()
    } else {
        settings
            .roots
            .iter()
            .map(|r| {
                let s = r.summary();
                let plural = if s.certificates == 1 { "" } else { "s" };
                format!(
                    "{} loaded ({} certificate{plural})",
                    s.origin, s.certificates
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let https = client.base_url().scheme() == "https";
    let connection = match (https, auth) {
        (true, Ok(())) => Check::new(
            "connection",
            Status::Ok,
            "HTTPS works (the token was issued over it)",
        ),
        (_, Err(e)) if is_network(e) => Check::new("connection", Status::Failed, problem(e)),
        (true, Err(_)) => Check::new("connection", Status::Ok, "HTTPS works (the API answered)"),
        (false, _) => Check::new(
            "connection",
            Status::Info,
            "plain HTTP to a loopback address: no TLS",
        ),
    };
    vec![
        Check::new("proxy variables", Status::Info, proxies),
        Check::new("extra roots", Status::Info, roots),
        Check::new(
            "trusted roots",
            Status::Info,
            "the bundled ones, the operating system's and the extra roots",
        ),
        connection,
    ]
}

/// Whether `e` is the network's failure rather than the API's answer.
fn is_network(e: &Error) -> bool {
    matches!(e, Error::Transport { .. } | Error::Timeout { .. })
}

/// `e` in one line with no value, id or host name.
fn problem(e: &Error) -> String {
    let text = anonymise(&e.to_string());
    if is_network(e) {
        format!("{text} (check the network, the proxy variables and --ca-file)")
    } else {
        text
    }
}
