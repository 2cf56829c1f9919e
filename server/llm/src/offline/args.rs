//! Arguments for one tool, read from the message and shaped by the tool's JSON schema.
//!
//! Only properties the schema declares are filled, and only from what the message
//! says: a planner that invents values would make the offline answers look surer
//! than they are. What a required property cannot get becomes a clarifying question.

use chrono::NaiveDate;
use omnify_core::{DateRange, ToolSpec};
use serde_json::{Map, Value, json};

use super::text::{stem, stems, words};
use super::{dates, extract};

/// The outcome of filling one tool's arguments.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filled {
    /// One argument object per call: comparisons across platforms give several.
    Calls(Vec<Map<String, Value>>),
    /// Required properties the message does not answer.
    Missing(Vec<MissingArg>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MissingArg {
    pub name: String,
    /// The values the schema allows, when it lists them.
    pub options: Vec<String>,
    /// What the user named that the schema does not allow ("TikTok" for a Meta-only
    /// tool), so the question can say so.
    pub unsupported: Vec<String>,
}

/// Arguments for a fresh question.
pub(crate) fn fill(spec: &ToolSpec, message: &str, today: NaiveDate) -> Filled {
    let schema = Schema::of(spec);
    let mut args = Map::new();
    let mut missing = Vec::new();
    for (name, prop) in schema.properties() {
        if is_platform(name) {
            continue;
        }
        let value = value_for(name, prop, message, today).or_else(|| {
            schema
                .is_required(name)
                .then(|| fallback(name, prop, today))
                .flatten()
        });
        match value {
            Some(v) => {
                args.insert(name.clone(), v);
            }
            None if schema.is_required(name) => missing.push(MissingArg {
                name: name.clone(),
                options: enum_values(prop),
                unsupported: Vec::new(),
            }),
            None => {}
        }
    }
    with_platforms(&schema, args, message, missing, false)
}

/// Arguments for a follow-up ("and for TikTok?", "what about last month?"): the
/// previous call's arguments with only what the new message names replaced.
pub(crate) fn refill(
    spec: &ToolSpec,
    previous: Map<String, Value>,
    message: &str,
    today: NaiveDate,
) -> Filled {
    let schema = Schema::of(spec);
    let mut args = previous.clone();
    for (name, prop) in schema.properties() {
        let follow_up_kind =
            is_date_range(name, prop) || is_breakdown(name) || is_date_bound(name).is_some();
        if follow_up_kind && let Some(v) = value_for(name, prop, message, today) {
            args.insert(name.clone(), v);
        }
    }
    let platform_changes =
        schema.properties().any(|(n, _)| is_platform(n)) && !extract::platforms(message).is_empty();
    if args == previous && !platform_changes {
        // Nothing this tool takes was named: a search can carry the follow-up in
        // its query ("refresh creatives?" + "and for TikTok?"); anything else would
        // only repeat the same call, so leave the message to fresh planning.
        let Some((name, old)) = schema.properties().find_map(|(n, p)| {
            let free_text = is_free_text(&n.to_ascii_lowercase()) && p.get("enum").is_none();
            free_text
                .then(|| {
                    args.get(n)
                        .and_then(Value::as_str)
                        .map(|v| (n.clone(), v.to_string()))
                })
                .flatten()
        }) else {
            return Filled::Calls(Vec::new());
        };
        args.insert(name, json!(format!("{old} {}", message.trim())));
    }
    with_platforms(&schema, args, message, Vec::new(), true)
}

/// Adds the platform property, one call per platform named when several are.
fn with_platforms(
    schema: &Schema<'_>,
    args: Map<String, Value>,
    message: &str,
    mut missing: Vec<MissingArg>,
    keep_previous: bool,
) -> Filled {
    let Some((name, prop)) = schema.properties().find(|(n, _)| is_platform(n)) else {
        return finish(vec![args], missing);
    };
    let named = extract::platforms(message);
    if keep_previous && named.is_empty() {
        return finish(vec![args], missing);
    }
    let allowed = enum_values(prop)
        .into_iter()
        .chain(item_enum_values(prop))
        .collect::<Vec<_>>();
    let supported: Vec<String> = if allowed.is_empty() {
        named.iter().map(|p| (*p).to_string()).collect()
    } else {
        named
            .iter()
            .filter_map(|p| spelled_as_in(p, &allowed))
            .collect()
    };
    let required = schema.is_required(name);
    let values: Vec<Value> = if prop.get("type").and_then(Value::as_str) == Some("array") {
        match supported.as_slice() {
            [] if allowed.iter().any(|a| a == "all") => vec![json!(["all"])],
            [] => Vec::new(),
            some => vec![json!(some)],
        }
    } else if supported.len() > 3 && allowed.iter().any(|a| a == "all") {
        vec![json!("all")]
    } else if !supported.is_empty() {
        supported.iter().take(3).map(|p| json!(p)).collect()
    } else if named.is_empty() && allowed.iter().any(|a| a == "all") {
        vec![json!("all")]
    } else if named.is_empty() && allowed.len() == 1 {
        vec![json!(allowed[0])]
    } else {
        Vec::new()
    };
    if values.is_empty() {
        // Named platforms the tool cannot take are a question even when the property
        // is optional: running it for everything would answer something else.
        if required || !named.is_empty() {
            missing.push(MissingArg {
                name: name.clone(),
                options: allowed,
                unsupported: named.iter().map(|p| (*p).to_string()).collect(),
            });
        }
        return finish(vec![args], missing);
    }
    let calls = values
        .into_iter()
        .map(|v| {
            let mut call = args.clone();
            call.insert(name.clone(), v);
            call
        })
        .collect();
    finish(calls, missing)
}

fn finish(calls: Vec<Map<String, Value>>, missing: Vec<MissingArg>) -> Filled {
    if missing.is_empty() {
        Filled::Calls(calls)
    } else {
        Filled::Missing(missing)
    }
}

/// The value the message gives for one property, by the property's name and type.
fn value_for(name: &str, prop: &Value, message: &str, today: NaiveDate) -> Option<Value> {
    let kind = prop.get("type").and_then(Value::as_str).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    if is_date_range(&lower, prop) {
        return dates::parse_range(message, today).map(|r| range_value(prop, r));
    }
    if let Some(bound) = is_date_bound(&lower) {
        return dates::parse_range(message, today).map(|r| bound_value(bound, r));
    }
    if is_breakdown(&lower) {
        return one_of(prop, extract::breakdown(message)?);
    }
    if lower.contains("percent") || lower.contains("pct") {
        return extract::percent(message).map(|p| number(kind, p));
    }
    if lower.contains("budget") || lower.contains("amount") {
        return extract::money(message).map(|m| number(kind, m));
    }
    if matches!(lower.as_str(), "campaign" | "campaign_name") {
        return extract::campaign_name(message).map(Value::String);
    }
    if matches!(lower.as_str(), "metric" | "metrics") {
        return metric_value(prop, &extract::metrics(message));
    }
    if lower == "days" || lower.ends_with("_days") || lower == "horizon" || lower == "lookback" {
        return extract::day_count(message).map(|d| json!(d));
    }
    if matches!(
        lower.as_str(),
        "limit" | "top" | "top_n" | "n" | "count" | "max_results"
    ) {
        return extract::top_n(message).map(|n| json!(n));
    }
    if kind == "string" && is_free_text(&lower) && !prop.get("enum").is_some_and(Value::is_array) {
        // A record search wants the name being looked for, not the whole request;
        // a question for the knowledge base wants the whole question.
        if matches!(lower.as_str(), "text" | "search" | "q") {
            return Some(json!(search_terms(message)));
        }
        return Some(json!(message.trim()));
    }
    if kind == "string" || prop.get("enum").is_some() {
        return enum_by_words(prop, message);
    }
    None
}

/// What a required property gets when the message is silent and a default is sensible.
fn fallback(name: &str, prop: &Value, today: NaiveDate) -> Option<Value> {
    if let Some(default) = prop.get("default") {
        return Some(default.clone());
    }
    if is_date_range(&name.to_ascii_lowercase(), prop) {
        return Some(range_value(prop, dates::default_range(today)));
    }
    if let Some(bound) = is_date_bound(&name.to_ascii_lowercase()) {
        return Some(bound_value(bound, dates::default_range(today)));
    }
    match prop.get("type").and_then(Value::as_str) {
        Some("boolean") => Some(json!(false)),
        _ => None,
    }
}

fn is_platform(name: &str) -> bool {
    matches!(name, "platform" | "platforms") || name.ends_with("_platform")
}

fn is_date_range(name: &str, prop: &Value) -> bool {
    let named = matches!(
        name,
        "date_range" | "daterange" | "period" | "time_range" | "range" | "dates"
    );
    named
        || prop
            .get("properties")
            .is_some_and(|p| p.get("since").is_some() && p.get("until").is_some())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Since,
    Until,
}

fn bound_value(bound: Bound, range: DateRange) -> Value {
    let day = if bound == Bound::Since {
        range.since
    } else {
        range.until
    };
    json!(day.to_string())
}

fn is_date_bound(name: &str) -> Option<Bound> {
    match name {
        "since" | "start_date" | "from_date" | "start" => Some(Bound::Since),
        "until" | "end_date" | "to_date" | "end" => Some(Bound::Until),
        _ => None,
    }
}

fn is_breakdown(name: &str) -> bool {
    matches!(
        name,
        "level" | "group_by" | "breakdown" | "granularity" | "dimension"
    )
}

/// What a record search (or a text to score) is: quoted text, what follows a colon
/// ("score this ad: Stop scrolling…"), or what follows "for", "named" or "called"
/// ("find deals for Summit Outfitters"), else the whole message.
fn search_terms(message: &str) -> String {
    let trimmed = message.trim().trim_end_matches(['?', '.', '!']);
    if let Some(start) = trimmed.find(['"', '“']) {
        let rest = &trimmed[start + trimmed[start..].chars().next().map_or(1, char::len_utf8)..];
        if let Some(end) = rest.find(['"', '”']) {
            return rest[..end].trim().to_string();
        }
    }
    if let Some((_, after)) = message.split_once(':')
        && !after.trim().is_empty()
    {
        // The text after the colon is the user's own, punctuation and all.
        return after.trim().to_string();
    }
    let lower = trimmed.to_lowercase();
    for marker in [" named ", " called ", " for "] {
        if let Some(i) = lower.rfind(marker) {
            let after = trimmed[i + marker.len()..].trim();
            if !after.is_empty() {
                return after.to_string();
            }
        }
    }
    trimmed.to_string()
}

/// Properties that want the user's own words.
fn is_free_text(name: &str) -> bool {
    matches!(
        name,
        "query"
            | "question"
            | "text"
            | "message"
            | "reason"
            | "topic"
            | "prompt"
            | "request"
            | "search"
            | "q"
            | "details"
            | "context"
            | "note"
            | "summary"
            | "description"
    )
}

/// A date range in the shape the schema asks for (`since`/`until` unless it names
/// `start`/`end` or similar).
fn range_value(prop: &Value, range: DateRange) -> Value {
    let sub = prop.get("properties");
    let pick = |choices: &[&'static str], default: &'static str| {
        choices
            .iter()
            .copied()
            .find(|c| sub.is_some_and(|s| s.get(*c).is_some()))
            .unwrap_or(default)
    };
    let since = pick(&["since", "start", "start_date", "from"], "since");
    let until = pick(&["until", "end", "end_date", "to"], "until");
    let mut map = Map::new();
    map.insert(since.to_string(), json!(range.since.to_string()));
    map.insert(until.to_string(), json!(range.until.to_string()));
    Value::Object(map)
}

/// Whole numbers stay integers so the arguments read the way the user wrote them.
fn number(kind: &str, value: f64) -> Value {
    let rounded = value.round();
    if kind == "integer" || (value - rounded).abs() < f64::EPSILON {
        // Amounts and percentages people type are far inside i64.
        json!(rounded as i64)
    } else {
        json!(value)
    }
}

/// The first of `spellings` the schema's enum allows (or the first, without an enum).
fn one_of(prop: &Value, spellings: &[&str]) -> Option<Value> {
    let allowed = enum_values(prop);
    if allowed.is_empty() {
        return spellings.first().map(|s| json!(s));
    }
    spellings
        .iter()
        .find_map(|s| allowed.iter().find(|a| a.eq_ignore_ascii_case(s)))
        .map(|a| json!(a))
}

fn metric_value(prop: &Value, metrics: &[&str]) -> Option<Value> {
    let is_array = prop.get("type").and_then(Value::as_str) == Some("array");
    let allowed: Vec<String> = enum_values(prop)
        .into_iter()
        .chain(item_enum_values(prop))
        .collect();
    let matched: Vec<String> = metrics
        .iter()
        .filter_map(|m| {
            if allowed.is_empty() {
                return Some((*m).to_string());
            }
            allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(m) || stem(&a.to_ascii_lowercase()) == stem(m))
                .cloned()
        })
        .collect();
    match (is_array, matched.first()) {
        (_, None) => None,
        (true, Some(_)) => Some(json!(matched)),
        (false, Some(first)) => Some(json!(first)),
    }
}

/// A platform as the schema spells it, if the schema takes it at all.
fn spelled_as_in(canonical: &str, allowed: &[String]) -> Option<String> {
    let squash = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let spellings: Vec<String> = std::iter::once(canonical)
        .chain(extract::platform_spellings(canonical).iter().copied())
        .map(squash)
        .collect();
    allowed
        .iter()
        .find(|a| spellings.contains(&squash(a)))
        .cloned()
}

/// Words people use for enum values whose own words they rarely say.
const ENUM_SYNONYMS: &[(&str, &[&str])] = &[
    (
        "human",
        &[
            "person",
            "someone",
            "somebody",
            "expert",
            "people",
            "real",
            "agent",
            "specialist",
            "manager",
            "strategist",
            "consultant",
        ],
    ),
    (
        "frustration",
        &[
            "frustrated",
            "frustrating",
            "annoyed",
            "annoying",
            "angry",
            "useless",
            "ridiculous",
            "terrible",
            "wtf",
            "upset",
        ],
    ),
    (
        "compliance",
        &[
            "gdpr",
            "ccpa",
            "legal",
            "consent",
            "lawyer",
            "regulation",
            "pii",
            "compliant",
        ],
    ),
    ("privacy", &["gdpr", "ccpa", "personal", "pii", "consent"]),
    (
        "billing",
        &[
            "invoice",
            "charge",
            "charged",
            "refund",
            "payment",
            "subscription",
            "price",
            "pricing",
            "bill",
        ],
    ),
    (
        "integration",
        &[
            "connect",
            "connection",
            "integrate",
            "sync",
            "token",
            "broken",
            "disconnected",
            "reconnect",
        ],
    ),
    (
        "stakes",
        &["risky", "major", "big", "large", "launch", "irreversible"],
    ),
    ("confidence", &["unsure", "uncertain", "sure", "confident"]),
];

/// The enum value whose words (or their synonyms) the message uses most.
fn enum_by_words(prop: &Value, message: &str) -> Option<Value> {
    let said: Vec<String> = stems(message);
    let mut best: Option<(usize, String)> = None;
    for value in enum_values(prop) {
        let hits = words(&value.replace('_', " "))
            .iter()
            .filter(|w| !super::text::is_stopword(w))
            .filter(|w| {
                let s = stem(w);
                said.contains(&s)
                    || ENUM_SYNONYMS
                        .iter()
                        .filter(|(word, _)| stem(word) == s)
                        .any(|(_, syn)| syn.iter().any(|x| said.contains(&stem(x))))
            })
            .count();
        if hits > 0 && best.as_ref().is_none_or(|(n, _)| hits > *n) {
            best = Some((hits, value));
        }
    }
    best.map(|(_, v)| json!(v))
}

fn enum_values(prop: &Value) -> Vec<String> {
    prop.get("enum")
        .and_then(Value::as_array)
        .map(|vals| {
            vals.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn item_enum_values(prop: &Value) -> Vec<String> {
    prop.get("items").map(enum_values).unwrap_or_default()
}

/// The parts of a tool's JSON schema the planner reads.
struct Schema<'a> {
    properties: Option<&'a Map<String, Value>>,
    required: Vec<&'a str>,
}

impl<'a> Schema<'a> {
    fn of(spec: &'a ToolSpec) -> Self {
        let properties = spec.parameters.get("properties").and_then(Value::as_object);
        let required = spec
            .parameters
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        Self {
            properties,
            required,
        }
    }

    fn properties(&self) -> impl Iterator<Item = (&'a String, &'a Value)> + use<'a> {
        self.properties.into_iter().flat_map(|p| p.iter())
    }

    fn is_required(&self, name: &str) -> bool {
        self.required.contains(&name)
    }
}

#[cfg(test)]
mod search_terms_tests {
    use super::search_terms;

    #[test]
    fn a_search_looks_for_the_name_not_the_request() {
        assert_eq!(
            search_terms("search HubSpot for Summit Outfitters"),
            "Summit Outfitters"
        );
        assert_eq!(
            search_terms("find the deal named \"Acme renewal\"?"),
            "Acme renewal"
        );
        assert_eq!(search_terms("contacts called Ana Lopez"), "Ana Lopez");
        assert_eq!(search_terms("Summit"), "Summit");
        assert_eq!(
            search_terms("score this ad: Stop scrolling! 20% off today."),
            "Stop scrolling! 20% off today."
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::offline::fixtures::{spec_tools, today};

    fn tool(name: &str) -> ToolSpec {
        spec_tools().into_iter().find(|t| t.name == name).unwrap()
    }

    fn calls(name: &str, message: &str) -> Vec<Value> {
        match fill(&tool(name), message, today()) {
            Filled::Calls(c) => c.into_iter().map(Value::Object).collect(),
            Filled::Missing(m) => panic!("missing {m:?} for {message:?}"),
        }
    }

    #[test]
    fn fills_only_what_the_schema_has() {
        assert_eq!(
            calls("get_marketing_performance", "Q3 performance by campaign"),
            [
                json!({"platform": "all", "date_range": {"since": "2026-07-01", "until": "2026-09-30"}, "level": "campaign"})
            ]
        );
        assert_eq!(
            calls(
                "search_knowledge",
                "how often should we refresh TikTok creatives?"
            ),
            [json!({"query": "how often should we refresh TikTok creatives?"})]
        );
    }

    #[test]
    fn required_date_range_defaults_to_the_last_seven_days() {
        assert_eq!(
            calls("get_marketing_performance", "meta numbers"),
            [
                json!({"platform": "meta", "date_range": {"since": "2026-11-18", "until": "2026-11-24"}})
            ]
        );
    }

    #[test]
    fn a_platform_outside_the_enum_is_a_question() {
        let Filled::Missing(missing) = fill(
            &tool("get_marketing_performance"),
            "linkedin last week",
            today(),
        ) else {
            panic!("expected a question")
        };
        assert_eq!(missing[0].name, "platform");
        assert_eq!(missing[0].unsupported, ["linkedin"]);
    }

    #[test]
    fn escalation_type_from_synonyms() {
        assert_eq!(
            calls("escalate_to_expert", "can I talk to a real person?"),
            [json!({"type": "human_requested", "reason": "can I talk to a real person?"})]
        );
    }

    #[test]
    fn follow_up_replaces_only_what_is_named() {
        let previous = json!({"platform": "meta", "date_range": {"since": "2026-11-16", "until": "2026-11-22"}, "level": "campaign"});
        let Value::Object(previous) = previous else {
            unreachable!()
        };
        let Filled::Calls(c) = refill(
            &tool("get_marketing_performance"),
            previous,
            "what about last month?",
            today(),
        ) else {
            panic!()
        };
        assert_eq!(
            Value::Object(c[0].clone()),
            json!({"platform": "meta", "date_range": {"since": "2026-10-01", "until": "2026-10-31"}, "level": "campaign"})
        );
    }
}
