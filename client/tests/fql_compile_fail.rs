//! Unsupported operations on a field do not compile, nor does a setter
//! called on a started bulk stream (`tests/ui/*.rs`).
//!
//! trybuild checks its cases' dependencies twice, with two sets of rustc
//! flags (the second adds `--diagnostic-width=140`), and a change of flags
//! rebuilds every dependency. Run with `CARGO_ENCODED_RUSTFLAGS` set to the
//! second set, which cargo puts before the flags trybuild passes, both
//! passes (and `fixture_compile`'s check, in the same target directory)
//! use one build. The variable is set for a child process of this test
//! binary: a test does not change its own process's environment.

use std::process::Command;

/// The rustc flags of trybuild's second pass (`trybuild/src/rustflags.rs`
/// and `cargo.rs`): the stderr files are rendered with them.
pub(crate) const TRYBUILD_RUSTFLAGS: [&str; 6] = [
    "--cfg",
    "trybuild",
    "--verbose",
    "-A",
    "dead_code",
    "--diagnostic-width=140",
];

/// [`TRYBUILD_RUSTFLAGS`] in `CARGO_ENCODED_RUSTFLAGS`'s form.
pub(crate) fn encoded_rustflags() -> String {
    TRYBUILD_RUSTFLAGS.join("\u{1f}")
}

#[test]
fn unsupported_field_operations_do_not_compile() {
    let test = module_path!()
        .split_once("::")
        .map_or("compile_fail_cases".to_owned(), |(_, module)| {
            format!("{module}::compile_fail_cases")
        });
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([&test, "--exact", "--ignored", "--nocapture"])
        .env("CARGO_ENCODED_RUSTFLAGS", encoded_rustflags())
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "the cases did not run:\n{report}"
    );
}

/// The compile-fail cases; run by [`unsupported_field_operations_do_not_compile`]
/// (on its own, it checks the same cases, only with two dependency builds).
#[test]
#[ignore = "run by unsupported_field_operations_do_not_compile in a child process"]
fn compile_fail_cases() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
