//! `requests.rs`: a client method and a request builder per operation.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::table::const_ident;
use super::{doc, ident, rust_type};
use crate::ir::{
    Api, Batch, BatchMode, BatchPlace, Bulk, Export, ItemKey, Location, Operation, PageStyle,
    Pagination, Param, ParamKind, Place, Reply, TableId,
};
use crate::types::TypeExpr;
use crate::validate::pascal;

pub fn emit(api: &Api<'_>) -> TokenStream {
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
fn builder_ident(op: &Operation<'_>) -> proc_macro2::Ident {
    format_ident!("{}", op.builder)
}

fn client_method(op: &Operation<'_>) -> TokenStream {
    let method = ident(op.method_name);
    let builder = builder_ident(op);
    let text = doc(&method_doc(op));
    // rustdoc refuses an alias equal to the name.
    let alias = (op.id != op.method_name).then(|| {
        let id = op.id;
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

fn method_doc(op: &Operation<'_>) -> String {
    let mut d = format!("{}\n", op.summary);
    if let Some(more) = op.description {
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

fn example(op: &Operation<'_>) -> String {
    let mut calls = String::new();
    for p in &op.params {
        let setter = &p.setter;
        let arg = match (&p.kind, p.example) {
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

/// The type of a JSON reply's items, and the key by which repeats and
/// missing ids are found; `None` for a binary reply.
fn items_of(api: &Api<'_>, op: &Operation<'_>) -> Option<(TokenStream, TokenStream)> {
    let Reply::Json { resources, key, .. } = &op.reply else {
        return None;
    };
    let ty = rust_type(api, resources);
    let key = match key {
        ItemKey::Itself => quote!(Some(
            crate::for_generated::string_key as crate::for_generated::KeyFn<String>
        )),
        ItemKey::IdField => quote! {{
            fn key(item: &#ty) -> Option<&str> {
                item.id.as_deref()
            }
            Some(key as crate::for_generated::KeyFn<#ty>)
        }},
        ItemKey::None => quote!(None),
    };
    Some((ty, key))
}

fn lit_u64(n: u64) -> proc_macro2::Literal {
    proc_macro2::Literal::u64_unsuffixed(n)
}

/// The bulk method of a paginated or batched operation.
fn bulk(api: &Api<'_>, op: &Operation<'_>) -> Option<TokenStream> {
    let (ty, key) = items_of(api, op)?;
    match op.bulk()? {
        Bulk::Pages(pg) => Some(page_stream(api, op, pg, ty, key)),
        Bulk::Batches(b) => Some(batch_stream(op, b, ty, key)),
    }
}

/// `items()` of a paginated operation.
fn page_stream(
    api: &Api<'_>,
    op: &Operation<'_>,
    pg: &Pagination<'_>,
    ty: TokenStream,
    key: TokenStream,
) -> TokenStream {
    let table_entry = const_ident(op);
    let limit = pg.limit;
    let page_size = proc_macro2::Literal::u32_unsuffixed(pg.page_size);
    let (spec, about) = match &pg.style {
        PageStyle::Cursor { cursor } => (
            quote! {
                crate::for_generated::PageSpec::Cursor { cursor: #cursor, limit: #limit, page_size: #page_size }
            },
            format!(
                "Streams every item across pages, following the `{cursor}` cursor of \
                 `meta.pagination.after` until the reply gives none; {} per page unless \
                 [`limit`](Self::limit) or [`Paginator::page_size`](crate::Paginator::page_size) says otherwise.",
                pg.page_size
            ),
        ),
        PageStyle::Offset {
            offset,
            max_offset,
            alternative,
        } => {
            let max = match max_offset {
                Some(n) => {
                    let n = lit_u64(*n);
                    quote!(Some(#n))
                }
                None => quote!(None),
            };
            let alternative = alternative.map(|id| api.operation(id).method_name);
            let alt = match alternative {
                Some(name) => quote!(Some(#name)),
                None => quote!(None),
            };
            let mut about = format!(
                "Streams every item across pages, advancing `{offset}` by each page until \
                 `meta.pagination.total` is reached; {} per page unless [`limit`](Self::limit) \
                 or [`Paginator::page_size`](crate::Paginator::page_size) says otherwise.",
                pg.page_size
            );
            if let Some(n) = max_offset {
                about += &format!(
                    "\n\nThe API serves offsets below {n} only: when more results match, the \
                     stream fails with [`Error::OffsetLimit`](crate::Error::OffsetLimit) before \
                     the first item"
                );
                match alternative {
                    Some(name) => about += &format!("; use [`Client::{name}`] for those."),
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
        }
    };
    let about = doc(&format!(
        "{about}\n\nA page that repeats earlier items, an offset that does not advance or a \
         repeated cursor ends the stream with [`Error::Pagination`](crate::Error::Pagination)."
    ));
    quote! {
        #about
        pub fn items(self) -> crate::Paginator<#ty> {
            crate::Paginator::new(self.client, &table::#table_entry, #spec, self.parts, #key)
        }
    }
}

/// `items()` (reads) or `send_all()` (writes) of an operation with a
/// batched keyword, and the bulk setter of a keyword that takes one value.
fn batch_stream(
    op: &Operation<'_>,
    b: &Batch<'_>,
    ty: TokenStream,
    key: TokenStream,
) -> TokenStream {
    let table_entry = const_ident(op);
    let size = proc_macro2::Literal::usize_unsuffixed(b.size);
    let setter = &op.params[b.param].setter;
    let place = match &b.place {
        BatchPlace::Query(name) => quote!(crate::for_generated::BatchPlace::Query(#name)),
        BatchPlace::BodyList(path) => quote!(crate::for_generated::BatchPlace::BodyList(#path)),
        BatchPlace::BodyElement { array, field } => {
            quote!(crate::for_generated::BatchPlace::BodyElement { array: #array, field: #field })
        }
    };
    let spec = quote!(crate::for_generated::BatchSpec { place: #place, size: #size });
    let many = b.many(op);
    let max = b.size;
    let (ret, new, about) = match b.mode {
        BatchMode::Write => (
            quote!(crate::BatchWriter<#ty>),
            quote!(crate::BatchWriter::new),
            format!(
                "Sends the request for any number of ids given to [`{many}`](Self::{many}): \
                 batches of at most {max}, a few at a time, none sent again once it may have \
                 reached the API. Yields a [`WriteResult`](crate::WriteResult) per id."
            ),
        ),
        BatchMode::Read => (
            quote!(crate::BatchReader<#ty>),
            quote!(crate::BatchReader::new),
            format!(
                "Fetches any number of ids given to [`{many}`](Self::{many}): batches of at \
                 most {max}, a few at a time. Yields the items; an id not returned yields \
                 [`Error::NotFound`](crate::Error::NotFound)."
            ),
        ),
    };
    let verb = format_ident!("{}", b.mode.verb());
    let about = doc(&about);
    let bulk = b.bulk_setter.map(|s| {
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
    quote! {
        #bulk
        #about
        pub fn #verb(self) -> #ret {
            #new(self.client, &table::#table_entry, #spec, self.parts, #key)
        }
    }
}

fn export_method(api: &Api<'_>, e: &Export<'_>) -> TokenStream {
    let method = ident(e.method_name);
    let (q, g) = (api.operation(e.query), api.operation(e.get));
    let filter = ident(&e.filter_setter);
    let (query, get) = (ident(q.method_name), ident(g.method_name));
    let ty = rust_type(api, &e.items);
    let text = doc(&export_doc(e, q.method_name, g.method_name));
    quote! {
        #text
        pub fn #method(&self, filter: impl Into<crate::fql::FilterArg>) -> crate::Export<#ty> {
            let filter = filter.into();
            let mut query = self.#query();
            if !crate::for_generated::matches_all(&filter) {
                query = query.#filter(filter);
            }
            crate::Export::new(query.items(), self.#get().items())
        }
    }
}

fn export_doc(e: &Export<'_>, query: &str, get: &str) -> String {
    let mut text = format!("{}\n", e.summary);
    text += "\nAn empty filter (`\"\"`) exports every item.\n";
    if let Some(more) = e.description {
        text += &format!("\n{more}\n");
    }
    text += &format!(
        "\nPipelines the ids of [`{query}`](Client::{query}) (every page) into batches of \
         [`{get}`](Client::{get}): details are fetched while later id pages arrive. Configure \
         the [`Export`](crate::Export) (concurrency, order, page size, progress), then poll it.\n"
    );
    text += &format!(
        "\n# Example\n\n```no_run\n# async fn example(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {{\n\
         use futures::StreamExt;\n\n\
         let mut items = client\n    .{}(\"\")\n    .on_progress(|p| eprintln!(\"{{}}/{{:?}}\", p.fetched, p.total));\n\
         while let Some(item) = items.next().await {{\n    println!(\"{{:?}}\", item?);\n}}\n# Ok(())\n# }}\n```\n",
        e.method_name
    );
    text
}

fn builder(api: &Api<'_>, op: &Operation<'_>) -> TokenStream {
    let name = builder_ident(op);
    let method = op.method_name;
    let about = doc(&format!(
        "Request builder of [`Client::{method}`] (`{}`): set keywords, then [`send`](Self::send).",
        op.id
    ));
    let old_name = pascal(op.id);
    let alias = (old_name != op.builder).then(|| quote!(#[doc(alias = #old_name)]));
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

fn setter_doc(api: &Api<'_>, p: &Param<'_>) -> String {
    let mut d = p.description.to_owned();
    if !p.allowed_values.is_empty() {
        d += "\n\nAccepted values:\n";
        for a in p.allowed_values {
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
    if let Some(ex) = p.example {
        d += &format!("\n\nExample: `{ex}`");
    }
    match p.vocabulary.map(|id| api.vocabulary(id)) {
        Some(v) if v.closed => {
            let n = v.name;
            d += &format!(
                "\n\nTakes a [`{n}`](crate::vocabularies::{n}) or its text ({}).",
                crate::vocab::listed(v)
            )
        }
        Some(v) => {
            let module = crate::validate::snake_case(v.name);
            d += &format!(
                "\n\nKnown values: {} ([`{module}`](crate::vocabularies::{module})).",
                crate::vocab::listed(v)
            )
        }
        None => {}
    }
    d
}

fn setter(api: &Api<'_>, p: &Param<'_>) -> TokenStream {
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
fn setter_body(api: &Api<'_>, p: &Param<'_>) -> (TokenStream, TokenStream) {
    let name = p.name;
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
            text_setter(api, p, *place)
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
fn text_setter(api: &Api<'_>, p: &Param<'_>, place: Place<'_>) -> (TokenStream, TokenStream) {
    let name = p.name;
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
        .map(|v| super::vocabulary_enum(v.name));
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
