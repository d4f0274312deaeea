//! Where the client's credentials, cloud, member CID and extra roots come
//! from.
//!
//! Each setting is taken from the first of: a flag (`--cloud`,
//! `--ca-file`), the profile named with `--profile`, the environment
//! (`FALCON_CLIENT_ID`, `FALCON_CLIENT_SECRET`, `FALCON_CLOUD`,
//! `FALCON_MEMBER_CID`, `SSL_CERT_FILE`), the file's `default_profile`.
//!
//! The credentials come as a unit from one source, never mixed: with
//! `--profile`, the environment's are ignored; else both variables or
//! neither must be set (one alone is an error, not a fallback to a
//! profile); the default profile is used only when the environment has no
//! credentials, and then for the cloud too, unless `FALCON_CLOUD` says
//! otherwise. The member CID, which picks the tenant, always comes with
//! the credentials: `FALCON_MEMBER_CID` with the environment's, a
//! profile's `member_cid` with the profile's.
//!
//! Profiles are in `config.toml` in the platform's configuration directory
//! (`$XDG_CONFIG_HOME/falcon-exposure/` on Linux, `~/Library/Application
//! Support/falcon-exposure/` on macOS, `%APPDATA%\falcon-exposure\config\`
//! on Windows), or the file `FALCON_EXPOSURE_CONFIG` names; see [`mod@file`].
//! A secret is never read from the file nor written anywhere.

pub mod file;
pub mod roots;
pub mod secret;

use std::fmt;
use std::path::PathBuf;

use falcon_exposure::{Client, ClientBuilder, Cloud, Target};

use crate::exit::Failure;
use crate::global::GlobalArgs;
use file::{ConfigFile, Location, Profile};
use roots::RootFile;
use secret::{Secret, SecretFrom};

/// The environment's credential variables.
pub const ID_VARIABLE: &str = "FALCON_CLIENT_ID";
/// See [`ID_VARIABLE`].
pub const SECRET_VARIABLE: &str = "FALCON_CLIENT_SECRET";
const CLOUD_VARIABLE: &str = "FALCON_CLOUD";
const MEMBER_VARIABLE: &str = "FALCON_MEMBER_CID";
const CA_VARIABLE: &str = "SSL_CERT_FILE";

/// Where a setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// The profile named with `--profile`.
    Profile,
    /// The file's `default_profile`.
    DefaultProfile,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(name) => write!(f, "flag {name}"),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::Profile => f.write_str("the profile given with --profile"),
            Source::DefaultProfile => f.write_str("the default profile (default_profile)"),
        }
    }
}

/// Where the credentials came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialsFrom {
    /// `FALCON_CLIENT_ID` and `FALCON_CLIENT_SECRET`.
    Env,
    /// A profile's `client_id`, and its secret from `secret`.
    Profile {
        /// Named with `--profile` (else the default profile).
        explicit: bool,
        /// Where its secret came from.
        secret: SecretFrom,
    },
}

impl fmt::Display for CredentialsFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsFrom::Env => write!(f, "environment ({ID_VARIABLE}, {SECRET_VARIABLE})"),
            CredentialsFrom::Profile { explicit, secret } => {
                let which = if *explicit {
                    Source::Profile
                } else {
                    Source::DefaultProfile
                };
                write!(f, "{which}, secret from {secret}")
            }
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The value.
    pub value: String,
    /// Its source.
    pub source: Source,
}

/// Where the profiles file is, and whether it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// Named by `FALCON_EXPOSURE_CONFIG`, and read.
    Named,
    /// In the configuration directory, and read.
    Found,
    /// No file in the configuration directory.
    Absent,
}

/// The resolved settings, the secret included (never shown).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the credentials came from.
    pub credentials: CredentialsFrom,
    /// The API client ID.
    pub client_id: String,
    secret: Secret,
    /// The cloud name or base URL (`None`: us-1 with autodiscovery).
    pub cloud: Option<Setting>,
    /// The member CID, for MSSP parents.
    pub member_cid: Option<Setting>,
    /// Extra root certificates.
    pub roots: Vec<RootFile>,
    /// The profiles file.
    pub file: FileStatus,
}

