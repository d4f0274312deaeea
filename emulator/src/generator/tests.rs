use super::*;
use crate::catalogue::service::{PORTS, PRODUCTS, Platform};

const ANCHOR: i64 = 1_800_000_000;
const ASSETS: usize = 500;

fn json(asset: &Asset) -> String {
    serde_json::to_string(asset).expect("an asset serialises")
}

fn inventory(g: &Generator) -> Vec<String> {
    (0..ASSETS).map(|i| json(&g.asset(i))).collect()
}

#[test]
fn the_same_seed_gives_the_same_inventory() {
    let first = inventory(&Generator::new(42, "cid", ANCHOR));
    assert_eq!(first, inventory(&Generator::new(42, "cid", ANCHOR)));
    assert_ne!(first, inventory(&Generator::new(43, "cid", ANCHOR)));
}

/// A field added to some assets (simulated by one more draw at the start
/// of their streams) changes those assets and no other.
#[test]
fn a_new_draw_in_some_assets_leaves_the_others_unchanged() {
    let g = Generator::new(42, "cid", ANCHOR);
    let before = inventory(&g);
    let gets_the_field = |i: usize| i % 7 == 3;
    let after: Vec<String> = (0..ASSETS)
        .map(|i| {
            let mut stream = g.stream(i);
            if gets_the_field(i) {
                stream.next_u64();
            }
            json(&g.asset_from(i, stream))
        })
        .collect();
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        if gets_the_field(i) {
            assert_ne!(b, a, "asset {i} drew one more value");
        } else {
            assert_eq!(b, a, "asset {i} did not");
        }
    }
}

#[test]
fn every_product_answers_on_a_known_port_with_the_right_protocol() {
    for product in PRODUCTS {
        for number in product.ports {
            let port = PORTS.iter().find(|p| p.number == *number);
            let port = port.unwrap_or_else(|| panic!("port {number}"));
            let web = port.protocol.starts_with("HTTP");
            assert_eq!(product.page.is_some(), web, "port {number}");
        }
    }
    // Every port has a product on each platform, or on one of them.
    for port in PORTS {
        let on = |platform| {
            PRODUCTS
                .iter()
                .any(|p| p.ports.contains(&port.number) && p.runs_on(platform))
        };
        assert!(
            on(Platform::Linux) || on(Platform::Windows),
            "{}",
            port.number
        );
    }
}

#[test]
fn web_applications_come_behind_a_web_server() {
    for product in PRODUCTS.iter().filter(|p| p.software.len() > 1) {
        let names: Vec<&str> = product.software.iter().map(|s| s.name).collect();
        assert_eq!(product.software[0].category, "Web Servers", "{names:?}");
        assert!(product.software[0].server_token.is_some(), "{names:?}");
        assert!(
            product.software[1..]
                .iter()
                .all(|s| s.category != "Web Servers"),
            "{names:?}"
        );
    }
}
