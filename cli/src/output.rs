//! Values from the API are hostile in what the tool writes: banners,
//! titles, FQDNs and certificate names come from the internet. Every text
//! cell goes through one of these before it is written.

use std::borrow::Cow;

/// A CSV text cell that a spreadsheet will not run as a formula: a cell
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'` (OWASP's advice). Quoting of commas, quotes and newlines is
/// the CSV writer's job.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Whether `c` may reach a terminal: no control character (C0, DEL, C1)
/// and no bidirectional override, which can make text read other than it
/// is.
fn printable(c: char) -> bool {
    !(c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
}

/// Text for a terminal: ANSI escape sequences removed, other control
/// characters replaced by `?` (a newline or tab becomes a space), so a
/// value cannot move the cursor, recolour or retitle the terminal.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if s.chars().all(printable) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\n' | '\t' | '\r' => out.push(' '),
            c if printable(c) => out.push(c),
            _ => out.push('?'),
        }
    }
    Cow::Owned(out)
}

/// Skips the rest of an escape sequence whose ESC was read: CSI (`ESC [`
/// parameters, a final byte), OSC (`ESC ]` up to BEL or `ESC \`), or one
/// more character.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Text for a Markdown table cell: [`terminal`]-clean, with Markdown's
/// punctuation and HTML escaped, so a value cannot add a link, an image, a
/// heading or a column.
pub fn markdown(s: &str) -> String {
    let clean = terminal(s);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The longest value a table cell shows; JSON has every value whole.
const CELL_CHARS: usize = 80;

/// `s` cut to `max` characters, with `…` when cut.
fn cut(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().nth(max).is_none() {
        return s.into();
    }
    let kept: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…").into()
}

/// A terminal table cell: [`terminal`]-clean and cut.
pub fn cell(s: &str) -> String {
    cut(&terminal(s), CELL_CHARS).into_owned()
}

/// An aligned table without borders, for terminals; the cells are written
/// as given, so make text from the API with [`cell`].
pub fn write_table(
    w: &mut impl std::io::Write,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> std::io::Result<()> {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::NOTHING);
    t.set_header(header);
    for row in rows {
        t.add_row(row);
    }
    for column in t.column_iter_mut() {
        column.set_padding((0, 2));
    }
    for line in t.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_start_a_formula_are_neutralised() {
        for s in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(s), format!("'{s}"), "{s:?}");
        }
        assert_eq!(csv_cell("nginx 1.2"), "nginx 1.2");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn terminal_text_loses_escapes_and_controls() {
        assert_eq!(terminal("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(terminal("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(terminal("a\u{1b}]8;;http://x\u{1b}\\link"), "alink");
        assert_eq!(terminal("line\nnext\u{0}\u{9b}"), "line next??");
        assert_eq!(terminal("abc\u{202E}cba"), "abc?cba");
        assert_eq!(terminal("plain"), "plain");
    }

    #[test]
    fn cells_are_cut_on_characters() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        assert_eq!(cut("ééééé", 2), "é…");
        assert_eq!(cut("", 2), "");
        assert_eq!(cell("a\u{1b}[31mb"), "ab");
    }

    #[test]
    fn markdown_cells_cannot_add_structure() {
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("[x](http://e)"), "\\[x\\]\\(http://e\\)");
        assert_eq!(markdown("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(markdown("# h\n*b*"), "\\# h \\*b\\*");
    }
}
