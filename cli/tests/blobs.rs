//! `falcon-exposure blobs` end to end: every blob of the selected assets
//! downloaded whole, a second run skipping what is complete, names that
//! would leave the folder refused, and the size limit.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use falcon_emulator::{EmulatorConfig, EmulatorHandle};

use crate::common;

const BLOB_SIZE: u64 = 10_000;

async fn emulator(assets: usize) -> EmulatorHandle {
    let mut config = EmulatorConfig::default().assets(assets);
    config.blob_size = BLOB_SIZE;
    common::emulator(config).await
}

/// The files `blobs` should write for the emulator's assets: one per
/// distinct download link, `ASSET_ID/HASH.KIND`.
async fn expected(emu: &EmulatorHandle) -> BTreeSet<PathBuf> {
    let assets = common::assets(&common::library(emu)).await;
    let mut files = BTreeSet::new();
    for asset in &assets {
        let id = asset.id.as_deref().expect("an id");
        let services = asset
            .ip
            .iter()
            .flat_map(|i| i.services.iter().flatten())
            .chain(
                asset
                    .dns_domain
                    .iter()
                    .flat_map(|d| d.services.iter().flatten()),
            );
        for s in services {
            let links = s.blob_links.as_ref().expect("blob links");
            for (kind, link) in [
                ("banner", &links.download_banner),
                ("attributes", &links.download_attributes),
            ] {
                let link = link.as_deref().expect("a link");
                let hash = link.rsplit_once("hash=").expect("a hash").1;
                files.insert(Path::new(id).join(format!("{hash}.{kind}")));
            }
        }
    }
    files
}

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).expect("under root").to_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

async fn blobs(emu: &EmulatorHandle, home: &Path, args: &[&str]) -> std::process::Output {
    let mut c = common::command(emu, home);
    c.arg("blobs").args(args);
    common::run(&mut c).await
}

fn path(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

#[tokio::test]
async fn blobs_are_downloaded_whole_and_a_second_run_skips_the_complete_ones() {
    let home = common::temp_dir("blobs-resume");
    let emu = emulator(8).await;
    let want = expected(&emu).await;
    assert!(want.len() >= 8, "{want:?}");
    let out = home.join("evidence");
    let o = blobs(&emu, &home, &["--filter", "", "--out", path(&out)]).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    assert_eq!(files(&out), want);
    for file in &want {
        let bytes = std::fs::read(out.join(file)).expect("readable");
        assert_eq!(bytes.len() as u64, BLOB_SIZE, "{}", file.display());
        // The emulator's blob: a banner line, then its hash repeated.
        let hash = file.file_stem().and_then(|s| s.to_str()).expect("a hash");
        assert!(
            String::from_utf8_lossy(&bytes).contains(&format!("\n{hash}\n")),
            "{}",
            file.display()
        );
    }

    // One complete file changed (a second run must not fetch it again),
    // one removed with a partial download left beside it (it must be).
    let mut names = want.iter();
    let kept = out.join(names.next().expect("a file"));
    std::fs::write(&kept, b"kept").expect("written");
    let removed = names.next().expect("a second file").clone();
    std::fs::remove_file(out.join(&removed)).expect("removed");
    let part = out.join(&removed).with_file_name(format!(
        ".{}.part",
        removed
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name")
    ));
    std::fs::write(&part, b"half").expect("written");

    let o = blobs(&emu, &home, &["--filter", "", "--out", path(&out)]).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(
        err.contains(&format!(
            "1 blob(s) downloaded ({BLOB_SIZE} bytes), {} already complete, 0 failed",
            want.len() - 1
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(&kept).expect("readable"), b"kept");
    assert_eq!(
        std::fs::metadata(out.join(&removed))
            .expect("downloaded again")
            .len(),
        BLOB_SIZE
    );
    assert!(!part.exists(), "the partial file was replaced");
    assert_eq!(files(&out), want);
    emu.shutdown().await;
}

#[tokio::test]
async fn an_id_that_would_leave_the_folder_is_refused() {
    let home = common::temp_dir("blobs-traversal");
    let emu = emulator(2).await;
    let out = home.join("evidence");
    for id in ["../x", "..", "/etc", "a/../../x"] {
        let o = blobs(&emu, &home, &["--id", id, "--out", path(&out)]).await;
        assert_eq!(common::code(&o), 2, "{id}: {}", common::stderr(&o));
        let err = common::stderr(&o);
        assert!(
            err.contains(&format!("--id `{id}` cannot name a folder")),
            "{err}"
        );
    }
    assert!(!out.exists(), "nothing was created");
    assert!(!home.join("x").exists());
    emu.shutdown().await;
}

#[tokio::test]
async fn a_blob_over_the_size_limit_is_not_written() {
    let home = common::temp_dir("blobs-limit");
    let emu = emulator(2).await;
    let want = expected(&emu).await;
    let id = want
        .iter()
        .next()
        .and_then(|f| f.parent())
        .and_then(|p| p.to_str())
        .expect("an asset with blobs")
        .to_owned();
    let out = home.join("evidence");
    let o = blobs(
        &emu,
        &home,
        &["--id", &id, "--out", path(&out), "--max-size", "100"],
    )
    .await;
    assert_eq!(common::code(&o), 3, "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(err.contains("over --max-size 100"), "{err}");
    assert!(err.contains("0 blob(s) downloaded"), "{err}");
    assert_eq!(files(&out), BTreeSet::new(), "no file, complete or partial");

    // Within the limit, the same asset's blobs are written.
    let o = blobs(&emu, &home, &["--id", &id, "--out", path(&out)]).await;
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let got = files(&out);
    assert!(
        !got.is_empty() && got.iter().all(|f| f.starts_with(&id)),
        "{got:?}"
    );
    emu.shutdown().await;
}
