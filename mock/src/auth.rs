//! Authentication: NiceRouter's static bearer key, and on the official API an HS256 JWT or,
//! when one is configured, an official API key sent as a bearer token.

use std::fmt;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// An authentication failure, as Kling reports it (HTTP 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// 1001: no `Authorization` header.
    Empty,
    /// 1002: a wrong key, a malformed header, a bad signature or issuer.
    Invalid,
    /// 1003: the JWT's `nbf` is in the future.
    NotYetValid,
    /// 1004: the JWT's `exp` is in the past.
    Expired,
}

impl AuthFailure {
    pub(crate) fn code(self) -> u32 {
        match self {
            AuthFailure::Empty => 1001,
            AuthFailure::Invalid => 1002,
            AuthFailure::NotYetValid => 1003,
            AuthFailure::Expired => 1004,
        }
    }

    pub(crate) fn message(self) -> &'static str {
        match self {
            AuthFailure::Empty => "Authorization is empty",
            AuthFailure::Invalid => "Authorization is invalid",
            AuthFailure::NotYetValid => "Authorization is not active yet (token nbf)",
            AuthFailure::Expired => "Authorization has expired (token exp)",
        }
    }
}

/// The credentials a server accepts. Debug output never shows them.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) api_key: String,
    /// The official API key accepted as a bearer token on the official paths, if any.
    pub(crate) official_api_key: Option<String>,
    pub(crate) access_key: String,
    pub(crate) secret_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &"<redacted>")
            .field(
                "official_api_key",
                &self.official_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("access_key", &"<redacted>")
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

#[derive(Deserialize)]
struct Claims {
    #[allow(dead_code)]
    iss: String,
}

impl Credentials {
    /// Checks `Authorization: Bearer <api key>` (NiceRouter).
    pub(crate) fn check_bearer(&self, header: Option<&str>) -> Result<(), AuthFailure> {
        let token = bearer_token(header)?;
        if constant_time_eq(token.as_bytes(), self.api_key.as_bytes()) {
            Ok(())
        } else {
            Err(AuthFailure::Invalid)
        }
    }

    /// Checks the official API's `Authorization: Bearer <token>`: the configured official API
    /// key, if there is one, or else a JWT: HS256, signed with the secret key, `iss` = access
    /// key, `exp` and `nbf` present and valid (no leeway). A wrong key is an invalid JWT.
    pub(crate) fn check_jwt(&self, header: Option<&str>) -> Result<(), AuthFailure> {
        let token = bearer_token(header)?;
        if let Some(key) = &self.official_api_key
            && constant_time_eq(token.as_bytes(), key.as_bytes())
        {
            return Ok(());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iss"]);
        validation.set_issuer(&[&self.access_key]);
        validation.validate_nbf = true;
        validation.leeway = 0;
        let key = DecodingKey::from_secret(self.secret_key.as_bytes());
        match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
            Ok(_) => Ok(()),
            Err(e) => Err(match e.kind() {
                ErrorKind::ExpiredSignature => AuthFailure::Expired,
                ErrorKind::ImmatureSignature => AuthFailure::NotYetValid,
                _ => AuthFailure::Invalid,
            }),
        }
    }
}

fn bearer_token(header: Option<&str>) -> Result<&str, AuthFailure> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(AuthFailure::Empty)?;
    header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AuthFailure::Invalid)
}

/// Compares without an early exit, so timing does not leak how much of a key was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode, get_current_timestamp};
    use serde_json::json;

    fn creds() -> Credentials {
        Credentials {
            api_key: "k".into(),
            official_api_key: None,
            access_key: "ak".into(),
            secret_key: "sk".into(),
        }
    }

    fn jwt(iss: &str, secret: &str, exp_offset: i64, nbf_offset: i64) -> String {
        let now = get_current_timestamp() as i64;
        let claims = json!({"iss": iss, "exp": now + exp_offset, "nbf": now + nbf_offset});
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn bearer_keys() {
        let c = creds();
        assert_eq!(c.check_bearer(Some("Bearer k")), Ok(()));
        assert_eq!(c.check_bearer(None), Err(AuthFailure::Empty));
        assert_eq!(c.check_bearer(Some("")), Err(AuthFailure::Empty));
        assert_eq!(
            c.check_bearer(Some("Bearer nope")),
            Err(AuthFailure::Invalid)
        );
        assert_eq!(c.check_bearer(Some("k")), Err(AuthFailure::Invalid));
    }

    #[test]
    fn jwts() {
        let c = creds();
        let ok = format!("Bearer {}", jwt("ak", "sk", 1800, -5));
        assert_eq!(c.check_jwt(Some(&ok)), Ok(()));
        let wrong_secret = format!("Bearer {}", jwt("ak", "nope", 1800, -5));
        assert_eq!(c.check_jwt(Some(&wrong_secret)), Err(AuthFailure::Invalid));
        let wrong_iss = format!("Bearer {}", jwt("other", "sk", 1800, -5));
        assert_eq!(c.check_jwt(Some(&wrong_iss)), Err(AuthFailure::Invalid));
        let expired = format!("Bearer {}", jwt("ak", "sk", -10, -100));
        assert_eq!(c.check_jwt(Some(&expired)), Err(AuthFailure::Expired));
        let early = format!("Bearer {}", jwt("ak", "sk", 1800, 600));
        assert_eq!(c.check_jwt(Some(&early)), Err(AuthFailure::NotYetValid));
        assert_eq!(c.check_jwt(Some("Bearer k")), Err(AuthFailure::Invalid));
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("\"sk\"") && !debug.contains("\"ak\"") && !debug.contains("\"k\""),
            "{debug}"
        );
    }

    #[test]
    fn official_api_keys() {
        let c = creds();
        // Without a configured API key, only JWTs pass.
        assert_eq!(c.check_jwt(Some("Bearer kk")), Err(AuthFailure::Invalid));
        let c = Credentials {
            official_api_key: Some("kk".into()),
            ..creds()
        };
        assert_eq!(c.check_jwt(Some("Bearer kk")), Ok(()));
        assert_eq!(c.check_jwt(Some("kk")), Err(AuthFailure::Invalid));
        assert_eq!(c.check_jwt(Some("Bearer kx")), Err(AuthFailure::Invalid));
        assert_eq!(c.check_jwt(None), Err(AuthFailure::Empty));
        // The relay's key is not an official one, nor the official key a relay one.
        assert_eq!(c.check_jwt(Some("Bearer k")), Err(AuthFailure::Invalid));
        assert_eq!(c.check_bearer(Some("Bearer kk")), Err(AuthFailure::Invalid));
        // JWTs still pass next to it.
        let ok = format!("Bearer {}", jwt("ak", "sk", 1800, -5));
        assert_eq!(c.check_jwt(Some(&ok)), Ok(()));
        assert!(!format!("{c:?}").contains("\"kk\""), "{c:?}");
    }
}
