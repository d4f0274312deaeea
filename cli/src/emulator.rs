//! `falcon-exposure emulator`: the built-in emulator of the API on
//! loopback, so that every command can be tried without a tenant.

use std::io::Write;

use clap::Args;
use falcon_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig};
use futures::FutureExt;

use crate::exit::{Code, Failure};

/// `emulator` flags.
///
/// Serves a generated inventory on 127.0.0.1 until Ctrl-C (exit 0), and
/// prints the emulator's own test credentials and the FALCON_* variables
/// that point the other commands at it. Nothing leaves the machine.
#[derive(Args, Debug)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Number of generated assets.
    #[arg(long, default_value_t = 2_000)]
    pub assets: usize,
    /// Seed of the generated inventory: the same seed gives the same assets.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Runs `emulator` until interrupted.
pub async fn run(args: EmulatorArgs) -> Result<Code, Failure> {
    let config = EmulatorConfig::default()
        .assets(args.assets)
        .seed(args.seed)
        .port(args.port);
    let emulator = Emulator::start(config).await.map_err(|e| {
        Failure::usage(format!(
            "the emulator cannot start on 127.0.0.1:{}: {e}; pick another --port, or 0 for a free one",
            args.port
        ))
    })?;
    // Handlers set before the lines are printed: whoever reads them may
    // interrupt at once.
    let mut interrupt = crate::export::interrupt::signal();
    if (&mut interrupt).now_or_never().is_some() {
        emulator.shutdown().await;
        return Ok(Code::Success);
    }
    let url = emulator.base_url();
    // These are the emulator's fixed test credentials, printed on purpose:
    // they open nothing but this loopback server.
    let text = format!(
        "falcon-exposure emulator: {} assets (seed {}) on {url}, until Ctrl-C\n\
         Its test credentials, for the other commands (in another shell):\n\
         export FALCON_CLIENT_ID={DEFAULT_CLIENT_ID}\n\
         export FALCON_CLIENT_SECRET={DEFAULT_CLIENT_SECRET}\n\
         export FALCON_CLOUD={url}\n",
        emulator.asset_count(),
        args.seed,
    );
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Failure::io("writing to stdout"))?;
    drop(out);
    interrupt.await;
    emulator.shutdown().await;
    Ok(Code::Success)
}
