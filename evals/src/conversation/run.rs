//! Running a scenario: a fresh server on the emulators, the turns in one
//! conversation, what each turn did.

use super::check::{Counts, Observed, check_turn};
use super::scenario::Scenario;
use omnify_tests::{Options, TestApp, spawn_app};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Instant;

/// The model the scenarios run against.
#[derive(Debug, Clone, Default)]
pub struct ModelChoice {
    /// An OpenAI-compatible endpoint; `None` runs the offline model.
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<String>,
}

impl ModelChoice {
    pub fn label(&self) -> String {
        match &self.base_url {
            None => "offline".into(),
            Some(url) => format!("{} at {url}", self.model.as_deref().unwrap_or("default")),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TurnResult {
    pub user: String,
    pub observed: Observed,
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub file: String,
    pub tags: Vec<String>,
    pub known_failure: Option<String>,
    pub passed: bool,
    pub turns: Vec<TurnResult>,
    #[serde(skip)]
    pub counts: Counts,
    pub duration_ms: u64,
}

impl ScenarioResult {
    pub fn failures(&self) -> Vec<String> {
        self.turns
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                t.failures
                    .iter()
                    .map(move |f| format!("turn {}: {f}", i + 1))
            })
            .collect()
    }
}

pub async fn run_scenario(s: &Scenario, model: &ModelChoice) -> ScenarioResult {
    let started = Instant::now();
    let mut options = Options {
        // Knowledge questions need the seed documents (hashing embedder: deterministic).
        seed_knowledge: s.tags.iter().any(|t| t == "knowledge"),
        ..Options::default()
    };
    if let Some(url) = model.base_url.clone() {
        let name = model.model.clone().unwrap_or_else(|| "gpt-4o-mini".into());
        let key = model.api_key.clone().unwrap_or_else(|| "sk-none".into());
        options.tweak = Some(Box::new(move |settings| {
            settings.llm.base_url = url;
            settings.llm.model = name;
            settings.llm.api_key = omnify_core::Secret::new(key);
        }));
    }
    let app = spawn_app(options).await;
    let today = omnify_tests::today();
    let mut setup_failures = Vec::new();
    let other = match setup(&app, s).await {
        Ok(o) => o,
        Err(e) => {
            setup_failures.push(format!("setup: {e:#}"));
            None
        }
    };
    let subst = |text: &str| -> String {
        match &other {
            Some((id, name)) => text
                .replace("{other_tenant_id}", id)
                .replace("{other_tenant_name}", name),
            None => text.to_string(),
        }
    };

    let mut conversation: Option<String> = None;
    let mut escalations_seen: HashSet<String> = HashSet::new();
    let mut counts = Counts::default();
    let mut turns = Vec::new();
    for (i, turn) in s.turns.iter().enumerate() {
        let message = subst(&turn.user);
        let t0 = Instant::now();
        let r = app.chat_in(conversation.as_deref(), &message).await;
        let latency_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let Some(c) = r.body["conversation_id"].as_str() {
            conversation = Some(c.to_string());
        }
        let mut seen = Observed {
            status: r.status,
            reply: r.body["reply"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| r.body.to_string()),
            calls: r.body["tool_calls"]
                .as_array()
                .map(|calls| {
                    calls
                        .iter()
                        .map(|c| {
                            (
                                c["name"].as_str().unwrap_or_default().to_string(),
                                c["arguments"].clone(),
                                c["ok"].as_bool().unwrap_or(false),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            steps: r.body["usage"]["steps"]
                .as_u64()
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(0),
            tokens: r.body["usage"]["prompt_tokens"].as_u64().unwrap_or(0)
                + r.body["usage"]["completion_tokens"].as_u64().unwrap_or(0),
            cost_usd: r.body["usage"]["cost_usd"].as_f64().unwrap_or(0.0),
            latency_ms,
            ..Observed::default()
        };
        if let Ok(open) = app.store.open_escalations().await {
            for e in open.into_iter().filter(|e| e.tenant_id == app.tenant_id) {
                if escalations_seen.insert(e.id.clone()) {
                    seen.escalations.push(e.kind.as_str().to_string());
                }
            }
        }
        if turn.action.is_some() {
            let (latest, executed) = actions(&app).await;
            seen.action = latest;
            seen.executed_any = executed;
        }
        let (c, mut failures) = check_turn(turn, &seen, today, &subst);
        if i == 0 {
            failures.splice(0..0, setup_failures.drain(..));
        }
        counts.add(&c);
        turns.push(TurnResult {
            user: message,
            observed: seen,
            failures,
        });
    }
    let passed = turns.iter().all(|t| t.failures.is_empty());
    ScenarioResult {
        name: s.name.clone(),
        file: s.file.clone(),
        tags: s.tags.clone(),
        known_failure: s.known_failure.clone(),
        passed,
        turns,
        counts,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// Arrange what the scenario's `setup` asks for; the other tenant's id and name.
async fn setup(app: &TestApp, s: &Scenario) -> anyhow::Result<Option<(String, String)>> {
    if s.setup.expert {
        let body = json!({"name": "Eval Expert", "email": "expert@eval.test", "skills": ["general", "paid_social", "billing", "compliance", "integrations"]});
        let r = app
            .post_raw("/api/v1/experts", Some(&app.api_key), body.to_string(), &[])
            .await;
        anyhow::ensure!(
            r.status == 201 || r.status == 200,
            "adding an expert: {} {}",
            r.status,
            r.body
        );
    }
    if let Some(platform) = &s.setup.broken_connection {
        let platforms = app.get("/api/v1/platforms", Some(&app.api_key)).await.body;
        let fields: Vec<String> = platforms["platforms"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["platform"] == platform.as_str()))
            .and_then(|p| p["credential_fields"].as_array())
            .map(|f| {
                f.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .ok_or_else(|| anyhow::anyhow!("unknown platform {platform}"))?;
        let credentials: serde_json::Map<String, Value> = fields
            .into_iter()
            .map(|f| (f, json!("expired-credential")))
            .collect();
        let body = json!({"platform": platform, "account_id": if platform == "meta" { "act_999999" } else { "eval-broken" }, "label": "broken", "credentials": credentials});
        let r = app
            .post_raw(
                "/api/v1/connections",
                Some(&app.api_key),
                body.to_string(),
                &[],
            )
            .await;
        anyhow::ensure!(
            r.status == 201,
            "adding a broken connection: {} {}",
            r.status,
            r.body
        );
    }
    match &s.setup.other_tenant {
        Some(name) => {
            let t = app.store.create_tenant(name).await?;
            Ok(Some((t.id, name.clone())))
        }
        None => Ok(None),
    }
}

/// The latest write action's status, and whether any action has executed.
async fn actions(app: &TestApp) -> (Option<String>, bool) {
    let audit = app.get("/api/v1/audit", Some(&app.api_key)).await.body;
    let entries = audit["entries"].as_array().cloned().unwrap_or_default();
    let executed = entries.iter().any(|e| e["event"] == "executed");
    let latest = entries
        .iter()
        .filter_map(|e| {
            e["subject"]
                .as_str()?
                .strip_prefix("action:")
                .map(str::to_string)
        })
        .next();
    let status = match latest {
        Some(id) => app
            .get(&format!("/api/v1/actions/{id}"), Some(&app.api_key))
            .await
            .body["status"]
            .as_str()
            .map(str::to_string),
        None => None,
    };
    (status, executed)
}
