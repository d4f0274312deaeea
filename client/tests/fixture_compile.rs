//! Compiles the generator's output for the small fixture manifest, with one
//! operation appended, against the real client runtime: the golden output
//! compiles, and a new operation needs no hand-written code. The runtime is
//! copied beside the generated code into a scratch crate and `cargo check`ed
//! in the target directory of the client's trybuild cases, which builds the
//! same dependencies with the same flags: the suite checks them once. It is
//! a test of the client, not of the generator, for the same reason: some
//! build scripts (ring's) are rerun whenever the package environment of the
//! test that starts cargo changes.

use std::path::{Path, PathBuf};
use std::process::Command;

use falcon_exposure_codegen::{generate, load_str};

const SMALL: &str = include_str!("../../codegen/tests/fixtures/small.yaml");
const NEW_OPERATION: &str = include_str!("../../codegen/tests/fixtures/new_operation.yaml");
const VOCABULARIES: &str = include_str!("../../codegen/tests/fixtures/vocabularies.yaml");

/// Calls every fixture method, including the appended one, so that a
/// missing or mistyped method fails the check.
const USES: &str = r#"
#[allow(dead_code)]
async fn fixture_uses(client: Client) -> Result<()> {
    use crate::fields::widgets::{NAME, SIZE};
    let _ = (NAME.name(), SIZE.name());
    client.query_widgets().filter("name:'a'").sort("size|desc").limit(5).ids(["a", "b"]).raw_query([("x", "y")]).send().await?;
    client
        .update_widgets()
        .body(crate::models::WidgetPatch { widgets: Some(vec![crate::models::Widget::default()]) })
        .id("w1")
        .kind("round")
        .retry_writes(false)
        .send()
        .await?;
    let blob = client.download_widgets().widget_id("w1").send().await?;
    let _ = blob.bytes().await?;
    let ids: Vec<String> = client.list_gadgets().limit(5).send().await?.resources;
    let _ = ids;
    // Vocabularies, field enums, kept members and the shape report.
    client.update_widgets().id("w2").kind(crate::vocabularies::Form::Square).send().await?;
    let field: crate::fields::widgets::WidgetsField = "name".parse().map_err(|_| Error::Config("field".into()))?;
    let sort = crate::fql::Sort::desc(field).then_asc(SIZE);
    let _ = (sort, field.supports_wildcard(), crate::fields::widgets::WidgetsField::ALL.len());
    let widget = crate::models::Widget { r#type: Some(crate::vocabularies::Form::Round), ..Default::default() };
    let _ = (widget.extra.len(), crate::vocabularies::finish::known("MATTE"));
    let part = crate::models::Part { id: Some(crate::OneOrMany::One("p".into())), ..Default::default() };
    let _ = part.id.as_ref().map(|ids| ids.as_slice().len());
    let _: Option<String> = crate::models::Part::default().data_as();
    let mut report = crate::shape::ShapeReport::default();
    report.check("widget", &serde_json::json!({}), &widget);
    Ok(())
}
"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn copy_dir(from: &Path, to: &Path, skip: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path == skip {
            continue;
        }
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest, skip);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// The client's manifest made standalone: the workspace's shared package
/// fields and dependency versions are carried into a workspace of its own,
/// with the client's dependencies and none of its test targets and test
/// dependencies, as in trybuild's cases (the test dependencies are under
/// `cfg(not(trybuild))`, and trybuild leaves itself out): with the same
/// dependency graph and flags (see [`check_like_trybuild`]) both checks
/// share one build of it.
fn standalone_manifest() -> String {
    let client = std::fs::read_to_string(root().join("client/Cargo.toml")).unwrap();
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let shared = &workspace[workspace.find("[workspace.package]").unwrap()..];
    let shared = &shared[..shared.find("\n[profile").unwrap_or(shared.len())];
    let mut package = String::new();
    let mut dependencies = String::new();
    let mut section = String::new();
    for line in client.lines() {
        if line.starts_with('[') {
            section = line.trim().to_owned();
            if section == "[dependencies]" {
                continue;
            }
        }
        let kept = section == "[package]"
            || section == "[features]"
            || section.starts_with("[package.metadata");
        if section == "[dependencies]" {
            dependencies.push_str(line);
            dependencies.push('\n');
        } else if kept && !line.starts_with("readme") {
            package.push_str(line);
            package.push('\n');
        }
    }
    format!("{package}\n[dependencies]\n{dependencies}\n[workspace]\n\n{shared}\n")
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .trim()
        .to_owned()
}

/// `cargo check --lib` of the scratch crate in trybuild's target directory,
/// with the flags the compile-fail cases are checked with (see
/// `fql_compile_fail.rs`), so that the dependencies they built (or this
/// check builds first) serve both. Were trybuild to change its flags, the
/// check would still run, only slower.
fn check_like_trybuild(scratch: &Path) -> std::process::Output {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let target_dir = tmp.parent().unwrap().join("tests").join("trybuild");
    Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "--lib", "--target"])
        .arg(host_triple())
        .current_dir(scratch)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_INCREMENTAL", "0")
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            crate::fql_compile_fail::encoded_rustflags(),
        )
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap()
}

#[test]
fn generated_fixture_compiles_against_the_runtime() {
    let api = load_str(
        "small.yaml",
        &format!("{SMALL}{NEW_OPERATION}{VOCABULARIES}"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fixture-client");
    let _ = std::fs::remove_dir_all(scratch.join("src"));
    let client = root().join("client");
    copy_dir(
        &client.join("src"),
        &scratch.join("src"),
        &client.join("src/generated"),
    );
    for file in ["build.rs", "spec_fingerprint.rs"] {
        std::fs::copy(client.join(file), scratch.join(file)).unwrap();
    }
    std::fs::create_dir_all(scratch.join("src/generated")).unwrap();
    let files = generate(&api, "0000000000000000").unwrap_or_else(|e| panic!("{e}"));
    for (path, text) in files {
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap();
            std::fs::write(scratch.join("src/generated").join(name), text).unwrap();
        }
    }
    let lib = std::fs::read_to_string(scratch.join("src/lib.rs")).unwrap();
    std::fs::write(scratch.join("src/lib.rs"), format!("{lib}{USES}")).unwrap();
    std::fs::write(scratch.join("Cargo.toml"), standalone_manifest()).unwrap();
    std::fs::copy(root().join("Cargo.lock"), scratch.join("Cargo.lock")).unwrap();

    let out = check_like_trybuild(&scratch);
    assert!(
        out.status.success(),
        "the generated fixture does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
