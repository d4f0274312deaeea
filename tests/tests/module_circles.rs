//! No import circle in any crate of the workspace.
//!
//! A module may take names from its ancestors (`super::`, the modules that
//! declare it: that is what nesting means), but apart from that the modules
//! of a crate form a graph without cycles, so each one can be read, tested
//! and moved after the ones it uses. A circle is a cycle of that graph:
//! `a` takes a name from `b`, which takes one from `a` (directly or through
//! others). Edges are read from the source as text: `use` items (groups
//! expanded), `crate::`/`super::`/`self::` paths and paths through a child
//! module; a name a module re-exports counts for that module, the one its
//! user names. Unit tests (from `#[cfg(test)]` on) are left out: a
//! test may use anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The workspace's members, from the root manifest's `members = [...]`.
fn members() -> Vec<String> {
    let manifest = fs::read_to_string(root().join("Cargo.toml")).expect("the root manifest");
    let list = manifest
        .split_once("members = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .expect("the root manifest lists its members")
        .0;
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// The folder holding a member's module tree: `src/`, or the member itself
/// where it has none (examples: each file a crate root, sharing `support`).
fn source_root(member: &str) -> PathBuf {
    let dir = root().join(member);
    let src = dir.join("src");
    if src.is_dir() { src } else { dir }
}

/// Comments, string and character literals blanked (newlines kept), so
/// that only code is read. Lifetimes (`'a`) are code.
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, s: &str| {
        out.extend(s.chars().map(|c| if c == '\n' { '\n' } else { ' ' }))
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        let end = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            block_comment_len(rest)
        } else if let Some(len) = raw_string_len(rest) {
            len
        } else if rest.starts_with('"') || rest.starts_with("b\"") {
            let open = rest.find('"').unwrap_or(0) + 1;
            open + quoted_len(&rest[open..], b'"')
        } else if rest.starts_with('\'') {
            char_literal_len(rest).unwrap_or(0)
        } else {
            0
        };
        if end == 0 {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        } else {
            blank(&mut out, &rest[..end]);
            i += end;
        }
    }
    out
}

/// Length of a (nested) block comment at the start of `s`.
fn block_comment_len(s: &str) -> usize {
    let (mut depth, mut i, b) = (0usize, 0, s.as_bytes());
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// Length of a raw string (`r"…"`, `r#"…"#`, `br#"…"#`) at the start of `s`.
fn raw_string_len(s: &str) -> Option<usize> {
    let after_r = s.strip_prefix("br").or_else(|| s.strip_prefix('r'))?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    let body = after_r[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&close).map_or(body.len(), |at| at + close.len());
    Some(s.len() - body.len() + end)
}

/// Length up to and including the closing `quote`, skipping escapes.
fn quoted_len(s: &str, quote: u8) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Length of a character literal at the start of `s`, or `None` for a
/// lifetime.
fn char_literal_len(s: &str) -> Option<usize> {
    let body = &s[1..];
    if body.starts_with('\\') {
        return Some(1 + quoted_len(body, b'\''));
    }
    let c = body.chars().next()?;
    body[c.len_utf8()..]
        .starts_with('\'')
        .then(|| 2 + c.len_utf8())
}

/// `a/b.rs` → `a::b`; `a/mod.rs`, `lib.rs`, `main.rs` name their folder.
fn module_name(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

/// One crate's modules: name → code (stripped, unit tests cut off).
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![src.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir)
            .expect("readable source folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).expect("readable source file");
                let code = strip(&text);
                let code = match code.find("#[cfg(test)]") {
                    Some(at) => code[..at].to_owned(),
                    None => code,
                };
                let rel = path.strip_prefix(src).expect("below the source root");
                out.insert(module_name(rel), code);
            }
        }
    }
    out
}

