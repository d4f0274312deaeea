//! The kinds of change `diff` reports and `--fail-on` names.

/// A kind of change, as `--fail-on` and the reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// An asset only in NEW.
    Added,
    /// An asset only in OLD.
    Removed,
    /// A service opened or closed on an asset.
    Services,
    /// `internet_exposure` changed.
    Exposure,
    /// `criticality` or `criticality_description` changed.
    Criticality,
    /// A `triage` value changed.
    Triage,
}

impl ChangeKind {
    /// Every kind, in report order.
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Added,
        ChangeKind::Removed,
        ChangeKind::Services,
        ChangeKind::Exposure,
        ChangeKind::Criticality,
        ChangeKind::Triage,
    ];

    /// The name used by `--fail-on` and the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Services => "services",
            ChangeKind::Exposure => "exposure",
            ChangeKind::Criticality => "criticality",
            ChangeKind::Triage => "triage",
        }
    }
}
