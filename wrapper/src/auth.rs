//! Credentials: a NiceRouter bearer key; an official Kling API key, sent as a bearer token to
//! the official host; or the official API's access key and secret key, from which a
//! short-lived HS256 JWT is minted and refreshed before it expires. Secrets never show in
//! `Debug`, logs or errors.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nicerouter_kling_raw::{BearerToken, TokenError, TokenSource};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::error::ConfigError;

/// Which service the client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Backend {
    /// The NiceRouter relay: `<origin>/kling`, static bearer key.
    NiceRouter,
    /// The official Kling API at its own host, without the `/kling` prefix: an API key sent as
    /// a bearer token, or a JWT minted from an access key and a secret key.
    Official,
}

/// How the client authenticates.
///
/// ```
/// use nicerouter_kling::Auth;
///
/// let relay = Auth::nicerouter("sk-example");
/// let api_key = Auth::official_api_key("kling-key-example");
/// let official = Auth::official("AKexample123", "SKexample456");
/// // Secrets never appear in Debug output.
/// assert!(!format!("{relay:?}").contains("sk-example"));
/// assert!(!format!("{api_key:?}").contains("kling-key-example"));
/// assert!(!format!("{official:?}").contains("SKexample456"));
/// ```
#[derive(Clone)]
pub struct Auth(AuthKind);

#[derive(Clone)]
enum AuthKind {
    NiceRouter {
        key: BearerToken,
    },
    OfficialApiKey {
        key: BearerToken,
    },
    Official {
        access_key: String,
        secret_key: BearerToken,
        refresh_margin: Duration,
    },
}

/// How long a minted JWT is valid (`exp = now + 1800`).
const JWT_TTL: Duration = Duration::from_secs(1800);
/// How far `nbf` is back-dated, for clock skew (`nbf = now - 5`).
const JWT_NOT_BEFORE_SKEW: Duration = Duration::from_secs(5);
/// Re-mint when less than this remains before `exp`.
const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

impl Auth {
    /// A NiceRouter key, sent as `Authorization: Bearer <key>`.
    pub fn nicerouter(key: impl Into<String>) -> Self {
        Auth(AuthKind::NiceRouter {
            key: BearerToken::new(key),
        })
    }

    /// An official Kling API key (the kind the Kling console issues for all models), sent as
    /// `Authorization: Bearer <key>` to the official host, whose paths have no `/kling`
    /// prefix. Not a NiceRouter key: that one goes to the relay with [`Auth::nicerouter`].
    ///
    /// ```
    /// use nicerouter_kling::{Auth, Backend, Client, OFFICIAL_BASE_URL};
    ///
    /// let client = Client::builder()
    ///     .auth(Auth::official_api_key("kling-key-example"))
    ///     .build()?;
    /// assert_eq!(client.backend(), Backend::Official);
    /// assert_eq!(client.base_url(), OFFICIAL_BASE_URL); // no `/kling`
    /// assert!(!format!("{client:?}").contains("kling-key-example"));
    /// # Ok::<(), nicerouter_kling::Error>(())
    /// ```
    pub fn official_api_key(key: impl Into<String>) -> Self {
        Auth(AuthKind::OfficialApiKey {
            key: BearerToken::new(key),
        })
    }

    /// The official Kling API's access key and secret key. Each request carries an HS256 JWT
    /// (`iss` = access key, `exp` = now + 30 min, `nbf` = now − 5 s), minted on demand and
    /// re-minted when less than five minutes remain.
    pub fn official(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Auth(AuthKind::Official {
            access_key: access_key.into(),
            secret_key: BearerToken::new(secret_key),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
        })
    }