/// The client for `global`'s settings.
pub fn client(global: &GlobalArgs) -> Result<Client, Failure> {
    resolve(global)?.client()
}

/// The settings for `global` and the process's environment.
pub fn resolve(global: &GlobalArgs) -> Result<Settings, Failure> {
    resolve_with(global, &|name| std::env::var(name).ok())
}

/// The settings for `global`, reading variables through `env`.
pub fn resolve_with(
    global: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, Failure> {
    resolve_at(global, Location::find(env), env)
}

/// The settings for `global`, with the profiles file at `location`.
fn resolve_at(
    global: &GlobalArgs,
    location: Location,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, Failure> {
    let var = |name: &str| {
        env(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let config = location.load()?;
    let env_id = var(ID_VARIABLE);
    let env_secret = var(SECRET_VARIABLE);
    let env_has_credentials = env_id.is_some() || env_secret.is_some();
    let (profile, explicit) =
        chosen_profile(global, config.as_ref(), &location, env_has_credentials)?;
    let (credentials, client_id, secret) = match profile {
        Some(p) => {
            if explicit && env_has_credentials {
                tracing::info!(
                    "--profile given: {ID_VARIABLE} and {SECRET_VARIABLE} in the environment are ignored"
                );
            }
            profile_credentials(p, explicit, &location)?
        }
        None => env_credentials(env_id, env_secret, &location)?,
    };
    let layers = Layers {
        explicit,
        var: &var,
    };
    let cloud = layers.pick(
        global.cloud.as_ref().map(|c| ("--cloud", c)),
        profile.and_then(|p| p.cloud.as_ref()),
        CLOUD_VARIABLE,
    );
    let member_cid = member_cid(&credentials, profile, &layers);

    let mut roots = Vec::new();
    if let Some(path) = &global.ca_file {
        roots.push(RootFile::load("--ca-file", path)?);
    }
    if let Some(path) = var(CA_VARIABLE) {
        roots.push(RootFile::load(CA_VARIABLE, &PathBuf::from(path))?);
    }

    let file = match (&location, &config) {
        (_, None) => FileStatus::Absent,
        (Location::Named(_), Some(_)) => FileStatus::Named,
        (_, Some(_)) => FileStatus::Found,
    };
    Ok(Settings {
        credentials,
        client_id,
        secret,
        cloud,
        member_cid,
        roots,
        file,
    })
}

/// The one profile in use, if any, and whether `--profile` named it.
fn chosen_profile<'c>(
    global: &GlobalArgs,
    config: Option<&'c ConfigFile>,
    location: &Location,
    env_has_credentials: bool,
) -> Result<(Option<&'c Profile>, bool), Failure> {
    Ok(match (&global.profile, config) {
        (Some(name), Some(config)) => (Some(profile(config, name, location)?), true),
        (Some(name), None) => {
            return Err(Failure::usage(format!(
                "--profile {}: there is no profiles file at {}; create it with a [profiles.{0}] table",
                crate::output::terminal(name),
                location.describe()
            )));
        }
        (None, _) if env_has_credentials => (None, false),
        (None, Some(config)) => match &config.default_profile {
            Some(name) => (Some(profile(config, name, location)?), false),
            None => (None, false),
        },
        (None, None) => (None, false),
    })
}

/// The credentials of profile `p`.
fn profile_credentials(
    p: &Profile,
    explicit: bool,
    location: &Location,
) -> Result<(CredentialsFrom, String, Secret), Failure> {
    let client_id = p.client_id.clone().ok_or_else(|| {
        Failure::usage(format!(
            "profile {} in {} has no client_id",
            crate::output::terminal(&p.name),
            location.describe()
        ))
    })?;
    let (secret, from) = secret::of_profile(p, &client_id)?;
    let credentials = CredentialsFrom::Profile {
        explicit,
        secret: from,
    };
    Ok((credentials, client_id, secret))
}

/// The credentials of the environment: both variables, or an error naming
/// what is missing.
fn env_credentials(
    id: Option<String>,
    secret: Option<String>,
    location: &Location,
) -> Result<(CredentialsFrom, String, Secret), Failure> {
    match (id, secret) {
        (Some(id), Some(secret)) => Ok((CredentialsFrom::Env, id, Secret::new(secret))),
        (Some(_), None) => Err(half_set(SECRET_VARIABLE, ID_VARIABLE)),
        (None, Some(_)) => Err(half_set(ID_VARIABLE, SECRET_VARIABLE)),
        (None, None) => Err(Failure::usage(format!(
            "no credentials: set {ID_VARIABLE} and {SECRET_VARIABLE}, or add a profile to \
             the profiles file {} and pass --profile NAME or set default_profile there",
            location.describe()
        ))),
    }
}

/// Where a setting may come from besides its flag, and in which order.
struct Layers<'a> {
    /// `--profile` named the profile: it wins over the environment.
    explicit: bool,
    /// The environment's non-empty variables.
    var: &'a dyn Fn(&str) -> Option<String>,
}

impl Layers<'_> {
    fn profile_source(&self) -> Source {
        if self.explicit {
            Source::Profile
        } else {
            Source::DefaultProfile
        }
    }

    /// A setting: flag, explicit profile, environment, default profile.
    fn pick(
        &self,
        flag: Option<(&'static str, &String)>,
        of_profile: Option<&String>,
        variable: &'static str,
    ) -> Option<Setting> {
        if let Some((name, value)) = flag {
            return Some(Setting {
                value: value.trim().to_owned(),
                source: Source::Flag(name),
            });
        }
        let profile_setting = of_profile.map(|value| Setting {
            value: value.clone(),
            source: self.profile_source(),
        });
        let env_setting = (self.var)(variable).map(|value| Setting {
            value,
            source: Source::Env(variable),
        });
        if self.explicit {
            if profile_setting.is_some() && env_setting.is_some() {
                tracing::info!("--profile given: {variable} in the environment is ignored");
            }
            profile_setting.or(env_setting)
        } else {
            env_setting.or(profile_setting)
        }
    }
}

/// The member CID. It picks the tenant, so it belongs to the credentials'
/// source: a leftover FALCON_MEMBER_CID never sends a profile's requests to
/// another tenant.
fn member_cid(
    credentials: &CredentialsFrom,
    profile: Option<&Profile>,
    layers: &Layers<'_>,
) -> Option<Setting> {
    let from_env = (layers.var)(MEMBER_VARIABLE);
    match credentials {
        CredentialsFrom::Env => from_env.map(|value| Setting {
            value,
            source: Source::Env(MEMBER_VARIABLE),
        }),
        CredentialsFrom::Profile { .. } => {
            if from_env.is_some() {
                tracing::warn!(
                    "{MEMBER_VARIABLE} is ignored: the credentials come from a profile, whose \
                     member_cid (if any) picks the tenant"
                );
            }
            profile
                .and_then(|p| p.member_cid.clone())
                .map(|value| Setting {
                    value,
                    source: layers.profile_source(),
                })
        }
    }
}

/// The profile `name` of `config`.
fn profile<'c>(
    config: &'c ConfigFile,
    name: &str,
    location: &Location,
) -> Result<&'c Profile, Failure> {
    config
        .profile(name)
        .map_err(|e| Failure::usage(format!("{e}; the file is {}", location.describe())))
}

