//! Fuzzes the FQL filter and sort parsers: any input gives `Ok` or a typed
//! error, never a panic, and whatever parses renders to a string that
//! parses again to the same rendering.
#![no_main]

use falcon_exposure::fields::external_assets::TABLE;
use falcon_exposure::fql::{Filter, Sort};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    for table in [Some(&TABLE), None] {
        match Filter::parse_with(s, table) {
            Ok(f) => {
                let rendered = f.to_string();
                let again = Filter::parse_with(&rendered, table).expect("a rendered filter parses");
                assert_eq!(again.to_string(), rendered);
            }
            Err(e) => assert!(e.position().is_some_and(|p| p <= s.len())),
        }
    }
    let _ = Sort::parse(s);
});
