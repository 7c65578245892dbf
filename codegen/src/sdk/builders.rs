//! The wrapper's builders: one per kind, a setter per field with the spec's description, and
//! a `Client` method that starts it with the body's required top-level values.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{FieldSpec, KindSpec, Shape};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "gen",
];

fn ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// The builders' tokens.
pub fn tokens(kinds: &[KindSpec]) -> TokenStream {
    let builders = kinds.iter().map(builder);
    quote! {
        use nicerouter_kling_raw::types;
        use crate::media::{AudioInput, ImageInput};
        use crate::request::CreateRequest;
        use crate::{Client, Error, Kind, TaskHandle, ValidationError};
        use nicerouter_kling_raw::catalog::Media;

        #(#builders)*
    }
}

/// Whether a field is a constructor argument: required, at the top level, one value.
fn is_argument(f: &FieldSpec) -> bool {
    f.required
        && f.pointer.matches('/').count() == 1
        && !matches!(f.shape, Shape::Json | Shape::List(_) | Shape::Wrapped(..))
}

fn builder(k: &KindSpec) -> TokenStream {
    let name = ident(&format!("{}Builder", k.variant));
    let variant = ident(&k.variant);
    let method = ident(&k.method);
    let body = ident(&k.body);
    let mut doc = format!("{}: `POST {}`.", k.summary, k.path);
    if !k.description.trim().is_empty() {
        doc.push_str("\n\n");
        doc.push_str(k.description.trim());
    }
    doc.push_str(&format!(
        "\n\nStarted by [`Client::{}`]. [`send`](Self::send) validates and creates the task; \
         [`build`](Self::build) returns the validated body without sending it.",
        k.method
    ));
    let args: Vec<&FieldSpec> = k.fields.iter().filter(|f| is_argument(f)).collect();
    let params = args.iter().map(|f| {
        let (n, ty) = (ident(&f.name), param_type(&f.shape));
        quote!(#n: #ty)
    });
    let calls = args.iter().map(|f| {
        let n = ident(&f.name);
        quote!(.#n(#n))
    });
    let start_doc = {
        let mut d = format!("{} (`POST {}`).", k.summary, k.path);
        if !args.is_empty() {
            let names: Vec<String> = args.iter().map(|f| format!("`{}`", f.name)).collect();
            d.push_str(&format!(" Starts with {}.", names.join(", ")));
        }
        d
    };
    let setters = k.fields.iter().map(setter);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[must_use = "a builder does nothing until `.send()` or `.build()`"]
        pub struct #name(CreateRequest);

        impl Client {
            #[doc = #start_doc]
            pub fn #method(&self, #(#params),*) -> #name {
                #name(CreateRequest::new(self, Kind::#variant)) #(#calls)*
            }
        }

        impl #name {
            #(#setters)*

            /// The validated body, without sending it.
            pub fn build(self) -> Result<types::#body, ValidationError> {
                self.0.build()
            }

            /// Validates and creates the task. Nothing is sent if a rule is broken.
            pub async fn send(self) -> Result<TaskHandle, Error> {
                self.0.send().await
            }

            /// The kind-independent request, for setting a field by its JSON pointer.
            pub fn into_request(self) -> CreateRequest {
                self.0
            }
        }
    }
}

