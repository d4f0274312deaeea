//! The fields a triage CSV sets: their columns, where each goes in the
//! PATCH body (`domain.ExternalAssetsAPIPatch`), and how to read each from
//! an asset.

use falcon_exposure::models::{ExternalAssetsApiPatch, FemExternalAsset};
use falcon_exposure::vocabularies::Criticality;

/// The asset id column.
pub const ID: &str = "id";
/// The asset's customer id column.
pub const CID: &str = "cid";

/// A field that a row can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Criticality,
    CriticalityDescription,
    Status,
    Action,
    AssignedTo,
    Description,
}

impl Field {
    /// Every field, in column order.
    pub const ALL: [Field; 6] = [
        Field::Criticality,
        Field::CriticalityDescription,
        Field::Status,
        Field::Action,
        Field::AssignedTo,
        Field::Description,
    ];

    /// The CSV column.
    pub fn column(self) -> &'static str {
        match self {
            Field::Criticality => "criticality",
            Field::CriticalityDescription => "criticality_description",
            Field::Status => "status",
            Field::Action => "action",
            Field::AssignedTo => "assigned_to",
            Field::Description => "description",
        }
    }

    /// Where the value goes in the PATCH body, which is also the asset's
    /// field it changes.
    pub fn schema(self) -> &'static str {
        match self {
            Field::Criticality => "criticality",
            Field::CriticalityDescription => "criticality_description",
            Field::Status => "triage.status",
            Field::Action => "triage.action",
            Field::AssignedTo => "triage.assigned_to",
            Field::Description => "triage.description",
        }
    }

    /// The field's column name.
    pub fn from_column(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.column() == name)
    }

    /// The asset's current value (`None`: unset).
    pub fn current(self, asset: &FemExternalAsset) -> Option<String> {
        let triage = asset.triage.as_ref();
        match self {
            Field::Criticality => asset.criticality.as_ref().map(|c| c.as_str().to_owned()),
            Field::CriticalityDescription => {
                asset.criticality_description.as_deref().map(str::to_owned)
            }
            Field::Status => triage.and_then(|t| t.status.as_deref().map(str::to_owned)),
            Field::Action => triage.and_then(|t| t.action.as_deref().map(str::to_owned)),
            Field::AssignedTo => triage.and_then(|t| t.assigned_to.as_deref().map(str::to_owned)),
            Field::Description => triage.and_then(|t| t.description.as_deref().map(str::to_owned)),
        }
    }

    /// Puts `value` in a patch element.
    pub fn set(self, patch: &mut ExternalAssetsApiPatch, value: &str) {
        let value = value.to_owned();
        match self {
            Field::Criticality => patch.criticality = Some(Criticality::parse(&value)),
            Field::CriticalityDescription => patch.criticality_description = Some(value),
            triage => {
                let t = patch.triage.get_or_insert_with(Default::default);
                let slot = match triage {
                    Field::Status => &mut t.status,
                    Field::Action => &mut t.action,
                    Field::AssignedTo => &mut t.assigned_to,
                    _ => &mut t.description,
                };
                *slot = Some(value);
            }
        }
    }
}

/// Every column, in order: the header of an undo file.
pub fn header() -> Vec<&'static str> {
    let mut columns = vec![ID, CID];
    columns.extend(Field::ALL.map(Field::column));
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_lands_where_it_is_read_from() {
        for field in Field::ALL {
            let mut patch = ExternalAssetsApiPatch::default();
            let value = if field == Field::Criticality {
                "High"
            } else {
                "x"
            };
            field.set(&mut patch, value);
            let json = serde_json::to_value(&patch).expect("a patch encodes");
            let asset: FemExternalAsset = serde_json::from_value(json).expect("as an asset");
            assert_eq!(field.current(&asset).as_deref(), Some(value), "{field:?}");
            assert_eq!(Field::from_column(field.column()), Some(field));
        }
    }
}
