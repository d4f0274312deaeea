//! The blobs of an asset: two per service (its banner and its
//! attributes), named by the download links of its `blob_links`, and where
//! each goes: `DIR/ASSET_ID/HASH.KIND`.

use std::path::{Path, PathBuf};

use falcon_exposure::models::{ExternalAssetService, FemExternalAsset};

use crate::blobs::names::checked;
use crate::output::terminal;

/// One blob to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// `assetId` of the download request.
    pub asset_id: String,
    /// `hash` of the download request.
    pub hash: String,
    /// Its file, relative to the output folder.
    pub file: PathBuf,
}

/// The blobs of `asset` that can be downloaded, and one message for each
/// that cannot (a link that names no blob, or a name refused as a file
/// name). A blob linked from several services is listed once.
pub fn blobs(asset: &FemExternalAsset) -> (Vec<Blob>, Vec<String>) {
    let mut found = Vec::new();
    let mut refused = Vec::new();
    let id = asset.id.as_deref().unwrap_or_default();
    let services = asset
        .ip
        .iter()
        .flat_map(|ip| ip.services.iter().flatten())
        .chain(
            asset
                .dns_domain
                .iter()
                .flat_map(|d| d.services.iter().flatten()),
        );
    for service in services {
        for (kind, link) in links(service) {
            match blob(id, kind, link) {
                Ok(blob) if !found.contains(&blob) => found.push(blob),
                Ok(_) => {}
                Err(why) => {
                    let message = format!("asset {}: {kind} blob refused: {why}", terminal(id));
                    if !refused.contains(&message) {
                        refused.push(message);
                    }
                }
            }
        }
    }
    (found, refused)
}

/// The download links of a service's blobs, by kind.
fn links(service: &ExternalAssetService) -> impl Iterator<Item = (&'static str, &str)> {
    let links = service.blob_links.as_ref();
    [
        ("banner", links.and_then(|l| l.download_banner.as_deref())),
        (
            "attributes",
            links.and_then(|l| l.download_attributes.as_deref()),
        ),
    ]
    .into_iter()
    .filter_map(|(kind, link)| Some((kind, link?)))
}

/// The blob a download link names, checked as file names.
fn blob(asset: &str, kind: &str, link: &str) -> Result<Blob, String> {
    let query = link.split_once('?').map_or("", |(_, q)| q);
    let param = |name: &str| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let (Some(asset_id), Some(hash)) = (param("assetId"), param("hash")) else {
        return Err(format!(
            "its link `{}` has no assetId and hash",
            terminal(link)
        ));
    };
    let folder = checked(asset).map_err(|why| format!("asset id `{}`: {why}", terminal(asset)))?;
    let name = checked(&hash).map_err(|why| format!("hash `{}`: {why}", terminal(&hash)))?;
    Ok(Blob {
        file: Path::new(folder).join(format!("{name}.{kind}")),
        asset_id,
        hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn asset(id: &str, hashes: [&str; 2]) -> FemExternalAsset {
        let link = |h: &str| format!("/fem/entities/blobs-download/v1?assetId={id}&hash={h}");
        serde_json::from_value(json!({
            "id": id,
            "ip": {"services": [
                {"port": 443, "blob_links": {
                    "download_banner": link(hashes[0]),
                    "download_attributes": link(hashes[1]),
                }},
                // The same blob again, and a service without links.
                {"port": 8443, "blob_links": {"download_banner": link(hashes[0])}},
                {"port": 22},
            ]},
        }))
        .expect("an asset")
    }

    #[test]
    fn each_blob_is_named_by_asset_and_hash() {
        let (found, refused) = blobs(&asset("a1", ["h1", "h2"]));
        assert!(refused.is_empty(), "{refused:?}");
        let files: Vec<_> = found.iter().map(|b| b.file.clone()).collect();
        assert_eq!(
            files,
            [
                PathBuf::from("a1/h1.banner"),
                PathBuf::from("a1/h2.attributes")
            ]
        );
        assert_eq!(
            (found[0].asset_id.as_str(), found[0].hash.as_str()),
            ("a1", "h1")
        );
    }

    #[test]
    fn a_traversing_hash_or_id_is_refused() {
        // `..%2Fx` decodes to `../x`.
        let (found, refused) = blobs(&asset("a1", ["../x", "..%2Fy"]));
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(refused.len(), 2);
        assert!(refused[0].contains("hash `../x`"), "{}", refused[0]);
        assert!(refused[1].contains("hash `../y`"), "{}", refused[1]);
        let (found, refused) = blobs(&asset("..", ["h1", "h2"]));
        assert!(found.is_empty());
        assert!(refused[0].contains("asset id `..`"), "{}", refused[0]);
    }
}