/// One credential variable set without the other.
fn half_set(missing: &str, set: &str) -> Failure {
    Failure::usage(format!(
        "{set} is set but {missing} is not: set both, or unset {set} to use a profile \
         (credentials are never mixed between the environment and a profile)"
    ))
}

impl Settings {
    /// The client for these settings. A bad cloud or URL is a usage error.
    pub fn client(&self) -> Result<Client, Failure> {
        let mut builder = ClientBuilder::default()
            .client_id(self.client_id.clone())
            .client_secret(self.secret.expose())
            .user_agent(concat!("falcon-exposure-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(cloud) = &self.cloud {
            let target: Target = cloud
                .value
                .parse()
                .map_err(|e| Failure::usage(format!("{e} (the cloud is from {})", cloud.source)))?;
            builder = builder.target(target);
        }
        if let Some(member) = &self.member_cid {
            builder = builder.member_cid(member.value.clone());
        }
        for root in &self.roots {
            builder = builder.add_root_certificate_pem(root.pem.clone());
        }
        builder.build().map_err(|e| match (e, &self.cloud) {
            (falcon_exposure::Error::Config(m), Some(cloud)) => {
                Failure::usage(format!("{m} (the cloud is from {})", cloud.source))
            }
            (falcon_exposure::Error::Config(m), None) => Failure::usage(m),
            (e, _) => Failure::from(e),
        })
    }

    /// The client ID's first 4 characters, for a report.
    pub fn client_id_hint(&self) -> String {
        let shown: String = self.client_id.chars().take(4).collect();
        format!("{}…", crate::output::terminal(&shown))
    }

    /// The configured cloud for a report: a cloud's name, "custom
    /// (loopback)" or "custom", never a host name.
    pub fn cloud_label(&self) -> String {
        match &self.cloud {
            None => "us-1 (the default, with autodiscovery)".to_owned(),
            Some(cloud) => match cloud.value.parse::<Target>() {
                Ok(Target::Cloud(c)) => c.name().to_owned(),
                Ok(Target::Url(url)) => url_label(&url),
                Ok(_) => "custom".to_owned(),
                Err(_) => "invalid".to_owned(),
            },
        }
    }
}

/// A base URL for a report: the name of the cloud it is the URL of, else
/// "custom (loopback)" or "custom".
pub fn url_label(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let Some((scheme, rest)) = url.split_once("://") else {
        return "custom".to_owned();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let host = host.to_ascii_lowercase();
    for cloud in Cloud::ALL {
        let known = cloud.base_url().trim_start_matches("https://");
        if scheme.eq_ignore_ascii_case("https") && host == known {
            return cloud.name().to_owned();
        }
    }
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        "custom (loopback)".to_owned()
    } else {
        "custom".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A file removed on drop.
    struct TempFile(PathBuf);

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn write_file(text: &str) -> TempFile {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "falcon-exposure-config-test-{}-{}.toml",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, text).expect("temp file");
        TempFile(path)
    }

    /// Resolves with only `vars` in the environment and the profiles in
    /// `file` (none: a default location where no file exists).
    fn resolve_in(
        global: &GlobalArgs,
        file: Option<&TempFile>,
        vars: &[(&str, &str)],
    ) -> Result<Settings, Failure> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let location = match file {
            Some(f) => Location::Named(f.0.clone()),
            None => Location::Default(
                std::env::temp_dir().join("falcon-exposure-no-such-dir/config.toml"),
            ),
        };
        resolve_at(global, location, &|name| map.get(name).cloned())
    }

