//! Name resolution: what each `use` points at, and under which public
//! paths (`crate_name::a::B`) each module and item can be named by a user.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use syn::{Item, UseTree, Visibility};

use super::load::{Crate, attrs_of, is_doc_hidden};

/// Resolution stops this deep (re-export chains, `use` cycles).
const MAX_DEPTH: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId {
    pub module: usize,
    pub index: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Module(usize),
    Item(ItemId),
    /// A path into another crate (or a prelude name), as written.
    External(String),
}

struct UseEntry {
    path: Vec<String>,
    leading_colon: bool,
    /// The name it binds; `None` for a glob.
    bound: Option<String>,
    public: bool,
    hidden: bool,
}

pub struct Resolver<'a> {
    pub krate: &'a Crate,
    uses: Vec<Vec<UseEntry>>,
    /// Each (module, name) looked up, `None` while in progress: glob
    /// imports that import each other end instead of looping.
    names: Memo<(usize, String), Vec<Target>>,
    exported: Memo<usize, Vec<Export>>,
}

/// Results by key; `None` while being computed.
type Memo<K, V> = RefCell<HashMap<K, Option<V>>>;

/// A public name, what it points at, and whether through a `use`.
type Export = (String, Target, bool);

/// Every public path found, from the crate root.
#[derive(Default)]
pub struct PublicPaths {
    /// Each reachable module's shortest path.
    pub modules: BTreeMap<usize, String>,
    /// Each reachable item's paths.
    pub items: BTreeMap<ItemId, BTreeSet<String>>,
    /// The paths that name an item in its own module, not a re-export.
    pub direct: BTreeSet<String>,
    /// A public path and what it re-exports (a module named elsewhere, or
    /// another crate's item).
    pub aliases: BTreeSet<(String, String)>,
    pub notes: BTreeSet<String>,
}

