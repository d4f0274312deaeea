//! The values the generator sends in fields with a fixed vocabulary: those
//! with public evidence (the emulator README lists the sources), then two
//! lists that have none, marked as such.
//!
//! No public source lists the values of `connectivity_status`,
//! `triage.status`, `triage.action` or a service's `status`: the generator
//! leaves them out. Only a PATCH sets a triage status or action, to
//! whatever it sends.

/// `criticality` other than `Unassigned`: the schema's description of
/// `domain.FemExternalAsset.criticality` and PSFalcon's `Edit-FalconAsset`.
pub const CRITICALITY_ASSESSED: &[&str] = &["Critical", "High", "Noncritical"];
/// The criticality of an asset nobody has assessed.
pub const UNASSIGNED: &str = "Unassigned";
/// `discovered_by` of automatically discovered assets (FalconPy's
/// `em_manager.py`: any other value means manual).
pub const AUTO: &str = "auto";
/// `discovered_by` of an asset added through the inventory endpoint.
pub const USER: &str = "user";
/// `entity_type`: "it will be always 'external'" (schema description).
pub const ENTITY_TYPE: &str = "external";
// Lists with little or no public evidence of their values; kept until it is
// decided whether to drop them, as the placeholders named above were.

/// `applicable_actions` of every asset: `triage` and `delete` are the
/// schema description's examples ("triage, delete, etc"); `set_criticality`
/// is made up.
pub const APPLICABLE_ACTIONS: &[&str] = &["triage", "set_criticality", "delete"];
/// `data_providers`, the first on every asset, the others on some: made up
/// (values.md: "unknown values, keep them as text").
pub const DATA_PROVIDERS: &[&str] = &[
    "crowdstrike",
    "shodan",
    "censys",
    "passive_dns",
    "certificate_transparency",
];
