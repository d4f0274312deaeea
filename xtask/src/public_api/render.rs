//! Signatures as one normalised line each: attributes users do not see are
//! dropped, bodies and values removed, and the rest printed by prettyplease
//! so that source formatting never changes the listing.

use std::panic::{AssertUnwindSafe, catch_unwind};

use quote::ToTokens;
use syn::{Attribute, Block, Fields, Item, TraitItem, Type};

/// The attributes a user of the item depends on.
fn kept(attr: &Attribute) -> bool {
    let p = attr.path();
    ["non_exhaustive", "must_use", "deprecated", "cfg"]
        .iter()
        .any(|k| p.is_ident(k))
}

pub fn strip_attrs(attrs: &mut Vec<Attribute>) {
    attrs.retain(kept);
}

fn empty_block() -> Block {
    syn::parse_quote!({})
}

/// Prints `item` on one line; prettyplease's layout is folded so that
/// line breaks it chose do not matter.
pub fn one_line(item: Item) -> String {
    let file = syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![item.clone()],
    };
    // Printing must never stop the listing: fall back to raw tokens.
    let text = catch_unwind(AssertUnwindSafe(|| prettyplease::unparse(&file)))
        .unwrap_or_else(|_| item.to_token_stream().to_string());
    fold(&text)
}

fn fold(text: &str) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = joined;
    for (from, to) in [
        ("( ", "("),
        ("< ", "<"),
        ("[ ", "["),
        (", )", ")"),
        (", >", ">"),
        (", ]", "]"),
        (" )", ")"),
        (" >", ">"),
        (" ]", "]"),
    ] {
        s = s.replace(from, to);
    }
    s.trim_end_matches(',').to_owned()
}

fn strip_suffix(s: String, suffix: &str) -> String {
    match s.strip_suffix(suffix) {
        // A `where` clause keeps its last comma before the body.
        Some(t) => t.trim_end().trim_end_matches(',').to_owned(),
        None => s,
    }
}

