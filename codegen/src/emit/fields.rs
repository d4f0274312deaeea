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

/// The name of a table's field enum.
pub fn enum_name(name: &str, t: &FilterTable) -> String {
    t.field_enum
        .clone()
        .unwrap_or_else(|| format!("{}Field", super::pascal(name)))
}

pub fn emit(m: &Manifest) -> TokenStream {
    let tables = m.filter_tables.iter().map(|(name, t)| table(m, name, t));
    let enums = m.filter_tables.iter().map(|(name, t)| {
        let module = format_ident!("{name}");
        let e = format_ident!("{}", enum_name(name, t));
        quote!(pub use #module::#e;)
    });
    let default = match &m.default_filter_table {
        Some(name) => {
            let module = format_ident!("{name}");
            let text = doc(&format!(
                "The table `Filter::parse` and `Sort::parse` check against: `{name}`."
            ));
            quote! {
                #text
                pub(crate) static DEFAULT_TABLE: Option<&crate::for_generated::FilterTable> = Some(&#module::TABLE);
            }
        }
        None => quote! {
            /// No default table: `Filter::parse` and `Sort::parse` check syntax only.
            pub(crate) static DEFAULT_TABLE: Option<&crate::for_generated::FilterTable> = None;
        },
    };
    quote! {
        //! FQL filter fields by the operations that take them. Each constant's
        //! type carries its value type and capabilities, so an operation the
        //! field does not support fails to compile; `TABLE` holds the same
        //! facts for checks at run time.
        #default
        #(#enums)*
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

/// A field's doc line, with the values it takes when a vocabulary says.
fn field_doc(m: &Manifest, table: &str, field: &str, c: &Caps) -> String {
    let mut text = format!("`{field}`: {}.", describe(c));
    match crate::vocab::of_filter_field(m, table, field) {
        Some((n, v)) if v.closed => {
            text += &format!(
                " Values: {} ([`{n}`](crate::vocabularies::{n})).",
                crate::vocab::listed(v)
            )
        }
        Some((n, v)) => {
            let module = crate::validate::snake_case(n);
            text += &format!(
                " Known values: {} ([`{module}`](crate::vocabularies::{module})).",
                crate::vocab::listed(v)
            )
        }
        None => {}
    }
    text
}

fn table(m: &Manifest, name: &str, t: &FilterTable) -> TokenStream {
    let module = format_ident!("{name}");
    let fields = merged(t);
    let enum_ident = format_ident!("{}", enum_name(name, t));
    let variants: Vec<_> = fields
        .keys()
        .map(|f| format_ident!("{}", crate::vocab::variant_name(f)))
        .collect();
    let variant_docs = fields.iter().map(|(f, c)| doc(&field_doc(m, name, f, c)));
    let enum_doc = doc(&format!(
        "The fields of the `{name}` table, by name: parsed from text (an unknown name is an \
         error suggesting the closest), listed in [`ALL`](Self::ALL), accepted wherever a \
         field name is (sorts, the aggregate `field`). The constants of this module carry \
         the same fields with their capabilities as types."
    ));
    let consts = fields.iter().map(|(field, c)| {
        let id = format_ident!("{}", const_name(field));
        let (vt, _) = value_type(t, field);
        let (e, w, l, r) = (c.exact, c.wildcard, c.list, c.range);
        let text = doc(&field_doc(m, name, field, c));
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
            use crate::for_generated::{Caps, Field, FieldSpec, FilterTable, ValueType};
            use crate::fql::{#(#imports),*};
            #table_doc
            pub static TABLE: FilterTable = FilterTable {
                name: #name,
                negation: #negation,
                fields: &[#(#specs)*],
            };
            #enum_doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum #enum_ident {
                #(#variant_docs #variants,)*
            }
            impl #enum_ident {
                /// Every field, sorted by name.
                pub const ALL: &'static [Self] = &[#(Self::#variants),*];
                /// The field's entry in [`TABLE`]: value type and capabilities.
                pub fn spec(self) -> &'static FieldSpec {
                    // Variants and table entries are both sorted by name.
                    &TABLE.fields[self as usize]
                }
            }
            crate::for_generated::field_enum_impls!(#enum_ident, TABLE);
            #(#consts)*
        }
    }
}
