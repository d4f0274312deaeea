//! Falcon clouds (regions) and their API base URLs.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::{Error, Result};

/// A Falcon cloud, i.e. the region that hosts a customer's API.
///
/// Parsed case-insensitively, with or without dashes: `us-1`, `US1`,
/// `us-gov-1`, `usgov1` and `gov1` are all accepted. `auto` stands for
/// [`Cloud::Us1`], where autodiscovery starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cloud {
    /// `us-1`: `https://api.crowdstrike.com`.
    Us1,
    /// `us-2`: `https://api.us-2.crowdstrike.com`.
    Us2,
    /// `us-3`: `https://api.us-3.crowdstrike.com`.
    Us3,
    /// `eu-1`: `https://api.eu-1.crowdstrike.com`.
    Eu1,
    /// `us-gov-1`: `https://api.laggar.gcw.crowdstrike.com`.
    UsGov1,
    /// `us-gov-2`: `https://api.us-gov-2.crowdstrike.mil`.
    UsGov2,
}

impl Cloud {
    /// Every known cloud.
    pub const ALL: [Cloud; 6] = [
        Cloud::Us1,
        Cloud::Us2,
        Cloud::Us3,
        Cloud::Eu1,
        Cloud::UsGov1,
        Cloud::UsGov2,
    ];

    /// The cloud's canonical name, as sent in the `X-Cs-Region` header.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Us1 => "us-1",
            Cloud::Us2 => "us-2",
            Cloud::Us3 => "us-3",
            Cloud::Eu1 => "eu-1",
            Cloud::UsGov1 => "us-gov-1",
            Cloud::UsGov2 => "us-gov-2",
        }
    }

    /// The cloud's API base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Cloud::Us1 => "https://api.crowdstrike.com",
            Cloud::Us2 => "https://api.us-2.crowdstrike.com",
            Cloud::Us3 => "https://api.us-3.crowdstrike.com",
            Cloud::Eu1 => "https://api.eu-1.crowdstrike.com",
            Cloud::UsGov1 => "https://api.laggar.gcw.crowdstrike.com",
            Cloud::UsGov2 => "https://api.us-gov-2.crowdstrike.mil",
        }
    }

    /// Parses a cloud name; `None` when it names no known cloud.
    pub fn from_name(name: &str) -> Option<Cloud> {
        let key: String = name
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        Some(match key.as_str() {
            "us1" | "auto" => Cloud::Us1,
            "us2" => Cloud::Us2,
            "us3" => Cloud::Us3,
            "eu1" => Cloud::Eu1,
            "usgov1" | "gov1" => Cloud::UsGov1,
            "usgov2" | "gov2" => Cloud::UsGov2,
            _ => return None,
        })
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cloud {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Cloud::from_name(s).ok_or_else(|| {
            Error::Config(format!(
                "unknown cloud {s:?}: expected one of us-1, us-2, us-3, eu-1, us-gov-1, us-gov-2, or a base URL"
            ))
        })
    }
}

/// Where the client sends its requests: a named cloud or a custom base URL.
/// More kinds may come (hence `non_exhaustive`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A named cloud.
    Cloud(Cloud),
    /// A custom base URL (a proxy, a gateway, an emulator).
    Url(String),
}

impl From<Cloud> for Target {
    fn from(c: Cloud) -> Self {
        Target::Cloud(c)
    }
}

impl FromStr for Target {
    type Err = Error;

    /// A cloud name, or a base URL starting with `http://` or `https://`.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.contains("://") {
            Ok(Target::Url(t.to_owned()))
        } else {
            t.parse().map(Target::Cloud)
        }
    }
}

