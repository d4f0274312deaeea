//! The FQL examples from the `falcon_exposure::fql` docs, run against the
//! emulator: each returns exactly the assets that satisfy it.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use falcon_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig};
use falcon_exposure::Client;
use falcon_exposure::fields::external_assets as f;
use falcon_exposure::fql::{Filter, FilterArg, RelativeTime, Sort};
use falcon_exposure::models::FemExternalAsset;

/// Every id the filter selects, page by page.
async fn ids(client: &Client, filter: Option<FilterArg>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut offset = 0;
    loop {
        let mut q = client
            .query_assets()
            .limit(100)
            .offset(offset.to_string())
            .sort(Sort::asc(f::ID));
        if let Some(filter) = &filter {
            q = q.filter(filter.clone());
        }
        let page = q.send().await.expect("query_assets");
        let n = page.resources.len();
        out.extend(page.resources);
        offset += n;
        let total = page.meta.pagination.and_then(|p| p.total).unwrap_or(0) as usize;
        if n == 0 || offset >= total {
            return out;
        }
    }
}

async fn assets(client: &Client, ids: &BTreeSet<String>) -> Vec<FemExternalAsset> {
    let ids: Vec<&String> = ids.iter().collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(100) {
        let r = client
            .get_assets()
            .ids(chunk.iter().map(|s| s.as_str()))
            .send()
            .await
            .expect("get_assets");
        out.extend(r.resources);
    }
    out
}

fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// Checks that `filter` selects exactly the assets `want` accepts, skipping
/// the assets `unsure` says sit on a boundary that moves with the clock.
async fn check(
    client: &Client,
    all: &[FemExternalAsset],
    filter: &Filter,
    want: impl Fn(&FemExternalAsset) -> bool,
    unsure: impl Fn(&FemExternalAsset) -> bool,
) {
    let got = ids(client, Some(filter.into())).await;
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|a| want(a))
        .filter_map(|a| Some(a.id.as_deref()?.to_owned()))
        .collect();
    let unsure: BTreeSet<String> = all
        .iter()
        .filter(|a| unsure(a))
        .filter_map(|a| Some(a.id.as_deref()?.to_owned()))
        .collect();
    let got_sure: BTreeSet<_> = got.difference(&unsure).cloned().collect();
    let expected_sure: BTreeSet<_> = expected.difference(&unsure).cloned().collect();
    assert_eq!(got_sure, expected_sure, "{filter}");
    assert!(
        !expected_sure.is_empty(),
        "{filter}: the dataset has no matching asset"
    );
    assert!(
        expected_sure.len() < all.len(),
        "{filter}: every asset matches"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_examples_return_the_right_assets() {
    let emu = Emulator::start(EmulatorConfig::default().assets(400))
        .await
        .expect("emulator");
    let client = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .build()
        .expect("client");
    let all_ids = ids(&client, None).await;
    let all = assets(&client, &all_ids).await;
    assert_eq!(all.len(), 400);

    // Internet-exposed IPs seen in the last 7 days.
    let exposed_recent = f::ASSET_TYPE
        .equals("ip")
        .and(f::INTERNET_EXPOSURE.equals("Yes"))
        .and(f::LAST_SEEN.greater_or_equal(RelativeTime::days_ago(7)));
    let cutoff = now() - 7 * 86_400;
    let (lo, hi) = (rfc3339(cutoff - 120), rfc3339(cutoff + 120));
    check(
        &client,
        &all,
        &exposed_recent,
        |a| {
            a.asset_type.as_deref() == Some("ip")
                && a.internet_exposure.as_deref() == Some("Yes")
                && a.last_seen
                    .as_deref()
                    .is_some_and(|t| t >= rfc3339(cutoff).as_str())
        },
        |a| {
            a.last_seen
                .as_deref()
                .is_some_and(|t| t >= lo.as_str() && t <= hi.as_str())
        },
    )
    .await;

    // Services on port 3389 or 22, as a list and as an `or`.
    let port = |a: &FemExternalAsset, p: i64| {
        let services = |s: &Option<Vec<falcon_exposure::models::ExternalAssetService>>| {
            s.iter().flatten().any(|s| s.port == Some(p))
        };
        a.ip.as_ref().is_some_and(|ip| services(&ip.services))
    };
    let rdp_or_ssh = |a: &FemExternalAsset| port(a, 3389) || port(a, 22);
    check(
        &client,
        &all,
        &f::IP_SERVICES_PORT.any_of([3389, 22]),
        rdp_or_ssh,
        |_| false,
    )
    .await;
    let either = f::IP_SERVICES_PORT
        .equals(3389)
        .or(f::IP_SERVICES_PORT.equals(22));
    check(&client, &all, &either, rdp_or_ssh, |_| false).await;

    // Criticality Critical or High in one subsidiary.
    let subsidiary = all
        .iter()
        .filter(|a| matches!(a.criticality.as_deref(), Some("Critical" | "High")))
        .find_map(|a| a.subsidiaries.as_ref()?.first()?.name.clone())
        .expect("a critical asset in some subsidiary");
    let critical_in_sub = f::CRITICALITY
        .equals("Critical")
        .or(f::CRITICALITY.equals("High"))
        .and(f::SUBSIDIARIES_NAME.equals(subsidiary.as_str()));
    assert!(
        critical_in_sub
            .to_string()
            .starts_with("(criticality:'Critical',criticality:'High')+")
    );
    check(
        &client,
        &all,
        &critical_in_sub,
        |a| {
            matches!(a.criticality.as_deref(), Some("Critical" | "High"))
                && a.subsidiaries
                    .iter()
                    .flatten()
                    .any(|s| s.name.as_deref() == Some(subsidiary.as_str()))
        },
        |_| false,
    )
    .await;

    // Shadow IT found by hand: an unofficial perimeter, and a
    // `discovered_by` other than `auto`, which means manual discovery.
    let shadow = f::PERIMETER
        .equals("Unofficial")
        .or(f::DISCOVERED_BY.not_equals("auto"));
    check(
        &client,
        &all,
        &shadow,
        |a| {
            a.perimeter.as_deref() == Some("Unofficial")
                || a.discovered_by.as_deref().is_some_and(|d| d != "auto")
        },
        |_| false,
    )
    .await;

    // Assets nobody has rated yet.
    check(
        &client,
        &all,
        &f::CRITICALITY.equals("Unassigned"),
        |a| a.criticality.as_deref() == Some("Unassigned"),
        |_| false,
    )
    .await;

    // Unassigned triage: assets nobody is assigned to triage.
    let unassigned = f::TRIAGE_ASSIGNED_TO.is_null();
    check(
        &client,
        &all,
        &unassigned,
        |a| {
            a.triage
                .as_ref()
                .and_then(|t| t.assigned_to.as_ref())
                .is_none()
        },
        |_| false,
    )
    .await;

    // The same filters as strings are checked and accepted.
    for filter in [&exposed_recent, &critical_in_sub, &unassigned] {
        let as_string = ids(&client, Some(filter.to_string().into())).await;
        assert_eq!(as_string, ids(&client, Some(filter.into())).await);
    }

    // A mistyped field never reaches the emulator.
    let before = emu.stats().operation("query_external_assets");
    let err = client
        .query_assets()
        .filter("last_sen:>'now-7d'")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("did you mean `last_seen`?"),
        "{err}"
    );
    assert_eq!(emu.stats().operation("query_external_assets"), before);
    // ...unless it is sent unchecked, and then the emulator refuses it.
    let err = client
        .query_assets()
        .filter(FilterArg::unchecked("last_sen:>'now-7d'"))
        .send()
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("did you mean"), "{err}");
    assert_eq!(emu.stats().operation("query_external_assets"), before + 1);

    emu.shutdown().await;
}
