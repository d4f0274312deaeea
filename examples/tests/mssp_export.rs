//! The `mssp_export` example's core against the emulator: every asset of
//! every member lands in the file exactly once, tagged with its member's
//! CID, and a failing member does not cost the others their lines.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::{Arc, Mutex};

use falcon_emulator::{DEFAULT_CID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator};
use falcon_exposure::Client;
use indicatif::{MultiProgress, ProgressDrawTarget};
use serde_json::Value;
use support::mssp::{MemberExport, emulator_config, export_members};

/// An in-memory output file the test can read after the export.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn cid(n: u64) -> String {
    format!("{:032x}", 0xabc0_0000_u64 + n)
}

fn hidden() -> MultiProgress {
    MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
}

fn client(base_url: String) -> Client {
    Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(base_url)
        .build()
        .expect("client")
}

/// The file's lines as (tag, asset id, the asset's own `cid`), checking
/// that each line is an object of exactly `cid` and `asset`.
fn lines(out: &Shared) -> Vec<(String, String, String)> {
    let bytes = out.0.lock().expect("buffer").clone();
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "last line unterminated"
    );
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("each line is JSON");
            let obj = v.as_object().expect("each line is an object");
            assert_eq!(obj.len(), 2, "a line holds `cid` and `asset` only: {line}");
            let text = |v: &Value| v.as_str().expect("a string").to_owned();
            (
                text(&obj["cid"]),
                text(&obj["asset"]["id"]),
                text(&obj["asset"]["cid"]),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_asset_of_every_member_appears_once_tagged_with_its_cid() {
    // Different sizes, so that a line tagged with the wrong member shows.
    let members = vec![(cid(1), 1_500), (cid(2), 2_300), (cid(3), 800)];
    let emu = Emulator::start(emulator_config(200, &members))
        .await
        .expect("emulator");
    let cids: Vec<String> = members.iter().map(|(c, _)| c.clone()).collect();
    let out = Shared::default();

    let exports = export_members(&client(emu.base_url()), &cids, out.clone(), &hidden())
        .await
        .expect("the file is written");

    let lines = lines(&out);
    let mut ids_of: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (tag, id, asset_cid) in &lines {
        assert_eq!(tag, asset_cid, "asset {id} is tagged with another CID");
        assert!(
            ids_of.entry(tag).or_default().insert(id),
            "asset {id} of {tag} appears twice"
        );
    }
    assert!(
        !ids_of.contains_key(DEFAULT_CID),
        "the parent's assets were exported"
    );
    for (cid, assets) in &members {
        assert_eq!(emu.asset_count_of(cid), Some(*assets));
        let found = ids_of.get(cid.as_str()).map_or(0, HashSet::len);
        assert_eq!(found, *assets, "member {cid}: assets in the file");
    }
    let total: usize = members.iter().map(|(_, n)| n).sum();
    assert_eq!(lines.len(), total, "no other lines");

    let expected: Vec<MemberExport> = members
        .iter()
        .map(|(cid, n)| MemberExport {
            cid: cid.clone(),
            written: *n as u64,
            ..MemberExport::default()
        })
        .collect();
    assert_eq!(exports, expected, "the summary matches the file");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_member_does_not_cost_the_others_their_lines() {
    let members = vec![(cid(1), 700), (cid(2), 400)];
    let emu = Emulator::start(emulator_config(50, &members))
        .await
        .expect("emulator");
    // A CID the API client may not ask tokens for, between the two.
    let refused = cid(9);
    let cids = vec![cid(1), refused.clone(), cid(2)];
    let out = Shared::default();

    let exports = export_members(&client(emu.base_url()), &cids, out.clone(), &hidden())
        .await
        .expect("the file is written");

    let failed = &exports[1];
    assert_eq!(failed.cid, refused);
    assert_eq!(failed.written, 0);
    assert!(
        failed.error.is_some(),
        "the refused member reports its error"
    );
    for (i, (cid, n)) in [(0, &members[0]), (2, &members[1])] {
        assert_eq!(&exports[i].cid, cid);
        assert_eq!(
            exports[i].written, *n as u64,
            "{cid}: {:?}",
            exports[i].error
        );
        assert_eq!(exports[i].error, None);
    }
    let lines = lines(&out);
    assert_eq!(lines.len(), 1_100);
    assert!(
        lines
            .iter()
            .all(|(tag, _, asset_cid)| tag == asset_cid && *tag != refused)
    );
    emu.shutdown().await;
}
