//! Bearer authentication: a static key or a token source, never printed.

use std::fmt;
use std::sync::Arc;

/// A bearer token. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl BearerToken {
    /// Wraps a token (a NiceRouter key or a JWT).
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The secret value. Only call this to put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

/// A token source could not produce a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot obtain a bearer token: {0}")]
pub struct TokenError(pub String);

/// Something that hands out a bearer token for each request, for example a JWT minter that
/// refreshes before expiry. Implementations must not put the secret in their `Debug` output.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// The token to send with the next request.
    fn token(&self) -> Result<BearerToken, TokenError>;
}

/// A fixed token, such as a NiceRouter key.
#[derive(Clone, Debug)]
pub struct StaticToken(BearerToken);

impl StaticToken {
    /// A source that always answers `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self(BearerToken::new(token))
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> Result<BearerToken, TokenError> {
        Ok(self.0.clone())
    }
}

/// How the raw client authenticates.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    /// No `Authorization` header (for tests, or a proxy that adds it).
    #[default]
    None,
    /// `Authorization: Bearer <token>` from a source, asked before every request.
    Bearer(Arc<dyn TokenSource>),
}

impl Auth {
    /// A static bearer key, such as `NICEROUTER_API_KEY`.
    pub fn bearer(key: impl Into<String>) -> Self {
        Auth::Bearer(Arc::new(StaticToken::new(key)))
    }

    /// A token source, such as the official API's JWT minter.
    pub fn source(source: impl TokenSource + 'static) -> Self {
        Auth::Bearer(Arc::new(source))
    }

    /// The token for the next request, if any.
    pub fn token(&self) -> Result<Option<BearerToken>, TokenError> {
        match self {
            Auth::None => Ok(None),
            Auth::Bearer(source) => source.token().map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let auth = Auth::bearer("sk-very-secret");
        let shown = format!("{auth:?} {:?}", auth.token());
        assert!(!shown.contains("sk-very-secret"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
