//! `models.rs`: one serde struct per model.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident, parsed, rust_type};
use crate::manifest::{Manifest, Model};
use crate::types::TypeExpr;
use crate::validate::snake_case;

pub fn emit(m: &Manifest) -> TokenStream {
    let items = m.models.iter().map(|(name, model)| model_item(name, model));
    quote! {
        //! Request and response models. Every field is optional, unknown fields
        //! are ignored, `null` reads as absent, and numbers sent as strings are
        //! accepted, as the API's replies vary.
        use serde::{Deserialize, Serialize};
        #(#items)*
    }
}

fn model_item(name: &str, model: &Model) -> TokenStream {
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
    let fields = model.fields.iter().map(|(wire, def)| {
        let rust = snake_case(wire);
        let field = ident(&rust);
        let t = parsed(def.ty());
        let ty = rust_type(&t);
        let text = doc(def.description().unwrap_or(&format!("`{wire}`.")));
        let rename = (rust != *wire).then(|| quote!(rename = #wire,));
        let lenient = match t {
            TypeExpr::Integer => Some(quote!(deserialize_with = "crate::lenient::int",)),
            TypeExpr::Number => Some(quote!(deserialize_with = "crate::lenient::float",)),
            TypeExpr::Boolean => Some(quote!(deserialize_with = "crate::lenient::boolean",)),
            _ => None,
        };
        quote! {
            #text
            #[serde(#rename #lenient skip_serializing_if = "Option::is_none")]
            pub #field: Option<#ty>,
        }
    });
    quote! {
        #about
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct #name_ident {
            #(#fields)*
        }
    }
}
