//! Kling's business codes (`code` in every response body), as one open enum.

use std::fmt;

/// A Kling business code. Kling's documented codes have their own variants; any other integer
/// is kept in [`Unknown`](KlingCode::Unknown), and a relay's string code (new-api answers
/// `"task_failed"`, `"fail_to_fetch_task"`) in [`Relay`](KlingCode::Relay).
///
/// ```
/// use nicerouter_kling::{CodeFamily, KlingCode};
///
/// let code = KlingCode::from_i64(1303);
/// assert_eq!(code, KlingCode::ConcurrencyLimited);
/// assert_eq!(code.family(), CodeFamily::Policy);
/// assert!(code.is_transient());
/// assert!(!KlingCode::ResourcePackExhausted.is_transient()); // 1102: never retried
/// assert_eq!(KlingCode::from_i64(1999), KlingCode::Unknown(1999));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KlingCode {
    /// 1000: authentication failed.
    AuthFailed,
    /// 1001: the `Authorization` header is empty.
    AuthMissing,
    /// 1002: the `Authorization` header is invalid.
    AuthInvalid,
    /// 1003: the token is not valid yet (`nbf`; check the clock).
    TokenNotYetValid,
    /// 1004: the token has expired (`exp`).
    TokenExpired,
    /// 1100: the account is in an abnormal state.
    AccountAbnormal,
    /// 1101: the account is in arrears (post-paid).
    AccountInArrears,
    /// 1102: the resource pack is used up or expired (pre-paid). Despite HTTP 429, permanent.
    ResourcePackExhausted,
    /// 1103: no permission for this API or model.
    NoPermission,
    /// 1200: invalid request parameters.
    InvalidRequest,
    /// 1201: an invalid parameter (see the message). Also "task not found" on a lookup.
    InvalidParameter,
    /// 1202: invalid request method.
    InvalidMethod,
    /// 1203: the requested resource (for example the model) does not exist.
    ResourceNotFound,
    /// 1300: a platform policy was triggered.
    PolicyTriggered,
    /// 1301: the content-safety policy was triggered.
    ContentSecurity,
    /// 1302: too many requests; retry later.
    RateLimited,
    /// 1303: more concurrent tasks than the resource pack allows; retry later. The task was
    /// not created.
    ConcurrencyLimited,
    /// 1304: the IP whitelist policy was triggered.
    IpWhitelist,
    /// 5000: Kling internal error.
    ServerError,
    /// 5001: temporarily unavailable (maintenance).
    ServiceUnavailable,
    /// 5002: internal timeout (backlog).
    ServerTimeout,
    /// An integer code this version does not know.
    Unknown(i64),
    /// A relay's string code, for example new-api's `task_failed`.
    Relay(String),
}

/// The family of a code, from the leading digits of Kling's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeFamily {
    /// 1000–1099: authentication.
    Auth,
    /// 1100–1199: account, balance, permission.
    Account,
    /// 1200–1299: request parameters.
    Params,
    /// 1300–1399: policies, rate and concurrency limits.
    Policy,
    /// 5000–5999: Kling's servers.
    Server,
    /// Anything else, including relay string codes.
    Other,
}

const KNOWN: [(i64, KlingCode); 21] = [
    (1000, KlingCode::AuthFailed),
    (1001, KlingCode::AuthMissing),
    (1002, KlingCode::AuthInvalid),
    (1003, KlingCode::TokenNotYetValid),
    (1004, KlingCode::TokenExpired),
    (1100, KlingCode::AccountAbnormal),
    (1101, KlingCode::AccountInArrears),
    (1102, KlingCode::ResourcePackExhausted),
    (1103, KlingCode::NoPermission),
    (1200, KlingCode::InvalidRequest),
    (1201, KlingCode::InvalidParameter),
    (1202, KlingCode::InvalidMethod),
    (1203, KlingCode::ResourceNotFound),
    (1300, KlingCode::PolicyTriggered),
    (1301, KlingCode::ContentSecurity),
    (1302, KlingCode::RateLimited),
    (1303, KlingCode::ConcurrencyLimited),
    (1304, KlingCode::IpWhitelist),
    (5000, KlingCode::ServerError),
    (5001, KlingCode::ServiceUnavailable),
    (5002, KlingCode::ServerTimeout),
];

impl KlingCode {
    /// The code for an integer from a response body.
    pub fn from_i64(code: i64) -> Self {
        KNOWN
            .iter()
            .find(|(n, _)| *n == code)
            .map_or(KlingCode::Unknown(code), |(_, c)| c.clone())
    }

