//! Extra root certificates: `--ca-file` and `SSL_CERT_FILE`, for a
//! TLS-inspecting proxy's CA. The bundled roots and the operating
//! system's are trusted as well (the library's `native-roots` feature).

use std::path::Path;

use crate::exit::Failure;

const PEM_CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----";

/// A PEM file of root certificates, read and checked.
#[derive(Debug, Clone)]
pub struct RootFile {
    /// Where it was named: `--ca-file` or `SSL_CERT_FILE`.
    pub origin: &'static str,
    /// Its contents.
    pub pem: Vec<u8>,
    /// How many certificates it holds.
    pub certificates: usize,
}

/// What the doctor says of a root file: no path (a machine path is no
/// part of a pasteable report).
#[derive(Debug, Clone)]
pub struct RootSummary {
    /// `--ca-file` or `SSL_CERT_FILE`.
    pub origin: &'static str,
    /// How many certificates it holds.
    pub certificates: usize,
}

impl RootFile {
    /// Reads `path` and checks that it holds PEM certificates the TLS stack
    /// accepts. Errors name `origin` and the path.
    pub fn load(origin: &'static str, path: &Path) -> Result<RootFile, Failure> {
        let fail = |why: String| Failure::usage(format!("{origin} {}: {why}", path.display()));
        let pem = std::fs::read(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        let text = String::from_utf8_lossy(&pem);
        let certificates = text.matches(PEM_CERTIFICATE).count();
        if certificates == 0 {
            return Err(fail(format!(
                "no PEM certificate in it (a `{PEM_CERTIFICATE}` block is expected)"
            )));
        }
        check_with_the_tls_stack(&pem)
            .map_err(|e| fail(format!("invalid PEM certificate: {e}")))?;
        Ok(RootFile {
            origin,
            pem,
            certificates,
        })
    }

    /// The summary for reports.
    pub fn summary(&self) -> RootSummary {
        RootSummary {
            origin: self.origin,
            certificates: self.certificates,
        }
    }
}

/// Builds a throwaway client trusting `pem`: the TLS stack parses the
/// certificates only when a client is built, and a bad one would
/// otherwise surface later as a failure to build the real client.
fn check_with_the_tls_stack(pem: &[u8]) -> Result<(), falcon_exposure::Error> {
    falcon_exposure::Client::builder()
        .client_id("check")
        .client_secret("check")
        .base_url("http://127.0.0.1")
        .add_root_certificate_pem(pem.to_vec())
        .build()
        .map(drop)
}
