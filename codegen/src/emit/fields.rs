//! `fields.rs`: the FQL filter fields, as typed constants and a runtime table.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, listed};
use crate::ir::{Api, FilterField, Table};

pub fn emit(api: &Api) -> TokenStream {
    let tables = api.tables.iter().map(|t| table(api, t));
    let default = match api.default_table.map(|id| &api.table(id).name) {
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
        //! facts for checks at run time; its field enum (one path: the table's
        //! module) names the fields at run time.
        #default
        #(#tables)*
    }
}

/// A field's doc line, with the values it takes when a vocabulary says.
fn field_doc(api: &Api, f: &FilterField) -> String {
    let mut text = format!("`{}`: {}.", f.name, f.caps.describe());
    if let Some(v) = f.vocabulary.map(|id| api.vocabulary(id)) {
        let what = if v.closed { "Values" } else { "Known values" };
        let item = &v.rust_name;
        text += &format!(
            " {what}: {} ([`{item}`](crate::vocabularies::{item})).",
            listed(v)
        );
    }
    text
}

fn table(api: &Api, t: &Table) -> TokenStream {
    let name = &t.name;
    let module = format_ident!("{name}");
    let enum_ident = format_ident!("{}", t.enum_name);
    let variants: Vec<_> = t
        .fields
        .iter()
        .map(|f| format_ident!("{}", f.variant))
        .collect();
    let variant_docs = t.fields.iter().map(|f| doc(&field_doc(api, f)));
    let enum_doc = doc(&format!(
        "The fields of the `{name}` table, by name: parsed from text (an unknown name is an \
         error suggesting the closest), listed in [`ALL`](Self::ALL), accepted wherever a \
         field name is (sorts, the aggregate `field`). The constants of this module carry \
         the same fields with their capabilities as types."
    ));
    let consts = t.fields.iter().map(|f| {
        let id = format_ident!("{}", f.const_name);
        let vt = format_ident!("{}", f.value_type.rust_name());
        let c = f.caps;
        let (e, w, l, r) = (c.exact, c.wildcard, c.list, c.range);
        let text = doc(&field_doc(api, f));
        let field = &f.name;
        quote! {
            #text
            pub const #id: Field<#vt, Caps<#e, #w, #l, #r>> = Field::new(#field);
        }
    });
    let specs = t.fields.iter().map(|f| {
        let vt = format_ident!("{}", f.value_type.rust_name());
        let c = f.caps;
        let (e, w, l, r) = (c.exact, c.wildcard, c.list, c.range);
        let field = &f.name;
        let known = match f.vocabulary.map(|id| api.vocabulary(id)) {
            Some(v) => {
                let values = v.values.iter().map(|x| &x.value);
                let (complete, ci) = (v.closed, v.case_insensitive);
                quote! { Some(KnownValues { values: &[#(#values),*], complete: #complete, case_insensitive: #ci }) }
            }
            None => quote! { None },
        };
        quote! {
            FieldSpec { name: #field, value_type: ValueType::#vt, exact: #e, wildcard: #w, list: #l, range: #r, known_values: #known },
        }
    });
    let mut kinds: Vec<&str> = t.fields.iter().map(|f| f.value_type.rust_name()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let imports = kinds.iter().map(|k| format_ident!("{k}"));
    let known_import = match t.fields.iter().any(|f| f.vocabulary.is_some()) {
        true => quote! { KnownValues, },
        false => quote! {},
    };
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
            use crate::for_generated::{Caps, Field, FieldSpec, FilterTable, #known_import ValueType};
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
                pub(crate) fn spec(self) -> &'static FieldSpec {
                    // Variants and table entries are both sorted by name.
                    &TABLE.fields[self as usize]
                }
            }
            crate::for_generated::field_enum_impls!(#enum_ident, TABLE);
            #(#consts)*
        }
    }
}
