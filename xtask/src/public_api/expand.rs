//! Expands the crate's own `macro_rules!` calls at item level, so the
//! methods and impls they write are listed too. Only simple macros are
//! understood: arms of `$name:fragment` separated by literal tokens, or one
//! `$( $name:fragment ),*` repetition. Anything else stays unexpanded and
//! is reported as a note.

use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use syn::Item;

use super::load::Crate;

/// Calls expanded inside calls, at most this deep.
const MAX_DEPTH: usize = 4;

struct Arm {
    matcher: Vec<TokenTree>,
    body: TokenStream,
}

enum Binding {
    One(Vec<TokenTree>),
    Many(Vec<Vec<TokenTree>>),
}

/// Replaces each item-level macro call of the crate by its expansion.
pub fn expand_all(krate: &mut Crate) {
    let mut macros: HashMap<String, Vec<Vec<Arm>>> = HashMap::new();
    for module in &krate.modules {
        for item in &module.items {
            if let Item::Macro(m) = item
                && let Some(name) = &m.ident
                && m.mac.path.is_ident("macro_rules")
            {
                let arms = parse_arms(m.mac.tokens.clone());
                macros.entry(name.to_string()).or_default().push(arms);
            }
        }
    }
    for m in 0..krate.modules.len() {
        let items = std::mem::take(&mut krate.modules[m].items);
        let mut out = Vec::new();
        for item in items {
            expand_item(item, &macros, 0, &mut out, &mut krate.notes);
        }
        krate.modules[m].items = out;
    }
}

fn expand_item(
    item: Item,
    macros: &HashMap<String, Vec<Vec<Arm>>>,
    depth: usize,
    out: &mut Vec<Item>,
    notes: &mut Vec<String>,
) {
    let Item::Macro(call) = &item else {
        out.push(item);
        return;
    };
    if call.ident.is_some() {
        out.push(item);
        return;
    }
    let name = call
        .mac
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let text = format!("{}!({})", name, call.mac.tokens);
    let expanded = match macros.get(&name).map(Vec::as_slice) {
        Some([arms]) if depth < MAX_DEPTH => expand(arms, call.mac.tokens.clone()),
        _ => None,
    };
    let Some(tokens) = expanded else {
        notes.push(format!("macro call not expanded: {text}"));
        return;
    };
    match syn::parse2::<syn::File>(tokens) {
        Ok(file) => {
            for inner in file.items {
                expand_item(inner, macros, depth + 1, out, notes);
            }
        }
        Err(e) => notes.push(format!("expansion of {text} not parsed: {e}")),
    }
}

fn parse_arms(tokens: TokenStream) -> Vec<Arm> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut arms = Vec::new();
    // `(matcher) => {body};`, repeated.
    let mut rest = trees.as_slice();
    while let [
        TokenTree::Group(m),
        TokenTree::Punct(eq),
        TokenTree::Punct(gt),
        TokenTree::Group(b),
        tail @ ..,
    ] = rest
        && eq.as_char() == '='
        && gt.as_char() == '>'
    {
        arms.push(Arm {
            matcher: m.stream().into_iter().collect(),
            body: b.stream(),
        });
        rest = match tail {
            [TokenTree::Punct(p), after @ ..] if p.as_char() == ';' => after,
            _ => tail,
        };
    }
    arms
}

fn expand(arms: &[Arm], input: TokenStream) -> Option<TokenStream> {
    let input: Vec<TokenTree> = input.into_iter().collect();
    arms.iter().find_map(|arm| {
        let bindings = bind(&arm.matcher, &input)?;
        transcribe(arm.body.clone(), &bindings, None)
    })
}

