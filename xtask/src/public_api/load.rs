//! Reads a crate's module tree from its sources: `mod x;` is `x.rs` or
//! `x/mod.rs` (or its `#[path]`), inline modules are kept, `#[cfg(test)]`
//! items are dropped.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use syn::{Attribute, Item};

/// Where source files come from: the file system, or a map in tests.
pub trait Source {
    fn read(&self, path: &Path) -> Option<String>;
}

pub struct Fs;

impl Source for Fs {
    fn read(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
}

impl Source for HashMap<PathBuf, String> {
    fn read(&self, path: &Path) -> Option<String> {
        self.get(path).cloned()
    }
}

pub struct Module {
    pub name: String,
    pub parent: Option<usize>,
    /// Declared `pub` (the root counts as public).
    pub public: bool,
    pub hidden: bool,
    /// Items other than `mod` declarations, which become `children`.
    pub items: Vec<Item>,
    pub children: BTreeMap<String, usize>,
}

pub struct Crate {
    pub modules: Vec<Module>,
    pub notes: Vec<String>,
}

/// Loads the crate whose root file is `lib`.
pub fn load(src: &dyn Source, lib: &Path) -> Result<Crate, String> {
    let text = src
        .read(lib)
        .ok_or_else(|| format!("cannot read {}", lib.display()))?;
    let file = syn::parse_file(&text).map_err(|e| format!("{}: {e}", lib.display()))?;
    let mut krate = Crate {
        modules: Vec::new(),
        notes: Vec::new(),
    };
    let dir = lib.parent().unwrap_or(Path::new("")).to_path_buf();
    let root = Module {
        name: String::new(),
        parent: None,
        public: true,
        hidden: false,
        items: Vec::new(),
        children: BTreeMap::new(),
    };
    krate.modules.push(root);
    add_items(src, &mut krate, 0, file.items, &dir, &dir);
    Ok(krate)
}

/// Adds `items` to module `m`. `file_dir` is the directory of the file
/// they come from (for `#[path]`), `child_dir` where `mod x;` files live.
fn add_items(
    src: &dyn Source,
    krate: &mut Crate,
    m: usize,
    items: Vec<Item>,
    file_dir: &Path,
    child_dir: &Path,
) {
    for item in items {
        let Item::Mod(module) = item else {
            if !attrs_of(&item).is_some_and(|a| a.iter().any(is_cfg_test)) {
                krate.modules[m].items.push(item);
            }
            continue;
        };
        if module.attrs.iter().any(is_cfg_test) {
            continue;
        }
        let name = module.ident.to_string();
        let id = krate.modules.len();
        krate.modules.push(Module {
            name: name.clone(),
            parent: Some(m),
            public: matches!(module.vis, syn::Visibility::Public(_)),
            hidden: module.attrs.iter().any(is_doc_hidden),
            items: Vec::new(),
            children: BTreeMap::new(),
        });
        krate.modules[m].children.insert(name.clone(), id);
        let path_attr = path_attr(&module.attrs);
        match module.content {
            Some((_, inner)) => {
                let dir = match &path_attr {
                    Some(p) => child_dir.join(p),
                    None => child_dir.join(&name),
                };
                add_items(src, krate, id, inner, file_dir, &dir);
            }
            None => {
                let candidates = match &path_attr {
                    Some(p) => vec![file_dir.join(p)],
                    None => vec![
                        child_dir.join(format!("{name}.rs")),
                        child_dir.join(&name).join("mod.rs"),
                    ],
                };
                let found = candidates
                    .iter()
                    .find_map(|p| src.read(p).map(|t| (p.clone(), t)));
                let Some((path, text)) = found else {
                    krate.notes.push(format!(
                        "module `{name}`: no file at {}",
                        candidates[0].display()
                    ));
                    continue;
                };
                let parsed = match syn::parse_file(&text) {
                    Ok(f) => f,
                    Err(e) => {
                        krate
                            .notes
                            .push(format!("{}: not parsed ({e})", path.display()));
                        continue;
                    }
                };
                let new_file_dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
                // `x/mod.rs` and `#[path]` files own their directory;
                // `x.rs` keeps its children in `x/`.
                let is_mod_rs = path_attr.is_some() || path.ends_with("mod.rs");
                let new_child_dir = if is_mod_rs {
                    new_file_dir.clone()
                } else {
                    new_file_dir.join(&name)
                };
                add_items(src, krate, id, parsed.items, &new_file_dir, &new_child_dir);
            }
        }
    }
}

pub fn attrs_of(item: &Item) -> Option<&Vec<Attribute>> {
    Some(match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => return None,
    })
}

fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// `#[cfg(test)]` exactly: such items never reach users.
pub fn is_cfg_test(attr: &Attribute) -> bool {
    match &attr.meta {
        syn::Meta::List(l) if l.path.is_ident("cfg") => l.tokens.to_string() == "test",
        _ => false,
    }
}

pub fn is_doc_hidden(attr: &Attribute) -> bool {
    match &attr.meta {
        syn::Meta::List(l) if l.path.is_ident("doc") => l
            .tokens
            .clone()
            .into_iter()
            .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == "hidden")),
        _ => false,
    }
}
