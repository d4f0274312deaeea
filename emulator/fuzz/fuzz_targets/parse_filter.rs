//! Fuzzes the emulator's FQL parser and evaluator: any input is accepted or
//! refused with a message, never a panic or a stack overflow, and a refusal
//! for length or depth names the limit.
#![no_main]

use falcon_emulator::filter_parser::{MAX_DEPTH, MAX_FILTER_LEN, check};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_795_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match check(s, NOW) {
        Ok(matched) => assert!(matched <= 16),
        Err(e) => {
            assert!(e.starts_with("invalid filter: "), "{e}");
            if s.len() > MAX_FILTER_LEN {
                assert!(
                    e.contains(&format!("at most {MAX_FILTER_LEN} bytes")),
                    "{e}"
                );
            }
            if e.contains("nest deeper") {
                assert!(
                    e.contains(&format!("at most {MAX_DEPTH} are allowed")),
                    "{e}"
                );
            }
        }
    }
});
