//! The TLS record of an HTTPS service: its certificate and cipher suites.

use super::AssetDraw;
use crate::catalogue::place::PLACES;
use crate::catalogue::tls::{CIPHER_SUITES, ISSUERS};
use crate::model::{Certificate, Cipher, EntityIds, Subsidiary, TlsRecord, Ts};

impl AssetDraw<'_> {
    /// The TLS record of `fqdn`, a host of `subsidiary`, last seen at
    /// `last_seen`.
    pub(super) fn tls(
        &mut self,
        fqdn: &str,
        subsidiary: &Subsidiary,
        primary_domain: &str,
        last_seen: Ts,
    ) -> TlsRecord {
        let (issuer, subject) = self.cert_names(fqdn, subsidiary, primary_domain);
        let valid_from = Ts(last_seen.0 - self.rng.range(30, 300) * 86_400);
        let count = self.rng.range(1, 3) as usize;
        let start = self.rng.below(CIPHER_SUITES.len() as u64) as usize;
        let suites: Vec<Cipher> = (0..count)
            .map(|k| {
                let suite = &CIPHER_SUITES[(start + k) % CIPHER_SUITES.len()];
                Cipher {
                    name: suite.name.into(),
                    bits: suite.bits,
                    version: suite.version.into(),
                }
            })
            .collect();
        let alpn = if self.rng.chance(0.7) {
            "h2"
        } else {
            "http/1.1"
        };
        TlsRecord {
            alpn: alpn.into(),
            alternative_name: fqdn.to_string().into(),
            certificate: Certificate {
                ciphers: suites.iter().map(|c| c.name.clone()).collect(),
                fingerprint_sha256: self.rng.hex(32).into(),
                issuer,
                pubkey_bits: *self.rng.pick(&[2048, 2048, 4096, 256]),
                pubkey_type: (if self.rng.chance(0.8) { "RSA" } else { "ECDSA" }).into(),
                serial: self.rng.hex(16).into(),
                signature_algorithm: "SHA256-RSA".into(),
                subject,
                valid_from,
                valid_to: Ts(valid_from.0 + 397 * 86_400),
            },
            cipher_suites: suites,
            ja3s: self.rng.hex(16).into(),
            jarm: self.rng.hex(31).into(),
            supported_versions: vec!["TLSv1.2".into(), "TLSv1.3".into()],
            version: "TLSv1.3".into(),
        }
    }

    /// The certificate names: the issuer's, and a subject naming the host,
    /// plus the organisation and its place when the issuer vouches for
    /// them (with a registration number for extended validation). Some
    /// services present a self-signed certificate naming a contact.
    fn cert_names(
        &mut self,
        fqdn: &str,
        subsidiary: &Subsidiary,
        primary_domain: &str,
    ) -> (EntityIds, EntityIds) {
        let place = self.rng.pick(PLACES);
        let located = |mut e: EntityIds| {
            e.organization_name = Some(subsidiary.name.clone());
            e.country_name = Some(place.country_code.into());
            e.state_or_province_name = Some(place.region_name.into());
            e.locality_name = Some(place.city.into());
            e
        };
        let host = EntityIds {
            common_name: Some(fqdn.to_string().into()),
            ..EntityIds::default()
        };
        if self.rng.chance(0.08) {
            let own = EntityIds {
                organizational_unit: Some("IT".into()),
                email_address: Some(format!("hostmaster@{primary_domain}").into()),
                ..located(host)
            };
            return (own.clone(), own);
        }
        let ca = self.rng.pick(ISSUERS);
        let issuer = EntityIds {
            common_name: Some(ca.common_name.into()),
            organization_name: Some(ca.organization.into()),
            organizational_unit: ca.unit.map(Into::into),
            country_name: Some(ca.country.into()),
            state_or_province_name: ca.state.map(Into::into),
            locality_name: ca.locality.map(Into::into),
            ..EntityIds::default()
        };
        let subject = match (ca.validates_organization, self.rng.chance(0.2)) {
            (false, _) => host,
            (true, false) => located(host),
            (true, true) => EntityIds {
                serial_number: Some(self.rng.range(1_000_000, 9_999_999).to_string().into()),
                street_address: Some(format!("{} Market Street", self.rng.range(1, 400)).into()),
                ..located(host)
            },
        };
        (issuer, subject)
    }
}
