//! Links to cited documents: `{base}/kb/{tenant}?doc={id}&sig={signature}#{section}`.
//!
//! A citation is only useful if the reader can open what it cites, from wherever they
//! read the answer: a Slack thread, a Discord channel, the web widget on a brand's
//! site. None of those can send our API key, so the link carries its own permission:
//! an HMAC over the tenant and the document id. It opens that one document and nothing
//! else, keeps working in old threads, and stops working when the document is
//! deleted. The section anchor is derived from the heading path, so the page can give
//! every section the same id without storing any.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::OnceLock;

/// The path the server serves document pages at.
pub const PAGE_PATH: &str = "/kb";
/// Hex characters of the signature kept in the link: 128 bits.
const SIGNATURE_HEX: usize = 32;
/// Keeps these keys apart from any other use of the same secret.
const DOMAIN: &[u8] = b"omnify document link v1";

/// Signs and checks document links.
pub struct DocumentLinks {
    keyed: Hmac<Sha256>,
    /// Where users reach this server (`https://omnify.example.com`). Set once: from
    /// `server.public_url`, or from the bound address when that is empty. Until it is
    /// known, results carry no links rather than links that lead nowhere.
    base: OnceLock<String>,
}

impl DocumentLinks {
    /// `secret` must not be empty; the link key is derived from it.
    pub fn new(secret: &[u8]) -> Option<Self> {
        if secret.is_empty() {
            return None;
        }
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(secret).ok()?;
        derive.update(DOMAIN);
        let key = derive.finalize().into_bytes();
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(&key).ok()?;
        Some(Self {
            keyed,
            base: OnceLock::new(),
        })
    }

    /// Sets where links point (a trailing `/` is dropped). Only the first call counts:
    /// a link already handed out must keep pointing at the same place.
    pub fn set_base(&self, base: &str) {
        let _ = self.base.set(base.trim_end_matches('/').to_owned());
    }

    pub fn base(&self) -> Option<&str> {
        self.base.get().map(String::as_str)
    }

    fn signature(&self, tenant: &str, document_id: &str) -> String {
        let mut mac = self.keyed.clone();
        // Lengths first, so ("ab", "c") and ("a", "bc") never sign alike.
        mac.update(&(tenant.len() as u64).to_be_bytes());
        mac.update(tenant.as_bytes());
        mac.update(document_id.as_bytes());
        let mut hex = hex::encode(mac.finalize().into_bytes());
        hex.truncate(SIGNATURE_HEX);
        hex
    }

    /// The link to `section` (its heading path) of a document, or `None` while the
    /// server's address is unknown.
    pub fn url(&self, tenant: &str, document_id: &str, section: &[String]) -> Option<String> {
        let base = self.base()?;
        let mut url = format!(
            "{base}{PAGE_PATH}/{}?doc={}&sig={}",
            encode(tenant),
            encode(document_id),
            self.signature(tenant, document_id)
        );
        let anchor = section_anchor(section);
        if !anchor.is_empty() {
            url.push('#');
            url.push_str(&anchor);
        }
        Some(url)
    }

    /// Whether `signature` is the one `url` gave for this tenant and document.
    pub fn verify(&self, tenant: &str, document_id: &str, signature: &str) -> bool {
        let expected = self.signature(tenant, document_id);
        // Constant time: the signature is a secret the caller is guessing at.
        expected.len() == signature.len()
            && expected
                .bytes()
                .zip(signature.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// The id a section's heading path gets on the document page: the deepest heading,
/// lower-cased, letters and digits kept, everything else one `-`. Empty for text
/// before the first heading.
pub fn section_anchor(section: &[String]) -> String {
    let Some(heading) = section.last() else {
        return String::new();
    };
    let mut anchor = String::with_capacity(heading.len());
    for c in heading.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            anchor.push(c);
        } else if !anchor.is_empty() && !anchor.ends_with('-') {
            anchor.push('-');
        }
    }
    anchor.trim_end_matches('-').to_owned()
}

/// Percent-encodes everything but unreserved characters and `/`, so ids with spaces,
/// parentheses or `&` survive Markdown and Slack link syntax.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> DocumentLinks {
        let links = DocumentLinks::new(b"test secret").unwrap();
        links.set_base("https://omnify.example.com/");
        links
    }

    #[test]
    fn a_link_names_the_tenant_document_signature_and_section() {
        let url = links()
            .url(
                "t1",
                "playbooks/creative fatigue (2026).md",
                &["Creative fatigue".into(), "Refresh cadence: TikTok".into()],
            )
            .unwrap();
        let (path, anchor) = url.split_once('#').unwrap();
        assert_eq!(anchor, "refresh-cadence-tiktok");
        assert!(
            path.starts_with(
                "https://omnify.example.com/kb/t1?doc=playbooks/creative%20fatigue%20%282026%29.md&sig="
            ),
            "{path}"
        );
        assert!(!url.contains(' ') && !url.contains('(') && !url.contains(')'));
    }

    #[test]
    fn signatures_verify_only_for_their_own_tenant_and_document() {
        let links = links();
        let sig = links.signature("t1", "a.md");
        assert_eq!(sig.len(), SIGNATURE_HEX);
        assert!(links.verify("t1", "a.md", &sig));
        assert!(!links.verify("t2", "a.md", &sig));
        assert!(!links.verify("t1", "b.md", &sig));
        assert!(!links.verify("t1", "a.md", &sig[..SIGNATURE_HEX - 1]));
        assert!(!links.verify("t1", "a.md", ""));
        // Splitting the same bytes differently between tenant and id is another link.
        assert_ne!(links.signature("ab", "c"), links.signature("a", "bc"));
        // Another secret signs differently.
        let other = DocumentLinks::new(b"another secret").unwrap();
        assert!(!other.verify("t1", "a.md", &sig));
    }

    #[test]
    fn no_base_no_link_and_the_first_base_stays() {
        let links = DocumentLinks::new(b"k").unwrap();
        assert_eq!(links.url("t", "d.md", &[]), None);
        links.set_base("http://127.0.0.1:8080");
        links.set_base("http://elsewhere");
        let url = links.url("t", "d.md", &[]).unwrap();
        assert!(url.starts_with("http://127.0.0.1:8080/kb/t?doc=d.md&sig="));
        assert!(!url.contains('#'), "text before any heading has no anchor");
        assert!(DocumentLinks::new(b"").is_none());
    }

    #[test]
    fn anchors_are_stable_slugs_of_the_deepest_heading() {
        let anchor =
            |p: &[&str]| section_anchor(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(anchor(&[]), "");
        assert_eq!(anchor(&["Guide", "What is ROAS?"]), "what-is-roas");
        assert_eq!(anchor(&["  Budget -- pacing  "]), "budget-pacing");
        assert_eq!(anchor(&["Créa & Tests"]), "créa-tests");
    }
}
