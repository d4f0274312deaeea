//! The profiles file: where it is and what it holds.
//!
//! ```toml
//! default_profile = "prod"          # optional
//!
//! [profiles.prod]
//! cloud = "us-2"                    # a cloud name or a base URL; optional
//! client_id = "0123abcd..."
//! member_cid = "..."                # optional, for MSSP parents
//! client_secret_command = ["pass", "show", "falcon/prod"]
//! ```
//!
//! The file is read, never written, and holds no secret: a `client_secret`
//! key is refused. It is parsed into a generic table first and its fields
//! taken out by hand, so that no error message ever quotes a value.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exit::Failure;

/// The variable naming the profiles file, instead of the platform's
/// configuration directory.
pub const PATH_VARIABLE: &str = "FALCON_EXPOSURE_CONFIG";

/// Where the profiles file is looked for.
#[derive(Debug, Clone)]
pub enum Location {
    /// Named by [`PATH_VARIABLE`]: it must exist.
    Named(PathBuf),
    /// `config.toml` in the platform's configuration directory: it may
    /// be absent.
    Default(PathBuf),
    /// The platform has no configuration directory (no home directory).
    Unknown,
}

impl Location {
    /// [`PATH_VARIABLE`] when set, else the platform's directory.
    pub fn find(env: &dyn Fn(&str) -> Option<String>) -> Location {
        if let Some(path) = env(PATH_VARIABLE).filter(|p| !p.trim().is_empty()) {
            return Location::Named(PathBuf::from(path));
        }
        match directories::ProjectDirs::from("", "", "falcon-exposure") {
            Some(dirs) => Location::Default(dirs.config_dir().join("config.toml")),
            None => Location::Unknown,
        }
    }

    /// The path for a message: "the profiles file PATH".
    pub fn describe(&self) -> String {
        match self {
            Location::Named(p) => format!("{} (from {PATH_VARIABLE})", p.display()),
            Location::Default(p) => p.display().to_string(),
            Location::Unknown => format!("(no configuration directory: set {PATH_VARIABLE})"),
        }
    }

    /// The file's profiles: `None` when the default file does not exist.
    pub fn load(&self) -> Result<Option<ConfigFile>, Failure> {
        let path = match self {
            Location::Unknown => return Ok(None),
            Location::Named(p) | Location::Default(p) => p,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Location::Named(_) = self {
                    return Err(Failure::usage(format!(
                        "the profiles file {} does not exist: create it or unset {PATH_VARIABLE}",
                        self.describe()
                    )));
                }
                return Ok(None);
            }
            Err(e) => {
                return Err(Failure::usage(format!(
                    "cannot read the profiles file {}: {e}",
                    self.describe()
                )));
            }
        };
        ConfigFile::parse(&text)
            .map(Some)
            .map_err(|e| Failure::usage(format!("the profiles file {}: {e}", self.describe())))
    }
}

/// The parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    /// The profile used when neither `--profile` nor credentials in the
    /// environment are given.
    pub default_profile: Option<String>,
    /// The profiles by name.
    pub profiles: BTreeMap<String, Profile>,
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name.
    pub name: String,
    /// Cloud name or base URL.
    pub cloud: Option<String>,
    /// API client ID.
    pub client_id: Option<String>,
    /// Member CID, for MSSP parents.
    pub member_cid: Option<String>,
    /// The command printing the client secret, run without a shell.
    pub client_secret_command: Option<Vec<String>>,
}

const PROFILE_KEYS: [&str; 4] = ["cloud", "client_id", "member_cid", "client_secret_command"];

impl ConfigFile {
    /// Parses the file's text. Errors name the line, the table and the
    /// key, never a value.
    pub fn parse(text: &str) -> Result<ConfigFile, String> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| {
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!("line {line}, column {column}: ")
                })
                .unwrap_or_default();
            // The message only: toml's full display quotes the line, which
            // may hold a secret written there by mistake.
            format!("{at}{} (TOML syntax)", e.message().trim())
        })?;
        let mut file = ConfigFile::default();
        for (key, value) in &table {
            match key.as_str() {
                "default_profile" => {
                    file.default_profile = Some(string(value, "default_profile")?);
                }
                "profiles" => {
                    let toml::Value::Table(profiles) = value else {
                        return Err("`profiles` must be tables: [profiles.NAME]".into());
                    };
                    for (name, value) in profiles {
                        let profile = Profile::parse(name, value)?;
                        file.profiles.insert(name.clone(), profile);
                    }
                }
                "client_secret" => return Err(no_secrets_on_disk("the top level")),
                other => {
                    return Err(format!(
                        "unknown key `{}` (expected default_profile or [profiles.NAME])",
                        crate::output::terminal(other)
                    ));
                }
            }
        }
        Ok(file)
    }

    /// The profile `name`; an unknown name is an error listing the others.
    pub fn profile(&self, name: &str) -> Result<&Profile, String> {
        self.profiles.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            let known = if known.is_empty() {
                "it has no profile".to_owned()
            } else {
                format!("its profiles are {}", known.join(", "))
            };
            format!(
                "no profile `{}` in the profiles file ({known})",
                crate::output::terminal(name)
            )
        })
    }
}

