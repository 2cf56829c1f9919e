//! Checking one turn's observed behaviour against its expectations.

use super::dates;
use super::scenario::{Fact, ToolExpect, Turn};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a turn did, as seen from outside.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Observed {
    pub status: u16,
    pub reply: String,
    /// (name, arguments, ok)
    pub calls: Vec<(String, Value, bool)>,
    /// Kinds of the escalations this turn opened.
    pub escalations: Vec<String>,
    pub steps: u32,
    pub tokens: u64,
    pub cost_usd: f64,
    pub latency_ms: u64,
    /// The status of the latest write action of the tenant, if any.
    pub action: Option<String>,
    /// Whether any write action of the tenant has executed so far.
    pub executed_any: bool,
}

/// True/false positives and misses.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize, PartialEq)]
pub struct Prf {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
}

impl Prf {
    pub fn add(&mut self, o: Prf) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
}

/// Hits over attempts.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Frac {
    pub ok: u32,
    pub total: u32,
}

impl Frac {
    pub fn add(&mut self, o: Frac) {
        self.ok += o.ok;
        self.total += o.total;
    }
    fn hit(&mut self, ok: bool) {
        self.total += 1;
        if ok {
            self.ok += 1;
        }
    }
    pub fn value(&self) -> Option<f64> {
        ratio(self.ok, self.total)
    }
}

pub fn ratio(a: u32, b: u32) -> Option<f64> {
    (b > 0).then(|| f64::from(a) / f64::from(b))
}

/// The counts one turn (or, summed, a run) contributes to the metrics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub tools: Prf,
    pub args: Frac,
    pub escalation: Prf,
    pub escalation_by_kind: BTreeMap<String, Prf>,
    pub facts: Frac,
    pub citations: Frac,
    pub clarify: Frac,
    pub actions: Frac,
    pub steps: Frac,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.tools.add(o.tools);
        self.args.add(o.args);
        self.escalation.add(o.escalation);
        for (k, v) in &o.escalation_by_kind {
            self.escalation_by_kind
                .entry(k.clone())
                .or_default()
                .add(*v);
        }
        self.facts.add(o.facts);
        self.citations.add(o.citations);
        self.clarify.add(o.clarify);
        self.actions.add(o.actions);
        self.steps.add(o.steps);
    }
}

/// Check a turn; the failures say what was wrong.
pub fn check_turn(
    turn: &Turn,
    seen: &Observed,
    today: NaiveDate,
    subst: &dyn Fn(&str) -> String,
) -> (Counts, Vec<String>) {
    let mut c = Counts::default();
    let mut fails = Vec::new();
    if seen.status != 200 {
        fails.push(format!("HTTP {}: {}", seen.status, short(&seen.reply)));
    }
    let called: Vec<&str> = seen.calls.iter().map(|(n, _, _)| n.as_str()).collect();

    if let Some(expected) = &turn.tools {
        let names: Vec<&str> = expected.iter().map(ToolExpect::name).collect();
        for e in expected {
            let candidates: Vec<&Map<String, Value>> = seen
                .calls
                .iter()
                .filter(|(n, _, _)| n == e.name())
                .filter_map(|(_, a, _)| a.as_object())
                .collect();
            let found = seen.calls.iter().any(|(n, _, _)| n == e.name());
            if !found {
                c.tools.fn_ += 1;
                fails.push(format!("tool {} not called (called: {called:?})", e.name()));
                continue;
            }
            c.tools.tp += 1;
            let constraints = e.args();
            if constraints.is_empty() {
                continue;
            }
            // The call that satisfies the most constraints.
            let best = candidates
                .iter()
                .map(|a| arg_mismatches(&constraints, a, today))
                .min_by_key(Vec::len)
                .unwrap_or_else(|| {
                    constraints
                        .keys()
                        .map(|k| format!("{k}: no arguments"))
                        .collect()
                });
            c.args.ok += u32::try_from(constraints.len() - best.len()).unwrap_or(0);
            c.args.total += u32::try_from(constraints.len()).unwrap_or(0);
            for m in best {
                fails.push(format!("{}: {m}", e.name()));
            }
        }
        let mut extra: Vec<&str> = called
            .iter()
            .copied()
            .filter(|n| !names.contains(n) && !turn.allow_tools.iter().any(|a| a == n))
            .collect();
        extra.dedup();
        for n in extra {
            c.tools.fp += 1;
            fails.push(format!("unexpected tool {n}"));
        }
    }
    for f in &turn.forbid_tools {
        // Already counted when it was also unexpected.
        if called.contains(&f.as_str())
            && !fails.iter().any(|m| m == &format!("unexpected tool {f}"))
        {
            c.tools.fp += 1;
            fails.push(format!("forbidden tool {f} called"));
        }
    }

    if let Some(want) = &turn.escalate {
        let want = (want != "none").then_some(want.as_str());
        let got = &seen.escalations;
        if let Some(kind) = want {
            let hit = got.iter().any(|g| g == kind);
            let e = c.escalation_by_kind.entry(kind.to_string()).or_default();
            if hit {
                e.tp += 1;
                c.escalation.tp += 1;
            } else {
                e.fn_ += 1;
                c.escalation.fn_ += 1;
                fails.push(format!("expected escalation {kind}, got {got:?}"));
            }
        }
        for g in got {
            if Some(g.as_str()) != want {
                c.escalation_by_kind.entry(g.clone()).or_default().fp += 1;
                c.escalation.fp += 1;
                fails.push(format!("unexpected escalation {g}"));
            }
        }
    }

    let lower = seen.reply.to_lowercase();
    let numbers = numbers_in(&seen.reply);
    for f in &turn.facts {
        let ok = match f {
            Fact::Text(s) => lower.contains(&subst(s).to_lowercase()),
            Fact::Number(n) => numbers
                .iter()
                .any(|x| close(*x, *n, (n.abs() * 0.01).max(0.005))),
            Fact::Tolerant { value, tolerance } => {
                numbers.iter().any(|x| close(*x, *value, *tolerance))
            }
        };
        c.facts.hit(ok);
        if !ok {
            fails.push(format!("fact {} not in the reply", f.describe()));
        }
    }
    for f in &turn.forbid_facts {
        let f = subst(f);
        let ok = !lower.contains(&f.to_lowercase());
        c.facts.hit(ok);
        if !ok {
            fails.push(format!("forbidden text {f:?} in the reply"));
        }
    }
    for s in &turn.sources {
        let ok = lower.contains(&s.to_lowercase());
        c.citations.hit(ok);
        if !ok {
            fails.push(format!("citation {s:?} missing"));
        }
    }
    if let Some(want) = turn.clarify {
        let asks = asks_question(&seen.reply);
        c.clarify.hit(asks == want);
        if asks != want {
            fails.push(if want {
                "no clarifying question".into()
            } else {
                "asked a question instead of answering".into()
            });
        }
    }
    if let Some(max) = turn.max_steps {
        c.steps.hit(seen.steps <= max);
        if seen.steps > max {
            fails.push(format!("{} steps > {max}", seen.steps));
        }
    }
    if let Some(accepted) = &turn.action {
        let accepted = accepted.to_vec();
        let status = seen.action.clone().unwrap_or_else(|| "none".into());
        let mut ok = accepted.contains(&status);
        if !accepted.iter().any(|a| a == "executed") && seen.executed_any {
            ok = false;
            fails.push("a write action executed".into());
        }
        c.actions.hit(ok);
        if !accepted.contains(&status) {
            fails.push(format!("action is {status}, expected {accepted:?}"));
        }
    }
    (c, fails)
}

