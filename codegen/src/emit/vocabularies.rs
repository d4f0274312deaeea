//! `vocabularies.rs`: the known values of fields. A closed vocabulary is an
//! enum that keeps values outside its list; an open one is constants.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::doc;
use crate::ir::{Api, Vocabulary};

pub fn emit(api: &Api) -> TokenStream {
    let items = api
        .vocabularies
        .iter()
        .map(|v| if v.closed { closed(v) } else { open(v) });
    quote! {
        //! The known values of fields, each documented by a source. A closed
        //! vocabulary is an enum whose `Unknown` variant keeps any other value,
        //! so a new value never fails decoding; an open one is constants, and
        //! its fields stay text.
        pub use crate::for_generated::UnknownVariantValue;
        #(#items)*
    }
}

fn about(v: &Vocabulary) -> String {
    let mut d = format!("{}\n\nKnown values and their sources:\n", v.description);
    for x in &v.values {
        d += &format!("- `{}`: {}\n", x.value, x.evidence);
    }
    if v.case_insensitive {
        d += "\nValues are recognised whatever their case.\n";
    }
    d
}

fn closed(v: &Vocabulary) -> TokenStream {
    let name = &v.rust_name;
    let id = format_ident!("{name}");
    let text = doc(&format!(
        "{}\nAny other value decodes as [`Unknown`]({name}::Unknown), kept as sent.",
        about(v)
    ));
    let variants: Vec<_> = v
        .values
        .iter()
        .map(|x| format_ident!("{}", x.rust_name))
        .collect();
    let values: Vec<&str> = v.values.iter().map(|x| x.value.as_str()).collect();
    let docs = v.values.iter().map(|x| doc(&format!("`{}`.", x.value)));
    let (matches, how) = if v.case_insensitive {
        (
            quote!(v.as_str().eq_ignore_ascii_case(value)),
            "ignoring case",
        )
    } else {
        (quote!(v.as_str() == value), "as written")
    };
    let parse_doc = doc(&format!(
        "Reads a value, compared {how}; one outside the list becomes [`Unknown`](Self::Unknown)."
    ));
    quote! {
        #text
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #id {
            #(#docs #variants,)*
            /// A value outside the documented list, kept as sent (never a
            /// listed value: only reading a value makes one).
            Unknown(UnknownVariantValue),
        }
        impl #id {
            /// Every documented value, in the manifest's order.
            pub const ALL: &'static [#id] = &[#(Self::#variants),*];
            /// The value as the API writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unknown(value) => value.as_str(),
                }
            }
            #parse_doc
            pub fn parse(value: &str) -> Self {
                Self::ALL
                    .iter()
                    .find(|v| #matches)
                    .cloned()
                    .unwrap_or_else(|| Self::Unknown(UnknownVariantValue::new(value)))
            }
            /// Whether the value is outside the documented list.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }
        crate::for_generated::vocabulary_impls!(#id);
    }
}

fn open(v: &Vocabulary) -> TokenStream {
    let module = format_ident!("{}", v.rust_name);
    let text = doc(&format!(
        "{}\nThe list is not known to be complete: fields with these values stay text.",
        about(v)
    ));
    let consts: Vec<_> = v
        .values
        .iter()
        .map(|x| format_ident!("{}", x.rust_name))
        .collect();
    let defs = v.values.iter().zip(&consts).map(|(x, c)| {
        let value = &x.value;
        let text = doc(&format!("`{value}`: {}", x.evidence));
        quote! { #text pub const #c: &str = #value; }
    });
    let (matches, how) = if v.case_insensitive {
        (quote!(k.eq_ignore_ascii_case(value)), "ignoring case")
    } else {
        (quote!(*k == value), "as written")
    };
    let known_doc = doc(&format!(
        "The known value equal to `value` (compared {how}), as listed; `None` for another value."
    ));
    quote! {
        #text
        pub mod #module {
            #(#defs)*
            /// Every known value.
            pub const KNOWN: &[&str] = &[#(#consts),*];
            #known_doc
            pub fn known(value: &str) -> Option<&'static str> {
                KNOWN.iter().copied().find(|k| #matches)
            }
        }
    }
}
