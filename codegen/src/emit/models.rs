//! `models.rs`: one serde struct per model.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, ident, listed, rust_type};
use crate::ir::{Api, Field, Model, ModelKind, Type, Vocabulary};
use crate::names::EXTRA_FIELD;
use crate::types::TypeExpr;

pub fn emit(api: &Api) -> TokenStream {
    // A model the runtime stands for is that type, under its one name.
    let items = api.models.iter().filter_map(|model| match &model.kind {
        ModelKind::Generated {
            fields,
            keeps_extra,
        } => Some(model_item(api, model, fields, *keeps_extra)),
        ModelKind::Runtime(_) => None,
    });
    let runtime: Vec<String> = api
        .models
        .iter()
        .filter_map(|model| match &model.kind {
            ModelKind::Runtime(rt) => Some(format!("- `{}`: [`crate::{rt}`]", model.wire_name)),
            ModelKind::Generated { .. } => None,
        })
        .collect();
    let runtime = (!runtime.is_empty()).then(|| {
        super::inner_doc(&format!(
            "\nThe reply envelope's schemas are the runtime's types, not models:\n{}",
            runtime.join("\n")
        ))
    });
    quote! {
        //! Request and response models, named after their schemas with
        //! acronyms written as words (schema `FemDNSDomain`: `FemDnsDomain`;
        //! the schema's name is a doc alias). Every field is optional, `null` reads
        //! as absent, `null` entries of lists are skipped, and numbers and
        //! booleans sent as strings are accepted. A model a reply can hold
        //! keeps the members it does not name in its `extra` map and writes
        //! them back when serialised, so nothing the API sends is dropped.
        //! A field with a closed list of values has the enum of
        //! [`vocabularies`](crate::vocabularies) that lists them.
        #runtime
        use serde::{Deserialize, Serialize};
        #(#items)*
    }
}

