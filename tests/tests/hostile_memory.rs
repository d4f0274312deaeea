//! Peak memory under huge, endless and gzip-bomb replies, and a large blob
//! streamed to a writer. In a test binary of its own, so that no other test
//! running in parallel moves the figure (the process's peak RSS, `VmHWM`).

#[path = "common/hostile.rs"]
mod hostile;

use falcon_exposure::Error;
use hostile::{Action, Hostile, client, with_token};

/// Peak resident memory of this process so far, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kb * 1024
}

const MIB: u64 = 1 << 20;

/// Makes the hostile answer of one case.
type Body = dyn Fn() -> Action + Send + Sync;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_keep_peak_memory_bounded() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    let cases: Vec<(&str, Box<Body>)> = vec![
        (
            "2 GiB chunked body",
            Box::new(move || Action::Chunked {
                head: head.into(),
                chunk: vec![b' '; 64 * 1024],
                total: Some(2048 * MIB),
            }),
        ),
        (
            "endless body",
            Box::new(move || Action::Chunked {
                head: head.into(),
                chunk: vec![b'['; 64 * 1024],
                total: None,
            }),
        ),
        (
            "gzip bomb of 10 GiB",
            Box::new(|| Action::GzipBomb {
                inflated: 10 * 1024 * MIB,
            }),
        ),
    ];
    let before = peak_rss();
    for (name, body) in cases {
        let server = Hostile::start(with_token(move |_, _| body())).await;
        let err = client(&server).query_assets().send().await.unwrap_err();
        assert!(matches!(err, Error::TooLarge { .. }), "{name}: {err:?}");
        let growth = peak_rss().saturating_sub(before);
        println!("{name}: peak RSS growth {} MiB", growth / MIB);
        assert!(
            growth < 64 * MIB,
            "{name}: peak RSS grew by {} MiB",
            growth / MIB
        );
    }

    // A 512 MiB blob streams through in constant memory.
    let server = Hostile::start(with_token(move |_, _| Action::Chunked {
        head: "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n".into(),
        chunk: vec![7u8; 256 * 1024],
        total: Some(512 * MIB),
    }))
    .await;
    let dl = client(&server)
        .download_assets()
        .asset_id("a")
        .hash("h")
        .send()
        .await
        .unwrap();
    let written = dl.write_to(&mut tokio::io::sink()).await.unwrap();
    assert_eq!(written, 512 * MIB);
    let growth = peak_rss().saturating_sub(before);
    println!("512 MiB download: peak RSS growth {} MiB", growth / MIB);
    assert!(
        growth < 64 * MIB,
        "download: peak RSS grew by {} MiB",
        growth / MIB
    );
}
