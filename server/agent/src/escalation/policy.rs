//! Rules that hand a conversation to a person without waiting for the model to ask.
//!
//! Before a turn, the user's words can call for a person (they asked for one, it is a
//! privacy or legal matter, a billing question, or they are clearly frustrated). After
//! a turn, what happened can (the tools kept failing, a connection is broken). Each
//! rule is a kind of intervention and can be switched off per tenant.

use omnify_core::{InterventionKind, ToolCallRecord, Urgency};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// What a rule decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub kind: InterventionKind,
    pub reason: String,
    pub urgency: Urgency,
}

/// Which rules run, globally and per tenant.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyConfig {
    /// Kinds switched off for everyone.
    pub disabled: Vec<InterventionKind>,
    /// Kinds switched off per tenant id.
    pub tenants: HashMap<String, TenantPolicy>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantPolicy {
    pub disabled: Vec<InterventionKind>,
}

impl PolicyConfig {
    fn enabled(&self, tenant_id: &str, kind: InterventionKind) -> bool {
        !self.disabled.contains(&kind)
            && !self
                .tenants
                .get(tenant_id)
                .is_some_and(|t| t.disabled.contains(&kind))
    }
}

/// Ways people ask for a person. Phrases, not words: "human-centric ads" is not a request.
const HUMAN_PHRASES: &[&str] = &[
    "talk to a human",
    "speak to a human",
    "talk to a person",
    "speak to a person",
    "real person",
    "real human",
    "a human please",
    "human please",
    "human agent",
    "live agent",
    "talk to someone",
    "speak to someone",
    "speak with someone",
    "talk with someone",
    "talk to an expert",
    "speak to an expert",
    "talk to a specialist",
    "get me a person",
    "get me a human",
    "connect me to",
    "transfer me",
    "can i talk to",
    "can i speak to",
    "i want a person",
    "i want a human",
    "i need a human",
    "i need a person",
    "escalate this",
    "your manager",
    "account manager",
];

const COMPLIANCE_PHRASES: &[&str] = &[
    "gdpr",
    "ccpa",
    "delete my data",
    "delete all my data",
    "delete our data",
    "erase my data",
    "right to be forgotten",
    "data subject",
    "subject access request",
    "privacy request",
    "personal data",
    "opt out of sale",
    "do not sell",
    "lawsuit",
    "legal action",
    "our lawyer",
    "attorney",
    "subpoena",
    "data breach",
    "dpa ",
    "data processing agreement",
    "hipaa",
    "coppa",
];

const BILLING_PHRASES: &[&str] = &[
    "my invoice",
    "our invoice",
    "billing question",
    "billing issue",
    "my billing",
    "charged twice",
    "double charged",
    "refund my",
    "cancel my subscription",
    "cancel our subscription",
    "cancel my plan",
    "change my plan",
    "upgrade my plan",
    "downgrade",
    "payment failed",
    "credit card on file",
    "update my card",
    "omnify subscription",
    "omnify plan",
    "close my account",
    "delete my account",
];

const FRUSTRATION_PHRASES: &[&str] = &[
    "this is useless",
    "you're useless",
    "you are useless",
    "this is ridiculous",
    "not helpful",
    "stop wasting",
    "waste of time",
    "wtf",
    "are you even listening",
    "i already told you",
    "that's wrong again",
    "wrong again",
    "still wrong",
    "frustrating",
    "so annoying",
    "terrible bot",
];

fn contains_any(text: &str, phrases: &[&'static str]) -> Option<&'static str> {
    let lower = text.to_lowercase();
    phrases.iter().copied().find(|p| lower.contains(p))
}

/// Words that say nothing about what is being asked.
const STOPWORDS: &[&str] = &[
    "the", "was", "were", "our", "for", "what", "how", "did", "does", "and", "please", "are",
    "you", "can", "with", "this", "that", "from", "show", "tell", "give", "about", "is", "again",
];

fn words(text: &str) -> HashSet<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2 && !STOPWORDS.contains(w))
        .map(str::to_string)
        .collect()
}

