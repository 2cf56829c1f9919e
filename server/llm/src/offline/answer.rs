//! Every sentence the offline model writes: answers built from tool results, the
//! list of what it can do, and clarifying questions. Each ends with a line saying it
//! was written offline, so nobody mistakes a template for an analyst's reading.

use omnify_core::{ChatMessage, Role, ToolCallRequest, ToolSpec};
use serde_json::Value;

use super::args::MissingArg;

/// Closes answers assembled from tool results.
pub(crate) const RESULTS_NOTE: &str = "_Written in offline mode: no language model is configured, so this answer was assembled from the tool results by templates._";
/// Closes answers written without tools.
pub(crate) const PLANNER_NOTE: &str = "_Written in offline mode: no language model is configured, so I match requests to my tools by keywords and may miss nuance._";

/// A tool result longer than this is cut when it has no summary to quote.
const RAW_RESULT_LIMIT: usize = 600;

/// The answer to the current turn from its tool results.
pub(crate) fn from_results(messages: &[ChatMessage]) -> String {
    let turn_start = messages
        .iter()
        .rposition(|m| m.role == Role::User)
        .map_or(0, |i| i + 1);
    let turn = &messages[turn_start..];
    let calls: Vec<&ToolCallRequest> = turn.iter().flat_map(|m| m.tool_calls.iter()).collect();
    let parts: Vec<String> = turn
        .iter()
        .filter(|m| m.role == Role::Tool)
        .map(|result| {
            let call = result
                .tool_call_id
                .as_ref()
                .and_then(|id| calls.iter().copied().find(|c| &c.id == id));
            render_result(call, &result.content)
        })
        .collect();
    let body = match parts.as_slice() {
        [] => "I have no results to report for that request.".to_string(),
        [one] => one.clone(),
        many => format!("Here is what I found:\n\n{}", many.join("\n\n")),
    };
    let notes = expert_notes(messages);
    if notes.is_empty() {
        return format!("{body}\n\n{RESULTS_NOTE}");
    }
    // A template cannot weigh the expert's decision against the numbers, but it must
    // not ignore it either: put it next to them.
    let decided = notes
        .iter()
        .map(|n| format!("- {n}"))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "{body}\n\nKeep in mind what your expert decided in this conversation:\n{decided}\n\n{RESULTS_NOTE}"
    )
}

/// The expert decisions listed in the system prompt (see `prompts/system.md.j2`).
fn expert_notes(messages: &[ChatMessage]) -> Vec<String> {
    let Some(system) = messages.iter().find(|m| m.role == Role::System) else {
        return Vec::new();
    };
    let Some((_, rest)) = system.content.split_once("Notes from the team's experts:") else {
        return Vec::new();
    };
    rest.lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| l.starts_with("- "))
        .map(|l| l.trim_start_matches("- ").to_string())
        .collect()
}

fn render_result(call: Option<&ToolCallRequest>, content: &str) -> String {
    let what = call.map_or_else(|| "that".to_string(), describe_call);
    let trimmed = content.trim();
    if let Some(reason) = trimmed
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("error:"))
        .and_then(|_| trimmed.get(6..))
    {
        let reason = reason.trim().trim_end_matches('.');
        let platform = call.and_then(call_platform).filter(|p| p != "all");
        return format!(
            "I couldn't get {what}: {reason}. {}",
            advice(reason, platform.as_deref())
        );
    }
    let parsed: Option<Value> = serde_json::from_str(trimmed).ok();
    if let Some(cited) = parsed.as_ref().and_then(super::cite::from_passages) {
        return cited;
    }
    let summary = parsed
        .as_ref()
        .and_then(|v| v.get("summary"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| cut(trimmed, RAW_RESULT_LIMIT));
    let sources = parsed.as_ref().map(sources).unwrap_or_default();
    let mut text = format!("{}: {}", capitalise(&what), with_full_stop(&summary));
    if !sources.is_empty() {
        text.push_str(&format!("\nSource: {}.", sources.join("; ")));
    }
    text
}

/// "marketing performance for Meta", from the call's name and platform.
fn describe_call(call: &ToolCallRequest) -> String {
    let label = tool_label(&call.name);
    match call_platform(call).as_deref() {
        Some("all") => format!("{label} for all platforms"),
        Some(p) => format!("{label} for {}", platform_display(p)),
        None => label,
    }
}

