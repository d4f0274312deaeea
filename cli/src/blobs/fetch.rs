//! One blob downloaded: streamed to a temporary name beside its file
//! (`.NAME.part`), bounded, synced, then renamed, so that a file under its
//! own name is always complete and a second run can skip it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use falcon_exposure::{Client, Error};
use tokio::io::AsyncWriteExt;

use crate::blobs::plan::Blob;

/// How a blob's download went.
#[derive(Debug)]
pub enum Outcome {
    /// Written: its size.
    Downloaded(u64),
    /// Its file was there: complete from an earlier run.
    Skipped,
    /// Not written, and why (one line).
    Failed(String),
}

/// Downloads `blob` into `dir`, at most `max` bytes.
pub async fn fetch(client: &Client, blob: &Blob, dir: &Path, max: u64) -> Outcome {
    let path = dir.join(&blob.file);
    match tokio::fs::try_exists(&path).await {
        Ok(true) => return Outcome::Skipped,
        Ok(false) => {}
        Err(e) => return Outcome::Failed(format!("{}: {e}", path.display())),
    }
    let part = part_path(&path);
    let result = download(client, blob, &path, &part, max).await;
    if result.is_err() {
        // A partial file is never left under a name that looks complete;
        // the temporary one goes too (a kill may still leave it, and the
        // next run writes it over).
        let _ = tokio::fs::remove_file(&part).await;
    }
    match result {
        Ok(size) => Outcome::Downloaded(size),
        Err(why) => Outcome::Failed(why),
    }
}

async fn download(
    client: &Client,
    blob: &Blob,
    path: &Path,
    part: &Path,
    max: u64,
) -> Result<u64, String> {
    let shown = path.display();
    let io = |what: &str| {
        let what = format!("{what} {}", part.display());
        move |e: std::io::Error| format!("{what}: {e}")
    };
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    let reply = client
        .download_assets()
        .asset_id(&blob.asset_id)
        .hash(&blob.hash)
        .send()
        .await
        .map_err(|e| api(&e))?;
    if let Some(len) = reply.content_length().filter(|len| *len > max) {
        return Err(format!(
            "{shown}: the blob is {len} bytes, over --max-size {max}; raise --max-size to download it"
        ));
    }
    let mut file = tokio::fs::File::create(part)
        .await
        .map_err(io("creating"))?;
    let size = match reply.max_bytes(max).write_to(&mut file).await {
        Ok(size) => size,
        Err(Error::TooLarge { .. }) => {
            return Err(format!(
                "{shown}: the blob is over --max-size {max} bytes; raise --max-size to download it"
            ));
        }
        Err(e) => return Err(format!("{shown}: {}", api(&e))),
    };
    file.flush().await.map_err(io("writing"))?;
    file.sync_all().await.map_err(io("syncing"))?;
    drop(file);
    tokio::fs::rename(part, path)
        .await
        .map_err(|e| format!("renaming {} to {shown}: {e}", part.display()))?;
    Ok(size)
}

/// `.NAME.part` beside `path`: hidden, and never a name a blob gets.
fn part_path(path: &Path) -> PathBuf {
    let mut name = OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".part");
    path.with_file_name(name)
}

/// The first line of an API error, safe for a terminal.
fn api(e: &Error) -> String {
    let text = e.to_string();
    crate::output::terminal(text.lines().next().unwrap_or_default()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temporary_name_is_hidden_beside_the_file() {
        assert_eq!(
            part_path(Path::new("d/a1/h1.banner")),
            PathBuf::from("d/a1/.h1.banner.part")
        );
    }
}
