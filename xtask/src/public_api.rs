//! `cargo xtask public-api [--check]`: the client's public API as a sorted
//! listing, one item per line, checked in as `client/public-api.txt` so
//! that API changes are reviewed on purpose.
//!
//! The sources are parsed with syn from `client/src/lib.rs`; each item is
//! listed under the shortest path a user writes, other public paths as
//! re-exports. Syntax the lister does not understand (a macro call it cannot
//! expand, a `pub use` it cannot resolve, a trait item of an unknown kind)
//! is an error: the listing would silently miss part of the API.

mod expand;
mod load;
mod render;
mod resolve;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::ExitCode;

use syn::{Fields, ImplItem, Item, Type};

use load::{Source, attrs_of, is_doc_hidden};
use resolve::{ItemId, Resolver, Target, is_public};

const CRATE_NAME: &str = "falcon_exposure";
const LISTING: &str = "client/public-api.txt";
const HEADER: &str = "\
# Public API of the falcon-exposure crate: one item per line, `path [kind] signature`, sorted.
# Written by `cargo xtask public-api` from client/src; `cargo xtask public-api --check` (in CI)
# fails when this file is stale. A change here is a change of the API: review it as one.
";

pub struct Listing {
    /// `path [kind] signature`, sorted.
    pub lines: BTreeSet<String>,
    pub notes: BTreeSet<String>,
}

impl Listing {
    pub fn text(&self) -> String {
        let mut out = HEADER.to_owned();
        for note in &self.notes {
            out.push_str(&format!("# note: {note}\n"));
        }
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// How many lines of each kind.
    pub fn kinds(&self) -> BTreeMap<String, usize> {
        let mut kinds = BTreeMap::new();
        for line in &self.lines {
            let kind = line
                .split_once(" [")
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(k, _)| k.to_owned())
                .unwrap_or_default();
            *kinds.entry(kind).or_insert(0) += 1;
        }
        kinds
    }
}

pub fn run(root: &Path, check: bool) -> ExitCode {
    let listing = match list(&load::Fs, &root.join("client/src/lib.rs"), CRATE_NAME) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("public-api: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !listing.notes.is_empty() {
        eprintln!("public-api: the client uses syntax the lister does not understand:");
        for note in &listing.notes {
            eprintln!("  {note}");
        }
        eprintln!("list it by hand in xtask/src/public_api/ or write the item differently");
        return ExitCode::FAILURE;
    }
    let text = listing.text();
    let path = root.join(LISTING);
    let kinds: Vec<String> = listing
        .kinds()
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let summary = format!("{} items ({})", listing.lines.len(), kinds.join(", "));
    if check {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old == text {
            println!("{LISTING} is up to date: {summary}");
            return ExitCode::SUCCESS;
        }
        eprintln!("{LISTING} is stale; the public API changed:");
        for line in changes(&old, &text) {
            eprintln!("{line}");
        }
        eprintln!("run `cargo xtask public-api` and commit {LISTING} if the change is intended");
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {LISTING}: {summary}");
    ExitCode::SUCCESS
}

/// The lines removed (`- `) then added (`+ `) from `old` to `new`; both
/// are sorted listings, so a set difference is the diff.
pub fn changes(old: &str, new: &str) -> Vec<String> {
    let old: BTreeSet<&str> = old.lines().collect();
    let new: BTreeSet<&str> = new.lines().collect();
    let removed = old.difference(&new).map(|l| format!("- {l}"));
    let added = new.difference(&old).map(|l| format!("+ {l}"));
    removed.chain(added).collect()
}

/// The public API of the crate whose root file is `lib`.
pub fn list(src: &dyn Source, lib: &Path, crate_name: &str) -> Result<Listing, String> {
    let mut krate = load::load(src, lib)?;
    expand::expand_all(&mut krate);
    let resolver = Resolver::new(&krate);
    let paths = resolver.public_paths(crate_name);
    let canonical: BTreeMap<ItemId, String> = paths
        .items
        .iter()
        .filter_map(|(id, all)| {
            // The shortest path; on a tie, the item's own module.
            let best = all.iter().min_by_key(|p| {
                (
                    p.matches("::").count(),
                    !paths.direct.contains(*p),
                    p.as_str(),
                )
            })?;
            Some((*id, best.clone()))
        })
        .collect();
    let mut lines = BTreeSet::new();
    let mut notes: BTreeSet<String> = krate.notes.iter().cloned().collect();
    notes.extend(paths.notes.iter().cloned());
    for (m, path) in &paths.modules {
        if *m != 0 {
            let name = &krate.modules[*m].name;
            lines.insert(format!("{path} [mod] pub mod {name}"));
        }
    }
    for (alias, target) in &paths.aliases {
        lines.insert(format!("{alias} [re-export] {target}"));
    }
    for (id, all) in &paths.items {
        let Some(c) = canonical.get(id) else { continue };
        for p in all.iter().filter(|p| *p != c) {
            lines.insert(format!("{p} [re-export] {c}"));
        }
        item_lines(
            &krate.modules[id.module].items[id.index],
            c,
            &mut lines,
            &mut notes,
        );
    }
    let lister = ImplLister {
        resolver: &resolver,
        canonical: &canonical,
    };
    for (m, module) in krate.modules.iter().enumerate() {
        for item in &module.items {
            if let Item::Impl(i) = item
                && !i.attrs.iter().any(is_doc_hidden)
            {
                lister.impl_lines(m, i, &mut lines);
            }
        }
    }
    Ok(Listing { lines, notes })
}

/// The lines of one public item: itself, then its fields, variants,
/// trait items and derived impls.
fn item_lines(item: &Item, c: &str, lines: &mut BTreeSet<String>, notes: &mut BTreeSet<String>) {
    match item {
        Item::Struct(s) => {
            lines.insert(format!("{c} [struct] {}", render::struct_header(s.clone())));
            for (k, f) in s.fields.iter().enumerate() {
                if is_public(&f.vis) && !f.attrs.iter().any(is_doc_hidden) {
                    let name = f.ident.as_ref().map_or(k.to_string(), ToString::to_string);
                    lines.insert(format!("{c}::{name} [field] {}", render::field(f)));
                }
            }
        }
        Item::Union(u) => {
            let as_struct = syn::ItemStruct {
                attrs: u.attrs.clone(),
                vis: u.vis.clone(),
                struct_token: Default::default(),
                ident: u.ident.clone(),
                generics: u.generics.clone(),
                fields: Fields::Named(u.fields.clone()),
                semi_token: None,
            };
            let header = render::struct_header(as_struct).replacen("struct", "union", 1);
            lines.insert(format!("{c} [union] {header}"));
            for f in &u.fields.named {
                if let (true, Some(name)) = (is_public(&f.vis), &f.ident) {
                    lines.insert(format!("{c}::{name} [field] {}", render::field(f)));
                }
            }
        }
        Item::Enum(e) => {
            lines.insert(format!("{c} [enum] {}", render::enum_header(e.clone())));
            for v in e
                .variants
                .iter()
                .filter(|v| !v.attrs.iter().any(is_doc_hidden))
            {
                lines.insert(format!("{c}::{} [variant] {}", v.ident, render::variant(v)));
            }
        }
        Item::Trait(t) => {
            lines.insert(format!("{c} [trait] {}", render::trait_header(t.clone())));
            for ti in &t.items {
                let (name, kind) = match ti {
                    syn::TraitItem::Fn(f) => (f.sig.ident.to_string(), "trait fn"),
                    syn::TraitItem::Type(t) => (t.ident.to_string(), "trait type"),
                    syn::TraitItem::Const(k) => (k.ident.to_string(), "trait const"),
                    other => {
                        notes.insert(format!(
                            "{c}: trait item not listed: {}",
                            quote::quote!(#other)
                        ));
                        continue;
                    }
                };
                lines.insert(format!("{c}::{name} [{kind}] {}", render::trait_item(ti)));
            }
        }
        Item::Fn(f) => {
            lines.insert(format!("{c} [fn] {}", render::function(f.clone())));
        }
        Item::Const(_) => {
            lines.insert(format!("{c} [const] {}", render::other(item)));
        }
        Item::Static(_) => {
            lines.insert(format!("{c} [static] {}", render::other(item)));
        }
        Item::Type(_) => {
            lines.insert(format!("{c} [type] {}", render::other(item)));
        }
        Item::Macro(_) => {
            lines.insert(format!("{c} [macro] {}", render::other(item)));
        }
        other => {
            lines.insert(format!("{c} [item] {}", render::other(other)));
        }
    }
    // Derived traits are part of the API like written impls.
    for attr in attrs_of(item).into_iter().flatten() {
        if attr.path().is_ident("derive") {
            let parsed = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            );
            for path in parsed.into_iter().flatten() {
                let name: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
                lines.insert(format!("{c} [impl] derive({})", name.join("::")));
            }
        }
    }
}

struct ImplLister<'a> {
    resolver: &'a Resolver<'a>,
    canonical: &'a BTreeMap<ItemId, String>,
}

