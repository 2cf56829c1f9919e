//! Slack's request signature: `x-slack-signature` is `v0=` + hex(HMAC-SHA256(signing
//! secret, "v0:{x-slack-request-timestamp}:{raw body}")). Requests older than five
//! minutes are refused, so a captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How old a request may be, in seconds, either way.
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

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable_key(),
    };
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

#[cold]
fn unreachable_key() -> ! {
    panic!("HMAC-SHA256 takes keys of any length")
}

/// The `x-slack-signature` value for a body (what Slack sends; tests sign with it).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    format!("v0={}", hex::encode(tag))
}

/// Check a request's headers against its raw body; `now` in Unix seconds.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Invalid)?;
    if (now - sent).abs() > MAX_AGE_SECS {
        return Err(SignatureError::Stale);
    }
    let hex_tag = signature
        .strip_prefix("v0=")
        .ok_or(SignatureError::Invalid)?;
    let tag = hex::decode(hex_tag).map_err(|_| SignatureError::Invalid)?;
    // verify_slice compares in constant time.
    mac(secret, timestamp, body)
        .verify_slice(&tag)
        .map_err(|_| SignatureError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slacks_documented_example_verifies() {
        // From Slack's "Verifying requests from Slack" page.
        let secret = b"8f742231b10e8888abcd99yyyzzz85a5";
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let ts = "1531420618";
        let expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert_eq!(sign(secret, ts, body), expected);
        assert_eq!(
            verify(secret, Some(ts), Some(expected), body, 1_531_420_618 + 10),
            Ok(())
        );
    }

    #[test]
    fn forged_stale_and_missing_are_refused() {
        let secret = b"s3cret";
        let body = br#"{"type":"event_callback"}"#;
        let now = 1_700_000_000;
        let ts = now.to_string();
        let good = sign(secret, &ts, body);
        assert_eq!(verify(secret, Some(&ts), Some(&good), body, now), Ok(()));
        let forged = sign(b"other", &ts, body);
        assert_eq!(
            verify(secret, Some(&ts), Some(&forged), body, now),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(secret, Some(&ts), Some(&good), b"{}", now),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(secret, Some(&ts), Some(&good), body, now + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(secret, None, Some(&good), body, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(secret, Some(&ts), Some("v1=00"), body, now),
            Err(SignatureError::Invalid)
        );
    }
}