/// The Rust type of a model field, with a closed vocabulary in place of
/// text, and text a reply holds as `CompactString` (`small_text`).
fn field_type(
    api: &Api,
    t: &Type,
    vocabulary: Option<&Vocabulary>,
    small_text: bool,
) -> TokenStream {
    let Some(v) = vocabulary else {
        return if small_text {
            small_text_type(api, t)
        } else {
            rust_type(api, t)
        };
    };
    let e = super::vocabulary_enum(v);
    match t {
        TypeExpr::List(_) => quote!(Vec<#e>),
        TypeExpr::OneOrMany(_) => quote!(crate::OneOrMany<#e>),
        _ => e,
    }
}

fn model_item(api: &Api, model: &Model, fields: &[Field], keeps_extra: bool) -> TokenStream {
    let name_ident = ident(&model.rust_name);
    // The manifest writes the schema's name; rustdoc refuses an alias equal to the name.
    let alias = (model.name != model.rust_name).then(|| {
        let name = &model.name;
        quote!(#[doc(alias = #name)])
    });
    let about = match &model.description {
        Some(d) => format!("{d}\n\nSchema: `{}`.", model.wire_name),
        None => format!("Schema: `{}`.", model.wire_name),
    };
    let about = doc(&about);
    let visits = fields.iter().map(|f| {
        let (wire, field) = (&f.wire, ident(&f.rust));
        quote! { v.field(#wire, &self.#field); }
    });
    let accessors: Vec<TokenStream> = fields.iter().filter_map(json_accessor).collect();
    let decode = decode_impls(api, model, fields, keeps_extra);
    let fields = fields
        .iter()
        .map(|f| field(api, f, small_text(api, f, keeps_extra)));
    let extra = format_ident!("{EXTRA_FIELD}");
    let (extra_field, visit_extra) = if keeps_extra {
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
        #alias
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        pub struct #name_ident {
            #(#fields)*
            #extra_field
        }
        #accessors
        #decode
        impl crate::for_generated::Shape for #name_ident {
            fn visit(&self, v: &mut crate::for_generated::Visitor<'_>) {
                #(#visits)*
                #visit_extra
            }
        }
    }
}

/// The Rust type of a field of a model replies hold: its text, most of it
/// short, as `CompactString`, which keeps up to 24 bytes inline: most
/// values then cost no allocation to decode, nor to free.
fn small_text_type(api: &Api, t: &Type) -> TokenStream {
    match t {
        TypeExpr::String | TypeExpr::DateTime => quote!(crate::CompactString),
        TypeExpr::List(inner) => {
            let inner = small_text_type(api, inner);
            quote!(Vec<#inner>)
        }
        TypeExpr::Map(inner) => {
            let inner = small_text_type(api, inner);
            quote!(std::collections::BTreeMap<crate::CompactString, #inner>)
        }
        TypeExpr::OneOrMany(inner) => {
            let inner = small_text_type(api, inner);
            quote!(crate::OneOrMany<#inner>)
        }
        _ => rust_type(api, t),
    }
}

/// Whether a field's text is a `CompactString`: text (not a closed
/// vocabulary's enum) in a model replies hold. The field's type and its
/// decoder both follow this one rule.
fn small_text(api: &Api, f: &Field, keeps_extra: bool) -> bool {
    keeps_extra && !f.vocabulary.is_some_and(|id| api.vocabulary(id).closed)
}

/// One field of a generated model.
fn field(api: &Api, f: &Field, small_text: bool) -> TokenStream {
    let (wire, rust) = (&f.wire, &f.rust);
    let field = ident(rust);
    let vocabulary = f.vocabulary.map(|id| api.vocabulary(id));
    let ty = field_type(api, &f.ty, vocabulary.filter(|v| v.closed), small_text);
    let mut text = f
        .description
        .clone()
        .unwrap_or_else(|| format!("`{wire}`."));
    if let Some(v) = vocabulary {
        let item = &v.rust_name;
        text += &if v.closed {
            format!(
                "\n\nValues: {} ([`{item}`](crate::vocabularies::{item})).",
                listed(v)
            )
        } else {
            format!(
                "\n\nKnown values: {} ([`{item}`](crate::vocabularies::{item})); others may be sent.",
                listed(v)
            )
        };
    }
    let text = doc(&text);
    let rename = (rust != wire).then(|| quote!(rename = #wire,));
    quote! {
        #text
        #[serde(#rename skip_serializing_if = "Option::is_none")]
        pub #field: Option<#ty>,
    }
}

/// The decoder of a field other than serde's own, if any: the lenient
/// rules (numbers and booleans may come as strings, lists may hold
/// `null`s) and, in a model replies hold, text read in one step.
fn field_decoder(ty: &Type, small_text: bool) -> Option<TokenStream> {
    match ty {
        TypeExpr::String | TypeExpr::DateTime if small_text => Some(quote!(decode::Text)),
        TypeExpr::Integer => Some(quote!(decode::Int)),
        TypeExpr::Number => Some(quote!(decode::Float)),
        TypeExpr::Boolean => Some(quote!(decode::Bool)),
        TypeExpr::List(inner) if **inner != TypeExpr::Json => Some(quote!(decode::List<_>)),
        _ => None,
    }
}

/// The seed that decodes a field of generated models in place
/// (`decode::Nested`, `decode::NestedList`), if it holds them.
fn in_place(api: &Api, ty: &Type) -> Option<TokenStream> {
    let generated = |t: &Type| {
        matches!(t, TypeExpr::Model(id)
            if matches!(api.model(*id).kind, ModelKind::Generated { .. }))
    };
    match ty {
        t if generated(t) => Some(quote!(decode::Nested)),
        TypeExpr::List(inner) if generated(inner) => Some(quote!(decode::NestedList)),
        _ => None,
    }
}

/// `Deserialize` by the runtime's one-pass decoder: a `match` from member
/// name to field, unknown members to `extra` when the model keeps them.
fn decode_impls(api: &Api, model: &Model, fields: &[Field], keeps_extra: bool) -> TokenStream {
    let name = ident(&model.rust_name);
    let rust_name = &model.rust_name;
    let arms = fields.iter().map(|f| {
        let (wire, field) = (&f.wire, ident(&f.rust));
        if let Some(seed) = in_place(api, &f.ty) {
            return quote! { #wire => map.next_value_seed(#seed(&mut self.#field))?, };
        }
        match field_decoder(&f.ty, small_text(api, f, keeps_extra)) {
            Some(rule) => quote! { #wire => self.#field = map.next_value::<#rule>()?.0, },
            None => quote! { #wire => self.#field = map.next_value()?, },
        }
    });
    let uses = fields
        .iter()
        .any(|f| {
            field_decoder(&f.ty, small_text(api, f, keeps_extra)).is_some()
                || in_place(api, &f.ty).is_some()
        })
        .then(|| quote! { use crate::for_generated::decode; });
    let extra = format_ident!("{EXTRA_FIELD}");
    let extra = keeps_extra.then(|| {
        quote! {
            fn extra(&mut self) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
                Some(&mut self.#extra)
            }
        }
    });
    quote! {
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::for_generated::decode::model(d)
            }
        }
        impl crate::for_generated::decode::Members for #name {
            const NAME: &'static str = #rust_name;
            fn member<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                key: &str,
                map: &mut A,
            ) -> Result<bool, A::Error> {
                #uses
                match key {
                    #(#arms)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
            #extra
        }
    }
}

/// `<field>_as::<T>()` of a field holding any JSON value.
fn json_accessor(f: &Field) -> Option<TokenStream> {
    if f.ty != TypeExpr::Json {
        return None;
    }
    let rust = &f.rust;
    let field = ident(rust);
    let getter = format_ident!("{rust}_as");
    let text = doc(&format!(
        "[`{rust}`](Self::{field}) decoded as `T` (a vocabulary, text, a number...); `None` when absent or of another shape."
    ));
    Some(quote! {
        #text
        pub fn #getter<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
            self.#field.as_ref().and_then(|value| T::deserialize(value).ok())
        }
    })
}
