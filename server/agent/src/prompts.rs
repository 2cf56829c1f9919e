//! Prompt templates. They are data in `prompts/` (reviewed like code, snapshot-tested),
//! compiled into the binary so a deployment cannot run with a mismatched prompt.

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

const SYSTEM: &str = include_str!("../../../prompts/system.md.j2");

/// What the model is told about the team it works for.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TenantFacts {
    pub name: String,
    pub currency: String,
    pub connected_platforms: Vec<String>,
    /// Decisions experts left in this conversation, which the bot must follow.
    pub notes: Vec<String>,
}

pub struct Prompts {
    env: Environment<'static>,
}

impl Prompts {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.add_template("system", SYSTEM)?;
        Ok(Self { env })
    }

    pub fn system(
        &self,
        tenant: &TenantFacts,
        today: chrono::NaiveDate,
        tools: &[String],
    ) -> Result<String, minijinja::Error> {
        let weekday = today.format("%A").to_string();
        self.env.get_template("system")?.render(context! {
            tenant => Value::from(Serde(tenant)),
            today => today.to_string(),
            weekday,
            tools => Value::from(Serde(tools)),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn system_prompt_snapshot() {
        let facts = TenantFacts {
            name: "Northwind Apparel".into(),
            currency: "USD".into(),
            connected_platforms: vec!["meta".into(), "shopify".into()],
            notes: vec!["Keep Meta retargeting budget flat until December.".into()],
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let tools =
            vec!["get_marketing_performance: spend, revenue and ROAS by platform".to_string()];
        insta::assert_snapshot!(
            Prompts::new()
                .unwrap()
                .system(&facts, today, &tools)
                .unwrap()
        );
    }

    #[test]
    fn a_tenant_without_connections_is_told_to_connect() {
        let facts = TenantFacts {
            name: "New Co".into(),
            currency: "EUR".into(),
            ..Default::default()
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let text = Prompts::new().unwrap().system(&facts, today, &[]).unwrap();
        assert!(text.contains("No platforms are connected yet"));
        assert!(text.contains("Report money in EUR"));
        assert!(!text.contains("Notes from the team's experts"));
    }
}
