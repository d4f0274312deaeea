//! Filter values outside their field's known values: `criticality:'high'`
//! and `asset_type:'ipp'` are valid FQL that match nothing, because the
//! API compares values as they are spelt (`High`) and `asset_type` has two
//! values. Found before anything is sent, with the closest known value.

use std::fmt;

use super::ast::{Node, Operand};
use super::field::FilterTable;
use super::filter::Filter;
use super::value::Value;

/// A filter value its field's known values do not include. See
/// [`Filter::unknown_values`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownValue {
    /// The field.
    pub field: &'static str,
    /// The value as the filter gives it.
    pub value: String,
    /// The known value closest to it (the same but for case first).
    pub closest: Option<&'static str>,
    /// The field's known values.
    pub known: &'static [&'static str],
    /// Whether the known values are every value the field takes; if not,
    /// only a value that differs from a known one by case is reported.
    pub complete: bool,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.value.chars().take(64).collect();
        let listed = self.known.join(", ");
        if self.complete {
            write!(
                f,
                "`{}` takes {listed}; {shown:?} matches nothing",
                self.field
            )?;
        } else {
            write!(
                f,
                "`{}` is case-sensitive; {shown:?} matches nothing",
                self.field
            )?;
        }
        match self.closest {
            Some(c) => write!(f, ": did you mean '{c}'?"),
            None => Ok(()),
        }
    }
}

impl Filter {
    /// The text values this filter compares with a field (`f:'v'`,
    /// `f:!'v'`, `f:['a','b']`) that the field's known values in `table` do
    /// not include: any value for a field whose values are all known (such
    /// as `criticality` and `asset_type`), and, for a field of which only
    /// some values are known, a value that differs from a known one by case
    /// alone. Wildcard patterns, text matches and ranges are not checked.
    ///
    /// Such a filter is valid FQL that matches nothing: the API sends no
    /// error. Warn, or refuse it, before sending.
    ///
    /// ```
    /// use falcon_exposure::fields::external_assets::TABLE;
    /// use falcon_exposure::fql::Filter;
    ///
    /// let filter = Filter::parse("criticality:'high'+asset_type:'ipp'").unwrap();
    /// let unknown = filter.unknown_values(&TABLE);
    /// assert_eq!(unknown[0].closest, Some("High"));
    /// assert_eq!(unknown[1].closest, Some("ip"));
    /// assert_eq!(
    ///     unknown[0].to_string(),
    ///     "`criticality` takes Critical, High, Noncritical, Unassigned; \"high\" matches nothing: did you mean 'High'?"
    /// );
    /// ```
    pub fn unknown_values(&self, table: &FilterTable) -> Vec<UnknownValue> {
        let mut out = Vec::new();
        visit(&self.node, table, &mut out);
        out
    }
}

fn visit(node: &Node, table: &FilterTable, out: &mut Vec<UnknownValue>) {
    let c = match node {
        Node::Cmp(c) => c,
        Node::All(xs) | Node::Any(xs) => {
            for x in xs {
                visit(x, table, out);
            }
            return;
        }
    };
    if !matches!(c.op, super::ast::Op::Eq | super::ast::Op::Ne) {
        return;
    }
    let Some(spec) = table.field(&c.field) else {
        return;
    };
    let Some(known) = spec.known_values else {
        return;
    };
    let values = match &c.operand {
        Operand::One(v) => std::slice::from_ref(v),
        Operand::List(vs) => vs.as_slice(),
    };
    for v in values {
        let Value::Text(text) = v else { continue };
        // A `*` makes the API read the value as a pattern.
        if text.contains('*') {
            continue;
        }
        let same = |k: &&str| match known.case_insensitive {
            true => k.eq_ignore_ascii_case(text),
            false => *k == text,
        };
        if known.values.iter().any(same) {
            continue;
        }
        let by_case = known
            .values
            .iter()
            .find(|k| k.eq_ignore_ascii_case(text))
            .copied();
        if by_case.is_none() && !known.complete {
            continue;
        }
        let closest = by_case.or_else(|| nearest(text, known.values));
        out.push(UnknownValue {
            field: spec.name,
            value: text.clone(),
            closest,
            known: known.values,
            complete: known.complete,
        });
    }
}

/// The known value nearest to `text` by edit distance, ignoring case,
/// when it is near enough to be a likely slip.
fn nearest(text: &str, known: &'static [&'static str]) -> Option<&'static str> {
    let text = text.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::levenshtein(&text, &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= (k.len() / 2).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use crate::fields::external_assets::TABLE;
    use crate::fql::Filter;

    fn unknown(s: &str) -> Vec<(String, Option<&'static str>)> {
        Filter::parse(s)
            .unwrap()
            .unknown_values(&TABLE)
            .into_iter()
            .map(|u| (u.value, u.closest))
            .collect()
    }

    #[test]
    fn values_outside_a_complete_vocabulary_are_found_with_the_closest() {
        assert_eq!(
            unknown("criticality:'high'"),
            [("high".into(), Some("High"))]
        );
        assert_eq!(unknown("asset_type:'ipp'"), [("ipp".into(), Some("ip"))]);
        assert_eq!(
            unknown("criticality:['High','bogus-value']"),
            [("bogus-value".into(), None)]
        );
        assert_eq!(
            unknown("asset_type:!'DNS_DOMAIN'"),
            [("DNS_DOMAIN".into(), Some("dns_domain"))]
        );
    }

    #[test]
    fn known_values_patterns_and_other_fields_pass() {
        assert!(unknown("criticality:'High'+asset_type:'dns_domain'").is_empty());
        assert!(unknown("criticality:*'hi*'").is_empty());
        assert!(unknown("asset_type:'i*'").is_empty());
        assert!(unknown("ip.services.port:443+last_seen:>'now-7d'").is_empty());
    }

    #[test]
    fn a_field_with_only_some_known_values_reports_a_case_slip_only() {
        assert_eq!(
            unknown("internet_exposure:'yes'"),
            [("yes".into(), Some("Yes"))]
        );
        assert!(unknown("internet_exposure:'No'").is_empty());
    }
}
