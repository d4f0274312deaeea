//! Unsupported operations on a field do not compile.

#[test]
fn unsupported_field_operations_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