fn param_type(shape: &Shape) -> TokenStream {
    match shape {
        Shape::Text => quote!(impl Into<String>),
        Shape::Media(_) if !is_file(shape) => quote!(impl Into<String>),
        Shape::Media(m) => {
            let ty = media_type(m);
            quote!(impl Into<#ty>)
        }
        Shape::Integer => quote!(i64),
        Shape::Number => quote!(f64),
        Shape::Boolean => quote!(bool),
        Shape::List(inner) | Shape::Wrapped(_, inner) => {
            let item = param_type(inner);
            quote!(impl IntoIterator<Item = #item>)
        }
        Shape::Json => quote!(serde_json::Value),
    }
}

/// Whether values of this shape are files the wrapper reads and checks.
fn is_file(shape: &Shape) -> bool {
    matches!(shape, Shape::Media(m) if m != "video")
}

fn media(shape: &Shape) -> TokenStream {
    let Shape::Media(m) = shape else {
        return quote!(Media::Image);
    };
    let name: String = m
        .split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    let name = ident(&name);
    quote!(Media::#name)
}

fn setter(f: &FieldSpec) -> TokenStream {
    let name = ident(&f.name);
    let pointer = &f.pointer;
    let mut doc = if f.doc.is_empty() {
        format!(
            "Sets `{}`.",
            f.pointer.trim_start_matches('/').replace('/', ".")
        )
    } else {
        f.doc.clone()
    };
    if !f.known.is_empty() {
        let known: Vec<String> = f.known.iter().map(|v| format!("`{v}`")).collect();
        doc.push_str(&format!(
            "\n\n{}: {}.",
            if f.open {
                "Known values (others are sent, with a warning)"
            } else {
                "One of"
            },
            known.join(", ")
        ));
    }
    let text = quote! {
        pub fn #name(self, value: impl Into<String>) -> Self {
            Self(self.0.set(#pointer, value.into()))
        }
    };
    let body = match &f.shape {
        Shape::Text => text,
        Shape::Media(_) if !is_file(&f.shape) => text,
        Shape::Media(m) => {
            let (ty, media) = (media_type(m), media(&f.shape));
            quote! {
                pub fn #name(self, value: impl Into<#ty>) -> Self {
                    Self(self.0.media(#pointer, #media, value.into()))
                }
            }
        }
        Shape::Integer => quote! {
            pub fn #name(self, value: i64) -> Self {
                Self(self.0.set(#pointer, value))
            }
        },
        Shape::Number => quote! {
            pub fn #name(self, value: f64) -> Self {
                Self(self.0.set(#pointer, value))
            }
        },
        Shape::Boolean => quote! {
            pub fn #name(self, value: bool) -> Self {
                Self(self.0.set(#pointer, value))
            }
        },
        Shape::List(inner) | Shape::Wrapped(_, inner) => {
            let key = match &f.shape {
                Shape::Wrapped(key, _) => quote!(Some(#key)),
                _ => quote!(None),
            };
            match inner.as_ref() {
                Shape::Media(m) if is_file(inner) => {
                    let (ty, media) = (media_type(m), media(inner));
                    quote! {
                        pub fn #name<I: Into<#ty>>(self, values: impl IntoIterator<Item = I>) -> Self {
                            Self(self.0.media_items(#pointer, #key, #media, values.into_iter().map(Into::into)))
                        }
                    }
                }
                Shape::Integer => quote! {
                    pub fn #name(self, values: impl IntoIterator<Item = i64>) -> Self {
                        Self(self.0.items(#pointer, #key, values.into_iter().map(serde_json::Value::from)))
                    }
                },
                Shape::Number => quote! {
                    pub fn #name(self, values: impl IntoIterator<Item = f64>) -> Self {
                        Self(self.0.items(#pointer, #key, values.into_iter().map(serde_json::Value::from)))
                    }
                },
                Shape::Boolean => quote! {
                    pub fn #name(self, values: impl IntoIterator<Item = bool>) -> Self {
                        Self(self.0.items(#pointer, #key, values.into_iter().map(serde_json::Value::from)))
                    }
                },
                _ => quote! {
                    pub fn #name<S: Into<String>>(self, values: impl IntoIterator<Item = S>) -> Self {
                        Self(self.0.items(#pointer, #key, values.into_iter().map(|v| serde_json::Value::String(v.into()))))
                    }
                },
            }
        }
        Shape::Json => match &f.rust_type {
            Some(ty) => {
                let ty: syn::Type =
                    syn::parse_str(ty).unwrap_or_else(|_| syn::parse_quote!(serde_json::Value));
                quote! {
                    pub fn #name(self, value: #ty) -> Self {
                        Self(self.0.json(#pointer, &value))
                    }
                }
            }
            None => quote! {
                pub fn #name(self, value: serde_json::Value) -> Self {
                    Self(self.0.set(#pointer, value))
                }
            },
        },
    };
    quote! {
        #[doc = #doc]
        #body
    }
}

fn media_type(media: &str) -> TokenStream {
    if media.starts_with("audio") {
        quote!(AudioInput)
    } else {
        quote!(ImageInput)
    }
}
