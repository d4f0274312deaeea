//! `requests.rs`: a client method and a request builder per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::table::const_ident;
use super::{doc, ident, parsed, pascal, rust_type};
use crate::manifest::{Manifest, Operation, Parameter};
use crate::types::{self, ParamType, TypeExpr};
use crate::validate::setter_name;

pub fn emit(m: &Manifest) -> TokenStream {
    let methods = m.operations.iter().map(client_method);
    let builders = m.operations.iter().map(builder);
    quote! {
        //! A method on [`Client`] per operation, named by its PEP8 name, and the
        //! request builder it returns.
        use std::time::Duration;

        use crate::request::RequestParts;
        use crate::generated::table;
        #[allow(unused_imports)]
        use crate::{ApiResponse, Client, Download, Result};

        impl Client {
            #(#methods)*
        }
        #(#builders)*
    }
}

fn param_type(p: &Parameter) -> ParamType {
    types::parse_param(&p.ty).unwrap_or(ParamType::RawBody)
}

fn builder_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}", pascal(&op.id))
}

fn client_method(op: &Operation) -> TokenStream {
    let method = ident(&op.method_name);
    let builder = builder_ident(op);
    let text = doc(&method_doc(op));
    // rustdoc refuses an alias equal to the name.
    let alias = (op.id != op.method_name).then(|| {
        let id = &op.id;
        quote!(#[doc(alias = #id)])
    });
    quote! {
        #text
        #alias
        pub fn #method(&self) -> #builder {
            #builder { client: self.clone(), parts: RequestParts::new() }
        }
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn cell(text: &str) -> String {
    text.lines().next().unwrap_or_default().replace('|', "\\|")
}

fn method_doc(op: &Operation) -> String {
    let mut d = format!("{}\n", op.summary);
    if let Some(more) = &op.description {
        d += &format!("\n{more}\n");
    }
    d += &format!("\n`{} {}` · scope `{}`", op.http_method, op.route, op.scope);
    if !op.consumes.is_empty() {
        d += &format!(" · consumes `{}`", op.consumes.join("`, `"));
    }
    d += &format!(" · produces `{}`\n", op.produces.join("`, `"));
    d += "\n| Keyword | Setter | In | Type | Required | Service | Uber | Description |\n|---|---|---|---|---|---|---|---|\n";
    let builder = pascal(&op.id);
    for p in &op.parameters {
        let setter = setter_name(p);
        d += &format!(
            "| `{}` | [`{setter}`]({builder}::{setter}) | {} | {} | {} | {} | {} | {} |\n",
            p.name,
            p.location,
            p.seed_type,
            yes(p.required),
            yes(p.service),
            yes(p.uber),
            cell(&p.description)
        );
    }
    d += &format!("\n# Example\n\n```no_run\n{}```\n", example(op));
    d
}

fn example(op: &Operation) -> String {
    let mut calls = String::new();
    for p in &op.parameters {
        let setter = setter_name(p);
        let arg = match (param_type(p), p.example.as_deref()) {
            (ParamType::StringList, Some(ex)) => format!("[{ex:?}]"),
            (ParamType::StringList, None) if p.required => "[\"ID1\", \"ID2\"]".to_owned(),
            (ParamType::Value(TypeExpr::Integer), Some(ex)) => ex.to_owned(),
            (ParamType::Value(TypeExpr::String) | ParamType::Fql | ParamType::Sort, Some(ex)) => {
                format!("{ex:?}")
            }
            (ParamType::Value(TypeExpr::String), None) if p.required => {
                format!("{:?}", p.name.to_ascii_uppercase())
            }
            _ => continue,
        };
        calls += &format!("    .{setter}({arg})\n");
    }
    let use_reply = if op.response.binary {
        "let bytes = reply.bytes().await?;\nprintln!(\"{} bytes\", bytes.len());\n"
    } else {
        "for item in &reply.resources {\n    println!(\"{item:?}\");\n}\n"
    };
    format!(
        "# async fn example(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {{\nlet reply = client\n    .{}()\n{calls}    .send()\n    .await?;\n{use_reply}# Ok(())\n# }}\n",
        op.method_name
    )
}

fn builder(op: &Operation) -> TokenStream {
    let name = builder_ident(op);
    let method = &op.method_name;
    let about = doc(&format!(
        "Request builder of [`Client::{method}`] (`{}`): set keywords, then [`send`](Self::send).",
        op.id
    ));
    let setters = op.parameters.iter().map(setter);
    let typed_body = op.body_type.as_deref().map(|t| {
        let ty = rust_type(&parsed(t));
        quote! {
            /// Sets the whole JSON body from its model. Keywords set afterwards are merged into it.
            pub fn typed_body(mut self, body: #ty) -> Self {
                self.parts.set_body_typed(&body);
                self
            }
        }
    });
    let retry_writes = (!op
        .retry_safe
        .unwrap_or(matches!(op.http_method.as_str(), "GET" | "DELETE")))
    .then(|| {
        quote! {
            /// Allows the request to be sent again after a failure that may have
            /// reached the server. Off by default: the API may apply it twice.
            pub fn retry_writes(mut self, allow: bool) -> Self {
                self.parts.retry_writes = allow;
                self
            }
        }
    });
    let table_entry = const_ident(op);
    let send = if op.response.binary {
        quote! {
            /// Sends the request; the reply's body is read from the returned [`Download`].
            pub async fn send(self) -> Result<Download> {
                self.client.execute_download(&table::#table_entry, self.parts).await
            }
        }
    } else {
        let resources = op.response.resources.as_deref().unwrap_or("json");
        let ty = rust_type(&parsed(resources));
        quote! {
            /// Sends the request and decodes the reply.
            pub async fn send(self) -> Result<ApiResponse<#ty>> {
                self.client.execute(&table::#table_entry, self.parts).await
            }
        }
    };
    quote! {
        #about
        #[derive(Debug, Clone)]
        #[must_use = "nothing is sent until `send()` is awaited"]
        pub struct #name {
            client: Client,
            parts: RequestParts,
        }

        impl #name {
            #(#setters)*
            #typed_body
            /// Overrides the client's request timeout for this call.
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.parts.timeout = Some(timeout);
                self
            }
            #retry_writes
            /// The query parameters and body gathered so far.
            pub fn parts(&self) -> &RequestParts {
                &self.parts
            }
            #send
        }
    }
}

