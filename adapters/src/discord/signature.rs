//! Discord's interaction signature: `X-Signature-Ed25519` is the hex Ed25519 signature,
//! by the application's key, of `X-Signature-Timestamp` followed by the raw body. The
//! check itself is serenity's `Verifier`; on top of it, requests whose timestamp is more
//! than five minutes off are refused, so a captured request cannot be replayed later.

use ed25519_dalek::{Signer, SigningKey};
use serenity::interactions_endpoint::Verifier;

/// How old (or early) a request may be, in seconds.
pub const MAX_AGE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed")]
    Missing,
    #[error("the request timestamp is too old or in the future")]
    Stale,
    #[error("the request signature does not match")]
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the Discord public key must be the 64 hex digits shown as \"Public Key\" on the application's General Information page: {0}"
)]
pub struct BadPublicKey(String);

/// Checks requests against the application's public key.
#[derive(Clone)]
pub struct InteractionVerifier {
    verifier: Verifier,
}

impl std::fmt::Debug for InteractionVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InteractionVerifier")
    }
}

impl InteractionVerifier {
    /// `public_key` as Discord shows it (hex).
    pub fn new(public_key: &str) -> Result<Self, BadPublicKey> {
        let bytes = hex::decode(public_key.trim()).map_err(|e| BadPublicKey(e.to_string()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| BadPublicKey(format!("{} bytes, not 32", b.len())))?;
        // serenity's `Verifier::new` panics on a bad key; `try_new` reports it.
        let verifier = Verifier::try_new(key).map_err(|e| BadPublicKey(e.to_string()))?;
        Ok(Self { verifier })
    }

    /// Check a request's headers against its raw body; `now` in Unix seconds.
    pub fn verify(
        &self,
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
            return Err(SignatureError::Missing);
        };
        self.verifier
            .verify(signature.trim(), timestamp, body)
            .map_err(|()| SignatureError::Invalid)?;
        // Checked after the signature, so a forged request learns nothing about the clock.
        let sent: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::Invalid)?;
        if (now - sent).abs() > MAX_AGE_SECS {
            return Err(SignatureError::Stale);
        }
        Ok(())
    }
}

/// The `X-Signature-Ed25519` value Discord would send for a body, signed with the
/// application's private key (tests and local tooling sign with it).
pub fn sign(private_key: &[u8; 32], timestamp: &str, body: &[u8]) -> String {
    let key = SigningKey::from_bytes(private_key);
    let message = [timestamp.as_bytes(), body].concat();
    hex::encode(key.sign(&message).to_bytes())
}

/// The public key (hex) that goes with a private key.
pub fn public_key_hex(private_key: &[u8; 32]) -> String {
    hex::encode(
        SigningKey::from_bytes(private_key)
            .verifying_key()
            .to_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVATE: [u8; 32] = [7; 32];

    #[test]
    fn signed_requests_verify_and_forged_stale_missing_do_not() {
        let verifier = InteractionVerifier::new(&public_key_hex(&PRIVATE)).unwrap();
        let body = br#"{"type":1}"#;
        let now = 1_700_000_000;
        let ts = now.to_string();
        let good = sign(&PRIVATE, &ts, body);
        assert_eq!(verifier.verify(Some(&good), Some(&ts), body, now), Ok(()));

        let forged = sign(&[8; 32], &ts, body);
        assert_eq!(
            verifier.verify(Some(&forged), Some(&ts), body, now),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verifier.verify(Some(&good), Some(&ts), br#"{"type":2}"#, now),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verifier.verify(Some(&good), Some("1700000001"), body, now),
            Err(SignatureError::Invalid),
            "the timestamp is part of what is signed"
        );
        assert_eq!(
            verifier.verify(Some("zz"), Some(&ts), body, now),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verifier.verify(Some(&good), Some(&ts), body, now + MAX_AGE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verifier.verify(None, Some(&ts), body, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verifier.verify(Some(&good), None, body, now),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn bad_public_keys_are_explained() {
        assert!(InteractionVerifier::new("abc").is_err());
        assert!(InteractionVerifier::new(&"ab".repeat(31)).is_err());
        let e = InteractionVerifier::new("not hex").unwrap_err();
        assert!(e.to_string().contains("64 hex digits"), "{e}");
    }
}