/// `a::{b, c::{d, e as f}}` → `a::b`, `a::c::d`, `a::c::e as f`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut tight = String::new();
    for (i, c) in tree.char_indices() {
        let near = |c: char| matches!(c, ':' | '{' | '}' | ',');
        let next = tree[i + 1..].chars().next().unwrap_or(' ');
        let prev = tree[..i].chars().next_back().unwrap_or(' ');
        if !(c == ' ' && (near(next) || near(prev))) {
            tight.push(c);
        }
    }
    let Some(open) = tight.find('{') else {
        return vec![tight];
    };
    let (prefix, inner) = (
        &tight[..open],
        &tight[open + 1..tight.len().saturating_sub(1)],
    );
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(&format!("{prefix}{p}")))
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The `use` trees of `code`, each expanded, and `code` with them blanked.
fn use_items(code: &str) -> (Vec<String>, String) {
    let (mut found, mut rest) = (Vec::new(), code.to_owned());
    let mut from = 0;
    while let Some(at) = code[from..].find("use ").map(|i| i + from) {
        from = at + 4;
        if code[..at].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let Some(end) = code[at..].find(';').map(|i| i + at) else {
            break;
        };
        found.extend(expand_use(&code[at + 4..end]));
        rest.replace_range(at..end, &" ".repeat(end - at));
    }
    (found, rest)
}

/// Paths of two or more segments in `code` (`a::b`, `crate::x::Y`).
fn inline_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_ident(c) || code[..start].ends_with("::") {
            continue;
        }
        if code[..start].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let mut end = start;
        while end < code.len() {
            let word = code[end..].chars().take_while(|&c| is_ident(c)).count();
            let after = end
                + code[end..]
                    .chars()
                    .take(word)
                    .map(char::len_utf8)
                    .sum::<usize>();
            end = after;
            if code[end..].starts_with("::") && code[end + 2..].starts_with(is_ident) {
                end += 2;
            } else {
                break;
            }
        }
        let path = &code[start..end];
        if path.contains("::") {
            out.push(path.to_owned());
        }
        while chars.peek().is_some_and(|&(i, _)| i < end) {
            chars.next();
        }
    }
    out
}

/// One crate's module graph.
struct Graph {
    /// Module name (`a::b`, the root is empty) → its code.
    code: BTreeMap<String, String>,
}

/// A strongly connected set of modules, and the edges inside it.
#[derive(Debug)]
struct Circle {
    modules: Vec<String>,
    edges: Vec<String>,
}

impl Graph {
    fn parent(module: &str) -> &str {
        module.rsplit_once("::").map_or("", |(p, _)| p)
    }

    fn join(base: &str, seg: &str) -> String {
        if base.is_empty() {
            seg.to_owned()
        } else {
            format!("{base}::{seg}")
        }
    }

    /// The module a path used in `from` names (a re-exported name counts
    /// for the module that re-exports it: that is the module the reader
    /// depends on), or `None` when the path does not start in this crate.
    fn target(&self, from: &str, path: &str) -> Option<String> {
        let path = path.split(" as ").next().unwrap_or(path);
        let mut segs: Vec<&str> = path.split("::").collect();
        let mut base = match segs[0] {
            "crate" => String::new(),
            "super" | "self" => from.to_owned(),
            first if self.code.contains_key(&Self::join(from, first)) => from.to_owned(),
            _ => return None,
        };
        if segs[0] == "crate" {
            segs.remove(0);
        }
        while let Some(&seg) = segs.first().filter(|s| **s == "super" || **s == "self") {
            if seg == "super" {
                base = Self::parent(&base).to_owned();
            }
            segs.remove(0);
        }
        // A crate without a root file (examples: each file is a crate).
        self.code.get(&base)?;
        while let Some(next) = segs.first().map(|seg| Self::join(&base, seg)) {
            if !self.code.contains_key(&next) {
                break;
            }
            base = next;
            segs.remove(0);
        }
        Some(base)
    }

    /// Module → the modules it takes names from → the paths that say so.
    /// Edges to the module itself or to one of its ancestors are left out
    /// (see the module docs).
    fn edges(&self) -> BTreeMap<&str, BTreeMap<String, BTreeSet<String>>> {
        let mut edges = BTreeMap::new();
        for (module, code) in &self.code {
            let (uses, rest) = use_items(code);
            let out: &mut BTreeMap<_, BTreeSet<_>> = edges.entry(module.as_str()).or_default();
            for path in uses.into_iter().chain(inline_paths(&rest)) {
                let Some(to) = self.target(module, &path) else {
                    continue;
                };
                let ancestor =
                    to.is_empty() || *module == to || module.starts_with(&format!("{to}::"));
                if !ancestor {
                    out.entry(to).or_default().insert(path);
                }
            }
        }
        edges
    }