fn setter_doc(p: &Parameter) -> String {
    let mut d = p.description.clone();
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
    match (&p.body_path, p.location.as_str()) {
        (Some(path), _) => d += &format!("\n\nPlaced in the JSON body at `{path}`."),
        (None, "query") if !matches!(param_type(p), ParamType::RawQuery) => {
            d += &format!("\n\nSent as the query parameter `{}`.", p.name)
        }
        _ => {}
    }
    if let Some(ex) = &p.example {
        d += &format!("\n\nExample: `{ex}`");
    }
    d
}

fn setter(p: &Parameter) -> TokenStream {
    let setter = ident(&setter_name(p));
    let text = doc(&setter_doc(p));
    let name = &p.name;
    let in_body = p.location == "body";
    let place = p.body_path.clone().unwrap_or_default();
    let table = match &p.filter_table {
        Some(t) => {
            let module = format_ident!("{t}");
            quote!(Some(&crate::fields::#module::TABLE))
        }
        None => quote!(None),
    };
    let allowed: Vec<&String> = p.allowed_values.iter().map(|a| &a.value).collect();
    let check = (!allowed.is_empty())
        .then(|| quote! { self.parts.check_allowed(#name, &value, &[#(#allowed),*]); });
    let (args, body) = match param_type(p) {
        ParamType::RawBody => (
            quote!(body: serde_json::Value),
            quote! { self.parts.set_body(body); },
        ),
        ParamType::RawQuery => (
            quote!(parameters: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>),
            quote! {
                for (key, value) in parameters {
                    self.parts.push_query(&key.into(), value);
                }
            },
        ),
        ParamType::StringList if in_body => (
            quote!(values: impl IntoIterator<Item = impl Into<String>>),
            quote! {
                let values = values.into_iter().map(|v| serde_json::Value::String(v.into())).collect();
                self.parts.set_body_field(#place, serde_json::Value::Array(values));
            },
        ),
        ParamType::StringList => (
            quote!(values: impl IntoIterator<Item = impl Into<String>>),
            quote! {
                for value in values {
                    self.parts.push_query(#name, value);
                }
            },
        ),
        ParamType::Fql if in_body => (
            quote!(filter: impl Into<crate::fql::FilterArg>),
            quote! { self.parts.set_body_filter(#place, filter.into(), #table); },
        ),
        ParamType::Fql => (
            quote!(filter: impl Into<crate::fql::FilterArg>),
            quote! { self.parts.set_query_filter(#name, filter.into(), #table); },
        ),
        ParamType::Sort if in_body => (
            quote!(sort: impl Into<crate::fql::SortArg>),
            quote! { self.parts.set_body_sort(#place, sort.into(), #table); },
        ),
        ParamType::Sort => (
            quote!(sort: impl Into<crate::fql::SortArg>),
            quote! { self.parts.set_query_sort(#name, sort.into(), #table); },
        ),
        ParamType::Value(TypeExpr::String | TypeExpr::DateTime) => {
            let put = if in_body {
                quote! { self.parts.set_body_field(#place, serde_json::Value::String(value)); }
            } else {
                quote! { self.parts.set_query(#name, value); }
            };
            (
                quote!(value: impl Into<String>),
                quote! { let value = value.into(); #check #put },
            )
        }
        ParamType::Value(t @ (TypeExpr::Integer | TypeExpr::Number | TypeExpr::Boolean)) => {
            let ty = rust_type(&t);
            let put = if in_body {
                quote! { self.parts.set_body_field(#place, serde_json::Value::from(value)); }
            } else {
                quote! { self.parts.set_query(#name, value.to_string()); }
            };
            (quote!(value: #ty), put)
        }
        ParamType::Value(t) => {
            let ty = rust_type(&t);
            let put = if in_body {
                quote! { self.parts.set_body_typed_at(#place, &value); }
            } else {
                quote! { self.parts.set_query_json(#name, &value); }
            };
            (quote!(value: #ty), put)
        }
    };
    quote! {
        #text
        pub fn #setter(mut self, #args) -> Self {
            #body
            self
        }
    }
}
