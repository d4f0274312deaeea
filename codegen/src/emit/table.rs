//! `table.rs`: the static operation table.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Api, Location, Operation};

/// The constant holding an operation's table entry.
pub fn const_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}", op.table_const)
}

pub fn emit(api: &Api) -> TokenStream {
    let consts = api.operations.iter().map(entry);
    let names = api.operations.iter().map(const_ident);
    quote! {
        //! Every operation of the manifest, for validation, retry policy and
        //! calling an operation by its ID.
        use crate::for_generated::{HttpMethod, Operation, ParamLocation, ParamSpec};
        /// Every operation, in manifest order.
        pub static OPERATIONS: &[Operation] = &[#(#names),*];
        #(#consts)*
    }
}

fn entry(op: &Operation) -> TokenStream {
    let name = const_ident(op);
    let (id, method_name, summary, route, scope) =
        (&op.id, &op.method_name, &op.summary, &op.route, &op.scope);
    let http = format_ident!("{}", op.http_method.variant());
    let (consumes, produces) = (&op.consumes, &op.produces);
    let retry_safe = op.retry_safe;
    let params = op.params.iter().map(|p| {
        let (location, body_path) = p.location();
        let location = match location {
            Location::Query => quote!(Query),
            Location::Body => quote!(Body),
        };
        let (pname, ty, list, required, service, uber) =
            (&p.name, &p.type_text, p.list, p.required, p.service, p.uber);
        let max_items = match p.max_items {
            Some(n) => quote!(Some(#n)),
            None => quote!(None),
        };
        let body_path = match body_path {
            Some(b) => quote!(Some(#b)),
            None => quote!(None),
        };
        let allowed = p.allowed_values.iter().map(|a| &a.value);
        let description = p.description.lines().next().unwrap_or_default();
        quote! {
            ParamSpec {
                name: #pname,
                location: ParamLocation::#location,
                data_type: #ty,
                list: #list,
                required: #required,
                service: #service,
                uber: #uber,
                max_items: #max_items,
                body_path: #body_path,
                allowed_values: &[#(#allowed),*],
                description: #description,
            },
        }
    });
    let doc = super::doc(&format!("`{id}`: `{} {route}`.", op.http_method.as_str()));
    quote! {
        #doc
        pub const #name: Operation = Operation {
            id: #id,
            method_name: #method_name,
            summary: #summary,
            http_method: HttpMethod::#http,
            route: #route,
            scope: #scope,
            consumes: &[#(#consumes),*],
            produces: &[#(#produces),*],
            retry_safe: #retry_safe,
            params: &[#(#params)*],
        };
    }
}