    /// The strongly connected sets of two or more modules.
    fn circles(&self) -> Vec<Circle> {
        let edges = self.edges();
        let reachable: BTreeMap<&str, BTreeSet<&str>> = self
            .code
            .keys()
            .map(|start| {
                let mut seen = BTreeSet::new();
                let mut todo = vec![start.as_str()];
                while let Some(m) = todo.pop() {
                    for next in edges[m].keys() {
                        if seen.insert(next.as_str()) {
                            todo.push(next);
                        }
                    }
                }
                (start.as_str(), seen)
            })
            .collect();
        let mut placed = BTreeSet::new();
        let mut circles = Vec::new();
        for (&m, from_m) in &reachable {
            if !from_m.contains(m) || placed.contains(m) {
                continue;
            }
            let modules: BTreeSet<&str> = from_m
                .iter()
                .copied()
                .filter(|other| reachable[other].contains(m))
                .collect();
            placed.extend(modules.iter().copied());
            let edges = modules
                .iter()
                .flat_map(|a| {
                    edges[a]
                        .iter()
                        .filter(|(b, _)| modules.contains(b.as_str()))
                        .map(move |(b, paths)| {
                            format!(
                                "{a} -> {b} ({})",
                                Vec::from_iter(paths.iter().map(String::as_str)).join(", ")
                            )
                        })
                })
                .collect();
            circles.push(Circle {
                modules: modules.iter().map(|m| m.to_string()).collect(),
                edges,
            });
        }
        circles
    }
}

#[test]
fn no_crate_of_the_workspace_has_an_import_circle() {
    let mut found = Vec::new();
    for member in members() {
        let graph = Graph {
            code: modules(&source_root(&member)),
        };
        assert!(
            graph.code.len() > 1 || member == "tests",
            "{member}: no modules were read"
        );
        for circle in graph.circles() {
            found.push(format!(
                "{member}: {}\n    {}",
                circle.modules.join(", "),
                circle.edges.join("\n    ")
            ));
        }
    }
    assert!(
        found.is_empty(),
        "import circles (a module takes names from another that, directly or not, takes names from it; \
         move the shared names into a module both use):\n{}",
        found.join("\n")
    );
}

/// The check finds what it must: a circle through a re-export and a
/// group import; no circle through a parent, a comment or a string.
#[test]
fn the_circle_check_sees_circles_through_reexports_and_groups() {
    let graph = |files: &[(&str, &str)]| Graph {
        code: files
            .iter()
            .map(|(m, code)| (m.to_string(), strip(code)))
            .collect(),
    };
    let files = [
        ("", "mod a; mod b; pub use a::Thing;"),
        (
            "a",
            "mod inner; pub use inner::Thing; fn f() -> self::inner::Thing {}",
        ),
        (
            "a::inner",
            "use crate::b::{Other, more::{X as Y}}; pub struct Thing(Other); use super::helper;",
        ),
        (
            "b",
            "pub struct Other; fn f() -> super::a::Thing { let s = \"crate::b\"; } // crate::b",
        ),
    ];
    let circles = graph(&files).circles();
    assert_eq!(circles.len(), 1, "{circles:?}");
    assert_eq!(circles[0].modules, ["a", "a::inner", "b"]);
    assert_eq!(
        circles[0].edges,
        [
            "a -> a::inner (inner::Thing, self::inner::Thing)",
            "a::inner -> b (crate::b::Other, crate::b::more::X as Y)",
            "b -> a (super::a::Thing)",
        ]
    );

    let mut acyclic = files;
    acyclic[3].1 =
        "pub struct Other; const S: &str = r#\"super::a::Thing\"#; fn f() -> crate::Thing {}";
    assert!(graph(&acyclic).circles().is_empty());
}
