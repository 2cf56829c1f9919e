//! When a person must approve a change on top of the user.

use omnify_core::ProposedChange;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalThresholds {
    /// A budget change larger than this, in percent either way, needs an expert.
    pub max_change_pct: f64,
    /// A daily increase larger than this amount needs an expert.
    pub max_daily_increase: f64,
    /// Pausing a campaign needs an expert too.
    pub pause_needs_expert: bool,
}

impl Default for ApprovalThresholds {
    fn default() -> Self {
        Self {
            max_change_pct: 20.0,
            max_daily_increase: 500.0,
            pause_needs_expert: false,
        }
    }
}

/// Thresholds for everyone, and per tenant.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ThresholdConfig {
    pub default: ApprovalThresholds,
    pub tenants: HashMap<String, ApprovalThresholds>,
}

impl ThresholdConfig {
    pub fn for_tenant(&self, tenant_id: &str) -> &ApprovalThresholds {
        self.tenants.get(tenant_id).unwrap_or(&self.default)
    }

    /// Why an expert must approve this change, if one must.
    pub fn expert_needed(&self, tenant_id: &str, change: &ProposedChange) -> Option<String> {
        let t = self.for_tenant(tenant_id);
        if change.kind == "pause" && t.pause_needs_expert {
            return Some("pausing campaigns needs an expert's approval for this team".into());
        }
        if let Some(pct) = change.change_pct
            && pct.abs() > t.max_change_pct
        {
            return Some(format!(
                "a {pct:+.0}% change is above the {:.0}% limit",
                t.max_change_pct
            ));
        }
        if let Some(amount) = change.daily_amount_change
            && amount > t.max_daily_increase
        {
            return Some(format!(
                "a daily increase of {amount:.2} is above the {:.2} limit",
                t.max_daily_increase
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: &str, pct: Option<f64>, amount: Option<f64>) -> ProposedChange {
        ProposedChange {
            platform: "meta".into(),
            account: "a".into(),
            object_id: "1".into(),
            object_name: "c".into(),
            kind: kind.into(),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
            change_pct: pct,
            daily_amount_change: amount,
            currency: "USD".into(),
            expected_impact: String::new(),
            risks: vec![],
            alternatives: vec![],
            confidence: 0.5,
        }
    }

    #[test]
    fn changes_above_either_limit_need_an_expert() {
        let config = ThresholdConfig::default();
        assert!(
            config
                .expert_needed("t", &change("budget_change", Some(20.0), Some(100.0)))
                .is_none(),
            "20% is at the limit"
        );
        assert!(
            config
                .expert_needed("t", &change("budget_change", Some(25.0), Some(50.0)))
                .unwrap()
                .contains("25%")
        );
        assert!(
            config
                .expert_needed("t", &change("budget_change", Some(-30.0), Some(-300.0)))
                .is_some(),
            "cuts count too"
        );
        assert!(
            config
                .expert_needed("t", &change("budget_change", Some(10.0), Some(800.0)))
                .unwrap()
                .contains("800.00")
        );
        assert!(
            config
                .expert_needed("t", &change("pause", None, None))
                .is_none()
        );
    }

    #[test]
    fn tenants_can_be_stricter() {
        let mut config = ThresholdConfig::default();
        config.tenants.insert(
            "careful".into(),
            ApprovalThresholds {
                max_change_pct: 5.0,
                max_daily_increase: 50.0,
                pause_needs_expert: true,
            },
        );
        assert!(
            config
                .expert_needed("careful", &change("budget_change", Some(10.0), Some(10.0)))
                .is_some()
        );
        assert!(
            config
                .expert_needed("careful", &change("pause", None, None))
                .is_some()
        );
        assert!(
            config
                .expert_needed("other", &change("budget_change", Some(10.0), Some(10.0)))
                .is_none()
        );
    }
}