    const PROFILES: &str = r#"
        default_profile = "def"
        [profiles.def]
        client_id = "def-id"
        cloud = "eu-1"
        member_cid = "def-member"
        client_secret_command = ["echo", "def-secret"]
        [profiles.other]
        client_id = "other-id"
        cloud = "us-2"
        client_secret_command = ["echo", "other-secret"]
    "#;

    #[cfg(unix)]
    #[test]
    fn precedence_of_flags_profiles_and_the_environment() {
        let f = write_file(PROFILES);
        let env = [
            (ID_VARIABLE, "env-id"),
            (SECRET_VARIABLE, "env-secret"),
            (CLOUD_VARIABLE, "us-gov-1"),
        ];
        // Environment credentials beat the default profile, which is then
        // not used at all.
        let s = resolve_in(&GlobalArgs::default(), Some(&f), &env).unwrap();
        assert_eq!(s.credentials, CredentialsFrom::Env);
        assert_eq!(s.client_id, "env-id");
        assert_eq!(s.secret.expose(), "env-secret");
        assert_eq!(s.cloud.as_ref().unwrap().value, "us-gov-1");
        assert!(s.member_cid.is_none());

        // An explicit profile beats the environment, credentials and all.
        let global = GlobalArgs {
            profile: Some("other".into()),
            ..GlobalArgs::default()
        };
        let s = resolve_in(&global, Some(&f), &env).unwrap();
        assert_eq!(s.client_id, "other-id");
        assert_eq!(s.secret.expose(), "other-secret");
        // A leftover member CID does not pick the profile's tenant.
        let mut with_member = env.to_vec();
        with_member.push((MEMBER_VARIABLE, "leftover-member"));
        let m = resolve_in(&global, Some(&f), &with_member).unwrap();
        assert!(m.member_cid.is_none(), "{:?}", m.member_cid);
        assert_eq!(s.cloud.as_ref().unwrap().value, "us-2");
        assert_eq!(s.cloud.as_ref().unwrap().source, Source::Profile);

        // The flag beats everything.
        let global = GlobalArgs {
            profile: Some("other".into()),
            cloud: Some("eu-1".into()),
            ..GlobalArgs::default()
        };
        let s = resolve_in(&global, Some(&f), &env).unwrap();
        assert_eq!(s.cloud.as_ref().unwrap().source, Source::Flag("--cloud"));

        // The default profile without environment credentials; its cloud
        // yields to FALCON_CLOUD.
        let s = resolve_in(
            &GlobalArgs::default(),
            Some(&f),
            &[(CLOUD_VARIABLE, "us-3")],
        )
        .unwrap();
        assert_eq!(
            s.credentials,
            CredentialsFrom::Profile {
                explicit: false,
                secret: SecretFrom::Command
            }
        );
        assert_eq!(s.secret.expose(), "def-secret");
        assert_eq!(s.cloud.as_ref().unwrap().value, "us-3");
        assert_eq!(s.member_cid.as_ref().unwrap().value, "def-member");
        assert_eq!(
            s.member_cid.as_ref().unwrap().source,
            Source::DefaultProfile
        );
    }

