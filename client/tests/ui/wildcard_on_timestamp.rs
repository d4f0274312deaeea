// `last_seen` supports exact match and ranges, not wildcards or lists.
use falcon_exposure::fields::external_assets as f;

fn main() {
    let _ = f::LAST_SEEN.wildcard("2024*");
    let _ = f::LAST_SEEN.any_of(["now-1d"]);
}
