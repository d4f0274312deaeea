//! A builder's setters, one per keyword.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, ident, listed, rust_type};
use crate::ir::{Api, Location, Param, ParamKind, Place, TableId};
use crate::types::TypeExpr;

fn setter_doc(api: &Api, p: &Param) -> String {
    let mut d = p.description.to_owned();
    if !p.allowed_values.is_empty() {
        d += "\n\nAccepted values:\n";
        for a in &p.allowed_values {
            match &a.description {
                Some(about) => d += &format!("- `{}`: {about}\n", a.value),
                None => d += &format!("- `{}`\n", a.value),
            }
        }
    }
    if let Some(n) = p.max_items {
        d += &format!("\n\nAt most {n} values per request.");
    }
    match p.location() {
        (_, Some(path)) => d += &format!("\n\nPlaced in the JSON body at `{path}`."),
        (Location::Query, None) if p.kind != ParamKind::RawQuery => {
            d += &format!("\n\nSent as the query parameter `{}`.", p.name)
        }
        _ => {}
    }
    if let Some(ex) = &p.example {
        d += &format!("\n\nExample: `{ex}`");
    }
    if let Some(v) = p.vocabulary.map(|id| api.vocabulary(id)) {
        let item = &v.rust_name;
        d += &if v.closed {
            format!(
                "\n\nTakes a [`{item}`](crate::vocabularies::{item}) or its text ({}).",
                listed(v)
            )
        } else {
            format!(
                "\n\nKnown values: {} ([`{item}`](crate::vocabularies::{item})).",
                listed(v)
            )
        };
    }
    d
}

pub(super) fn setter(api: &Api, p: &Param) -> TokenStream {
    let setter = ident(&p.setter);
    let text = doc(&setter_doc(api, p));
    let (args, body) = setter_body(api, p);
    quote! {
        #text
        pub fn #setter(mut self, #args) -> Self {
            #body
            self
        }
    }
}

/// A setter's arguments and what it does with them.
fn setter_body(api: &Api, p: &Param) -> (TokenStream, TokenStream) {
    let name = &p.name;
    let table = |t: &Option<TableId>| match t {
        Some(id) => {
            let module = format_ident!("{}", api.table(*id).name);
            quote!(Some(&crate::fields::#module::TABLE))
        }
        None => quote!(None),
    };
    match &p.kind {
        ParamKind::RawBody => (
            quote!(body: serde_json::Value),
            quote! { self.parts.set_body(body); },
        ),
        ParamKind::RawQuery => (
            quote!(pairs: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>),
            quote! {
                for (key, value) in pairs {
                    self.parts.push_query(&key.into(), value);
                }
            },
        ),
        ParamKind::StringList(place) => {
            let put = match place {
                Place::Body(path) => quote! {
                    let values = values.into_iter().map(|v| serde_json::Value::String(v.into())).collect();
                    self.parts.set_body_field(#path, serde_json::Value::Array(values));
                },
                Place::Query => quote! {
                    for value in values {
                        self.parts.push_query(#name, value);
                    }
                },
            };
            (
                quote!(values: impl IntoIterator<Item = impl Into<String>>),
                put,
            )
        }
        ParamKind::Fql(t, place) => {
            let table = table(t);
            let put = match place {
                Place::Body(path) => {
                    quote! { self.parts.set_body_filter(#path, filter.into(), #table); }
                }
                Place::Query => {
                    quote! { self.parts.set_query_filter(#name, filter.into(), #table); }
                }
            };
            (quote!(filter: impl Into<crate::fql::FilterArg>), put)
        }
        ParamKind::Sort(t, place) => {
            let table = table(t);
            let put = match place {
                Place::Body(path) => {
                    quote! { self.parts.set_body_sort(#path, sort.into(), #table); }
                }
                Place::Query => quote! { self.parts.set_query_sort(#name, sort.into(), #table); },
            };
            (quote!(sort: impl Into<crate::fql::SortArg>), put)
        }
        ParamKind::Value(TypeExpr::String | TypeExpr::DateTime, place) => {
            text_setter(api, p, place)
        }
        ParamKind::Value(t @ (TypeExpr::Integer | TypeExpr::Number | TypeExpr::Boolean), place) => {
            let ty = rust_type(api, t);
            let put = match place {
                Place::Body(path) => {
                    quote! { self.parts.set_body_field(#path, serde_json::Value::from(value)); }
                }
                Place::Query => quote! { self.parts.set_query(#name, value.to_string()); },
            };
            (quote!(value: #ty), put)
        }
        ParamKind::Value(t, place) => {
            let ty = rust_type(api, t);
            let put = match place {
                Place::Body(path) => quote! { self.parts.set_body_typed_at(#path, &value); },
                Place::Query => quote! { self.parts.set_query_json(#name, &value); },
            };
            (quote!(value: #ty), put)
        }
    }
}

/// The setter of a text keyword: a closed vocabulary's enum or any text,
/// checked against the accepted values.
fn text_setter(api: &Api, p: &Param, place: &Place) -> (TokenStream, TokenStream) {
    let name = &p.name;
    let allowed: Vec<&String> = p.allowed_values.iter().map(|a| &a.value).collect();
    let check = (!allowed.is_empty())
        .then(|| quote! { self.parts.check_allowed(#name, &value, &[#(#allowed),*]); });
    let put = match place {
        Place::Body(path) => {
            quote! { self.parts.set_body_field(#path, serde_json::Value::String(value)); }
        }
        Place::Query => quote! { self.parts.set_query(#name, value); },
    };
    let closed = p
        .vocabulary
        .map(|id| api.vocabulary(id))
        .filter(|v| v.closed)
        .map(super::vocabulary_enum);
    match closed {
        Some(e) => (
            quote!(value: impl Into<#e>),
            quote! { let value = String::from(value.into()); #check #put },
        ),
        None => (
            quote!(value: impl Into<String>),
            quote! { let value = value.into(); #check #put },
        ),
    }
}
