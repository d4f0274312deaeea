use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{changes, list};

fn fixture() -> HashMap<PathBuf, String> {
    let files = [
        (
            "src/lib.rs",
            r#"
            mod inner;
            pub mod api;
            #[path = "odd_name.rs"]
            pub mod odd;
            pub use inner::{Widget, Gadget as Renamed};
            pub use inner::helpers::*;
            #[doc(hidden)]
            pub fn hidden_fn() {}
            pub(crate) fn crate_fn() {}
            #[macro_export]
            macro_rules! shout { () => {}; }
            macro_rules! make_impls {
                ($name:ident) => {
                    impl $name {
                        pub fn made(&self) -> u8 { 1 }
                    }
                    impl std::fmt::Display for $name {
                        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) }
                    }
                };
            }
            macro_rules! unknown_shape { ($($a:ident = $b:expr);*) => {}; }
            unknown_shape!(a = 1; b = 2);
            pub use api::Mode::*;
            pub union Bits { pub word: u32, byte: u8 }
            "#,
        ),
        (
            "src/inner.rs",
            r#"
            pub struct Widget { pub size: u32, secret: u8 }
            pub struct Gadget;
            pub struct Unexported;
            impl Widget {
                /// Docs are dropped.
                #[must_use]
                pub fn new(
                    mut size: u32,
                ) -> Self { size += 0; Widget { size, secret: 0 } }
                fn private(&self) {}
                pub(crate) fn internal(&self) {}
                #[doc(hidden)]
                pub fn hidden(&self) {}
                pub const MAX: u32 = 5;
            }
            impl Unexported { pub fn invisible(&self) {} }
            pub mod helpers { pub fn help() -> u8 { 1 } }
            "#,
        ),
        (
            "src/api/mod.rs",
            r#"
            pub use crate::inner::Widget;
            pub trait Tool { type Out; fn run(&self) -> u8 { 0 } }
            impl Tool for crate::inner::Gadget { type Out = (); }
            #[derive(Debug, Clone)]
            #[non_exhaustive]
            pub enum Mode { A, B(u8) }
            pub struct Thing;
            crate::make_impls!(Thing);
            #[cfg(test)]
            mod tests { pub fn in_tests() {} }
            pub mod b { pub struct Shared; }
            pub mod a { pub use super::b::Shared; }
            "#,
        ),
        ("src/odd_name.rs", "pub fn odd() {}"),
    ];
    files
        .into_iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_owned()))
        .collect()
}

fn listing() -> super::Listing {
    match list(&fixture(), Path::new("src/lib.rs"), "fx") {
        Ok(l) => l,
        Err(e) => panic!("fixture not listed: {e}"),
    }
}

#[test]
fn items_are_listed_under_the_path_a_user_writes() {
    let l = listing();
    for expected in [
        "fx::Widget [struct] pub struct Widget { /* private fields */ }",
        "fx::Widget::size [field] pub size: u32",
        "fx::Widget::new [method] #[must_use] pub fn new(size: u32) -> Self",
        "fx::Widget::MAX [assoc const] pub const MAX: u32",
        "fx::Renamed [struct] pub struct Gadget;",
        "fx::api::Widget [re-export] fx::Widget",
        "fx::help [fn] pub fn help() -> u8",
        "fx::odd [mod] pub mod odd",
        "fx::odd::odd [fn] pub fn odd()",
        "fx::shout [macro] macro_rules! shout",
        "fx::Renamed [impl] impl Tool for crate::inner::Gadget",
        "fx::api::Tool [trait] pub trait Tool",
        "fx::api::Tool::run [trait fn] fn run(&self) -> u8;",
        "fx::api::Tool::Out [trait type] type Out;",
        "fx::api::Mode [enum] #[non_exhaustive] pub enum Mode",
        "fx::api::Mode::B [variant] B(u8)",
        "fx::api::Mode [impl] derive(Clone)",
        "fx::api::Thing::made [method] pub fn made(&self) -> u8",
        "fx::api::Thing [impl] impl std::fmt::Display for Thing",
        "fx::api::b::Shared [struct] pub struct Shared;",
        "fx::api::a::Shared [re-export] fx::api::b::Shared",
        "fx::Bits::word [field] pub word: u32",
    ] {
        assert!(
            l.lines.contains(expected),
            "missing `{expected}` in:\n{}",
            l.text()
        );
    }
}

#[test]
fn private_crate_only_hidden_and_test_items_are_left_out() {
    let text = listing().text();
    for absent in [
        "hidden_fn",
        "crate_fn",
        "Unexported",
        "invisible",
        "fn private",
        "internal",
        "::hidden",
        "secret",
        "in_tests",
        "fx::inner",
        "helpers",
        "make_impls",
    ] {
        assert!(!text.contains(absent), "`{absent}` listed in:\n{text}");
    }
}

#[test]
fn syntax_it_cannot_list_is_reported_for_run_to_fail() {
    let l = listing();
    for expected in ["unknown_shape!", "api::Mode::*"] {
        assert!(
            l.notes.iter().any(|n| n.contains(expected)),
            "no note on {expected}: {:?}",
            l.notes
        );
    }
    assert!(
        l.lines
            .contains("fx::Bits [union] pub union Bits { /* private fields */ }")
    );
}

#[test]
fn formatting_does_not_change_the_listing() {
    let mut files = fixture();
    let inner = PathBuf::from("src/inner.rs");
    let reformatted = files[&inner].replace(
        "pub fn new(\n                    mut size: u32,\n                ) -> Self",
        "pub fn new(mut size:u32)->Self",
    );
    assert_ne!(reformatted, files[&inner]);
    files.insert(inner, reformatted);
    let again = list(&files, Path::new("src/lib.rs"), "fx").map(|l| l.text());
    assert_eq!(again.ok(), Some(listing().text()));
}

#[test]
fn a_missing_root_is_an_error_and_a_missing_module_a_note() {
    assert!(list(&HashMap::new(), Path::new("src/lib.rs"), "fx").is_err());
    let mut files = fixture();
    files.remove(Path::new("src/odd_name.rs"));
    let l = list(&files, Path::new("src/lib.rs"), "fx").map_err(|e| e.to_string());
    let notes = l.map(|l| l.notes).unwrap_or_default();
    assert!(notes.iter().any(|n| n.contains("odd")), "notes: {notes:?}");
}

#[test]
fn a_stale_listing_shows_the_lines_removed_and_added() {
    let old = "# header\na [fn] pub fn a()\nb [fn] pub fn b()\n";
    let new = "# header\nb [fn] pub fn b()\nc [fn] pub fn c()\n";
    assert_eq!(
        changes(old, new),
        ["- a [fn] pub fn a()", "+ c [fn] pub fn c()"]
    );
    assert!(changes(new, new).is_empty());
}