impl Profile {
    fn parse(name: &str, value: &toml::Value) -> Result<Profile, String> {
        let shown = crate::output::terminal(name);
        let toml::Value::Table(table) = value else {
            return Err(format!(
                "profiles.{shown} must be a table: [profiles.{shown}]"
            ));
        };
        let mut profile = Profile {
            name: name.to_owned(),
            ..Profile::default()
        };
        for (key, value) in table {
            let what = format!("profiles.{shown}.{}", crate::output::terminal(key));
            match key.as_str() {
                "cloud" => profile.cloud = Some(string(value, &what)?),
                "client_id" => profile.client_id = Some(string(value, &what)?),
                "member_cid" => profile.member_cid = Some(string(value, &what)?),
                "client_secret_command" => {
                    let toml::Value::Array(items) = value else {
                        return Err(format!(
                            "{what} must be a list of strings, the program and its arguments: [\"pass\", \"show\", \"falcon\"]"
                        ));
                    };
                    let argv = items
                        .iter()
                        .map(|item| string(item, &what))
                        .collect::<Result<Vec<_>, _>>()?;
                    if argv.is_empty() {
                        return Err(format!("{what} is empty: name the program to run"));
                    }
                    profile.client_secret_command = Some(argv);
                }
                "client_secret" => return Err(no_secrets_on_disk(&format!("profiles.{shown}"))),
                _ => {
                    return Err(format!(
                        "unknown key {what} (expected one of {})",
                        PROFILE_KEYS.join(", ")
                    ));
                }
            }
        }
        Ok(profile)
    }
}

/// A string value, non-empty after trimming.
fn string(value: &toml::Value, what: &str) -> Result<String, String> {
    match value {
        toml::Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        toml::Value::String(_) => Err(format!("{what} is empty")),
        _ => Err(format!("{what} must be a string")),
    }
}

fn no_secrets_on_disk(place: &str) -> String {
    format!(
        "`client_secret` in {place} is refused: falcon-exposure never keeps secrets on disk. \
         Remove it (and rotate the secret if the file was shared), then set \
         client_secret_command = [\"program\", \"arg\", ...] to a command that prints it \
         (a password manager's), or use FALCON_CLIENT_ID and FALCON_CLIENT_SECRET"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profiles() {
        let file = ConfigFile::parse(
            r#"
            default_profile = "prod"
            [profiles.prod]
            cloud = "us-2"
            client_id = " abcd "
            member_cid = "m"
            client_secret_command = ["pass", "show", "falcon"]
            [profiles.lab]
            client_id = "x"
            "#,
        )
        .unwrap();
        assert_eq!(file.default_profile.as_deref(), Some("prod"));
        let prod = file.profile("prod").unwrap();
        assert_eq!(prod.cloud.as_deref(), Some("us-2"));
        assert_eq!(prod.client_id.as_deref(), Some("abcd"));
        assert_eq!(
            prod.client_secret_command.as_deref(),
            Some(&["pass".to_owned(), "show".into(), "falcon".into()][..])
        );
        assert!(file.profile("lab").unwrap().client_secret_command.is_none());
        let e = file.profile("nope").unwrap_err();
        assert!(e.contains("its profiles are lab, prod"), "{e}");
    }

    #[test]
    fn errors_never_quote_values() {
        let secret = "s3cr3t-value";
        for text in [
            format!("[profiles.p]\nclient_secret = \"{secret}\""),
            format!("client_secret = \"{secret}\""),
            format!("[profiles.p]\nclient_secret_command = \"{secret}\""),
            format!("[profiles.p]\nclient_id = [\"{secret}\"]"),
            format!("[profiles.p]\nclient_secret = \"{secret}"),
            format!("[profiles.p]\nclient_secret_command = [\"a\", {secret}]"),
        ] {
            let e = ConfigFile::parse(&text).unwrap_err();
            assert!(!e.contains(secret), "{e}");
        }
        let e =
            ConfigFile::parse(&format!("[profiles.p]\nclient_secret = \"{secret}\"")).unwrap_err();
        assert!(
            e.contains("never keeps secrets on disk") && e.contains("client_secret_command"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = ConfigFile::parse("[profiles.p]\ncloud = \n").unwrap_err();
        assert!(e.starts_with("line 2, column"), "{e}");
    }

    #[test]
    fn unknown_keys_and_bad_shapes_are_refused() {
        assert!(
            ConfigFile::parse("colud = 1")
                .unwrap_err()
                .contains("unknown key `colud`")
        );
        let e = ConfigFile::parse("[profiles.p]\nclod = \"us-1\"").unwrap_err();
        assert!(e.contains("profiles.p.clod"), "{e}");
        let e = ConfigFile::parse("[profiles.p]\nclient_secret_command = []").unwrap_err();
        assert!(e.contains("is empty"), "{e}");
        let e = ConfigFile::parse("profiles = 3").unwrap_err();
        assert!(e.contains("must be tables"), "{e}");
    }
}