    #[cfg(unix)]
    #[test]
    fn credentials_are_never_mixed() {
        let f = write_file(PROFILES);
        for (set, missing) in [
            (ID_VARIABLE, SECRET_VARIABLE),
            (SECRET_VARIABLE, ID_VARIABLE),
        ] {
            let e = resolve_in(&GlobalArgs::default(), Some(&f), &[(set, "x")]).unwrap_err();
            let e = e.to_string();
            assert!(e.contains(&format!("{missing} is not")), "{e}");
        }
        // With --profile a leftover FALCON_CLIENT_ID is ignored, not paired.
        let global = GlobalArgs {
            profile: Some("def".into()),
            ..GlobalArgs::default()
        };
        let s = resolve_in(&global, Some(&f), &[(ID_VARIABLE, "leftover")]).unwrap();
        assert_eq!(s.client_id, "def-id");
    }

    #[test]
    fn missing_sources_are_usage_errors() {
        let e = resolve_in(&GlobalArgs::default(), None, &[]).unwrap_err();
        assert!(e.to_string().starts_with("no credentials"), "{e}");
        let global = GlobalArgs {
            profile: Some("p".into()),
            ..GlobalArgs::default()
        };
        let e = resolve_in(&global, None, &[]).unwrap_err();
        assert!(e.to_string().contains("no profiles file"), "{e}");
        let f = write_file("[profiles.p]\nclient_id = \"x\"\n");
        let e = resolve_in(&global, Some(&f), &[(SECRET_VARIABLE, "env")]).unwrap_err();
        assert!(e.to_string().contains("has no client secret"), "{e}");
    }

    #[test]
    fn urls_are_labelled_without_host_names() {
        assert_eq!(url_label("https://api.us-2.crowdstrike.com/"), "us-2");
        assert_eq!(url_label("https://API.crowdstrike.com"), "us-1");
        assert_eq!(url_label("http://127.0.0.1:8080"), "custom (loopback)");
        assert_eq!(url_label("http://[::1]:8080/x"), "custom (loopback)");
        assert_eq!(url_label("http://localhost"), "custom (loopback)");
        assert_eq!(url_label("https://gateway.acme.example"), "custom");
        assert_eq!(url_label("nonsense"), "custom");
    }
}
