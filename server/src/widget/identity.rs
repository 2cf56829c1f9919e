//! Identified visitors: a site whose visitors are logged in can tell the widget who
//! they are, so a returning user sees their conversations on any device.
//!
//! The site's backend signs a standard JWT (HS256) with the tenant's
//! `widget.tenants.<id>.identity_secret` and puts it in the page
//! (`data-identity="…"`). Any JWT library makes one; we verify it here with the HMAC we
//! already use, accepting HS256 only (never `none`, never another algorithm: an
//! attacker must not choose how their token is checked).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// What a site says about its logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Identity {
    /// The site's own user id; never shown, only hashed into the visitor id.
    pub sub: String,
    /// Shown to experts handling the visitor's escalations.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Unix seconds.
    pub exp: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the identity token is not a JWT")]
    Malformed,
    #[error("the identity token must be signed with HS256")]
    WrongAlgorithm,
    #[error("the identity token's signature does not verify with this site's identity secret")]
    BadSignature,
    #[error("the identity token has expired")]
    Expired,
    #[error("the identity token has no `sub` (the site's user id)")]
    NoSubject,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Verifies `token` (a compact JWT) with `secret` at `now` (Unix seconds).
pub fn verify(secret: &[u8], token: &str, now: i64) -> Result<Identity, IdentityError> {
    let mut parts = token.trim().split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdentityError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| IdentityError::Malformed)
    };
    let parsed: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| IdentityError::Malformed)?;
    if parsed.alg != "HS256" {
        return Err(IdentityError::WrongAlgorithm);
    }
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).map_err(|_| IdentityError::BadSignature)?;
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(claims.as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&decode(signature)?)
        .map_err(|_| IdentityError::BadSignature)?;
    let identity: Identity =
        serde_json::from_slice(&decode(claims)?).map_err(|_| IdentityError::Malformed)?;
    if identity.sub.trim().is_empty() {
        return Err(IdentityError::NoSubject);
    }
    if identity.exp <= now {
        return Err(IdentityError::Expired);
    }
    Ok(identity)
}

/// The visitor id of an identified user: stable across devices, unlinkable to the
/// site's user id without the tenant, and distinct from anonymous ids (which are 32
/// hex digits without the `u` prefix).
pub fn visitor_id(tenant_id: &str, sub: &str) -> String {
    let digest = Sha256::digest(format!("{tenant_id}\0{sub}").as_bytes());
    format!("u{}", hex::encode(&digest[..15]))
}

/// Signs claims as the site's backend would (tests and docs examples).
pub fn sign_for_tests(secret: &[u8], claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{body}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SECRET: &[u8] = b"site-secret";

    #[test]
    fn a_token_signed_with_the_site_secret_verifies() {
        let token = sign_for_tests(
            SECRET,
            &json!({"sub": "user-42", "name": "Dana", "exp": 2_000}),
        );
        let identity = verify(SECRET, &token, 1_000).unwrap();
        assert_eq!(identity.sub, "user-42");
        assert_eq!(identity.name.as_deref(), Some("Dana"));
    }

    #[test]
    fn forged_expired_and_other_algorithms_are_refused() {
        let token = sign_for_tests(SECRET, &json!({"sub": "u", "exp": 2_000}));
        assert_eq!(
            verify(b"other", &token, 1_000),
            Err(IdentityError::BadSignature)
        );
        assert_eq!(verify(SECRET, &token, 2_000), Err(IdentityError::Expired));
        // The same claims with `alg: none` and no signature.
        let body = token.split('.').nth(1).unwrap();
        let none = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#));
        assert_eq!(
            verify(SECRET, &none, 1_000),
            Err(IdentityError::WrongAlgorithm)
        );
        assert_eq!(
            verify(SECRET, "not-a-jwt", 1_000),
            Err(IdentityError::Malformed)
        );
        let no_sub = sign_for_tests(SECRET, &json!({"sub": " ", "exp": 2_000}));
        assert_eq!(
            verify(SECRET, &no_sub, 1_000),
            Err(IdentityError::NoSubject)
        );
    }

    #[test]
    fn visitor_ids_are_stable_per_tenant_and_user() {
        assert_eq!(visitor_id("t1", "u"), visitor_id("t1", "u"));
        assert_ne!(visitor_id("t1", "u"), visitor_id("t2", "u"));
        assert_ne!(visitor_id("t1", "u"), visitor_id("t1", "v"));
        assert_eq!(visitor_id("t1", "u").len(), 31);
    }
}
