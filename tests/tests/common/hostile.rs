//! A scripted, hostile HTTP/1.1 server on 127.0.0.1: it records every raw
//! request and answers each as a test script says (any status and headers,
//! huge, endless, compressed or trickling bodies, silence, a reset).

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use falcon_exposure::{Client, ClientBuilder, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The client secret the hostile tests use; no server but the configured
/// one may ever see it.
pub const SECRET: &str = "hostile-test-secret-5f4e3d2c";
/// The client id the hostile tests use.
pub const CLIENT_ID: &str = "hostile-test-client";

/// One request as it arrived on the wire.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Request line and headers, as sent.
    pub head: String,
    /// The body, as sent.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The request line, e.g. `GET /fem/x?y=1 HTTP/1.1`.
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    /// The request target (path and query) as sent.
    pub fn target(&self) -> &str {
        self.request_line().split(' ').nth(1).unwrap_or_default()
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target().split('?').next().unwrap_or_default()
    }

    /// The raw query string, if any.
    pub fn query(&self) -> Option<&str> {
        self.target().split_once('?').map(|(_, q)| q)
    }

    /// Whether the head or the body contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.head.contains(needle) || String::from_utf8_lossy(&self.body).contains(needle)
    }
}

/// What the server does with one request.
pub enum Action {
    /// Writes these bytes and closes the connection.
    Raw(Vec<u8>),
    /// Writes `head`, then `chunk` over and over in chunked encoding until
    /// `total` bytes (`None`: forever) or until the client goes away.
    Chunked {
        /// Status line and headers, without `Transfer-Encoding`.
        head: String,
        /// One chunk of the body.
        chunk: Vec<u8>,
        /// Body length; `None` for an endless body.
        total: Option<u64>,
    },
    /// A gzip body of `inflated` zero bytes, compressed while it is sent,
    /// never held whole.
    GzipBomb {
        /// Uncompressed size.
        inflated: u64,
    },
    /// Writes `head`, then `body_start`, then stalls without closing.
    Stall {
        /// Status line and headers.
        head: String,
        /// The part of the body sent before stalling.
        body_start: Vec<u8>,
    },
    /// Never answers, keeps the connection open.
    Silent,
    /// Closes the connection without a word.
    Close,
}

/// Decides the answer to the `n`-th request (from 0).
pub type Script = dyn Fn(&Recorded, usize) -> Action + Send + Sync;

/// A running hostile server.
pub struct Hostile {
    /// Its address.
    pub addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    /// Starts a server answering with `script`.
    pub async fn start(
        script: impl Fn(&Recorded, usize) -> Action + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let log = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (log, script) = (log.clone(), script.clone());
                tokio::spawn(serve(sock, log, script));
            }
        });
        Hostile {
            addr,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("log").clone()
    }

    /// The requests received on `path`.
    pub fn on(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }
}

async fn serve(mut sock: TcpStream, log: Arc<Mutex<Vec<Recorded>>>, script: Arc<Script>) {
    let Some(req) = read_request(&mut sock).await else {
        return;
    };
    let n = {
        let mut g = log.lock().expect("log");
        g.push(req.clone());
        g.len() - 1
    };
    // Errors writing mean the client went away: that ends the answer.
    let _ = act(&mut sock, script(&req, n)).await;
}

async fn act(sock: &mut TcpStream, action: Action) -> std::io::Result<()> {
    match action {
        Action::Raw(bytes) => sock.write_all(&bytes).await,
        Action::Chunked { head, chunk, total } => {
            sock.write_all(format!("{head}Transfer-Encoding: chunked\r\n\r\n").as_bytes())
                .await?;
            let mut sent = 0u64;
            while total.is_none_or(|t| sent < t) {
                let n = total.map_or(chunk.len() as u64, |t| (t - sent).min(chunk.len() as u64));
                let part = &chunk[..n as usize];
                sock.write_all(format!("{:x}\r\n", part.len()).as_bytes())
                    .await?;
                sock.write_all(part).await?;
                sock.write_all(b"\r\n").await?;
                sent += n;
            }
            sock.write_all(b"0\r\n\r\n").await
        }
        Action::GzipBomb { inflated } => {
            use std::io::Write;
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            sock.write_all(head.as_bytes()).await?;
            let zeros = vec![0u8; 1 << 20];
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let mut left = inflated;
            while left > 0 {
                let n = left.min(zeros.len() as u64) as usize;
                gz.write_all(&zeros[..n])?;
                left -= n as u64;
                let out = std::mem::take(gz.get_mut());
                if !out.is_empty() {
                    write_chunk(sock, &out).await?;
                }
            }
            let out = gz.finish()?;
            write_chunk(sock, &out).await?;
            sock.write_all(b"0\r\n\r\n").await
        }
        Action::Stall { head, body_start } => {
            sock.write_all(head.as_bytes()).await?;
            sock.write_all(&body_start).await?;
            sock.flush().await?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
        Action::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
        Action::Close => Ok(()),
    }
}

async fn write_chunk(sock: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    sock.write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    sock.write_all(data).await?;
    sock.write_all(b"\r\n").await
}

/// Reads one request (head up to 1 MiB, body by `Content-Length`).
async fn read_request(sock: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > (1 << 20) {
            return None;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Recorded { head, body })
}

/// A complete reply: status, extra headers and a body, then close.
pub fn reply(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Action {
    let mut head = format!(
        "HTTP/1.1 {status} Hostile\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    Action::Raw(out)
}

/// A JSON reply.
pub fn json(status: u16, value: &serde_json::Value) -> Action {
    reply(
        status,
        &[("Content-Type", "application/json")],
        value.to_string().as_bytes(),
    )
}

/// A good token reply for token `token`.
pub fn token(token: &str) -> Action {
    json(
        201,
        &serde_json::json!({"access_token": token, "token_type": "bearer", "expires_in": 1799}),
    )
}

/// An empty, successful API envelope.
pub fn empty_page() -> Action {
    json(
        200,
        &serde_json::json!({"meta": {"query_time": 0.01}, "resources": [], "errors": []}),
    )
}

/// Retries at millisecond pace.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
        .slow_down(0, Duration::ZERO)
}

/// A client builder pointed at `base` with the hostile tests' credentials.
pub fn builder(base: &str) -> ClientBuilder {
    Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url(base)
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(10))
}

/// A client pointed at `server`.
pub fn client(server: &Hostile) -> Client {
    builder(&server.url()).build().expect("client builds")
}

/// Answers `/oauth2/token` with a good token, `/oauth2/revoke` with 200,
/// and everything else with `api`.
pub fn with_token(
    api: impl Fn(&Recorded, usize) -> Action + Send + Sync + 'static,
) -> impl Fn(&Recorded, usize) -> Action + Send + Sync + 'static {
    move |r, n| match r.path() {
        "/oauth2/token" => token("tok-hostile"),
        "/oauth2/revoke" => json(
            200,
            &serde_json::json!({"meta": {}, "resources": [], "errors": []}),
        ),
        _ => api(r, n),
    }
}