/// A type as written, normalised.
pub fn ty(t: &Type) -> String {
    let line = one_line(syn::parse_quote!(type T = #t;));
    line.strip_prefix("type T = ")
        .and_then(|s| s.strip_suffix(';'))
        .map(str::to_owned)
        .unwrap_or(line)
}

pub fn function(mut f: syn::ItemFn) -> String {
    strip_attrs(&mut f.attrs);
    // `mut x` and `mut self` bind inside the body: not part of the API.
    for input in f.sig.inputs.iter_mut() {
        match input {
            syn::FnArg::Receiver(r) if r.reference.is_none() => r.mutability = None,
            syn::FnArg::Typed(t) => {
                if let syn::Pat::Ident(p) = t.pat.as_mut() {
                    p.mutability = None;
                }
            }
            _ => {}
        }
    }
    f.block = Box::new(empty_block());
    strip_suffix(one_line(Item::Fn(f)), "{}")
}

pub fn method(m: &syn::ImplItemFn) -> String {
    function(syn::ItemFn {
        attrs: m.attrs.clone(),
        vis: m.vis.clone(),
        sig: m.sig.clone(),
        block: Box::new(empty_block()),
    })
}

pub fn impl_header(i: &syn::ItemImpl) -> String {
    let mut i = i.clone();
    strip_attrs(&mut i.attrs);
    i.items.clear();
    strip_suffix(one_line(Item::Impl(i)), "{}")
}

/// A struct or union without its fields; `{ /* private fields */ }` when
/// some are not public.
pub fn struct_header(mut s: syn::ItemStruct) -> String {
    strip_attrs(&mut s.attrs);
    let private = s.fields.iter().any(|f| !super::resolve::is_public(&f.vis));
    match &mut s.fields {
        Fields::Named(named) => {
            named.named.clear();
            let line = strip_suffix(one_line(Item::Struct(s)), "{}");
            if private {
                format!("{line} {{ /* private fields */ }}")
            } else {
                format!("{line} {{}}")
            }
        }
        Fields::Unnamed(unnamed) => {
            for f in unnamed.unnamed.iter_mut() {
                strip_attrs(&mut f.attrs);
                if !super::resolve::is_public(&f.vis) {
                    f.ty = syn::parse_quote!(_);
                }
            }
            one_line(Item::Struct(s))
        }
        Fields::Unit => one_line(Item::Struct(s)),
    }
}

pub fn field(f: &syn::Field) -> String {
    let attrs = attrs_text(&f.attrs);
    match &f.ident {
        Some(name) => format!("{attrs}pub {name}: {}", ty(&f.ty)),
        None => format!("{attrs}pub {}", ty(&f.ty)),
    }
}

pub fn enum_header(mut e: syn::ItemEnum) -> String {
    strip_attrs(&mut e.attrs);
    e.variants.clear();
    strip_suffix(one_line(Item::Enum(e)), "{}")
}

pub fn variant(v: &syn::Variant) -> String {
    let mut v = v.clone();
    strip_attrs(&mut v.attrs);
    for f in v.fields.iter_mut() {
        strip_attrs(&mut f.attrs);
    }
    let line = one_line(syn::parse_quote!(enum E { #v }));
    line.strip_prefix("enum E {")
        .and_then(|s| s.strip_suffix('}'))
        .map(|s| s.trim().trim_end_matches(',').to_owned())
        .unwrap_or(line)
}

pub fn trait_header(mut t: syn::ItemTrait) -> String {
    strip_attrs(&mut t.attrs);
    t.items.clear();
    strip_suffix(one_line(Item::Trait(t)), "{}")
}

pub fn trait_item(item: &TraitItem) -> String {
    let mut item = item.clone();
    match &mut item {
        TraitItem::Fn(f) => {
            strip_attrs(&mut f.attrs);
            f.default = None;
            f.semi_token = Some(Default::default());
        }
        TraitItem::Const(c) => {
            strip_attrs(&mut c.attrs);
            c.default = None;
        }
        TraitItem::Type(t) => {
            strip_attrs(&mut t.attrs);
            t.default = None;
        }
        _ => {}
    }
    let line = one_line(syn::parse_quote!(trait T { #item }));
    line.strip_prefix("trait T {")
        .and_then(|s| s.strip_suffix('}'))
        .map(|s| s.trim().to_owned())
        .unwrap_or(line)
}

pub fn assoc_const(c: &syn::ImplItemConst) -> String {
    let attrs = attrs_text(&c.attrs);
    format!("{attrs}pub const {}: {}", c.ident, ty(&c.ty))
}

/// Consts and statics without their value; aliases and the rest whole.
pub fn other(item: &Item) -> String {
    let mut item = item.clone();
    match &mut item {
        Item::Const(c) => {
            return format!(
                "{}pub const {}: {}",
                attrs_text(&c.attrs),
                c.ident,
                ty(&c.ty)
            );
        }
        Item::Static(s) => {
            let mutability = if matches!(s.mutability, syn::StaticMutability::Mut(_)) {
                "mut "
            } else {
                ""
            };
            return format!(
                "{}pub static {mutability}{}: {}",
                attrs_text(&s.attrs),
                s.ident,
                ty(&s.ty)
            );
        }
        Item::Type(t) => strip_attrs(&mut t.attrs),
        Item::TraitAlias(t) => strip_attrs(&mut t.attrs),
        Item::Macro(m) => {
            let name = m
                .ident
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            return format!("macro_rules! {name}");
        }
        _ => {}
    }
    one_line(item)
}

/// The kept attributes, each followed by a space.
fn attrs_text(attrs: &[Attribute]) -> String {
    let attrs: Vec<&Attribute> = attrs.iter().filter(|a| kept(a)).collect();
    if attrs.is_empty() {
        return String::new();
    }
    let line = one_line(syn::parse_quote!(#(#attrs)* struct S;));
    format!("{} ", strip_suffix(line, "struct S;"))
}
