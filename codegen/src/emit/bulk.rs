//! The bulk methods of a builder: `paginate()` (the configurable
//! `Paginator`) and `items()` over every page; `batch()` (the configurable
//! `BatchReader` or `BatchWriter`) and `items()` or `send_all()` over
//! batches of one keyword's values.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::table::const_ident;
use super::{doc, ident, rust_type};
use crate::ir::{
    Api, Batch, BatchMode, BatchPlace, Bulk, ItemKey, Operation, PageStyle, Pagination, Reply,
};

/// The type of a JSON reply's items, and the key by which repeats and
/// missing ids are found; `None` for a binary reply.
fn items_of(api: &Api, op: &Operation) -> Option<(TokenStream, TokenStream)> {
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
pub(super) fn bulk(api: &Api, op: &Operation) -> Option<TokenStream> {
    let (ty, key) = items_of(api, op)?;
    match op.bulk()? {
        Bulk::Pages(pg) => Some(page_stream(api, op, pg, ty, key)),
        Bulk::Batches(b) => Some(batch_stream(op, b, ty, key)),
    }
}

/// `items()` of a paginated operation.
fn page_stream(
    api: &Api,
    op: &Operation,
    pg: &Pagination,
    ty: TokenStream,
    key: TokenStream,
) -> TokenStream {
    let table_entry = const_ident(op);
    let limit = &pg.limit;
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
            let alternative = alternative.map(|id| api.operation(id).method_name.as_str());
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
        "{about}\n\nItems repeated from earlier pages are dropped; an offset that does not \
         advance or a repeated cursor ends the stream with \
         [`Error::Pagination`](crate::Error::Pagination)."
    ));
    quote! {
        /// The pages of this request, to configure (page size, progress, resume point) before [`items`](crate::Paginator::items) starts them.
        pub fn paginate(self) -> crate::Paginator<#ty> {
            crate::Paginator::new(self.client, &table::#table_entry, #spec, self.parts, #key)
        }
        #about
        pub fn items(self) -> crate::Items<#ty> {
            self.paginate().items()
        }
    }
}

/// `items()` (reads) or `send_all()` (writes) of an operation with a
/// batched keyword, and the bulk setter of a keyword that takes one value.
fn batch_stream(op: &Operation, b: &Batch, ty: TokenStream, key: TokenStream) -> TokenStream {
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
    let (config, stream, new, about) = match b.mode {
        BatchMode::Write => (
            quote!(crate::BatchWriter<#ty>),
            quote!(crate::WriteResults<#ty>),
            quote!(crate::BatchWriter::new),
            format!(
                "Sends the request for any number of ids given to [`{many}`](Self::{many}): \
                 batches of at most {max}, a few at a time, none sent again once it may have \
                 reached the API. Yields a [`WriteResult`](crate::WriteResult) per id."
            ),
        ),
        BatchMode::Read => (
            quote!(crate::BatchReader<#ty>),
            quote!(crate::BatchItems<#ty>),
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
    let bulk = b.bulk_setter.as_deref().map(|s| {
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
    let config_doc = doc(&format!(
        "The batches of this request, to configure (concurrency, order, progress) before \
         [`{verb}`]({config_path}::{verb}) sends them.",
        config_path = match b.mode {
            BatchMode::Write => "crate::BatchWriter",
            BatchMode::Read => "crate::BatchReader",
        }
    ));
    quote! {
        #bulk
        #config_doc
        pub fn batch(self) -> #config {
            #new(self.client, &table::#table_entry, #spec, self.parts, #key)
        }
        #about
        pub fn #verb(self) -> #stream {
            self.batch().#verb()
        }
    }
}
