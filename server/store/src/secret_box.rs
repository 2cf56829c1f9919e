//! Encryption at rest for credentials: AES-256-GCM with a random 96-bit nonce per
//! value, under a named key, so keys can be rotated.
//!
//! A sealed value reads `v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`. The first
//! configured key seals; every configured key opens, so after adding a new key first,
//! old values still open and `omnify secrets rotate` re-seals them under the new one.
//! The additional authenticated data binds a value to its row (tenant and platform), so
//! a ciphertext copied onto another tenant's row does not open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use omnify_core::Secret;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretBoxError {
    #[error("encryption key {0:?} must be 32 bytes, base64-encoded")]
    BadKey(String),
    #[error("no encryption key configured")]
    NoKey,
    #[error("value was sealed with key {0:?}, which is not configured")]
    UnknownKey(String),
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value does not open: wrong key, or it was tampered with or moved")]
    Tampered,
    #[error("could not encrypt")]
    Crypto,
}

pub struct SecretBox {
    /// The first key seals; all open.
    keys: Vec<(String, LessSafeKey)>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("SecretBox").field("key_ids", &ids).finish()
    }
}

impl SecretBox {
    /// Keys as `(id, base64 of 32 bytes)`, the sealing key first.
    pub fn new(keys: &[(String, Secret)]) -> Result<Self, SecretBoxError> {
        if keys.is_empty() {
            return Err(SecretBoxError::NoKey);
        }
        let keys = keys
            .iter()
            .map(|(id, material)| {
                let bytes = STANDARD
                    .decode(material.expose().trim())
                    .map_err(|_| SecretBoxError::BadKey(id.clone()))?;
                if bytes.len() != 32 || id.is_empty() || id.contains(':') {
                    return Err(SecretBoxError::BadKey(id.clone()));
                }
                let key = UnboundKey::new(&AES_256_GCM, &bytes)
                    .map_err(|_| SecretBoxError::BadKey(id.clone()))?;
                Ok((id.clone(), LessSafeKey::new(key)))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { keys })
    }

    /// A fresh random key, base64-encoded, for `omnify secrets new-key` and first start.
    pub fn generate_key() -> Result<Secret, SecretBoxError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SecretBoxError::Crypto)?;
        Ok(Secret::new(STANDARD.encode(bytes)))
    }

    pub fn current_key_id(&self) -> &str {
        self.keys
            .first()
            .map(|(id, _)| id.as_str())
            .unwrap_or_default()
    }

    pub fn seal(&self, plaintext: &Secret, context: &str) -> Result<String, SecretBoxError> {
        let (id, key) = self.keys.first().ok_or(SecretBoxError::NoKey)?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SecretBoxError::Crypto)?;
        let mut data = plaintext.expose().as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut data,
        )
        .map_err(|_| SecretBoxError::Crypto)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("v1:{id}:{}", STANDARD.encode(out)))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Secret, SecretBoxError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SecretBoxError::Malformed);
        };
        let key = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, key)| key)
            .ok_or_else(|| SecretBoxError::UnknownKey(id.to_string()))?;
        let raw = STANDARD
            .decode(body)
            .map_err(|_| SecretBoxError::Malformed)?;
        if raw.len() < NONCE_LEN {
            return Err(SecretBoxError::Malformed);
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretBoxError::Malformed)?;
        let mut data = ciphertext.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| SecretBoxError::Tampered)?;
        String::from_utf8(plain.to_vec())
            .map(Secret::new)
            .map_err(|_| SecretBoxError::Malformed)
    }

    /// The key id a sealed value was sealed under.
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        sealed
            .strip_prefix("v1:")
            .and_then(|rest| rest.split(':').next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(ids: &[&str]) -> Vec<(String, Secret)> {
        ids.iter()
            .map(|id| (id.to_string(), SecretBox::generate_key().unwrap()))
            .collect()
    }

    #[test]
    fn a_sealed_value_opens_only_in_its_context() {
        let b = SecretBox::new(&keyed(&["k1"])).unwrap();
        let sealed = b
            .seal(&Secret::new("shpat_123"), "tenant-a/shopify")
            .unwrap();
        assert!(sealed.starts_with("v1:k1:"));
        assert!(!sealed.contains("shpat_123"));
        assert_eq!(
            b.open(&sealed, "tenant-a/shopify").unwrap().expose(),
            "shpat_123"
        );
        assert_eq!(
            b.open(&sealed, "tenant-b/shopify").unwrap_err(),
            SecretBoxError::Tampered
        );
        let a = b.seal(&Secret::new("same"), "c").unwrap();
        let c = b.seal(&Secret::new("same"), "c").unwrap();
        assert_ne!(a, c, "nonces are random");
    }

    #[test]
    fn tampering_is_detected() {
        let b = SecretBox::new(&keyed(&["k1"])).unwrap();
        let sealed = b.seal(&Secret::new("token"), "ctx").unwrap();
        let mut bytes = STANDARD.decode(sealed.rsplit(':').next().unwrap()).unwrap();
        bytes[NONCE_LEN] ^= 1;
        let forged = format!("v1:k1:{}", STANDARD.encode(bytes));
        assert_eq!(
            b.open(&forged, "ctx").unwrap_err(),
            SecretBoxError::Tampered
        );
        assert_eq!(
            b.open("v1:k1:!!", "ctx").unwrap_err(),
            SecretBoxError::Malformed
        );
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_seals_with_the_new_key() {
        let old = keyed(&["k1"]);
        let sealed_old = SecretBox::new(&old)
            .unwrap()
            .seal(&Secret::new("v"), "ctx")
            .unwrap();
        let mut rotated = keyed(&["k2"]);
        rotated.extend(old);
        let b = SecretBox::new(&rotated).unwrap();
        assert_eq!(b.open(&sealed_old, "ctx").unwrap().expose(), "v");
        assert_eq!(
            SecretBox::key_id_of(&b.seal(&Secret::new("v"), "ctx").unwrap()),
            Some("k2")
        );
        let only_new = SecretBox::new(&rotated[..1]).unwrap();
        assert_eq!(
            only_new.open(&sealed_old, "ctx").unwrap_err(),
            SecretBoxError::UnknownKey("k1".into())
        );
    }

    #[test]
    fn bad_keys_are_refused_by_name() {
        let err = SecretBox::new(&[("prod".into(), Secret::new("c2hvcnQ="))]).unwrap_err();
        assert_eq!(err, SecretBoxError::BadKey("prod".into()));
        assert!(
            !format!("{:?}", SecretBox::new(&keyed(&["k1"])).unwrap()).contains('='),
            "Debug shows ids only"
        );
    }
}
