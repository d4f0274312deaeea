//! `fields.rs`: the FQL filter fields, as typed constants and a runtime table.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{const_name, doc};
use crate::manifest::{FilterTable, Manifest};

/// A field's merged entry of the four lists.
#[derive(Default)]
pub struct Caps {
    pub exact: bool,
    pub wildcard: bool,
    pub list: bool,
    pub range: bool,
}

/// Fields of a table by name, with their capabilities.
pub fn merged(t: &FilterTable) -> BTreeMap<&str, Caps> {
    let mut out: BTreeMap<&str, Caps> = BTreeMap::new();
    for f in &t.exact_match {
        out.entry(f).or_default().exact = true;
    }
    for f in &t.wildcard {
        out.entry(f).or_default().wildcard = true;
    }
    for f in &t.list {
        out.entry(f).or_default().list = true;
    }
    for f in &t.range {
        out.entry(f).or_default().range = true;
    }
    out
}

/// Human list of what a field supports.
pub fn describe(c: &Caps) -> String {
    let parts: Vec<&str> = [
        (c.exact, "exact match"),
        (c.wildcard, "wildcard"),
        (c.list, "list"),
        (c.range, "range comparisons"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    parts.join(", ")
}

pub fn emit(m: &Manifest) -> TokenStream {
    let tables = m.filter_tables.iter().map(|(name, t)| table(name, t));
    let default = match &m.default_filter_table {
        Some(name) => {
            let module = format_ident!("{name}");
            let text = doc(&format!(
                "The table `Filter::parse` and `Sort::parse` check against: `{name}`."
            ));
            quote! {
                #text
                pub(crate) static DEFAULT_TABLE: Option<&crate::fql::FilterTable> = Some(&#module::TABLE);
            }
        }
        None => quote! {
            /// No default table: `Filter::parse` and `Sort::parse` check syntax only.
            pub(crate) static DEFAULT_TABLE: Option<&crate::fql::FilterTable> = None;
        },
    };
    quote! {
        //! FQL filter fields by the operations that take them. Each constant's
        //! type carries its value type and capabilities, so an operation the
        //! field does not support fails to compile; `TABLE` holds the same
        //! facts for checks at run time.
        #default
        #(#tables)*
    }
}

fn value_type(t: &FilterTable, field: &str) -> (TokenStream, TokenStream) {
    match t.value_types.get(field).map(String::as_str) {
        Some("integer") => (quote!(Integer), quote!(ValueType::Integer)),
        Some("timestamp") => (quote!(Timestamp), quote!(ValueType::Timestamp)),
        Some("ip_address") => (quote!(IpAddress), quote!(ValueType::IpAddress)),
        Some("boolean") => (quote!(Boolean), quote!(ValueType::Boolean)),
        _ => (quote!(Text), quote!(ValueType::Text)),
    }
}

fn table(name: &str, t: &FilterTable) -> TokenStream {
    let module = format_ident!("{name}");
    let fields = merged(t);
    let consts = fields.iter().map(|(field, c)| {
        let id = format_ident!("{}", const_name(field));
        let (vt, _) = value_type(t, field);
        let (e, w, l, r) = (c.exact, c.wildcard, c.list, c.range);
        let text = doc(&format!("`{field}`: {}.", describe(c)));
        quote! {
            #text
            pub const #id: Field<#vt, Caps<#e, #w, #l, #r>> = Field::new(#field);
        }
    });
    let specs = fields.iter().map(|(field, c)| {
        let (_, vt) = value_type(t, field);
        let (e, w, l, r) = (c.exact, c.wildcard, c.list, c.range);
        quote! {
            FieldSpec { name: #field, value_type: #vt, exact: #e, wildcard: #w, list: #l, range: #r },
        }
    });
    let mut kinds: Vec<&str> = fields
        .keys()
        .map(|f| t.value_types.get(*f).map_or("text", String::as_str))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let imports = kinds.iter().map(|k| match *k {
        "integer" => quote!(Integer),
        "timestamp" => quote!(Timestamp),
        "ip_address" => quote!(IpAddress),
        "boolean" => quote!(Boolean),
        _ => quote!(Text),
    });
    let about = doc(&format!(
        "{}\n\nEvery field and operation supports negation (`!`): {}.",
        t.description, t.negation
    ));
    let negation = t.negation;
    let table_doc = doc(&format!(
        "The `{name}` fields and their capabilities, sorted by name."
    ));
    quote! {
        #about
        pub mod #module {
            use crate::fql::{Caps, Field, FieldSpec, FilterTable, ValueType, #(#imports),*};
            #table_doc
            pub static TABLE: FilterTable = FilterTable {
                name: #name,
                negation: #negation,
                fields: &[#(#specs)*],
            };
            #(#consts)*
        }
    }
}
