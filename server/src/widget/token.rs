//! Anonymous visitor tokens: `ovt_<base64url(claims)>.<base64url(HMAC-SHA256)>`.
//!
//! The claims name the tenant, a random visitor id and an expiry (Unix seconds). The
//! server keeps no session table: a token is valid while its signature verifies under
//! the widget key and it has not expired.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const PREFIX: &str = "ovt_";

/// What a visitor token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorClaims {
    #[serde(rename = "t")]
    pub tenant_id: String,
    #[serde(rename = "v")]
    pub visitor_id: String,
    /// Unix seconds.
    #[serde(rename = "e")]
    pub expires_at: i64,
    /// The name an identified visitor's site gave (see `identity.rs`); anonymous
    /// visitors have none.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed visitor token")]
    Malformed,
    #[error("visitor token signature does not verify")]
    BadSignature,
    #[error("visitor token expired")]
    Expired,
}

/// Issues and verifies visitor tokens with one server-wide key.
pub struct TokenSigner {
    /// Keyed once; cloned for each token.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(…)")
    }
}

impl TokenSigner {
    /// HMAC takes keys of any length; an empty key is refused.
    pub fn new(key: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(!key.is_empty(), "the widget signing key is empty");
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .map_err(|e| anyhow::anyhow!("widget signing key: {e}"))?;
        Ok(Self { keyed })
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(payload);
        mac
    }

    /// A token for a new visitor of `tenant_id`, valid `ttl_secs` from `now` (Unix s).
    pub fn issue(&self, tenant_id: &str, ttl_secs: i64, now: i64) -> (String, VisitorClaims) {
        let random: [u8; 16] = rand::rng().random();
        self.issue_for(tenant_id, &hex::encode(random), None, ttl_secs, now)
    }

    /// A token for a known visitor (an identified user of the site).
    pub fn issue_for(
        &self,
        tenant_id: &str,
        visitor_id: &str,
        name: Option<String>,
        ttl_secs: i64,
        now: i64,
    ) -> (String, VisitorClaims) {
        let claims = VisitorClaims {
            tenant_id: tenant_id.to_string(),
            visitor_id: visitor_id.to_string(),
            expires_at: now.saturating_add(ttl_secs),
            name,
        };
        (self.sign(&claims), claims)
    }

    /// Sign given claims (tests use it to make expired tokens).
    pub fn sign(&self, claims: &VisitorClaims) -> String {
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let tag = self.mac(&payload).finalize().into_bytes();
        format!(
            "{PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn verify(&self, token: &str, now: i64) -> Result<VisitorClaims, TokenError> {
        let body = token.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
        let (payload, tag) = body.split_once('.').ok_or(TokenError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Malformed)?;
        // Constant-time comparison.
        self.mac(&payload)
            .verify_slice(&tag)
            .map_err(|_| TokenError::BadSignature)?;
        let claims: VisitorClaims =
            serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if claims.expires_at <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_tampering_fails() {
        let signer = TokenSigner::new(b"k").unwrap();
        let (token, claims) = signer.issue("t1", 60, 1000);
        assert_eq!(signer.verify(&token, 1000).unwrap(), claims);
        assert_eq!(signer.verify(&token, 1060), Err(TokenError::Expired));
        assert_eq!(
            TokenSigner::new(b"other").unwrap().verify(&token, 1000),
            Err(TokenError::BadSignature)
        );
    }
}