fn short(s: &str) -> String {
    s.chars().take(160).collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol + 1e-9
}

/// A reply asks the user something when a sentence of it ends with a question mark.
pub fn asks_question(reply: &str) -> bool {
    reply.contains('?')
}

/// Numbers written in a reply: `$12,345.67`, `3.2x`, `-4.5%`, `1,204`.
pub fn numbers_in(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            let mut s = String::new();
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || ((chars[i] == ',' || chars[i] == '.')
                        && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                if chars[i] != ',' {
                    s.push(chars[i]);
                }
                i += 1;
            }
            let negative = start > 0
                && (chars[start - 1] == '-' || chars[start - 1] == '−')
                && !(start > 1 && chars[start - 2].is_ascii_alphanumeric());
            if let Ok(mut v) = s.parse::<f64>() {
                let scale = match chars.get(i) {
                    Some('k' | 'K') => 1e3,
                    Some('M') => 1e6,
                    _ => 1.0,
                };
                if negative {
                    v = -v;
                }
                out.push(v);
                if scale != 1.0 {
                    out.push(v * scale);
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The constraints an actual call's arguments miss.
fn arg_mismatches(
    want: &Map<String, Value>,
    got: &Map<String, Value>,
    today: NaiveDate,
) -> Vec<String> {
    let mut out = Vec::new();
    for (k, w) in want {
        let actual = got.get(k).or_else(|| {
            got.iter()
                .find(|(gk, _)| gk.contains(k.as_str()))
                .map(|(_, v)| v)
        });
        let Some(actual) = actual else {
            out.push(format!(
                "argument {k} missing (got {})",
                Value::Object(got.clone())
            ));
            continue;
        };
        if k == "date_range" {
            let expected = match w {
                Value::String(name) => {
                    dates::resolve(name, today).map(|(s, u)| (s.to_string(), u.to_string()))
                }
                Value::Object(o) => Some((str_of(o.get("since")), str_of(o.get("until")))),
                _ => None,
            };
            let Some((since, until)) = expected else {
                out.push(format!("date_range {w}: unknown range name"));
                continue;
            };
            let (gs, gu) = (str_of(actual.get("since")), str_of(actual.get("until")));
            if gs != since || gu != until {
                out.push(format!("date_range {gs}..{gu}, expected {since}..{until}"));
            }
            continue;
        }
        if !loose_eq(w, actual) {
            out.push(format!("argument {k} = {actual}, expected {w}"));
        }
    }
    out
}

fn str_of(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Strings match case-insensitively (the actual may contain the expected, so a
/// campaign's name matches its full label); numbers match closely; lists by element.
fn loose_eq(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::String(w), Value::String(g)) => g.to_lowercase().contains(&w.to_lowercase()),
        (Value::Number(w), _) => {
            let g = got.as_f64().or_else(|| {
                got.as_str()
                    .and_then(|s| s.trim_end_matches('%').parse().ok())
            });
            match (w.as_f64(), g) {
                (Some(w), Some(g)) => close(w, g, w.abs() * 1e-6 + 1e-9),
                _ => false,
            }
        }
        (Value::Array(w), Value::Array(g)) => w.iter().all(|x| g.iter().any(|y| loose_eq(x, y))),
        (Value::Bool(w), Value::Bool(g)) => w == g,
        (w, g) => w == g,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_written() {
        assert_eq!(
            numbers_in("spend $12,345.67, ROAS 3.2x, -4.5% and 1,204."),
            vec![12345.67, 3.2, -4.5, 1204.0]
        );
        assert!(numbers_in("$1.2k").contains(&1200.0));
    }
}
