//! The flags every command takes.

use std::path::PathBuf;

use clap::Args;

/// Flags every command takes.
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Configuration profile to use, from the profiles file (config.toml in
    /// the platform's configuration directory, or the file
    /// FALCON_EXPOSURE_CONFIG names); its credentials and member CID are
    /// used alone, never mixed with the environment's.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Cloud name (us-1, us-2, eu-1, us-gov-1, ...) or base URL; overrides
    /// the profile's or FALCON_CLOUD.
    #[arg(long, global = true, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// Extra PEM root certificates to trust (a TLS-inspecting proxy's),
    /// besides the bundled and the operating system's; SSL_CERT_FILE is
    /// loaded too when set.
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// More logs on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Errors only on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}
