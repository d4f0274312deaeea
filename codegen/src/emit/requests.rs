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
    let exports = m.exports.iter().map(|e| export_method(m, e));
    let builders = m.operations.iter().map(|op| builder(m, op));
    quote! {
        //! A method on [`Client`] per operation, named by its PEP8 name, and the
        //! request builder it returns.
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

fn param_type(p: &Parameter) -> ParamType {
    types::parse_param(&p.ty).unwrap_or(ParamType::RawBody)
}

/// The builder is named after the method it comes from (`get_assets` →
/// `GetAssets`); the operation ID stays findable through a doc alias.
fn builder_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}", pascal(&op.method_name))
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

/// The key of a reply item, by which repeats and missing ids are found:
/// the string itself for `resources: string`, the `id` field of a model
/// that has a `string` one, else none.
fn key_fn(m: &Manifest, resources: &str) -> TokenStream {
    if resources == "string" {
        return quote!(Some(
            crate::for_generated::string_key as crate::for_generated::KeyFn<String>
        ));
    }
    let keyed = m.models.get(resources).is_some_and(|model| {
        model.runtime_type.is_none() && model.fields.get("id").is_some_and(|f| f.ty() == "string")
    });
    if !keyed {
        return quote!(None);
    }
    let ty = rust_type(&parsed(resources));
    quote! {{
        fn key(item: &#ty) -> Option<&str> {
            item.id.as_deref()
        }
        Some(key as crate::for_generated::KeyFn<#ty>)
    }}
}

fn resources_type(op: &Operation) -> TokenStream {
    rust_type(&parsed(op.response.resources.as_deref().unwrap_or("json")))
}

fn lit_u64(n: u64) -> proc_macro2::Literal {
    proc_macro2::Literal::u64_unsuffixed(n)
}

/// `items()` of a paginated operation.
fn page_stream(m: &Manifest, op: &Operation) -> Option<TokenStream> {
    let pg = op.pagination.as_ref()?;
    let ty = resources_type(op);
    let key = key_fn(m, op.response.resources.as_deref().unwrap_or("json"));
    let table_entry = const_ident(op);
    let limit = &pg.limit;
    let page_size = proc_macro2::Literal::u32_unsuffixed(pg.page_size);
    let (spec, about) = if pg.style == "cursor" {
        let cursor = pg.cursor.as_deref().unwrap_or_default();
        (
            quote! {
                crate::for_generated::PageSpec::Cursor { cursor: #cursor, limit: #limit, page_size: #page_size }
            },
            format!(
                "Streams every item across pages, following the `{cursor}` cursor of \
                 `meta.pagination.after` until the reply gives none; {} per page unless \
                 [`limit`](Self::limit) or [`Paginator::page_size`](crate::Paginator::page_size) says otherwise.",
                pg.page_size
            ),
        )
    } else {
        let offset = pg.offset.as_deref().unwrap_or_default();
        let max = match pg.max_offset {
            Some(n) => {
                let n = lit_u64(n);
                quote!(Some(#n))
            }
            None => quote!(None),
        };
        let alternative = pg
            .alternative
            .as_ref()
            .and_then(|a| m.operations.iter().find(|o| o.id == *a));
        let alt = match alternative {
            Some(o) => {
                let name = &o.method_name;
                quote!(Some(#name))
            }
            None => quote!(None),
        };
        let mut about = format!(
            "Streams every item across pages, advancing `{offset}` by each page until \
             `meta.pagination.total` is reached; {} per page unless [`limit`](Self::limit) \
             or [`Paginator::page_size`](crate::Paginator::page_size) says otherwise.",
            pg.page_size
        );
        if let Some(n) = pg.max_offset {
            about += &format!(
                "\n\nThe API serves offsets below {n} only: when more results match, the \
                 stream fails with [`Error::OffsetLimit`](crate::Error::OffsetLimit) before \
                 the first item"
            );
            match alternative {
                Some(o) => about += &format!("; use [`Client::{}`] for those.", o.method_name),
                None => about += ".",
            }
        }
        (
            quote! {
                crate::for_generated::PageSpec::Offset {
                    offset: #offset, limit: #limit, page_size: #page_size,
                    max_offset: #max, alternative: #alt,
                }
            },
            about,
        )
    };
    let about = doc(&format!(
        "{about}\n\nA page that repeats earlier items, an offset that does not advance or a \
         repeated cursor ends the stream with [`Error::Pagination`](crate::Error::Pagination)."
    ));
    Some(quote! {
        #about
        pub fn items(self) -> crate::Paginator<#ty> {
            crate::Paginator::new(self.client, &table::#table_entry, #spec, self.parts, #key)
        }
    })
}

/// The batched keyword of an operation, if any.
fn batched(op: &Operation) -> Option<(&Parameter, &crate::manifest::Batch)> {
    op.parameters
        .iter()
        .find_map(|p| p.batch.as_ref().map(|b| (p, b)))
}

/// `items()` (reads) or `send_all()` (writes) of an operation with a
/// batched keyword, and the bulk setter
/// of a keyword that takes one value.
fn batch_stream(m: &Manifest, op: &Operation) -> Option<TokenStream> {
    let (p, b) = batched(op)?;
    let ty = resources_type(op);
    let key = key_fn(m, op.response.resources.as_deref().unwrap_or("json"));
    let table_entry = const_ident(op);
    let size = proc_macro2::Literal::usize_unsuffixed(p.max_items.unwrap_or(1));
    let setter = setter_name(p);
    let place = match (&p.body_path, param_type(p)) {
        (None, _) => {
            let name = &p.name;
            quote!(crate::for_generated::BatchPlace::Query(#name))
        }
        (Some(path), ParamType::StringList) => {
            quote!(crate::for_generated::BatchPlace::BodyList(#path))
        }
        (Some(path), _) => {
            let (array, field) = path.rsplit_once("[].").unwrap_or((path.as_str(), ""));
            let array = if array.is_empty() { "[]" } else { array };
            let array = array.to_owned();
            quote!(crate::for_generated::BatchPlace::BodyElement { array: #array, field: #field })
        }
    };
    let spec = quote!(crate::for_generated::BatchSpec { place: #place, size: #size });
    let many = b.setter.clone().unwrap_or_else(|| setter.clone());
    let max = p.max_items.unwrap_or(1);
    let (ret, about) = if b.mode == "write" {
        (
            quote!(crate::BatchWriter<#ty>),
            format!(
                "Sends the request for any number of ids given to [`{many}`](Self::{many}): \
                 batches of at most {max}, a few at a time, none sent again once it may have \
                 reached the API. Yields a [`WriteResult`](crate::WriteResult) per id."
            ),
        )
    } else {
        (
            quote!(crate::BatchReader<#ty>),
            format!(
                "Fetches any number of ids given to [`{many}`](Self::{many}): batches of at \
                 most {max}, a few at a time. Yields the items; an id not returned yields \
                 [`Error::NotFound`](crate::Error::NotFound)."
            ),
        )
    };
    let verb = format_ident!(
        "{}",
        if b.mode == "write" {
            "send_all"
        } else {
            "items"
        }
    );
    let new = if b.mode == "write" {
        quote!(crate::BatchWriter::new)
    } else {
        quote!(crate::BatchReader::new)
    };
    let about = doc(&about);
    let bulk = b.setter.as_ref().map(|s| {
        let name = ident(s);
        let text = doc(&format!(
            "Many values of [`{setter}`](Self::{setter}), for [`{verb}`](Self::{verb}), which \
             sends one array element per value, at most {max} per request. `send()` refuses them."
        ));
        quote! {
            #text
            pub fn #name(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
                self.parts.bulk_values.extend(values.into_iter().map(Into::into));
                self
            }
        }
    });
    Some(quote! {
        #bulk
        #about
        pub fn #verb(self) -> #ret {
            #new(self.client, &table::#table_entry, #spec, self.parts, #key)
        }
    })
}

fn export_method(m: &Manifest, e: &crate::manifest::Export) -> TokenStream {
    let method = ident(&e.method_name);
    let (Some(q), Some(g)) = (
        m.operations.iter().find(|o| o.id == e.query),
        m.operations.iter().find(|o| o.id == e.get),
    ) else {
        return TokenStream::new();
    };
    let filter = q
        .parameters
        .iter()
        .find(|p| p.ty == "fql")
        .map(|p| ident(&setter_name(p)));
    let (query, get) = (ident(&q.method_name), ident(&g.method_name));
    let ty = resources_type(g);
    let mut text = format!("{}\n", e.summary);
    text += "\nAn empty filter (`\"\"`) exports every item.\n";
    if let Some(more) = &e.description {
        text += &format!("\n{more}\n");
    }
    text += &format!(
        "\nPipelines the ids of [`{q}`](Client::{q}) (every page) into batches of \
         [`{g}`](Client::{g}): details are fetched while later id pages arrive. Configure \
         the [`Export`](crate::Export) (concurrency, order, page size, progress), then poll it.\n",
        q = q.method_name,
        g = g.method_name
    );
    text += &format!(
        "\n# Example\n\n```no_run\n# async fn example(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {{\n\
         use futures::StreamExt;\n\n\
         let mut items = client\n    .{}(\"\")\n    .on_progress(|p| eprintln!(\"{{}}/{{:?}}\", p.fetched, p.total));\n\
         while let Some(item) = items.next().await {{\n    println!(\"{{:?}}\", item?);\n}}\n# Ok(())\n# }}\n```\n",
        e.method_name
    );
    let text = doc(&text);
    let set_filter = filter.map(|f| {
        quote! {
            if !crate::for_generated::matches_all(&filter) {
                query = query.#f(filter);
            }
        }
    });
    quote! {
        #text
        pub fn #method(&self, filter: impl Into<crate::fql::FilterArg>) -> crate::Export<#ty> {
            let filter = filter.into();
            let mut query = self.#query();
            #set_filter
            crate::Export::new(query.items(), self.#get().items())
        }
    }
}

fn builder(m: &Manifest, op: &Operation) -> TokenStream {
    let name = builder_ident(op);
    let method = &op.method_name;
    let about = doc(&format!(
        "Request builder of [`Client::{method}`] (`{}`): set keywords, then [`send`](Self::send).",
        op.id
    ));
    let old_name = pascal(&op.id);
    let alias = (old_name != name.to_string()).then(|| quote!(#[doc(alias = #old_name)]));
    let setters = op.parameters.iter().map(|p| setter(m, op, p));
    let body = op.body_type.as_deref().map(|t| {
        let ty = rust_type(&parsed(t));
        quote! {
            /// Sets the whole JSON body from its model. Keywords set afterwards are merged into it.
            pub fn body(mut self, body: #ty) -> Self {
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
    let stream = page_stream(m, op).or_else(|| batch_stream(m, op));
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
            /// The query parameters and body gathered so far.
            pub fn parts(&self) -> &RequestParts {
                &self.parts
            }
            #send
            #stream
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

fn setter(m: &Manifest, op: &Operation, p: &Parameter) -> TokenStream {
    let setter = ident(&setter_name(p));
    let vocabulary = crate::vocab::of_parameter(m, &op.id, &p.name);
    let mut text = setter_doc(p);
    match vocabulary {
        Some((n, v)) if v.closed => {
            text += &format!(
                "\n\nTakes a [`{n}`](crate::vocabularies::{n}) or its text ({}).",
                crate::vocab::listed(v)
            )
        }
        Some((n, v)) => {
            let module = crate::validate::snake_case(n);
            text += &format!(
                "\n\nKnown values: {} ([`{module}`](crate::vocabularies::{module})).",
                crate::vocab::listed(v)
            )
        }
        None => {}
    }
    let text = doc(&text);
    let closed = vocabulary
        .filter(|(_, v)| v.closed)
        .map(|(n, _)| crate::vocab::enum_path(n));
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
            quote!(pairs: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>),
            quote! {
                for (key, value) in pairs {
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
