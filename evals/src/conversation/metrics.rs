//! Aggregates over a run, the baseline file and the gate's comparison.

use super::check::Counts;
use super::run::ScenarioResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Quality metrics (ratios in 0..=1, gated) and cost/speed figures (reported).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub model: String,
    pub scenarios: usize,
    pub passed: usize,
    pub known_failures: usize,
    /// Ratios in 0..=1; each is gated against the baseline.
    pub metrics: BTreeMap<String, f64>,
    /// Steps, tokens, cost, latency: reported, not gated.
    pub stats: BTreeMap<String, f64>,
}

pub fn summarize(model: &str, results: &[ScenarioResult]) -> Summary {
    let mut all = Counts::default();
    for r in results {
        all.add(&r.counts);
    }
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: Option<f64>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    let passed = results.iter().filter(|r| r.passed).count();
    put("scenario_pass_rate", ratio(passed, results.len()));
    put("tool_precision", all.tools.precision());
    put("tool_recall", all.tools.recall());
    put("argument_accuracy", all.args.value());
    put("escalation_precision", all.escalation.precision());
    put("escalation_recall", all.escalation.recall());
    for (kind, prf) in &all.escalation_by_kind {
        put(&format!("escalation_precision.{kind}"), prf.precision());
        put(&format!("escalation_recall.{kind}"), prf.recall());
    }
    put("fact_accuracy", all.facts.value());
    put("citation_accuracy", all.citations.value());
    put("clarifying_question_accuracy", all.clarify.value());
    put("action_accuracy", all.actions.value());
    put("step_budget_accuracy", all.steps.value());

    let turns: Vec<_> = results.iter().flat_map(|r| r.turns.iter()).collect();
    let mut latencies: Vec<u64> = turns.iter().map(|t| t.observed.latency_ms).collect();
    latencies.sort_unstable();
    let mut stats = BTreeMap::new();
    let n = turns.len().max(1) as f64;
    stats.insert("turns".into(), turns.len() as f64);
    stats.insert(
        "steps_mean".into(),
        turns
            .iter()
            .map(|t| f64::from(t.observed.steps))
            .sum::<f64>()
            / n,
    );
    stats.insert(
        "tokens_total".into(),
        turns.iter().map(|t| t.observed.tokens as f64).sum(),
    );
    stats.insert(
        "cost_usd_total".into(),
        turns.iter().map(|t| t.observed.cost_usd).sum(),
    );
    stats.insert("latency_ms_p50".into(), percentile(&latencies, 0.50));
    stats.insert("latency_ms_p95".into(), percentile(&latencies, 0.95));
    Summary {
        model: model.to_string(),
        scenarios: results.len(),
        passed,
        known_failures: results.iter().filter(|r| r.known_failure.is_some()).count(),
        metrics: m,
        stats,
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64
}

/// The committed baseline: the metrics and which scenarios passed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    pub model: String,
    pub metrics: BTreeMap<String, f64>,
    /// Scenario name → `pass` or `fail`.
    pub scenarios: BTreeMap<String, String>,
}

impl Baseline {
    pub fn from_run(summary: &Summary, results: &[ScenarioResult]) -> Self {
        Self {
            model: summary.model.clone(),
            metrics: summary
                .metrics
                .iter()
                .map(|(k, v)| (k.clone(), (v * 10000.0).round() / 10000.0))
                .collect(),
            scenarios: results
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        if r.passed { "pass" } else { "fail" }.to_string(),
                    )
                })
                .collect(),
        }
    }
}

/// Why the gate fails, one line each; empty when it passes.
pub fn gate(
    summary: &Summary,
    results: &[ScenarioResult],
    baseline: Option<&Baseline>,
    threshold_pp: f64,
) -> Vec<String> {
    let mut out = Vec::new();
    for r in results
        .iter()
        .filter(|r| !r.passed && r.known_failure.is_none())
    {
        let was = baseline
            .and_then(|b| b.scenarios.get(&r.name))
            .map(String::as_str);
        let why = r.failures().first().cloned().unwrap_or_default();
        match was {
            Some("pass") => out.push(format!(
                "scenario {} passed in the baseline and fails now: {why}",
                r.name
            )),
            _ => out.push(format!(
                "scenario {} fails (not marked known_failure): {why}",
                r.name
            )),
        }
    }
    if let Some(b) = baseline {
        for r in results
            .iter()
            .filter(|r| !r.passed && r.known_failure.is_some())
        {
            if b.scenarios.get(&r.name).map(String::as_str) == Some("pass") {
                out.push(format!(
                    "scenario {} passed in the baseline and fails now (known_failure: {})",
                    r.name,
                    r.known_failure.clone().unwrap_or_default()
                ));
            }
        }
        for (k, was) in &b.metrics {
            match summary.metrics.get(k) {
                Some(now) if (was - now) * 100.0 > threshold_pp + 1e-9 => out.push(format!(
                    "metric {k} dropped {:.1} pp: {:.1}% -> {:.1}% (threshold {threshold_pp} pp)",
                    (was - now) * 100.0,
                    was * 100.0,
                    now * 100.0
                )),
                _ => {}
            }
        }
    }
    out
}
