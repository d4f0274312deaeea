//! The inventory from one `aggregate_external_assets` request: the
//! aggregations asked for, and the reply read into counts. No asset is
//! downloaded.

use std::collections::HashMap;

use falcon_exposure::Client;
use falcon_exposure::models::{
    AggregateQueryRequest, AggregationResult, AggregationResultItem, DateRangeSpec,
};
use falcon_exposure::vocabularies::AggregationType;
use serde::Serialize;

use crate::exit::Failure;

/// Buckets asked for on a field with few values (type, criticality...):
/// enough that none is left out.
const ALL_VALUES: i64 = 100;

/// The fields counted value by value, each an asset's single value; the
/// aggregation is named after its field.
const BREAKDOWNS: [&str; 4] = [
    "asset_type",
    "criticality",
    "perimeter",
    "internet_exposure",
];

/// The services of the two asset types that have them, merged.
const SERVICES: [&str; 2] = [
    "ip.services.protocol_port",
    "dns_domain.services.protocol_port",
];

/// Assets per value of a field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// The values, most assets first.
    pub buckets: Vec<Bucket>,
    /// Assets counted under values not listed (the API's
    /// `sum_other_doc_count`, plus the buckets cut from a merged list).
    pub others: u64,
    /// Assets without a value (single-valued fields only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_set: Option<u64>,
}

/// One value and its assets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// The value, as the API sent it.
    pub value: String,
    /// How many assets have it.
    pub count: u64,
}

/// The report's data (also its JSON form).
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    /// The JSON form's version.
    pub schema_version: u32,
    /// The `--filter`, when given.
    pub filter: Option<String>,
    /// Assets matching the filter.
    pub total: u64,
    /// The start of "new this week", RFC 3339.
    pub new_since: String,
    /// Assets first seen since `new_since`.
    pub new_this_week: u64,
    /// Assets per type.
    pub by_type: Counts,
    /// Per criticality.
    pub by_criticality: Counts,
    /// Per perimeter (Official, Unofficial).
    pub by_perimeter: Counts,
    /// Per internet exposure.
    pub by_internet_exposure: Counts,
    /// The most common services (protocol/port) of IP and DNS-domain
    /// assets.
    pub top_services: Counts,
    /// The most common applications.
    pub top_applications: Counts,
    /// The most common subsidiaries.
    pub subsidiaries: Counts,
}

/// A terms aggregation named `name` on `field`.
fn terms(name: &str, field: &str, size: i64, filter: Option<&str>) -> AggregateQueryRequest {
    AggregateQueryRequest {
        name: Some(name.to_owned()),
        r#type: Some(AggregationType::Terms),
        field: Some(field.to_owned()),
        size: Some(size),
        filter: filter.map(str::to_owned),
        ..AggregateQueryRequest::default()
    }
}

/// Asks for every aggregation of the report at once and reads the reply.
pub async fn fetch(client: &Client, filter: Option<&str>, top: u16) -> Result<Inventory, Failure> {
    let top = i64::from(top);
    let since = week_ago()?;
    let mut body: Vec<AggregateQueryRequest> = BREAKDOWNS
        .iter()
        .map(|field| terms(field, field, ALL_VALUES, filter))
        .collect();
    body.extend(
        SERVICES
            .iter()
            .map(|field| terms(field, field, top, filter)),
    );
    body.push(terms("applications", "applications.name", top, filter));
    body.push(terms("subsidiaries", "subsidiaries.name", top, filter));
    body.push(AggregateQueryRequest {
        name: Some("new_this_week".to_owned()),
        r#type: Some(AggregationType::DateRange),
        field: Some("first_seen".to_owned()),
        date_ranges: Some(vec![DateRangeSpec {
            from: Some(since.clone()),
            to: None,
        }]),
        filter: filter.map(str::to_owned),
        ..AggregateQueryRequest::default()
    });
    let reply = client.aggregate_assets().body(body).send().await?;
    let mut results: HashMap<String, AggregationResult> = reply
        .resources
        .into_iter()
        .filter_map(|r| Some((r.name.as_deref()?.to_owned(), r)))
        .collect();
    let mut take = |name: &str| results.remove(name).unwrap_or_default();

    let by_type = counts(take("asset_type"));
    // Every asset has one type: the types add up to the total.
    let total = by_type.buckets.iter().map(|b| b.count).sum::<u64>() + by_type.others;
    let breakdown = |r: AggregationResult| with_not_set(counts(r), total);
    let by_type = with_not_set(by_type, total);
    let by_criticality = breakdown(take("criticality"));
    let by_perimeter = breakdown(take("perimeter"));
    let by_internet_exposure = breakdown(take("internet_exposure"));
    let services = SERVICES.map(|field| counts(take(field)));
    let new_this_week = take("new_this_week")
        .buckets
        .unwrap_or_default()
        .first()
        .map_or(0, count);
    Ok(Inventory {
        schema_version: 1,
        filter: filter.map(str::to_owned),
        total,
        new_since: since,
        new_this_week,
        by_type,
        by_criticality,
        by_perimeter,
        by_internet_exposure,
        top_services: merge(&services, top as usize),
        top_applications: counts(take("applications")),
        subsidiaries: counts(take("subsidiaries")),
    })
}

