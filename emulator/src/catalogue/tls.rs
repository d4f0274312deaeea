//! Certificate authorities and cipher suites of HTTPS services.

/// A certificate authority: how it names itself, and whether it vouches
/// for the subject's organisation (OV) or only for the host name (DV).
pub struct Issuer {
    pub common_name: &'static str,
    pub organization: &'static str,
    pub unit: Option<&'static str>,
    pub country: &'static str,
    pub state: Option<&'static str>,
    pub locality: Option<&'static str>,
    pub validates_organization: bool,
}

pub const ISSUERS: &[Issuer] = &[
    Issuer {
        common_name: "R3",
        organization: "Let's Encrypt",
        unit: None,
        country: "US",
        state: None,
        locality: None,
        validates_organization: false,
    },
    Issuer {
        common_name: "DigiCert TLS RSA SHA256 2020 CA1",
        organization: "DigiCert Inc",
        unit: Some("www.digicert.com"),
        country: "US",
        state: None,
        locality: None,
        validates_organization: true,
    },
    Issuer {
        common_name: "Sectigo RSA Organization Validation Secure Server CA",
        organization: "Sectigo Limited",
        unit: None,
        country: "GB",
        state: Some("Greater Manchester"),
        locality: Some("Salford"),
        validates_organization: true,
    },
    Issuer {
        common_name: "GTS CA 1C3",
        organization: "Google Trust Services LLC",
        unit: None,
        country: "US",
        state: None,
        locality: None,
        validates_organization: false,
    },
    Issuer {
        common_name: "Amazon RSA 2048 M01",
        organization: "Amazon",
        unit: None,
        country: "US",
        state: None,
        locality: None,
        validates_organization: false,
    },
];

/// A cipher suite: `domain.Cipher`.
pub struct CipherSuite {
    pub name: &'static str,
    pub bits: i32,
    pub version: &'static str,
}

impl CipherSuite {
    const fn new(name: &'static str, bits: i32, version: &'static str) -> Self {
        CipherSuite {
            name,
            bits,
            version,
        }
    }
}

/// A server offers a run of these, in this order.
pub const CIPHER_SUITES: &[CipherSuite] = &[
    CipherSuite::new("TLS_AES_128_GCM_SHA256", 128, "TLSv1.3"),
    CipherSuite::new("TLS_AES_256_GCM_SHA384", 256, "TLSv1.3"),
    CipherSuite::new("TLS_CHACHA20_POLY1305_SHA256", 256, "TLSv1.3"),
    CipherSuite::new("ECDHE-RSA-AES128-GCM-SHA256", 128, "TLSv1.2"),
    CipherSuite::new("ECDHE-RSA-AES256-GCM-SHA384", 256, "TLSv1.2"),
];
