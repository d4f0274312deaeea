//! An emulator on loopback and the tool's binary pointed at it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, EmulatorHandle,
};
use falcon_exposure::Client;
use falcon_exposure::models::FemExternalAsset;
use futures::TryStreamExt;

/// The tool's binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_falcon-exposure");

/// An emulator started with `config`.
pub async fn emulator(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::start(config).await.expect("emulator starts")
}

/// A library client of `emu`, to check the tool's work against.
pub fn library(emu: &EmulatorHandle) -> Client {
    Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .build()
        .expect("client builds")
}

/// Every asset of `client`'s account, through the library.
pub async fn assets(client: &Client) -> Vec<FemExternalAsset> {
    client
        .export_assets("")
        .items()
        .try_collect()
        .await
        .expect("the library exports")
}

/// A fresh directory for a test's files (and its configuration home),
/// under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        fastrand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn fastrand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// The binary with a clean environment: the emulator's credentials and
/// URL in `FALCON_*`, and `home` as its home and configuration directory,
/// so no profile of the machine is read.
pub fn command(emu: &EmulatorHandle, home: &Path) -> tokio::process::Command {
    let mut c = bare(home);
    c.env("FALCON_CLIENT_ID", DEFAULT_CLIENT_ID)
        .env("FALCON_CLIENT_SECRET", DEFAULT_CLIENT_SECRET)
        .env("FALCON_CLOUD", emu.base_url().as_str());
    c
}

/// The binary with no credentials in its environment.
pub fn bare(home: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("NO_COLOR", "1")
        .kill_on_drop(true);
    c
}

/// Runs `c` to the end.
pub async fn run(c: &mut tokio::process::Command) -> Output {
    c.output().await.expect("the binary runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code (-1 when killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}
