//! What [`ImageInput`](super::ImageInput) and [`AudioInput`](super::AudioInput) share: the four
//! ways to give media (URL, path, bytes, base64), the conversions, and a `Debug` that never
//! prints the data. Written once, as a macro, because the two types differ only in the checks
//! they run on the bytes.

/// Implements the constructors, `is_url`, `Debug` and the `From` conversions for a media input
/// type with a `source: Source` field. `$what` names the accepted formats in the docs.
macro_rules! media_input {
    ($ty:ident, $what:literal) => {
        impl $ty {
            /// A public `http(s)` URL, passed to Kling as it is.
            pub fn url(url: impl Into<String>) -> Self {
                Self {
                    source: Source::Url(url.into()),
                }
            }

            #[doc = concat!("A local ", $what, " file, read when the request is built.")]
            pub fn path(path: impl Into<std::path::PathBuf>) -> Self {
                Self {
                    source: Source::Path(path.into()),
                }
            }

            #[doc = concat!("The bytes of a ", $what, " file.")]
            pub fn bytes(bytes: impl Into<bytes::Bytes>) -> Self {
                Self {
                    source: Source::Bytes(bytes.into()),
                }
            }

            #[doc = concat!(
                "Base64 of a ", $what, " file, with or without a `data:<type>;base64,` prefix. ",
                "Whitespace (line breaks) and missing `=` padding are tolerated."
            )]
            pub fn base64(data: impl Into<String>) -> Self {
                Self {
                    source: Source::Base64(data.into()),
                }
            }

            /// Whether this is a URL (sent as it is) rather than data to encode.
            pub fn is_url(&self) -> bool {
                !self.source.is_local()
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&self.source).finish()
            }
        }

        impl From<&str> for $ty {
            /// `http(s)://…` is a URL, `data:…` is inline base64, anything else a file path.
            fn from(value: &str) -> Self {
                Self::from(value.to_owned())
            }
        }

        impl From<String> for $ty {
            /// `http(s)://…` is a URL, `data:…` is inline base64, anything else a file path.
            fn from(value: String) -> Self {
                Self {
                    source: Source::from_string(value),
                }
            }
        }

        impl From<&std::path::Path> for $ty {
            fn from(path: &std::path::Path) -> Self {
                Self::path(path)
            }
        }

        impl From<std::path::PathBuf> for $ty {
            fn from(path: std::path::PathBuf) -> Self {
                Self::path(path)
            }
        }

        impl From<Vec<u8>> for $ty {
            fn from(bytes: Vec<u8>) -> Self {
                Self::bytes(bytes)
            }
        }

        impl From<bytes::Bytes> for $ty {
            fn from(bytes: bytes::Bytes) -> Self {
                Self::bytes(bytes)
            }
        }
    };
}
pub(super) use media_input;
