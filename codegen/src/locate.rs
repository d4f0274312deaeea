//! Finds the line and column of a key path in block-style YAML text, so that
//! errors found after parsing can point into the file.

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Renders steps as `operations[2].parameters[0].type`.
pub fn render(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// 1-based (line, column) of the deepest step of `path` that could be found.
pub fn locate(text: &str, path: &[Step]) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    // The block being searched: line range and the column its keys start at.
    let (mut start, mut end, mut indent) = (0, lines.len(), None::<usize>);
    let mut found = (1, 1);
    for step in path {
        let key_indent = indent.unwrap_or_else(|| first_indent(&lines[start..end]));
        let hit = match step {
            Step::Key(k) => find_key(&lines, start, end, key_indent, k),
            Step::Index(i) => find_item(&lines, start, end, key_indent, *i),
        };
        let Some((line, col, child_indent)) = hit else {
            break;
        };
        found = (line + 1, col + 1);
        indent = child_indent;
        if matches!(step, Step::Index(_)) {
            // The item's first key sits on the dash line itself; the item
            // ends at the next line as far left as its dash.
            end = (line + 1..end)
                .find(|&n| content(lines[n]).is_some_and(|(i, _)| i <= col))
                .unwrap_or(end);
            start = line;
        } else {
            start = line + 1;
            end = block_end(&lines, start, end, col);
        }
    }
    found
}

fn content(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    Some((line.len() - trimmed.len(), trimmed))
}

fn first_indent(lines: &[&str]) -> usize {
    lines
        .iter()
        .find_map(|l| content(l).map(|(i, _)| i))
        .unwrap_or(0)
}

/// Finds `key:` at `indent`, also right after the dash of a sequence item;
/// returns its line and column (the block below has its own indent).
fn find_key(
    lines: &[&str],
    start: usize,
    end: usize,
    indent: usize,
    key: &str,
) -> Option<(usize, usize, Option<usize>)> {
    (start..end).find_map(|n| {
        let (i, text) = content(lines[n])?;
        let rest = if i == indent {
            text
        } else if i + 2 == indent {
            text.strip_prefix("- ")?
        } else {
            return None;
        };
        let after = rest.strip_prefix(key)?.strip_prefix(':')?;
        (after.is_empty() || after.starts_with(' ')).then_some((n, indent, None))
    })
}

/// Finds the `index`-th `- ` item at `indent`.
fn find_item(
    lines: &[&str],
    start: usize,
    end: usize,
    indent: usize,
    index: usize,
) -> Option<(usize, usize, Option<usize>)> {
    (start..end)
        .filter(|&n| {
            content(lines[n]).is_some_and(|(i, t)| i == indent && (t.starts_with("- ") || t == "-"))
        })
        .nth(index)
        .map(|n| (n, indent, Some(indent + 2)))
}

/// The end of the block that starts at `start`: the first content line at or
/// left of `col`.
fn block_end(lines: &[&str], start: usize, end: usize, col: usize) -> usize {
    (start..end)
        .find(|&n| {
            content(lines[n]).is_some_and(|(i, t)| i < col || (i == col && !t.starts_with("- ")))
        })
        .unwrap_or(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
a: 1
ops:
  - id: x
    params:
      - name: p
        type: t
  - id: y
    params:
      - name: q
        # comment
        type: u
b:
  c: 2
";

    fn k(s: &str) -> Step {
        Step::Key(s.into())
    }

    #[test]
    fn finds_nested_keys_and_items() {
        assert_eq!(locate(TEXT, &[k("a")]), (1, 1));
        assert_eq!(locate(TEXT, &[k("ops"), Step::Index(1), k("id")]), (7, 5));
        assert_eq!(
            locate(
                TEXT,
                &[
                    k("ops"),
                    Step::Index(1),
                    k("params"),
                    Step::Index(0),
                    k("type")
                ]
            ),
            (11, 9)
        );
        assert_eq!(locate(TEXT, &[k("b"), k("c")]), (13, 3));
    }

    #[test]
    fn stops_at_the_deepest_step_found() {
        assert_eq!(locate(TEXT, &[k("ops"), Step::Index(0), k("nope")]), (3, 3));
        assert_eq!(render(&[k("ops"), Step::Index(0), k("id")]), "ops[0].id");
    }
}
