//! The catalogue compiled into the raw crate: the `Kind` enum with its paths, operations and
//! result media, the fields of each create body, and `CreateBody` for each body type.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{CallSpec, FieldSpec, KindSpec, Shape};

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The catalogue's tokens.
pub fn tokens(kinds: &[KindSpec], calls: &[CallSpec]) -> TokenStream {
    let calls = calls.iter().map(|c| {
        let CallSpec {
            id,
            method,
            path,
            cli,
            summary,
            ..
        } = c;
        let fields = c.fields.iter().map(field);
        quote! {
            Call {
                operation: #id,
                method: #method,
                path: #path,
                cli: &[#(#cli),*],
                summary: #summary,
                fields: &[#(#fields),*],
            }
        }
    });
    let variants = kinds.iter().map(|k| {
        let (variant, segment) = (ident(&k.variant), &k.segment);
        let doc = format!("`POST {}`: {}", k.path, k.summary);
        quote! {
            #[doc = #doc]
            #[serde(rename = #segment)]
            #variant
        }
    });
    let all = kinds.iter().map(|k| ident(&k.variant));
    let arm = |value: &dyn Fn(&KindSpec) -> TokenStream| {
        let arms = kinds.iter().map(|k| {
            let (variant, value) = (ident(&k.variant), value(k));
            quote!(Kind::#variant => #value)
        });
        quote!(match self { #(#arms,)* })
    };
    let segment = arm(&|k| {
        let s = &k.segment;
        quote!(#s)
    });
    let path = arm(&|k| {
        let s = &k.path;
        quote!(#s)
    });
    let method = arm(&|k| {
        let s = &k.method;
        quote!(#s)
    });
    let body = arm(&|k| {
        let s = &k.body;
        quote!(#s)
    });
    let summary = arm(&|k| {
        let s = &k.summary;
        quote!(#s)
    });
    let cli = arm(&|k| {
        let words = &k.cli;
        quote!(&[#(#words),*])
    });
    let results = arm(&|k| {
        let r = ident(&pascal(&k.results));
        quote!(Results::#r)
    });
    let operations = arm(&|k| {
        let (c, g, l) = (&k.create_id, &k.get_id, &k.list_id);
        quote!(Operations { create: #c, get: #g, list: #l })
    });
    let fields = arm(&|k| {
        let fields = k.fields.iter().map(field);
        quote!(&[#(#fields),*])
    });
    let bodies = kinds.iter().map(|k| {
        let (variant, body) = (ident(&k.variant), ident(&k.body));
        quote! {
            impl CreateBody for crate::types::#body {
                const KIND: Kind = Kind::#variant;
            }
        }
    });
    quote! {
        /// A kind of Kling task: one create operation, with its get and list.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub enum Kind {
            #(#variants,)*
        }

        impl Kind {
            /// Every kind, in the spec's path order.
            pub const ALL: &'static [Kind] = &[#(Kind::#all),*];

            /// The path's last segment, for example `text2video`.
            pub const fn segment(self) -> &'static str { #segment }

            /// The create and list path, for example `/v1/videos/text2video`.
            pub const fn path(self) -> &'static str { #path }

            /// The name of the wrapper's builder method, for example `text_to_video`.
            pub const fn method(self) -> &'static str { #method }

            /// The request body's component name in the spec.
            pub const fn body_schema(self) -> &'static str { #body }

            /// The create operation's summary.
            pub const fn summary(self) -> &'static str { #summary }

            /// The command-line words of the create, for example `["video", "text2video"]`.
            pub const fn cli(self) -> &'static [&'static str] { #cli }

            /// Where the results of a task of this kind are.
            pub const fn results(self) -> Results { #results }

            /// The ids of the create, get and list operations.
            pub const fn operations(self) -> Operations { #operations }

            /// The fields of the create body, nested wrapper objects flattened.
            pub const fn fields(self) -> &'static [Field] { #fields }
        }

        #(#bodies)*

        /// The calls that are not tasks, answered at once.
        pub const CALLS: &[Call] = &[#(#calls),*];
    }
}

/// `image-any-aspect` → `ImageAnyAspect`.
fn pascal(word: &str) -> String {
    word.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn field(f: &FieldSpec) -> TokenStream {
    let FieldSpec {
        pointer,
        name,
        doc,
        required,
        known,
        open,
        ..
    } = f;
    let shape = shape(&f.shape);
    let nested = f.nested_media.iter().map(|(pattern, media)| {
        let media = ident(&pascal(media));
        quote!((#pattern, Media::#media))
    });
    quote! {
        Field {
            pointer: #pointer,
            name: #name,
            doc: #doc,
            shape: #shape,
            required: #required,
            known: &[#(#known),*],
            open: #open,
            nested_media: &[#(#nested),*],
        }
    }
}

fn shape(shape: &Shape) -> TokenStream {
    match shape {
        Shape::Text => quote!(Shape::Text),
        Shape::Integer => quote!(Shape::Integer),
        Shape::Number => quote!(Shape::Number),
        Shape::Boolean => quote!(Shape::Boolean),
        Shape::Json => quote!(Shape::Json),
        Shape::Media(m) => {
            let m = ident(&pascal(m));
            quote!(Shape::Media(Media::#m))
        }
        Shape::List(inner) => {
            let inner = self::shape(inner);
            quote!(Shape::List(&#inner))
        }
        Shape::Wrapped(key, inner) => {
            let inner = self::shape(inner);
            quote!(Shape::Wrapped(#key, &#inner))
        }
    }
}