fn call_platform(call: &ToolCallRequest) -> Option<String> {
    let args: Value = serde_json::from_str(&call.arguments).ok()?;
    args.get("platform")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// What the user can do about a failed call, judged from the error's wording.
fn advice(reason: &str, platform: Option<&str>) -> String {
    let lower = reason.to_lowercase();
    let platform = platform.map_or_else(|| "the platform".to_string(), platform_display);
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    if has(&["not connected", "no connection", "not configured"]) {
        format!("Connect {platform} in Omnify's connections settings, then ask again.")
    } else if has(&[
        "expired",
        "reconnect",
        "unauthori",
        "401",
        "403",
        "permission",
        "revoked",
    ]) {
        format!("Reconnect {platform} in Omnify's connections settings, then ask again.")
    } else if has(&[
        "timed out",
        "timeout",
        "rate limit",
        "429",
        "unavailable",
        "503",
        "502",
    ]) {
        "The platform may be busy; try again in a minute.".to_string()
    } else if has(&[
        "bad arguments",
        "invalid",
        "missing field",
        "unknown variant",
    ]) {
        "Try rephrasing with the platform and dates you want, for example \"Meta spend last week\"."
            .to_string()
    } else {
        "You can try again, or ask me to bring in a human expert.".to_string()
    }
}

/// `platform · account · dates` for each distinct provenance entry.
fn sources(result: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in result
        .get("provenance")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let mut parts = Vec::new();
        let platform = field("platform");
        if !platform.is_empty() {
            parts.push(platform_display(&platform));
        }
        let account = field("account");
        if !account.is_empty() {
            parts.push(format!("account {account}"));
        }
        if let Some(range) = p.get("date_range").filter(|r| !r.is_null()) {
            let day = |k: &str| {
                range
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string()
            };
            parts.push(format!("{} to {}", day("since"), day("until")));
        }
        let source = parts.join(", ");
        if !source.is_empty() && !out.contains(&source) {
            out.push(source);
        }
    }
    out
}

/// What the assistant can do, from the tools' own descriptions, and a question back.
pub(crate) fn help(tools: &[ToolSpec]) -> String {
    let mut text = String::from(
        "I'm not sure which of my tools fits that, so I haven't looked anything up yet. Here is what I can do:\n",
    );
    for tool in tools {
        text.push_str(&format!(
            "- {}: {}\n",
            capitalise(&tool_label(&tool.name)),
            first_sentence(&tool.description)
        ));
    }
    text.push_str(
        "\nWhat would you like to know? Naming a platform and a period helps, for example \"How did Meta do last week?\"",
    );
    format!("{text}\n\n{PLANNER_NOTE}")
}

pub(crate) fn no_tools() -> String {
    format!(
        "I have no tools available in this conversation, so I can't look anything up. Connect a platform or ask an admin to enable tools, then ask again.\n\n{PLANNER_NOTE}"
    )
}

/// A question naming what `spec` still needs.
pub(crate) fn clarify(spec: &ToolSpec, missing: &[MissingArg]) -> String {
    let label = tool_label(&spec.name);
    let mut sentences = Vec::new();
    for m in missing {
        let options = m
            .options
            .iter()
            .map(|o| display_option(&m.name, o))
            .collect::<Vec<_>>();
        let thing = m.name.replace('_', " ");
        if !m.unsupported.is_empty() {
            let named = m
                .unsupported
                .iter()
                .map(|p| platform_display(p))
                .collect::<Vec<_>>()
                .join(" or ");
            sentences.push(format!(
                "I can't get {label} for {named}: that tool covers {}. Which of those should I use?",
                or_list(&options)
            ));
        } else if !options.is_empty() {
            sentences.push(format!(
                "To {label}, which {thing} do you mean: {}?",
                or_list(&options)
            ));
        } else if m.name.starts_with("campaign") {
            sentences.push(format!(
                "To {label}, which campaign do you mean? Put its name in quotes, for example \"Prospecting - Broad\"."
            ));
        } else {
            sentences.push(format!(
                "To {label}, I need the {thing}. What should it be?"
            ));
        }
    }
    format!("{}\n\n{PLANNER_NOTE}", sentences.join(" "))
}

/// "get_marketing_performance" reads as "marketing performance".
fn tool_label(name: &str) -> String {
    let words: Vec<&str> = name.split(['_', '-']).filter(|w| !w.is_empty()).collect();
    let words = match words.as_slice() {
        [first, rest @ ..] if !rest.is_empty() && matches!(*first, "get" | "fetch" | "read") => {
            rest
        }
        all => all,
    };
    words.join(" ")
}

fn display_option(property: &str, value: &str) -> String {
    if property.contains("platform") {
        if value == "all" {
            "all platforms".to_string()
        } else {
            platform_display(value)
        }
    } else {
        value.replace('_', " ")
    }
}

/// Platforms as their makers write them.
pub(crate) fn platform_display(platform: &str) -> String {
    match platform {
        "meta" => "Meta",
        "all" => "all platforms",
        "google" | "google_ads" => "Google Ads",
        "tiktok" => "TikTok",
        "linkedin" => "LinkedIn",
        "youtube" => "YouTube",
        "shopify" => "Shopify",
        "stripe" => "Stripe",
        "klaviyo" => "Klaviyo",
        "hubspot" => "HubSpot",
        "triplewhale" | "triple_whale" => "Triple Whale",
        "gohighlevel" => "GoHighLevel",
        other => return capitalise(&other.replace('_', " ")),
    }
    .to_string()
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    with_full_stop(&text[..end])
}

