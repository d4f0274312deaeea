//! `models.rs`: one serde struct per model.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, ident, parsed, rust_type};
use crate::manifest::{Manifest, Model};
use crate::types::TypeExpr;
use crate::validate::snake_case;
use crate::vocab;

/// The Rust field that keeps members a model does not name.
pub const EXTRA: &str = "extra";

/// Models a reply can hold: those of a `resources` type and every model
/// their fields reach. Only these keep members they do not name; a model
/// only sent in requests has exactly its documented fields, so it can be
/// built with a struct literal.
pub fn reply_models(m: &Manifest) -> BTreeSet<&str> {
    let mut todo: Vec<&str> = m
        .operations
        .iter()
        .filter_map(|op| op.response.resources.as_deref())
        .flat_map(|r| {
            parsed(r)
                .models()
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter_map(|name| {
            m.models
                .get_key_value(name.as_str())
                .map(|(k, _)| k.as_str())
        })
        .collect();
    let mut seen = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name) {
            continue;
        }
        let Some(model) = m.models.get(name) else {
            continue;
        };
        for def in model.fields.values() {
            for inner in parsed(def.ty()).models() {
                if let Some((k, _)) = m.models.get_key_value(inner) {
                    todo.push(k.as_str());
                }
            }
        }
    }
    seen
}

pub fn emit(m: &Manifest) -> TokenStream {
    let replies = reply_models(m);
    let items = m
        .models
        .iter()
        .map(|(name, model)| model_item(m, name, model, replies.contains(name.as_str())));
    let enums: Vec<_> = m
        .vocabularies
        .iter()
        .filter(|(_, v)| v.closed)
        .map(|(n, _)| format_ident!("{n}"))
        .collect();
    let reexport = (!enums.is_empty()).then(|| {
        quote! {
            /// The closed vocabularies the models use.
            pub use crate::vocabularies::{#(#enums),*};
        }
    });
    quote! {
        //! Request and response models. Every field is optional, `null` reads
        //! as absent, `null` entries of lists are skipped, and numbers and
        //! booleans sent as strings are accepted. A model a reply can hold
        //! keeps the members it does not name in its `extra` map and writes
        //! them back when serialised, so nothing the API sends is dropped.
        use serde::{Deserialize, Serialize};
        #reexport
        #(#items)*
    }
}

/// The Rust type of a model field, with a closed vocabulary in place of text.
fn field_type(t: &TypeExpr, vocabulary: Option<&str>) -> TokenStream {
    let Some(name) = vocabulary else {
        return rust_type(t);
    };
    let e = vocab::enum_path(name);
    match t {
        TypeExpr::List(_) => quote!(Vec<#e>),
        TypeExpr::OneOrMany(_) => quote!(crate::OneOrMany<#e>),
        _ => e,
    }
}

fn model_item(m: &Manifest, name: &str, model: &Model, in_replies: bool) -> TokenStream {
    let name_ident = ident(name);
    if let Some(rt) = &model.runtime_type {
        let rt = ident(rt);
        let text = doc(&format!(
            "`{}`: the runtime's [`crate::{rt}`].",
            model.wire_name
        ));
        return quote! { #text pub use crate::#rt as #name_ident; };
    }
    let about = match &model.description {
        Some(d) => format!("{d}\n\nSchema: `{}`.", model.wire_name),
        None => format!("Schema: `{}`.", model.wire_name),
    };
    let about = doc(&about);
    let mut visits = Vec::new();
    let mut accessors = Vec::new();
    let fields: Vec<TokenStream> = model
        .fields
        .iter()
        .map(|(wire, def)| {
            let rust = snake_case(wire);
            let field = ident(&rust);
            let t = parsed(def.ty());
            let vocabulary = vocab::of_model_field(m, name, wire);
            let closed = vocabulary.filter(|(_, v)| v.closed).map(|(n, _)| n);
            let ty = field_type(&t, closed);
            let mut text = def.description().unwrap_or(&format!("`{wire}`.")).to_owned();
            match vocabulary {
                Some((n, v)) if v.closed => {
                    text += &format!("\n\nValues: {} ([`{n}`](crate::vocabularies::{n})).", vocab::listed(v))
                }
                Some((n, v)) => {
                    text += &format!(
                        "\n\nKnown values: {} ([`{}`](crate::vocabularies::{})); others may be sent.",
                        vocab::listed(v),
                        snake_case(n),
                        snake_case(n)
                    )
                }
                None => {}
            }
            let text = doc(&text);
            let rename = (rust != *wire).then(|| quote!(rename = #wire,));
            let lenient = match &t {
                TypeExpr::Integer => Some(quote!(deserialize_with = "crate::for_generated::lenient::int",)),
                TypeExpr::Number => Some(quote!(deserialize_with = "crate::for_generated::lenient::float",)),
                TypeExpr::Boolean => Some(quote!(deserialize_with = "crate::for_generated::lenient::boolean",)),
                TypeExpr::List(inner) if **inner != TypeExpr::Json => {
                    Some(quote!(deserialize_with = "crate::for_generated::lenient::list",))
                }
                _ => None,
            };
            visits.push(quote! { v.field(#wire, &self.#field); });
            if t == TypeExpr::Json {
                let getter = format_ident!("{rust}_as");
                let text = doc(&format!(
                    "[`{rust}`](Self::{field}) decoded as `T` (a vocabulary, text, a number...); `None` when absent or of another shape."
                ));
                accessors.push(quote! {
                    #text
                    pub fn #getter<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
                        self.#field.as_ref().and_then(|value| T::deserialize(value).ok())
                    }
                });
            }
            quote! {
                #text
                #[serde(#rename #lenient skip_serializing_if = "Option::is_none")]
                pub #field: Option<#ty>,
            }
        })
        .collect();
    let extra = format_ident!("{EXTRA}");
    let (extra_field, visit_extra) = if in_replies {
        (
            quote! {
                /// Members this model does not name, kept as sent.
                #[serde(flatten)]
                pub #extra: serde_json::Map<String, serde_json::Value>,
            },
            quote! { v.extra(&self.#extra); },
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let accessors = (!accessors.is_empty()).then(|| quote! { impl #name_ident { #(#accessors)* } });
    quote! {
        #about
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct #name_ident {
            #(#fields)*
            #extra_field
        }
        #accessors
        impl crate::for_generated::Shape for #name_ident {
            fn visit(&self, v: &mut crate::for_generated::Visitor<'_>) {
                #(#visits)*
                #visit_extra
            }
        }
    }
}