    /// For official credentials: re-mint the JWT when less than `margin` remains before it
    /// expires (default five minutes, at most 25 minutes). No effect on a static key
    /// (NiceRouter's or an official API key).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        if let AuthKind::Official { refresh_margin, .. } = &mut self.0 {
            *refresh_margin = margin.min(JWT_TTL - Duration::from_secs(300));
        }
        self
    }

    /// The service these credentials are for.
    pub fn backend(&self) -> Backend {
        match self.0 {
            AuthKind::NiceRouter { .. } => Backend::NiceRouter,
            AuthKind::OfficialApiKey { .. } | AuthKind::Official { .. } => Backend::Official,
        }
    }

    /// What kind of credential this is, in words for logs (never the credential itself).
    pub(crate) fn describe(&self) -> &'static str {
        match self.0 {
            AuthKind::NiceRouter { .. } => "NiceRouter key",
            AuthKind::OfficialApiKey { .. } => "official API key",
            AuthKind::Official { .. } => "official access key and secret key (JWT)",
        }
    }

    /// Checks the credentials and builds the raw client's auth, plus the JWT minter when
    /// there is one (the client re-mints on `401`/1004).
    pub(crate) fn into_raw(
        self,
        clock: Arc<dyn Clock>,
    ) -> Result<(nicerouter_kling_raw::Auth, Option<Arc<JwtMinter>>), ConfigError> {
        match self.0 {
            AuthKind::NiceRouter { key } => {
                check_header_safe("api_key", key.expose())?;
                Ok((
                    nicerouter_kling_raw::Auth::Bearer(Arc::new(StaticKey(key))),
                    None,
                ))
            }
            AuthKind::OfficialApiKey { key } => {
                check_header_safe("official_api_key", key.expose())?;
                Ok((
                    nicerouter_kling_raw::Auth::Bearer(Arc::new(StaticKey(key))),
                    None,
                ))
            }
            AuthKind::Official {
                access_key,
                secret_key,
                refresh_margin,
            } => {
                check_header_safe("access_key", &access_key)?;
                if secret_key.expose().is_empty() {
                    return Err(ConfigError::new("secret_key", "must not be empty"));
                }
                let minter = Arc::new(JwtMinter {
                    access_key,
                    key: EncodingKey::from_secret(secret_key.expose().as_bytes()),
                    clock,
                    refresh_margin,
                    cached: Mutex::new(None),
                });
                let source: Arc<dyn TokenSource> = minter.clone();
                Ok((nicerouter_kling_raw::Auth::Bearer(source), Some(minter)))
            }
        }
    }
}

fn check_header_safe(name: &str, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::new(name, "must not be empty"));
    }
    if value
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || !b.is_ascii())
    {
        return Err(ConfigError::new(
            name,
            "contains whitespace or characters not allowed in an HTTP header",
        ));
    }
    Ok(())
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            AuthKind::NiceRouter { .. } => f
                .debug_struct("Auth::NiceRouter")
                .field("key", &"<redacted>")
                .finish(),
            AuthKind::OfficialApiKey { .. } => f
                .debug_struct("Auth::OfficialApiKey")
                .field("key", &"<redacted>")
                .finish(),
            AuthKind::Official {
                access_key,
                refresh_margin,
                ..
            } => f
                .debug_struct("Auth::Official")
                .field("access_key", &partial(access_key))
                .field("secret_key", &"<redacted>")
                .field("refresh_margin", refresh_margin)
                .finish(),
        }
    }
}

/// At most the first four characters of an identifier that is not secret but need not be
/// shown whole.
fn partial(id: &str) -> String {
    if id.chars().count() <= 8 {
        "<redacted>".to_owned()
    } else {
        format!("{}…", id.chars().take(4).collect::<String>())
    }
}

/// A static key (NiceRouter's or an official API key) as a token source (`Debug` shows
/// nothing of it).
#[derive(Debug)]
struct StaticKey(BearerToken);

impl TokenSource for StaticKey {
    fn token(&self) -> Result<BearerToken, TokenError> {
        Ok(self.0.clone())
    }
}

/// Mints and caches the official API's JWT.
pub(crate) struct JwtMinter {
    access_key: String,
    key: EncodingKey,
    clock: Arc<dyn Clock>,
    refresh_margin: Duration,
    cached: Mutex<Option<Minted>>,
}

#[derive(Clone)]
struct Minted {
    token: BearerToken,
    expires_at: u64,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    exp: u64,
    nbf: u64,
}

impl JwtMinter {
    /// Forgets the cached token, so the next request mints a fresh one (after a `401`/1004).
    pub(crate) fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn mint(&self, now: u64) -> Result<Minted, TokenError> {
        let claims = Claims {
            iss: &self.access_key,
            exp: now + JWT_TTL.as_secs(),
            nbf: now.saturating_sub(JWT_NOT_BEFORE_SKEW.as_secs()),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("JWT".to_owned());
        let token = jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| TokenError(format!("cannot sign the Kling JWT: {e}")))?;
        tracing::debug!(exp = claims.exp, "minted a Kling JWT");
        Ok(Minted {
            token: BearerToken::new(token),
            expires_at: claims.exp,
        })
    }
}

