// `criticality` supports exact match, wildcard and lists, not ranges.
use falcon_exposure::fields::external_assets as f;

fn main() {
    let _ = f::CRITICALITY.greater_than("High");
}