/// Jaccard similarity of two messages' words: a rephrasing shares most of its words.
fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / a.union(&b).count() as f64
}

/// Rules on the user's message and their earlier messages (oldest first).
pub fn before_turn(
    config: &PolicyConfig,
    tenant_id: &str,
    message: &str,
    earlier: &[String],
) -> Option<Trigger> {
    let on = |k| config.enabled(tenant_id, k);
    if on(InterventionKind::HumanRequested)
        && let Some(p) = contains_any(message, HUMAN_PHRASES)
    {
        return Some(Trigger {
            kind: InterventionKind::HumanRequested,
            reason: format!("the user asked for a person (\"{p}\")"),
            urgency: Urgency::High,
        });
    }
    if on(InterventionKind::CompliancePrivacy)
        && let Some(p) = contains_any(message, COMPLIANCE_PHRASES)
    {
        return Some(Trigger {
            kind: InterventionKind::CompliancePrivacy,
            reason: format!("a privacy or legal matter (\"{}\")", p.trim()),
            urgency: Urgency::High,
        });
    }
    if on(InterventionKind::BillingAccount)
        && let Some(p) = contains_any(message, BILLING_PHRASES)
    {
        return Some(Trigger {
            kind: InterventionKind::BillingAccount,
            reason: format!("a billing or account question (\"{p}\")"),
            urgency: Urgency::Normal,
        });
    }
    if on(InterventionKind::Frustration) {
        if let Some(p) = contains_any(message, FRUSTRATION_PHRASES) {
            return Some(Trigger {
                kind: InterventionKind::Frustration,
                reason: format!("the user sounds frustrated (\"{p}\")"),
                urgency: Urgency::High,
            });
        }
        // Asking the same thing a third time means the answers are not landing.
        let rephrased = earlier
            .iter()
            .rev()
            .take(2)
            .filter(|e| similarity(e, message) >= 0.6)
            .count();
        if rephrased >= 2 {
            return Some(Trigger {
                kind: InterventionKind::Frustration,
                reason: "the user has asked the same question three times".into(),
                urgency: Urgency::High,
            });
        }
    }
    None
}

/// Phrases with which a model admits it has no answer.
const CANNOT_PHRASES: &[&str] = &[
    "i can't answer",
    "i cannot answer",
    "i don't know",
    "i do not know",
    "i'm not able to",
    "i am not able to",
    "i couldn't find",
    "i could not find",
];

