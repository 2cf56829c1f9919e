//! Choosing the expert for an escalation, and saying why.

use omnify_core::{Expert, InterventionKind};
use std::collections::HashMap;

/// The skill an escalation needs, from its kind and what the conversation is about.
pub fn skill_for(kind: InterventionKind, topic: &str) -> &'static str {
    match kind {
        InterventionKind::CompliancePrivacy => return "compliance",
        InterventionKind::BillingAccount => return "billing",
        InterventionKind::IntegrationFailure => return "integrations",
        _ => {}
    }
    let t = topic.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["klaviyo", "email", "e-mail", "sms", "flow", "newsletter"]) {
        "email_sms"
    } else if has(&["hubspot", "gohighlevel", "crm", "deal", "pipeline", "lead"]) {
        "crm"
    } else if has(&["google", "search", "youtube", "keyword"]) {
        "search"
    } else if has(&[
        "meta",
        "facebook",
        "instagram",
        "tiktok",
        "linkedin",
        "creative",
        "ad ",
        "ads",
        "campaign",
        "budget",
    ]) {
        "paid_social"
    } else if has(&[
        "ltv",
        "churn",
        "forecast",
        "anomal",
        "attribution",
        "roas",
        "report",
    ]) {
        "analytics"
    } else {
        "general"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDecision {
    pub expert_id: Option<String>,
    /// Why this expert, or why nobody: logged with the escalation.
    pub reason: String,
}

/// Pick an expert who serves the tenant, is available and working now, and has room:
/// by skill first, then by lowest load. `exclude` holds experts already tried.
pub fn route(
    experts: &[Expert],
    loads: &HashMap<String, i64>,
    tenant_id: &str,
    skill: &str,
    now: chrono::DateTime<chrono::Utc>,
    exclude: &[String],
) -> RouteDecision {
    let load = |e: &Expert| loads.get(&e.id).copied().unwrap_or(0);
    let mut eligible: Vec<&Expert> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for e in experts {
        let why_not = if exclude.contains(&e.id) {
            Some("already tried")
        } else if !e.serves(tenant_id) {
            Some("does not serve this tenant")
        } else if e.status != "available" {
            Some("not available")
        } else if !e.is_working(now) {
            Some("outside working hours")
        } else if load(e) >= e.capacity {
            Some("at capacity")
        } else {
            None
        };
        match why_not {
            Some(why) => skipped.push(format!("{} {why}", e.name)),
            None => eligible.push(e),
        }
    }
    let skilled: Vec<&Expert> = eligible
        .iter()
        .copied()
        .filter(|e| e.skills.iter().any(|s| s == skill))
        .collect();
    let (pool, matched) = if skilled.is_empty() {
        (eligible, false)
    } else {
        (skilled, true)
    };
    let Some(best) = pool.into_iter().min_by_key(|e| (load(e), e.id.clone())) else {
        let detail = if skipped.is_empty() {
            "no experts exist".to_string()
        } else {
            skipped.join("; ")
        };
        return RouteDecision {
            expert_id: None,
            reason: format!("nobody can take it now ({detail}); left in the queue"),
        };
    };
    let fit = if matched {
        format!("has skill {skill}")
    } else {
        format!("nobody available has skill {skill}")
    };
    RouteDecision {
        expert_id: Some(best.id.clone()),
        reason: format!(
            "routed to {}: {fit}, lowest load ({} open)",
            best.name,
            load(best)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn expert(id: &str, skills: &[&str]) -> Expert {
        Expert {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@x"),
            skills: skills.iter().map(|s| s.to_string()).collect(),
            tenants: vec!["*".into()],
            utc_offset_minutes: 0,
            work_start_hour: 0,
            work_end_hour: 24,
            capacity: 3,
            status: "available".into(),
            slack_user_id: None,
        }
    }

    fn noon() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .unwrap()
    }

    #[test]
    fn skill_first_then_lowest_load() {
        let experts = vec![
            expert("ana", &["paid_social"]),
            expert("bo", &["paid_social"]),
            expert("cy", &["crm"]),
        ];
        let loads = HashMap::from([("ana".to_string(), 2), ("bo".to_string(), 1)]);
        let d = route(&experts, &loads, "t", "paid_social", noon(), &[]);
        assert_eq!(d.expert_id.as_deref(), Some("bo"));
        assert!(d.reason.contains("has skill paid_social"), "{}", d.reason);
        let d = route(&experts, &loads, "t", "crm", noon(), &[]);
        assert_eq!(d.expert_id.as_deref(), Some("cy"));
        // Nobody with the skill: the least loaded available expert, said so.
        let d = route(&experts, &loads, "t", "compliance", noon(), &[]);
        assert_eq!(d.expert_id.as_deref(), Some("cy"));
        assert!(d.reason.contains("nobody available has skill compliance"));
    }

    #[test]
    fn capacity_status_hours_tenant_and_exclusions_are_respected() {
        let mut full = expert("full", &["crm"]);
        full.capacity = 1;
        let mut away = expert("away", &["crm"]);
        away.status = "away".into();
        let mut asleep = expert("asleep", &["crm"]);
        (asleep.work_start_hour, asleep.work_end_hour) = (9, 17);
        asleep.utc_offset_minutes = -10 * 60; // 02:00 local at noon UTC
        let mut other = expert("other", &["crm"]);
        other.tenants = vec!["someone-else".into()];
        let tried = expert("tried", &["crm"]);
        let loads = HashMap::from([("full".to_string(), 1)]);
        let d = route(
            &[full, away, asleep, other, tried],
            &loads,
            "t",
            "crm",
            noon(),
            &["tried".into()],
        );
        assert_eq!(d.expert_id, None);
        for why in [
            "at capacity",
            "not available",
            "outside working hours",
            "does not serve this tenant",
            "already tried",
        ] {
            assert!(d.reason.contains(why), "{why}: {}", d.reason);
        }
    }

    #[test]
    fn overnight_shifts_and_topics() {
        let mut night = expert("night", &[]);
        (night.work_start_hour, night.work_end_hour) = (22, 6);
        assert!(
            night.is_working(
                chrono::Utc
                    .with_ymd_and_hms(2026, 11, 25, 23, 0, 0)
                    .unwrap()
            )
        );
        assert!(!night.is_working(noon()));
        assert_eq!(
            skill_for(InterventionKind::HumanRequested, "our Klaviyo flows"),
            "email_sms"
        );
        assert_eq!(
            skill_for(InterventionKind::HumanRequested, "TikTok creatives"),
            "paid_social"
        );
        assert_eq!(
            skill_for(InterventionKind::CompliancePrivacy, "TikTok"),
            "compliance"
        );
    }
}
