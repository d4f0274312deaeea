//! `requests.rs`: a client method and a request builder per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::bulk::bulk;
use super::setters::setter;
use super::table::const_ident;
use super::{doc, ident, rust_type};
use crate::ir::{Api, Export, Operation, ParamKind, Reply};
use crate::types::TypeExpr;

pub fn emit(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(client_method);
    let exports = api.exports.iter().map(|e| export_method(api, e));
    let builders = api.operations.iter().map(|op| builder(api, op));
    quote! {
        //! A method on [`Client`] per operation, named after the operation
        //! (FalconPy's method name), and the request builder it returns, named
        //! after the method.
        use std::time::Duration;

        use crate::for_generated::RequestParts;
        use crate::generated::table;
        #[allow(unused_imports)]
        use crate::{ApiResponse, Client, Download, Result};

        impl Client {
            #(#methods)*
            #(#exports)*
        }
        #(#builders)*
    }
}

/// The builder is named after the method it comes from (`get_assets` →
/// `GetAssets`); the operation ID stays findable through a doc alias.
fn builder_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}", op.builder)
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
    let aliases = op.aliases.iter().map(|a| quote!(#[doc(alias = #a)]));
    quote! {
        #text
        #alias
        #(#aliases)*
        pub fn #method(&self) -> #builder {
            #builder { client: self.clone(), parts: RequestParts::new() }
        }
    }
}

fn method_doc(op: &Operation) -> String {
    let mut d = format!("{}\n", op.summary);
    if let Some(more) = &op.description {
        d += &format!("\n{more}\n");
    }
    d += &format!(
        "\n`{} {}` · scope `{}`",
        op.http_method.as_str(),
        op.route,
        op.scope
    );
    if !op.consumes.is_empty() {
        d += &format!(" · consumes `{}`", op.consumes.join("`, `"));
    }
    d += &format!(" · produces `{}`\n", op.produces.join("`, `"));
    let builder = &op.builder;
    d += &super::docs::keyword_table(op, |setter| format!("[`{setter}`]({builder}::{setter})"));
    d += &format!("\n# Example\n\n```no_run\n{}```\n", example(op));
    d
}

fn example(op: &Operation) -> String {
    let mut calls = String::new();
    for p in &op.params {
        let setter = &p.setter;
        let arg = match (&p.kind, p.example.as_deref()) {
            (ParamKind::StringList(_), Some(ex)) => format!("[{ex:?}]"),
            (ParamKind::StringList(_), None) if p.required => "[\"ID1\", \"ID2\"]".to_owned(),
            (ParamKind::Value(TypeExpr::Integer, _), Some(ex)) => ex.to_owned(),
            (
                ParamKind::Value(TypeExpr::String, _) | ParamKind::Fql(..) | ParamKind::Sort(..),
                Some(ex),
            ) => format!("{ex:?}"),
            (ParamKind::Value(TypeExpr::String, _), None) if p.required => {
                format!("{:?}", p.name.to_ascii_uppercase())
            }
            _ => continue,
        };
        calls += &format!("    .{setter}({arg})\n");
    }
    let use_reply = match op.reply {
        Reply::Binary => {
            "let bytes = reply.bytes().await?;\nprintln!(\"{} bytes\", bytes.len());\n"
        }
        Reply::Json { .. } => "for item in &reply.resources {\n    println!(\"{item:?}\");\n}\n",
    };
    format!(
        "# async fn example(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {{\nlet reply = client\n    .{}()\n{calls}    .send()\n    .await?;\n{use_reply}# Ok(())\n# }}\n",
        op.method_name
    )
}

