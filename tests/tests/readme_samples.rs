//! The README's Rust samples are compiled: each one is found, line for
//! line (indentation and blank lines aside), in `examples/readme.rs`,
//! which `cargo test --workspace` builds with the other examples.

fn normalized(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The ```rust blocks of a Markdown text.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```rust") => current = Some(String::new()),
            Some(_) if line.trim_start().starts_with("```") => {
                blocks.extend(current.take());
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn every_readme_sample_is_compiled_in_the_readme_example() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let example =
        std::fs::read_to_string(format!("{root}/examples/readme.rs")).expect("examples/readme.rs");
    let example = normalized(&example);
    let blocks = rust_blocks(&readme);
    assert!(
        blocks.len() >= 4,
        "expected the README's samples, found {}",
        blocks.len()
    );
    for block in blocks {
        let lines = normalized(&block);
        let found = example
            .windows(lines.len().max(1))
            .any(|w| w == lines.as_slice());
        assert!(
            found,
            "this README sample is not in examples/readme.rs (copy it there, rustfmt'd, so that it is compiled):\n{block}"
        );
    }
}