impl ImplLister<'_> {
    /// Inherent impls: their public methods and consts. Trait impls: one
    /// line, under the public type, else under the public trait.
    fn impl_lines(&self, m: usize, i: &syn::ItemImpl, lines: &mut BTreeSet<String>) {
        let self_path = self.type_path(m, &i.self_ty);
        let Some((_, trait_path, _)) = &i.trait_ else {
            let Some(c) = self_path else { return };
            for item in &i.items {
                match item {
                    ImplItem::Fn(f) if is_public(&f.vis) && !f.attrs.iter().any(is_doc_hidden) => {
                        lines.insert(format!(
                            "{c}::{} [method] {}",
                            f.sig.ident,
                            render::method(f)
                        ));
                    }
                    ImplItem::Const(k)
                        if is_public(&k.vis) && !k.attrs.iter().any(is_doc_hidden) =>
                    {
                        lines.insert(format!(
                            "{c}::{} [assoc const] {}",
                            k.ident,
                            render::assoc_const(k)
                        ));
                    }
                    _ => {}
                }
            }
            return;
        };
        let under = self_path.or_else(|| self.path_of(m, trait_path));
        if let Some(c) = under {
            lines.insert(format!("{c} [impl] {}", render::impl_header(i)));
        }
    }

    fn type_path(&self, m: usize, ty: &Type) -> Option<String> {
        match ty {
            Type::Path(p) if p.qself.is_none() => self.path_of(m, &p.path),
            Type::Reference(r) => self.type_path(m, &r.elem),
            Type::Paren(p) => self.type_path(m, &p.elem),
            Type::Group(g) => self.type_path(m, &g.elem),
            _ => None,
        }
    }

    /// The public path of the item `path` names in module `m`.
    fn path_of(&self, m: usize, path: &syn::Path) -> Option<String> {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolver
            .resolve(m, path.leading_colon.is_some(), &segments, 0)
            .into_iter()
            .find_map(|t| match t {
                Target::Item(id) => self.canonical.get(&id).cloned(),
                _ => None,
            })
    }
}

pub fn usage() -> &'static str {
    "cargo xtask public-api [--check]"
}
