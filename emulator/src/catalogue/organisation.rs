//! The organisation that owns the tenant, its subsidiaries and its people.

/// The organisation that owns the tenant, first step of every subsidiary's
/// discovery path.
pub const ORGANIZATION: &str = "Example Holdings";

/// A subsidiary of the organisation.
pub struct SubsidiaryRecord {
    /// Display name.
    pub name: &'static str,
    /// Primary DNS domain: the root domain its assets are named under.
    pub domain: &'static str,
    /// Position in [`SUBSIDIARIES`] of the subsidiary that owns this one;
    /// `None` for one the organisation owns directly.
    pub parent: Option<usize>,
}

impl SubsidiaryRecord {
    const fn new(name: &'static str, domain: &'static str, parent: Option<usize>) -> Self {
        SubsidiaryRecord {
            name,
            domain,
            parent,
        }
    }
}

pub const SUBSIDIARIES: &[SubsidiaryRecord] = &[
    SubsidiaryRecord::new("Northwind Traders", "northwind.example", None),
    SubsidiaryRecord::new("Contoso Retail", "contoso.example", None),
    SubsidiaryRecord::new("Fabrikam Labs", "fabrikam.example", None),
    SubsidiaryRecord::new("Tailspin Toys", "tailspin.example", None),
    SubsidiaryRecord::new("Woodgrove Bank", "woodgrove.example", None),
    SubsidiaryRecord::new("Litware Health", "litware.example", None),
    SubsidiaryRecord::new("Adventure Works", "adventure-works.example", Some(0)),
    SubsidiaryRecord::new("Wide World Importers", "wideworld.example", Some(0)),
];

/// The first labels of subdomains.
pub const SUBDOMAIN_LABELS: &[&str] = &[
    "www", "api", "mail", "vpn", "portal", "dev", "staging", "cdn", "shop", "login", "sso", "git",
    "jenkins", "grafana", "status", "docs", "files", "remote", "owa", "test",
];

/// The people who assess, triage and add assets.
pub const USERS: &[&str] = &[
    "alice.martin@example.com",
    "bob.nguyen@example.com",
    "carol.diaz@example.com",
    "dmitri.ivanov@example.com",
];
