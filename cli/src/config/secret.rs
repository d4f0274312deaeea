//! A profile's client secret: printed by `client_secret_command`, or kept
//! by the OS keychain (with the `keyring` feature). Never from the file,
//! never from the environment, never written anywhere.

use std::fmt;
use std::process::{Command, Stdio};

use crate::config::file::Profile;
use crate::exit::Failure;

/// The keychain service name.
#[cfg(feature = "keyring")]
const KEYCHAIN_SERVICE: &str = "falcon-exposure";

/// A client secret: shown as `***` by `Debug`, with no `Display`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps `s`.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the client builder only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a profile's secret came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFrom {
    /// `client_secret_command`.
    Command,
    /// The OS keychain.
    Keychain,
}

impl fmt::Display for SecretFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretFrom::Command => "client_secret_command",
            SecretFrom::Keychain => "the OS keychain",
        })
    }
}

/// The secret of `profile`, whose client ID is `client_id`.
pub fn of_profile(profile: &Profile, client_id: &str) -> Result<(Secret, SecretFrom), Failure> {
    if let Some(argv) = &profile.client_secret_command {
        return run_command(&profile.name, argv).map(|s| (s, SecretFrom::Command));
    }
    keychain(profile, client_id).map(|s| (s, SecretFrom::Keychain))
}

/// Runs `argv` without a shell; its trimmed standard output is the secret.
/// Errors name the profile and the program, never what it printed.
fn run_command(profile: &str, argv: &[String]) -> Result<Secret, Failure> {
    let profile = crate::output::terminal(profile);
    let Some((program, args)) = argv.split_first() else {
        return Err(Failure::usage(format!(
            "profile {profile}: client_secret_command is empty"
        )));
    };
    let shown = crate::output::terminal(program);
    // stdin is the tool's own; stderr is the user's, for a password
    // manager's prompts and errors.
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| {
            Failure::usage(format!(
                "profile {profile}: cannot run client_secret_command `{shown}`: {e}"
            ))
        })?;
    if !output.status.success() {
        let status = match output.status.code() {
            Some(code) => format!("exit status {code}"),
            None => "a signal".to_owned(),
        };
        return Err(Failure::usage(format!(
            "profile {profile}: client_secret_command `{shown}` failed ({status}); run it by hand to see why"
        )));
    }
    let Ok(text) = String::from_utf8(output.stdout) else {
        return Err(Failure::usage(format!(
            "profile {profile}: client_secret_command `{shown}` printed something that is not UTF-8 text"
        )));
    };
    let secret = text.trim();
    if secret.is_empty() {
        return Err(Failure::usage(format!(
            "profile {profile}: client_secret_command `{shown}` printed nothing: it must print the client secret"
        )));
    }
    Ok(Secret::new(secret))
}

/// The secret kept by the OS keychain under the profile's client ID.
#[cfg(feature = "keyring")]
fn keychain(profile: &Profile, client_id: &str) -> Result<Secret, Failure> {
    let name = crate::output::terminal(&profile.name);
    let entry = keyring::Entry::new(KEYCHAIN_SERVICE, client_id)
        .map_err(|e| Failure::usage(format!("profile {name}: cannot open the OS keychain: {e}")))?;
    match entry.get_password() {
        Ok(secret) if !secret.trim().is_empty() => Ok(Secret::new(secret.trim())),
        Ok(_) | Err(keyring::Error::NoEntry) => Err(Failure::usage(format!(
            "profile {name} has no client secret: store it in the OS keychain under service \
             \"{KEYCHAIN_SERVICE}\" and account the profile's client_id, or set \
             client_secret_command = [\"program\", \"arg\", ...]"
        ))),
        Err(e) => Err(Failure::usage(format!(
            "profile {name}: the OS keychain failed: {e}"
        ))),
    }
}

/// Without the `keyring` feature there is no keychain to ask.
#[cfg(not(feature = "keyring"))]
fn keychain(profile: &Profile, _client_id: &str) -> Result<Secret, Failure> {
    Err(Failure::usage(format!(
        "profile {} has no client secret: set client_secret_command = [\"program\", \"arg\", ...] \
         to a command printing it (a password manager's), or use a build with the `keyring` \
         feature to read it from the OS keychain",
        crate::output::terminal(&profile.name)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        assert_eq!(format!("{:?}", Secret::new("abc")), "***");
    }

    #[cfg(unix)]
    #[test]
    fn commands_run_without_a_shell_and_are_trimmed() {
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let s = run_command("p", &argv(&["echo", " top secret ", "$HOME"])).unwrap();
        // No shell: `$HOME` is passed as is.
        assert_eq!(s.expose(), "top secret  $HOME");
        let e = run_command("p", &argv(&["sh", "-c", "echo leaked; exit 3"])).unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("profile p") && e.contains("`sh`") && e.contains("exit status 3"),
            "{e}"
        );
        assert!(!e.contains("leaked"), "{e}");
        let e = run_command("p", &argv(&["true"])).unwrap_err().to_string();
        assert!(e.contains("printed nothing"), "{e}");
        let e = run_command("p", &argv(&["/nonexistent/falcon-secret"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot run"), "{e}");
    }
}