/// Parses and checks a base URL: `https`, or `http` to a loopback host only,
/// so that credentials never travel unencrypted.
pub(crate) fn checked_base_url(raw: &str) -> Result<Url> {
    let raw = raw.trim();
    // A URL with credentials in it is never quoted in an error.
    let shown = if raw.contains('@') { "(redacted)" } else { raw };
    // The URL parser silently drops tabs and line breaks: refuse them
    // instead, so that the host used is the one written.
    if raw.chars().any(char::is_control) {
        return Err(Error::Config(format!(
            "base URL {shown:?} contains a control character"
        )));
    }
    let url =
        Url::parse(raw).map_err(|e| Error::Config(format!("invalid base URL {shown:?}: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "base URL must not embed credentials (user@ or user:password@); use the client ID and secret settings".into(),
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(format!(
                "refusing plain http:// for the non-loopback host {:?}: credentials would travel unencrypted; use https://",
                url.host_str().unwrap_or_default()
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "unsupported URL scheme {other:?} in base URL {shown:?}: use https://"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::Config(format!("base URL {shown:?} has no host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL {shown:?} must not carry a query (?...) or a fragment (#...): give the scheme, host, port and path prefix only"
        )));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Joins `route` (starting with `/`) onto `base`, keeping any path prefix
/// of `base`.
pub(crate) fn join(base: &Url, route: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{route}"));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_case_insensitively_with_or_without_dash() {
        for (s, c) in [
            ("us-1", Cloud::Us1),
            ("US1", Cloud::Us1),
            ("auto", Cloud::Us1),
            ("Us-2", Cloud::Us2),
            ("us3", Cloud::Us3),
            ("EU-1", Cloud::Eu1),
            ("eu1", Cloud::Eu1),
            ("us-gov-1", Cloud::UsGov1),
            ("USGOV1", Cloud::UsGov1),
            ("gov1", Cloud::UsGov1),
            ("us-gov-2", Cloud::UsGov2),
            ("usgov2", Cloud::UsGov2),
        ] {
            assert_eq!(s.parse::<Cloud>().unwrap(), c, "{s}");
        }
        assert!("mars-1".parse::<Cloud>().is_err());
        for c in Cloud::ALL {
            assert_eq!(Cloud::from_name(c.name()), Some(c));
            assert!(c.base_url().starts_with("https://"));
        }
    }

    #[test]
    fn targets_are_cloud_names_or_urls() {
        assert_eq!("eu-1".parse::<Target>().unwrap(), Target::Cloud(Cloud::Eu1));
        assert_eq!(
            "https://gw.example.com".parse::<Target>().unwrap(),
            Target::Url("https://gw.example.com".into())
        );
    }

    #[test]
    fn plain_http_is_refused_for_remote_hosts_only() {
        assert!(checked_base_url("https://api.crowdstrike.com").is_ok());
        assert!(checked_base_url("http://127.0.0.1:8080").is_ok());
        assert!(checked_base_url("http://localhost:1").is_ok());
        assert!(checked_base_url("http://[::1]:1").is_ok());
        let e = checked_base_url("http://api.crowdstrike.com").unwrap_err();
        assert!(e.to_string().contains("http://"), "{e}");
        assert!(checked_base_url("http://10.0.0.1").is_err());
        assert!(checked_base_url("ftp://x").is_err());
        assert!(checked_base_url("https://id:pw@x.example").is_err());
        // Names that only start like a loopback host are remote.
        assert!(checked_base_url("http://127.0.0.1.evil.com").is_err());
        assert!(checked_base_url("http://localhost.evil.com").is_err());
        assert!(checked_base_url("https://api.crowd\nstrike.com").is_err());
    }

    #[test]
    fn join_keeps_a_path_prefix() {
        let b = Url::parse("https://gw.example.com/falcon/").unwrap();
        assert_eq!(
            join(&b, "/fem/x").as_str(),
            "https://gw.example.com/falcon/fem/x"
        );
        let b = Url::parse("https://api.crowdstrike.com").unwrap();
        assert_eq!(
            join(&b, "/oauth2/token").as_str(),
            "https://api.crowdstrike.com/oauth2/token"
        );
    }
}
