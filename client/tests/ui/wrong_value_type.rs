// A port is an integer, and text match is for text fields only.
use falcon_exposure::fields::external_assets as f;

fn main() {
    let _ = f::IP_SERVICES_PORT.equals("22");
    let _ = f::IP_SERVICES_PORT.matches("22");
    let _ = f::DNS_DOMAIN_SERVICES_ID.equals("x");
}