    /// The code from a JSON `code` member: an integer (Kling) or a string (relays). A string
    /// holding an integer, such as `"1303"`, is read as that integer.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        match value {
            serde_json::Value::Number(n) => n.as_i64().map(Self::from_i64),
            serde_json::Value::String(s) => Some(match s.trim().parse::<i64>() {
                Ok(n) => Self::from_i64(n),
                Err(_) => KlingCode::Relay(s.clone()),
            }),
            _ => None,
        }
    }

    /// The integer, unless this is a relay's string code.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            KlingCode::Unknown(n) => Some(*n),
            KlingCode::Relay(_) => None,
            known => KNOWN.iter().find(|(_, c)| c == known).map(|(n, _)| *n),
        }
    }

    /// The family of the code.
    pub fn family(&self) -> CodeFamily {
        match self.as_i64() {
            Some(1000..=1099) => CodeFamily::Auth,
            Some(1100..=1199) => CodeFamily::Account,
            Some(1200..=1299) => CodeFamily::Params,
            Some(1300..=1399) => CodeFamily::Policy,
            Some(5000..=5999) => CodeFamily::Server,
            _ => CodeFamily::Other,
        }
    }

    /// Whether the same request may succeed later: 1302 and 1303 (limits) and 5000–5002
    /// (server trouble). Account, auth, parameter and policy codes are permanent — notably
    /// 1102 (balance) and 1304 (IP whitelist), although they come with HTTP 429.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            KlingCode::RateLimited
                | KlingCode::ConcurrencyLimited
                | KlingCode::ServerError
                | KlingCode::ServiceUnavailable
                | KlingCode::ServerTimeout
        )
    }

    /// Whether the code says the request will never succeed as sent: every documented code
    /// that is not [transient](Self::is_transient). Unknown and relay codes are neither.
    pub fn is_permanent(&self) -> bool {
        !self.is_transient() && !matches!(self, KlingCode::Unknown(_) | KlingCode::Relay(_))
    }

    /// Whether this is an authentication code (1000–1004).
    pub fn is_auth(&self) -> bool {
        self.family() == CodeFamily::Auth
    }
}

impl fmt::Display for KlingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, self.as_i64()) {
            (KlingCode::Relay(s), _) => write!(f, "{s}"),
            (_, Some(n)) => write!(f, "{n}"),
            (_, None) => f.write_str("?"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_round_trips() {
        for (n, code) in KNOWN.iter() {
            assert_eq!(KlingCode::from_i64(*n), *code);
            assert_eq!(code.as_i64(), Some(*n));
            assert_eq!(code.to_string(), n.to_string());
        }
    }

    #[test]
    fn families_and_transience_follow_the_table() {
        assert_eq!(KlingCode::TokenExpired.family(), CodeFamily::Auth);
        assert_eq!(
            KlingCode::ResourcePackExhausted.family(),
            CodeFamily::Account
        );
        assert_eq!(KlingCode::InvalidParameter.family(), CodeFamily::Params);
        assert_eq!(KlingCode::IpWhitelist.family(), CodeFamily::Policy);
        assert_eq!(KlingCode::ServerTimeout.family(), CodeFamily::Server);
        assert_eq!(
            KlingCode::Relay("task_failed".into()).family(),
            CodeFamily::Other
        );
        let transient: Vec<i64> = KNOWN
            .iter()
            .filter(|(_, c)| c.is_transient())
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(transient, vec![1302, 1303, 5000, 5001, 5002]);
        assert!(KlingCode::ResourcePackExhausted.is_permanent());
        assert!(!KlingCode::Unknown(4242).is_permanent());
        assert!(!KlingCode::Unknown(4242).is_transient());
    }

    #[test]
    fn json_codes_may_be_integers_or_strings() {
        use serde_json::json;
        assert_eq!(
            KlingCode::from_json(&json!(1102)),
            Some(KlingCode::ResourcePackExhausted)
        );
        assert_eq!(
            KlingCode::from_json(&json!("1303")),
            Some(KlingCode::ConcurrencyLimited)
        );
        assert_eq!(
            KlingCode::from_json(&json!("task_failed")),
            Some(KlingCode::Relay("task_failed".into()))
        );
        assert_eq!(KlingCode::from_json(&json!(null)), None);
        assert_eq!(KlingCode::Relay("x".into()).to_string(), "x");
    }
}