fn with_full_stop(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?', ':']) || text.is_empty() {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// At most `limit` bytes, cut on a character boundary.
fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let end = (0..=limit)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnify_core::{DateRange, Provenance, ToolOutput};
    use serde_json::json;

    fn call(id: &str, name: &str, args: Value) -> ToolCallRequest {
        ToolCallRequest {
            id: id.into(),
            name: name.into(),
            arguments: args.to_string(),
        }
    }

    fn output(summary: &str, platform: &str) -> String {
        let day = |s: &str| s.parse().ok();
        ToolOutput {
            data: json!({"spend": 1200}),
            summary: summary.into(),
            provenance: vec![Provenance {
                platform: platform.into(),
                account: "act_42".into(),
                date_range: day("2026-11-16")
                    .zip(day("2026-11-22"))
                    .map(|(since, until)| DateRange { since, until }),
                query: "GET /insights".into(),
            }],
            chart: None,
        }
        .to_model_text()
    }

    #[test]
    fn expert_decisions_in_the_system_prompt_are_repeated_beside_the_numbers() {
        let system = ChatMessage::system(
            "You are Omnify.\n\nNotes from the team's experts:\n- Keep Meta budgets flat until December.\n\n## Tools you can call\n- x",
        );
        let messages = vec![
            system,
            ChatMessage::user("how did meta do?"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![call(
                    "call_1",
                    "get_marketing_performance",
                    json!({"platform": "meta"}),
                )],
            ),
            ChatMessage::tool_result("call_1", output("Meta Ads: spend $10.", "meta")),
        ];
        let text = from_results(&messages);
        assert!(
            text.contains("Keep in mind what your expert decided"),
            "{text}"
        );
        assert!(
            text.contains("- Keep Meta budgets flat until December."),
            "{text}"
        );
        assert!(text.ends_with(RESULTS_NOTE));
    }

    #[test]
    fn one_result_quotes_its_summary_and_source() {
        let messages = vec![
            ChatMessage::user("how did Meta do last week?"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![call(
                    "call_1",
                    "get_marketing_performance",
                    json!({"platform": "meta"}),
                )],
            ),
            ChatMessage::tool_result("call_1", output("Meta spent $1,200 at a 3.1 ROAS", "meta")),
        ];
        assert_eq!(
            from_results(&messages),
            format!(
                "Marketing performance for Meta: Meta spent $1,200 at a 3.1 ROAS.\n\
                 Source: Meta, account act_42, 2026-11-16 to 2026-11-22.\n\n{RESULTS_NOTE}"
            )
        );
    }

    #[test]
    fn errors_are_reported_with_what_to_do() {
        let messages = vec![
            ChatMessage::user("meta vs google last week"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![
                    call(
                        "call_1",
                        "get_marketing_performance",
                        json!({"platform": "meta"}),
                    ),
                    call(
                        "call_2",
                        "get_marketing_performance",
                        json!({"platform": "google"}),
                    ),
                ],
            ),
            ChatMessage::tool_result("call_1", output("Meta spent $1,200", "meta")),
            ChatMessage::tool_result("call_2", "error: not connected: google"),
        ];
        let text = from_results(&messages);
        assert!(text.starts_with("Here is what I found:"), "{text}");
        assert!(text.contains("Meta spent $1,200."), "{text}");
        assert!(
            text.contains("I couldn't get marketing performance for Google Ads: not connected: google. Connect Google Ads in Omnify's connections settings, then ask again."),
            "{text}"
        );
        assert!(text.ends_with(RESULTS_NOTE));
    }

    #[test]
    fn only_the_current_turn_is_answered() {
        let messages = vec![
            ChatMessage::user("old question"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![call("call_1", "search_knowledge", json!({}))],
            ),
            ChatMessage::tool_result(
                "call_1",
                r#"{"summary":"old answer","data":{},"provenance":[]}"#,
            ),
            ChatMessage::user("new question"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![call("call_2", "search_knowledge", json!({}))],
            ),
            ChatMessage::tool_result(
                "call_2",
                r#"{"summary":"Refresh every 2-3 weeks.","data":{},"provenance":[]}"#,
            ),
        ];
        let text = from_results(&messages);
        assert!(
            text.starts_with("Search knowledge: Refresh every 2-3 weeks."),
            "{text}"
        );
        assert!(!text.contains("old answer"));
    }

    #[test]
    fn a_result_that_is_not_json_is_quoted_raw() {
        let messages = vec![
            ChatMessage::user("q"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![call("call_1", "search_knowledge", json!({}))],
            ),
            ChatMessage::tool_result("call_1", "plain text result"),
        ];
        assert!(from_results(&messages).starts_with("Search knowledge: plain text result."));
    }
}