/// Rules on what the turn did: its tool calls and its reply.
pub fn after_turn(
    config: &PolicyConfig,
    tenant_id: &str,
    calls: &[ToolCallRecord],
    reply: &str,
) -> Option<Trigger> {
    let on = |k| config.enabled(tenant_id, k);
    let failed: Vec<&ToolCallRecord> = calls.iter().filter(|c| !c.ok).collect();
    if on(InterventionKind::IntegrationFailure)
        && let Some(broken) = failed.iter().find(|c| {
            let s = c.result_summary.to_lowercase();
            s.contains("reconnect")
                || s.contains("expired")
                || s.contains("not connected")
                || s.contains("revoked")
        })
    {
        return Some(Trigger {
            kind: InterventionKind::IntegrationFailure,
            reason: format!("{} failed: {}", broken.name, broken.result_summary),
            urgency: Urgency::Normal,
        });
    }
    if on(InterventionKind::LowConfidence) {
        if !calls.is_empty() && failed.len() == calls.len() && failed.len() >= 2 {
            return Some(Trigger {
                kind: InterventionKind::LowConfidence,
                reason: format!("all {} tool calls failed", failed.len()),
                urgency: Urgency::Normal,
            });
        }
        if let Some(p) = contains_any(reply, CANNOT_PHRASES) {
            return Some(Trigger {
                kind: InterventionKind::LowConfidence,
                reason: format!("the answer was not grounded (\"{p}\")"),
                urgency: Urgency::Normal,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_before(message: &str) -> Option<InterventionKind> {
        before_turn(&PolicyConfig::default(), "t", message, &[]).map(|t| t.kind)
    }

    #[test]
    fn each_pre_turn_kind_fires_on_its_phrasings() {
        use InterventionKind::*;
        for m in [
            "Can I talk to a human?",
            "I want a real person please",
            "get me a human",
            "please connect me to your team",
            "transfer me to support",
        ] {
            assert_eq!(kind_before(m), Some(HumanRequested), "{m}");
        }
        for m in [
            "We got a GDPR deletion request",
            "a customer wants us to delete my data, how?",
            "is this a CCPA issue?",
            "their attorney emailed us",
        ] {
            assert_eq!(kind_before(m), Some(CompliancePrivacy), "{m}");
        }
        for m in [
            "I was charged twice this month",
            "question about my invoice",
            "I'd like to cancel my subscription",
        ] {
            assert_eq!(kind_before(m), Some(BillingAccount), "{m}");
        }
        for m in ["this is useless", "wrong again!!", "are you even listening"] {
            assert_eq!(kind_before(m), Some(Frustration), "{m}");
        }
    }

    #[test]
    fn ordinary_marketing_questions_do_not_escalate() {
        for m in [
            "how did Meta do last week?",
            "do human-centric creatives perform better?",
            "which persona converts best?",
            "what's a good person-to-person referral offer?",
            "compare Google against TikTok for Q3",
            "raise the budget of Prospecting by 10%",
            "how is our email billing reminder flow doing?",
            "show real revenue, not attributed",
            "how are our customer support emails performing in Klaviyo?",
            "how did our billing-themed Meta ads do last week?",
        ] {
            assert_eq!(kind_before(m), None, "{m}");
        }
    }

    #[test]
    fn the_third_rephrasing_is_frustration() {
        let earlier = vec![
            "what was our ROAS on meta last week".to_string(),
            "meta ROAS last week please".to_string(),
        ];
        let t = before_turn(
            &PolicyConfig::default(),
            "t",
            "what is the meta ROAS for last week",
            &earlier,
        );
        assert_eq!(t.map(|t| t.kind), Some(InterventionKind::Frustration));
        let t = before_turn(&PolicyConfig::default(), "t", "and for TikTok?", &earlier);
        assert_eq!(t, None);
    }

    #[test]
    fn rules_can_be_switched_off_per_tenant() {
        let mut config = PolicyConfig::default();
        config.tenants.insert(
            "quiet".into(),
            TenantPolicy {
                disabled: vec![InterventionKind::Frustration],
            },
        );
        assert!(before_turn(&config, "quiet", "this is useless", &[]).is_none());
        assert!(before_turn(&config, "other", "this is useless", &[]).is_some());
    }

    fn call(ok: bool, summary: &str) -> ToolCallRecord {
        ToolCallRecord {
            conversation_id: "c".into(),
            message_id: "m".into(),
            call_id: "1".into(),
            name: "get_marketing_performance".into(),
            arguments: "{}".into(),
            duration_ms: 1,
            ok,
            result_summary: summary.into(),
        }
    }

    #[test]
    fn after_turn_rules() {
        let c = PolicyConfig::default();
        let broken = after_turn(
            &c,
            "t",
            &[call(false, "Meta Ads token expired: reconnect Meta Ads")],
            "sorry",
        );
        assert_eq!(
            broken.map(|t| t.kind),
            Some(InterventionKind::IntegrationFailure)
        );
        let failing = after_turn(
            &c,
            "t",
            &[call(false, "timed out"), call(false, "timed out")],
            "sorry",
        );
        assert_eq!(
            failing.map(|t| t.kind),
            Some(InterventionKind::LowConfidence)
        );
        let unsure = after_turn(&c, "t", &[], "I don't know which campaign you mean.");
        assert_eq!(
            unsure.map(|t| t.kind),
            Some(InterventionKind::LowConfidence)
        );
        assert_eq!(
            after_turn(
                &c,
                "t",
                &[call(true, "spend $10"), call(false, "timed out")],
                "Spend was $10."
            ),
            None
        );
    }
}