/// Seven days before now, RFC 3339 (the documented ISO 8601 date form).
fn week_ago() -> Result<String, Failure> {
    let at = time::OffsetDateTime::now_utc() - time::Duration::days(7);
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Failure::usage(format!("the system clock gives no usable date: {e}")))
}

/// A bucket's count; a negative one (a broken reply) counts nothing.
fn count(b: &AggregationResultItem) -> u64 {
    b.count.and_then(|c| u64::try_from(c).ok()).unwrap_or(0)
}

/// A bucket's value: its string key, else its label.
fn value(b: &AggregationResultItem) -> String {
    match (&b.key_as_string, &b.label) {
        (Some(k), _) => k.to_string(),
        (None, Some(serde_json::Value::String(s))) => s.clone(),
        (None, Some(v)) => v.to_string(),
        (None, None) => String::new(),
    }
}

/// A terms result as counts, most assets first.
fn counts(r: AggregationResult) -> Counts {
    let mut buckets: Vec<Bucket> = r
        .buckets
        .unwrap_or_default()
        .iter()
        .map(|b| Bucket {
            value: value(b),
            count: count(b),
        })
        .collect();
    sort(&mut buckets);
    Counts {
        buckets,
        others: r
            .sum_other_doc_count
            .and_then(|c| u64::try_from(c).ok())
            .unwrap_or(0),
        not_set: None,
    }
}

/// Most assets first, then by value, so equal counts list the same way
/// every time.
fn sort(buckets: &mut [Bucket]) {
    buckets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
}

/// `c` with the assets of `total` that none of its values counts.
fn with_not_set(mut c: Counts, total: u64) -> Counts {
    let counted = c.buckets.iter().map(|b| b.count).sum::<u64>() + c.others;
    c.not_set = Some(total.saturating_sub(counted));
    c
}

/// Lists of disjoint assets (IP and DNS-domain services) as one, the
/// counts of a value added, cut to `top`.
fn merge(lists: &[Counts], top: usize) -> Counts {
    let mut sums: HashMap<&str, u64> = HashMap::new();
    for b in lists.iter().flat_map(|c| &c.buckets) {
        *sums.entry(b.value.as_str()).or_default() += b.count;
    }
    let mut buckets: Vec<Bucket> = sums
        .into_iter()
        .map(|(value, count)| Bucket {
            value: value.to_owned(),
            count,
        })
        .collect();
    sort(&mut buckets);
    let cut: u64 = buckets.iter().skip(top).map(|b| b.count).sum();
    buckets.truncate(top);
    Counts {
        buckets,
        others: cut + lists.iter().map(|c| c.others).sum::<u64>(),
        not_set: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, u64)], others: u64) -> Counts {
        Counts {
            buckets: pairs
                .iter()
                .map(|(v, c)| Bucket {
                    value: (*v).to_owned(),
                    count: *c,
                })
                .collect(),
            others,
            not_set: None,
        }
    }

    #[test]
    fn services_of_both_types_are_added_and_cut() {
        let ip = list(&[("tcp/443", 5), ("tcp/22", 2)], 1);
        let dns = list(&[("tcp/443", 3), ("tcp/80", 4), ("udp/53", 1)], 0);
        let merged = merge(&[ip, dns], 2);
        assert_eq!(merged, list(&[("tcp/443", 8), ("tcp/80", 4)], 2 + 1 + 1));
    }

    #[test]
    fn assets_no_value_counts_are_not_set() {
        let c = with_not_set(list(&[("High", 3), ("Critical", 1)], 0), 10);
        assert_eq!(c.not_set, Some(6));
        // A reply counting more than the total says none are unset.
        let c = with_not_set(list(&[("High", 30)], 0), 10);
        assert_eq!(c.not_set, Some(0));
    }
}