/// Matches `input` against a matcher of the supported shapes.
fn bind(matcher: &[TokenTree], input: &[TokenTree]) -> Option<HashMap<String, Binding>> {
    let mut bindings = HashMap::new();
    // `$( $x:frag ),*` alone.
    if let [TokenTree::Punct(d), TokenTree::Group(g), rest @ ..] = matcher
        && d.as_char() == '$'
        && g.delimiter() == Delimiter::Parenthesis
    {
        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
        let [
            TokenTree::Punct(d2),
            TokenTree::Ident(var),
            TokenTree::Punct(colon),
            TokenTree::Ident(_),
        ] = inner.as_slice()
        else {
            return None;
        };
        if d2.as_char() != '$' || colon.as_char() != ':' {
            return None;
        }
        let sep = match rest {
            [TokenTree::Punct(op)] if op.as_char() != ',' => None,
            [TokenTree::Punct(sep), TokenTree::Punct(_)] => Some(sep.as_char()),
            _ => return None,
        };
        let parts = split(input, sep);
        bindings.insert(var.to_string(), Binding::Many(parts));
        return Some(bindings);
    }
    // `$a:frag <literal> $b:frag ...`
    let mut pos = 0;
    let mut i = 0;
    while i < matcher.len() {
        match &matcher[i..] {
            [
                TokenTree::Punct(d),
                TokenTree::Ident(var),
                TokenTree::Punct(c),
                TokenTree::Ident(frag),
                ..,
            ] if d.as_char() == '$' && c.as_char() == ':' => {
                let end = if frag == "tt" || frag == "ident" || frag == "lifetime" {
                    (pos + 1).min(input.len())
                } else {
                    // Up to the next literal token of the matcher.
                    let stop = matcher.get(i + 4).map(ToString::to_string);
                    (pos..input.len())
                        .find(|&k| stop.as_deref() == Some(input[k].to_string().as_str()))
                        .unwrap_or(input.len())
                };
                if end == pos {
                    return None;
                }
                bindings.insert(var.to_string(), Binding::One(input[pos..end].to_vec()));
                pos = end;
                i += 4;
            }
            [literal, ..] => {
                if input.get(pos).map(ToString::to_string) != Some(literal.to_string()) {
                    return None;
                }
                pos += 1;
                i += 1;
            }
            [] => break,
        }
    }
    // A trailing comma is allowed.
    let rest = &input[pos..];
    let trailing_comma = matches!(rest, [TokenTree::Punct(p)] if p.as_char() == ',');
    (rest.is_empty() || trailing_comma).then_some(bindings)
}

fn split(input: &[TokenTree], sep: Option<char>) -> Vec<Vec<TokenTree>> {
    let mut parts = vec![Vec::new()];
    for t in input {
        match (t, sep) {
            (TokenTree::Punct(p), Some(s)) if p.as_char() == s && p.spacing() == Spacing::Alone => {
                parts.push(Vec::new())
            }
            _ => parts.last_mut().into_iter().for_each(|v| v.push(t.clone())),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// Writes `body` with the bindings; `index` selects the element of
/// repeated bindings inside a `$( ... )*` group.
fn transcribe(
    body: TokenStream,
    bindings: &HashMap<String, Binding>,
    index: Option<usize>,
) -> Option<TokenStream> {
    let trees: Vec<TokenTree> = body.into_iter().collect();
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < trees.len() {
        match (&trees[i], trees.get(i + 1)) {
            (TokenTree::Punct(d), Some(TokenTree::Ident(var))) if d.as_char() == '$' => {
                let tokens = match (bindings.get(&var.to_string()), index) {
                    (Some(Binding::One(t)), _) => t.clone(),
                    (Some(Binding::Many(all)), Some(k)) => all.get(k)?.clone(),
                    _ if var == "crate" => vec![TokenTree::Ident(var.clone())],
                    _ => return None,
                };
                out.extend(tokens);
                i += 2;
            }
            (TokenTree::Punct(d), Some(TokenTree::Group(g))) if d.as_char() == '$' => {
                let count = bindings
                    .values()
                    .filter_map(|b| match b {
                        Binding::Many(v) => Some(v.len()),
                        Binding::One(_) => None,
                    })
                    .max()
                    .unwrap_or(0);
                // `$( ... ) sep? op`
                let mut next = i + 2;
                let mut sep = None;
                if let Some(TokenTree::Punct(p)) = trees.get(next)
                    && !matches!(p.as_char(), '*' | '+' | '?')
                {
                    sep = Some(p.clone());
                    next += 1;
                }
                for k in 0..count {
                    if k > 0
                        && let Some(s) = &sep
                    {
                        out.extend([TokenTree::Punct(s.clone())]);
                    }
                    out.extend(transcribe(g.stream(), bindings, Some(k))?);
                }
                i = next + 1;
            }
            (TokenTree::Group(g), _) => {
                let inner = transcribe(g.stream(), bindings, index)?;
                let mut group = Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                out.extend([TokenTree::Group(group)]);
                i += 1;
            }
            (t, _) => {
                out.extend([t.clone()]);
                i += 1;
            }
        }
    }
    Some(out)
}