fn export_method(api: &Api, e: &Export) -> TokenStream {
    let method = ident(&e.method_name);
    let (q, g) = (api.operation(e.query), api.operation(e.get));
    let filter = ident(&e.filter_setter);
    let (query, get) = (ident(&q.method_name), ident(&g.method_name));
    let ty = rust_type(api, &e.items);
    let text = doc(&export_doc(e, &q.method_name, &g.method_name));
    let shards = match &e.shard_by {
        Some(sb) => {
            let (field, param) = (&sb.field, &sb.filter);
            let aggregate = const_ident(api.operation(sb.aggregate));
            quote!(Some(crate::for_generated::ShardSpec {
                field: #field,
                filter: #param,
                aggregate: &table::#aggregate,
            }))
        }
        None => quote!(None),
    };
    quote! {
        #text
        pub fn #method(&self, filter: impl Into<crate::fql::FilterArg>) -> crate::Export<#ty> {
            let filter = filter.into();
            let mut query = self.#query();
            if !crate::for_generated::matches_all(&filter) {
                query = query.#filter(filter);
            }
            crate::Export::new(query.paginate(), self.#get().batch(), #shards)
        }
    }
}

fn export_doc(e: &Export, query: &str, get: &str) -> String {
    let mut text = format!("{}\n", e.summary);
    text += "\nAn empty filter (`\"\"`) exports every item.\n";
    if let Some(more) = &e.description {
        text += &format!("\n{more}\n");
    }
    text += &format!(
        "\nPipelines the ids of [`{query}`](Client::{query}) (every page) into batches of \
         [`{get}`](Client::{get}): details are fetched while later id pages arrive. Configure \
         the [`Export`](crate::Export) (concurrency, order, page size, progress), then start it \
         with [`items`](crate::Export::items).\n"
    );
    if let Some(sb) = &e.shard_by {
        text += &format!(
            "\nThe ids are read through several cursor chains at once, over disjoint ranges of \
             `{}` (see [Cursor chains](crate::Export#cursor-chains)).\n",
            sb.field
        );
    }
    text += &format!(
        "\n# Example\n\n```no_run\n# async fn example(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {{\n\
         use futures::StreamExt;\n\n\
         let mut items = client\n    .{}(\"\")\n    .on_progress(|p| eprintln!(\"{{}}/{{:?}}\", p.fetched(), p.total()))\n    .items();\n\
         while let Some(item) = items.next().await {{\n    println!(\"{{:?}}\", item?);\n}}\n# Ok(())\n# }}\n```\n",
        e.method_name
    );
    text
}

fn builder(api: &Api, op: &Operation) -> TokenStream {
    let name = builder_ident(op);
    let method = &op.method_name;
    let about = doc(&format!(
        "Request builder of [`Client::{method}`] (`{}`): set keywords, then [`send`](Self::send).",
        op.id
    ));
    let alias = op
        .builder_alias
        .as_ref()
        .map(|old_name| quote!(#[doc(alias = #old_name)]));
    let setters = op.params.iter().map(|p| setter(api, p));
    let body = op.body_type.as_ref().map(|t| {
        let ty = rust_type(api, t);
        quote! {
            /// Sets the whole JSON body from its model. Keywords set afterwards are merged into it.
            pub fn body(mut self, body: #ty) -> Self {
                self.parts.set_body_typed(&body);
                self
            }
        }
    });
    let retry_writes = (!op.retry_safe).then(|| {
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
    let send = match &op.reply {
        Reply::Binary => quote! {
            /// Sends the request; the reply's body is read from the returned [`Download`].
            pub async fn send(self) -> Result<Download> {
                self.client.execute_download(&table::#table_entry, self.parts).await
            }
        },
        Reply::Json { resources, .. } => {
            let ty = rust_type(api, resources);
            quote! {
                /// Sends the request and decodes the reply.
                pub async fn send(self) -> Result<ApiResponse<#ty>> {
                    self.client.execute(&table::#table_entry, self.parts).await
                }
            }
        }
    };
    let stream = bulk(api, op);
    quote! {
        #about
        #alias
        #[derive(Debug, Clone)]
        #[must_use = "nothing is sent until `send()` is awaited"]
        pub struct #name {
            client: Client,
            parts: RequestParts,
        }

        impl #name {
            #(#setters)*
            #body
            /// Overrides the client's request timeout for this call.
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.parts.timeout = Some(timeout);
                self
            }
            #retry_writes
            #send
            #stream
        }
    }
}