impl TokenSource for JwtMinter {
    fn token(&self) -> Result<BearerToken, TokenError> {
        let now = self
            .clock
            .system_time()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| TokenError("the system clock is before 1970".into()))?
            .as_secs();
        let mut cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(minted) = cached.as_ref()
            && minted.expires_at.saturating_sub(now) > self.refresh_margin.as_secs()
        {
            return Ok(minted.token.clone());
        }
        let minted = self.mint(now)?;
        *cached = Some(minted.clone());
        Ok(minted.token)
    }
}

impl fmt::Debug for JwtMinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtMinter")
            .field("access_key", &partial(&self.access_key))
            .field("secret_key", &"<redacted>")
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::clock::ManualClock;
    use jsonwebtoken::{DecodingKey, Validation};
    use std::time::SystemTime;

    #[derive(serde::Deserialize, Debug)]
    struct Decoded {
        iss: String,
        exp: u64,
        nbf: u64,
    }

    fn minter(clock: &ManualClock) -> Arc<JwtMinter> {
        let (_, minter) = Auth::official("AK-1234567890", "SK-top-secret")
            .into_raw(Arc::new(clock.clone()))
            .unwrap();
        minter.unwrap()
    }

    fn decode(token: &BearerToken) -> (jsonwebtoken::Header, Decoded) {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Decoded>(
            token.expose(),
            &DecodingKey::from_secret(b"SK-top-secret"),
            &validation,
        )
        .unwrap();
        (data.header, data.claims)
    }

    #[test]
    fn jwt_has_kling_claims_and_header() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = ManualClock::starting_at(start);
        let token = minter(&clock).token().unwrap();
        let (header, claims) = decode(&token);
        assert_eq!(header.alg, Algorithm::HS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(claims.iss, "AK-1234567890");
        assert_eq!(claims.exp, 1_700_000_000 + 1800);
        assert_eq!(claims.nbf, 1_700_000_000 - 5);
    }

    #[test]
    fn jwt_is_cached_and_reminted_before_expiry() {
        let clock = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(1_000_000));
        let minter = minter(&clock);
        let first = minter.token().unwrap();
        clock.advance(Duration::from_secs(60));
        assert_eq!(minter.token().unwrap(), first, "still fresh: cached");
        // 1800 - 5 min margin = 1500 s: at 1501 s only 299 s remain.
        clock.advance(Duration::from_secs(1441));
        let second = minter.token().unwrap();
        assert_ne!(second, first, "re-minted inside the refresh margin");
        assert_eq!(decode(&second).1.exp, 1_000_000 + 1501 + 1800);
        minter.invalidate();
        clock.advance(Duration::from_secs(1));
        assert_ne!(
            minter.token().unwrap(),
            second,
            "invalidate forces a new token"
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let clock = ManualClock::new();
        let minter = minter(&clock);
        let token = minter.token().unwrap();
        let auth = Auth::official("AK-1234567890", "SK-top-secret");
        let shown = format!(
            "{auth:?} {minter:?} {:?} {:?}",
            Auth::nicerouter("sk-relay-key"),
            Auth::official_api_key("kling-api-key-123")
        );
        for secret in [
            "SK-top-secret",
            "AK-1234567890",
            "sk-relay-key",
            "kling-api-key-123",
            token.expose(),
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("AK-1…"), "{shown}");
    }

    #[test]
    fn bad_credentials_are_config_errors_naming_the_field() {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new());
        let e = Auth::nicerouter("").into_raw(clock.clone()).unwrap_err();
        assert_eq!(e.name, "api_key");
        let e = Auth::nicerouter("sk-a b")
            .into_raw(clock.clone())
            .unwrap_err();
        assert_eq!(e.name, "api_key");
        assert!(!e.to_string().contains("sk-a b"));
        let e = Auth::official_api_key(" ")
            .into_raw(clock.clone())
            .unwrap_err();
        assert_eq!(e.name, "official_api_key");
        let e = Auth::official_api_key("kling\nkey")
            .into_raw(clock.clone())
            .unwrap_err();
        assert_eq!(e.name, "official_api_key");
        assert!(!e.to_string().contains("kling"));
        let e = Auth::official("ak", "")
            .into_raw(clock.clone())
            .unwrap_err();
        assert_eq!(e.name, "secret_key");
        let e = Auth::official("", "sk").into_raw(clock).unwrap_err();
        assert_eq!(e.name, "access_key");
    }
}