pub fn is_public(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

pub fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Fn(i) => &i.sig.ident,
        Item::Static(i) => &i.ident,
        Item::Struct(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::TraitAlias(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

pub fn item_vis(item: &Item) -> Option<&Visibility> {
    Some(match item {
        Item::Const(i) => &i.vis,
        Item::Enum(i) => &i.vis,
        Item::Fn(i) => &i.vis,
        Item::Static(i) => &i.vis,
        Item::Struct(i) => &i.vis,
        Item::Trait(i) => &i.vis,
        Item::TraitAlias(i) => &i.vis,
        Item::Type(i) => &i.vis,
        Item::Union(i) => &i.vis,
        _ => return None,
    })
}

impl<'a> Resolver<'a> {
    pub fn new(krate: &'a Crate) -> Self {
        let uses = krate
            .modules
            .iter()
            .map(|m| {
                let mut entries = Vec::new();
                for item in &m.items {
                    if let Item::Use(u) = item {
                        let public = is_public(&u.vis);
                        let hidden = u.attrs.iter().any(is_doc_hidden);
                        let mut flat = Vec::new();
                        flatten(&u.tree, Vec::new(), &mut flat);
                        for (path, bound) in flat {
                            entries.push(UseEntry {
                                path,
                                leading_colon: u.leading_colon.is_some(),
                                bound,
                                public,
                                hidden,
                            });
                        }
                    }
                }
                entries
            })
            .collect();
        Resolver {
            krate,
            uses,
            names: RefCell::default(),
            exported: RefCell::default(),
        }
    }

    /// What `name` means inside module `m`.
    fn lookup(&self, m: usize, name: &str, depth: usize) -> Vec<Target> {
        let key = (m, name.to_owned());
        if let Some(known) = self.names.borrow().get(&key) {
            return known.clone().unwrap_or_default();
        }
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        self.names.borrow_mut().insert(key.clone(), None);
        let found = self.lookup_uncached(m, name, depth);
        self.names.borrow_mut().insert(key, Some(found.clone()));
        found
    }

    fn lookup_uncached(&self, m: usize, name: &str, depth: usize) -> Vec<Target> {
        let module = &self.krate.modules[m];
        let mut found = Vec::new();
        if let Some(&child) = module.children.get(name) {
            found.push(Target::Module(child));
        }
        for (index, item) in module.items.iter().enumerate() {
            if item_name(item).as_deref() == Some(name) {
                found.push(Target::Item(ItemId { module: m, index }));
            }
        }
        for entry in &self.uses[m] {
            if entry.bound.as_deref() == Some(name) {
                found.extend(self.resolve(m, entry.leading_colon, &entry.path, depth + 1));
            }
        }
        if found.is_empty() {
            for entry in self.uses[m].iter().filter(|e| e.bound.is_none()) {
                for target in self.resolve(m, entry.leading_colon, &entry.path, depth + 1) {
                    if let Target::Module(t) = target {
                        found.extend(self.lookup(t, name, depth + 1));
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    /// What `path`, written in module `m`, points at.
    pub fn resolve(
        &self,
        m: usize,
        leading_colon: bool,
        path: &[String],
        depth: usize,
    ) -> Vec<Target> {
        let Some((first, rest)) = path.split_first() else {
            return vec![Target::Module(m)];
        };
        if leading_colon || depth > MAX_DEPTH {
            return vec![Target::External(path.join("::"))];
        }
        let mut current = match first.as_str() {
            "crate" => vec![Target::Module(0)],
            "self" => vec![Target::Module(m)],
            "super" => self.krate.modules[m]
                .parent
                .map(Target::Module)
                .into_iter()
                .collect(),
            _ => {
                let found = self.lookup(m, first, depth + 1);
                if found.is_empty() {
                    return vec![Target::External(path.join("::"))];
                }
                found
            }
        };
        for segment in rest {
            let mut next = Vec::new();
            for target in current {
                match target {
                    Target::Module(t) if segment == "super" => {
                        next.extend(self.krate.modules[t].parent.map(Target::Module))
                    }
                    Target::Module(t) if segment == "self" => next.push(Target::Module(t)),
                    Target::Module(t) => next.extend(self.lookup(t, segment, depth + 1)),
                    Target::External(p) => next.push(Target::External(format!("{p}::{segment}"))),
                    // Enum variants and associated items are not followed.
                    Target::Item(_) => {}
                }
            }
            current = next;
        }
        current
    }

    /// The names module `m` offers to users, with what they point at and
    /// whether through a `use`.
    fn exports(&self, m: usize, depth: usize, notes: &mut BTreeSet<String>) -> Vec<Export> {
        if let Some(known) = self.exported.borrow().get(&m) {
            return known.clone().unwrap_or_default();
        }
        self.exported.borrow_mut().insert(m, None);
        let found = self.exports_uncached(m, depth, notes);
        self.exported.borrow_mut().insert(m, Some(found.clone()));
        found
    }

    fn exports_uncached(
        &self,
        m: usize,
        depth: usize,
        notes: &mut BTreeSet<String>,
    ) -> Vec<Export> {
        let module = &self.krate.modules[m];
        let mut out = Vec::new();
        if depth > MAX_DEPTH {
            return out;
        }
        for (name, &child) in &module.children {
            let c = &self.krate.modules[child];
            if c.public && !c.hidden {
                out.push((name.clone(), Target::Module(child), false));
            }
        }
        for (index, item) in module.items.iter().enumerate() {
            let visible = item_vis(item).is_some_and(is_public)
                && !attrs_of(item).is_some_and(|a| a.iter().any(is_doc_hidden));
            if let (true, Some(name)) = (visible, item_name(item)) {
                out.push((name, Target::Item(ItemId { module: m, index }), false));
            }
        }
        for entry in self.uses[m].iter().filter(|e| e.public && !e.hidden) {
            let targets = self.resolve(m, entry.leading_colon, &entry.path, 0);
            match &entry.bound {
                Some(name) => {
                    if targets.is_empty() {
                        notes.insert(format!("`pub use {}` not resolved", entry.path.join("::")));
                    }
                    out.extend(targets.into_iter().map(|t| (name.clone(), t, true)));
                }
                None => {
                    for target in targets {
                        match target {
                            Target::Module(t) => out.extend(
                                self.exports(t, depth + 1, notes)
                                    .into_iter()
                                    .map(|(n, t, _)| (n, t, true)),
                            ),
                            other => {
                                notes.insert(format!(
                                    "`pub use {}::*` not listed ({other:?})",
                                    entry.path.join("::")
                                ));
                            }
                        }
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Walks the public names from the root, shortest paths first.
    pub fn public_paths(&self, crate_name: &str) -> PublicPaths {
        let mut found = PublicPaths::default();
        found.modules.insert(0, crate_name.to_owned());
        let mut queue = VecDeque::from([(0usize, crate_name.to_owned())]);
        while let Some((m, path)) = queue.pop_front() {
            for (name, target, via_use) in self.exports(m, 0, &mut found.notes) {
                let full = format!("{path}::{name}");
                match target {
                    Target::Module(t) => match found.modules.get(&t) {
                        Some(canonical) => {
                            if *canonical != full {
                                found.aliases.insert((full, canonical.clone()));
                            }
                        }
                        None => {
                            found.modules.insert(t, full.clone());
                            queue.push_back((t, full));
                        }
                    },
                    Target::Item(id) => {
                        if !via_use {
                            found.direct.insert(full.clone());
                        }
                        found.items.entry(id).or_default().insert(full);
                    }
                    Target::External(p) => {
                        found.aliases.insert((full, p));
                    }
                }
            }
        }
        // `#[macro_export]` macros live at the root whatever their module.
        for (m, module) in self.krate.modules.iter().enumerate() {
            for (index, item) in module.items.iter().enumerate() {
                if let Item::Macro(mac) = item
                    && let Some(name) = &mac.ident
                    && mac.attrs.iter().any(|a| a.path().is_ident("macro_export"))
                    && !mac.attrs.iter().any(is_doc_hidden)
                {
                    found
                        .items
                        .entry(ItemId { module: m, index })
                        .or_default()
                        .insert(format!("{crate_name}::{name}"));
                }
            }
        }
        found
    }
}

/// `use a::{b, c as d, e::*}` as (path, bound name) pairs.
fn flatten(tree: &UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    match tree {
        UseTree::Path(p) => {
            let mut prefix = prefix;
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix, out);
        }
        UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                let bound = prefix.last().cloned();
                out.push((prefix, bound));
            } else {
                let mut path = prefix;
                path.push(name.clone());
                out.push((path, Some(name)));
            }
        }
        UseTree::Rename(r) => {
            let alias = r.rename.to_string();
            if alias == "_" {
                return;
            }
            let mut path = prefix;
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push((path, Some(alias)));
        }
        UseTree::Glob(_) => out.push((prefix, None)),
        UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix.clone(), out);
            }
        }
    }
}
