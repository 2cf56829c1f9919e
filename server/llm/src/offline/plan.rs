//! Step one of a turn: the user's message becomes tool calls, or a question back.

use chrono::NaiveDate;
use omnify_core::{ChatMessage, ChatRequest, Role, ToolCallRequest, ToolSpec};
use serde_json::{Map, Value};

use super::args::{self, Filled, MissingArg};
use super::text::{is_stopword, words};
use super::{answer, dates, extract, howto, select};

/// Calls in one step, across all tools: enough for a three-platform comparison of
/// two tools, few enough that a confused plan cannot flood the platforms.
const MAX_CALLS: usize = 6;

/// What step one decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    Calls(Vec<ToolCallRequest>),
    /// Answer without tools: a clarifying question or what the assistant can do.
    Reply(String),
}

pub(crate) fn plan(request: &ChatRequest, today: NaiveDate) -> Plan {
    if request.tools.is_empty() {
        return Plan::Reply(answer::no_tools());
    }
    let Some(last_user) = request.messages.iter().rposition(|m| m.role == Role::User) else {
        return Plan::Reply(answer::help(&request.tools));
    };
    let message = request.messages[last_user].content.as_str();
    // Ids continue across the conversation so a call id never repeats in a history.
    let first_id = 1 + request
        .messages
        .iter()
        .map(|m| m.tool_calls.len())
        .sum::<usize>();

    let mut chosen = Chosen::default();
    if is_follow_up(message, today) {
        for call in previous_calls(&request.messages[..last_user]) {
            let Some(spec) = request.tools.iter().find(|t| t.name == call.name) else {
                continue;
            };
            let Ok(previous) = serde_json::from_str::<Map<String, Value>>(&call.arguments) else {
                continue;
            };
            chosen.add(spec, args::refill(spec, previous, message, today));
        }
    }
    if chosen.is_empty()
        && howto::is_how_to_question(message, today)
        && let Some(spec) = request
            .tools
            .iter()
            .find(|t| t.name == howto::KNOWLEDGE_TOOL)
    {
        chosen.add(spec, args::fill(spec, message, today));
    }
    if chosen.is_empty() {
        for spec in select::select(message, &request.tools, today) {
            chosen.add(spec, args::fill(spec, message, today));
        }
    }

    if !chosen.calls.is_empty() {
        let calls = chosen
            .calls
            .into_iter()
            .take(MAX_CALLS)
            .enumerate()
            .map(|(i, (name, arguments))| ToolCallRequest {
                id: format!("call_{}", first_id + i),
                name,
                arguments: Value::Object(arguments).to_string(),
            })
            .collect();
        return Plan::Calls(calls);
    }
    match chosen.questions.into_iter().next() {
        Some((spec, missing)) => Plan::Reply(answer::clarify(spec, &missing)),
        None => Plan::Reply(answer::help(&request.tools)),
    }
}

/// Calls and questions gathered across the chosen tools.
#[derive(Default)]
struct Chosen<'a> {
    calls: Vec<(String, Map<String, Value>)>,
    questions: Vec<(&'a ToolSpec, Vec<MissingArg>)>,
}

impl<'a> Chosen<'a> {
    fn add(&mut self, spec: &'a ToolSpec, filled: Filled) {
        match filled {
            Filled::Calls(calls) => {
                for args in calls {
                    // Per-platform calls collapse when a follow-up names one platform.
                    let call = (spec.name.clone(), args);
                    if !self.calls.contains(&call) {
                        self.calls.push(call);
                    }
                }
            }
            Filled::Missing(missing) => self.questions.push((spec, missing)),
        }
    }

    fn is_empty(&self) -> bool {
        self.calls.is_empty() && self.questions.is_empty()
    }
}

/// A message that only names a platform, dates or a breakdown ("and for TikTok?",
/// "what about last month?") asks the previous question again.
fn is_follow_up(message: &str, today: NaiveDate) -> bool {
    const FILLER: &[&str] = &[
        "about", "instead", "also", "again", "same", "compare", "compared", "numbers", "data",
        "figures", "results", "one", "ones", "cool", "great", "nice", "side", "versus", "vs",
    ];
    let names_something = !extract::platforms(message).is_empty()
        || dates::parse_range(message, today).is_some()
        || extract::breakdown(message).is_some();
    names_something
        && words(message).iter().all(|w| {
            is_stopword(w)
                || FILLER.contains(&w.as_str())
                || extract::is_platform_word(w)
                || dates::is_date_word(w)
                || extract::is_breakdown_word(w)
        })
}

/// The tool calls of the turn before the last user message.
fn previous_calls(history: &[ChatMessage]) -> Vec<&ToolCallRequest> {
    let turn_start = history
        .iter()
        .rposition(|m| m.role == Role::User)
        .unwrap_or(0);
    history[turn_start..]
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .flat_map(|m| m.tool_calls.iter())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::offline::fixtures::{performance_tool, spec_tools, today};
    use serde_json::json;

    fn request(messages: Vec<ChatMessage>) -> ChatRequest {
        ChatRequest {
            messages,
            tools: spec_tools().into(),
            max_output_tokens: None,
            temperature: None,
        }
    }

    /// The calls planned for one fresh message, as (name, arguments) pairs.
    fn calls_for(message: &str) -> Vec<(String, Value)> {
        calls_in(request(vec![
            ChatMessage::system("You are Omnify."),
            ChatMessage::user(message),
        ]))
    }

    fn calls_in(request: ChatRequest) -> Vec<(String, Value)> {
        match plan(&request, today()) {
            Plan::Calls(calls) => calls
                .into_iter()
                .map(|c| (c.name, serde_json::from_str(&c.arguments).unwrap()))
                .collect(),
            Plan::Reply(text) => panic!("expected calls, got a reply: {text}"),
        }
    }

    fn reply_for(message: &str) -> String {
        match plan(&request(vec![ChatMessage::user(message)]), today()) {
            Plan::Reply(text) => text,
            Plan::Calls(calls) => panic!("expected a reply, got {calls:?}"),
        }
    }

    fn perf(args: Value) -> (String, Value) {
        ("get_marketing_performance".to_string(), args)
    }

    fn range(since: &str, until: &str) -> Value {
        json!({"since": since, "until": until})
    }

    #[test]
    fn comparison_across_platforms_calls_once_per_platform() {
        let week = range("2026-11-16", "2026-11-22");
        assert_eq!(
            calls_for("how did Meta do last week against Google?"),
            [
                perf(json!({"platform": "meta", "date_range": week})),
                perf(json!({"platform": "google", "date_range": week})),
            ]
        );
    }

    #[test]
    fn three_platforms_three_calls() {
        let month = range("2026-10-01", "2026-10-31");
        assert_eq!(
            calls_for("compare Meta, Google and TikTok spend last month"),
            [
                perf(json!({"platform": "meta", "date_range": month})),
                perf(json!({"platform": "google", "date_range": month})),
                perf(json!({"platform": "tiktok", "date_range": month})),
            ]
        );
    }

    #[test]
    fn roas_yesterday_covers_all_platforms() {
        assert_eq!(
            calls_for("what was our ROAS yesterday"),
            [perf(
                json!({"platform": "all", "date_range": range("2026-11-24", "2026-11-24")})
            )]
        );
    }

    #[test]
    fn facebook_is_meta() {
        assert_eq!(
            calls_for("spend on facebook in the past 30 days"),
            [perf(
                json!({"platform": "meta", "date_range": range("2026-10-26", "2026-11-24")})
            )]
        );
        assert_eq!(
            calls_for("How are our Instagram ads doing this month?"),
            [perf(
                json!({"platform": "meta", "date_range": range("2026-11-01", "2026-11-24")})
            )]
        );
    }

    #[test]
    fn quarter_broken_down_by_campaign() {
        assert_eq!(
            calls_for("Q3 performance by campaign"),
            [perf(
                json!({"platform": "all", "date_range": range("2026-07-01", "2026-09-30"), "level": "campaign"})
            )]
        );
    }

    #[test]
    fn daily_breakdown_and_explicit_dates() {
        assert_eq!(
            calls_for("daily TikTok spend from 2026-10-01 to 2026-10-15"),
            [perf(
                json!({"platform": "tiktok", "date_range": range("2026-10-01", "2026-10-15"), "level": "day"})
            )]
        );
        assert_eq!(
            calls_for("google ads CPC in October"),
            [perf(
                json!({"platform": "google", "date_range": range("2026-10-01", "2026-10-31")})
            )]
        );
        assert_eq!(
            calls_for("revenue YTD"),
            [perf(
                json!({"platform": "all", "date_range": range("2026-01-01", "2026-11-24")})
            )]
        );
    }

    #[test]
    fn missing_dates_default_to_the_last_seven_days() {
        assert_eq!(
            calls_for("how are our conversions looking on tiktok?"),
            [perf(
                json!({"platform": "tiktok", "date_range": range("2026-11-18", "2026-11-24")})
            )]
        );
    }

    #[test]
    fn budget_change_with_campaign_and_percent() {
        assert_eq!(
            calls_for("raise the budget of campaign Prospecting - Broad by 20%"),
            [(
                "change_campaign_budget".to_string(),
                json!({"campaign": "Prospecting - Broad", "change_percent": 20})
            )]
        );
        assert_eq!(
            calls_for("cut the budget on Meta for \"Retargeting 30d\" by 15 percent"),
            [(
                "change_campaign_budget".to_string(),
                json!({"platform": "meta", "campaign": "Retargeting 30d", "change_percent": -15})
            )]
        );
    }

    #[test]
    fn budget_change_without_a_campaign_asks_for_it() {
        let text = reply_for("please lower the budget by 10%");
        assert!(text.contains("campaign"), "{text}");
        assert!(text.contains('?'), "{text}");
    }

    #[test]
    fn knowledge_questions_search_with_the_message() {
        assert_eq!(
            calls_for("how often should we refresh TikTok creatives?"),
            [(
                "search_knowledge".to_string(),
                json!({"query": "how often should we refresh TikTok creatives?"})
            )]
        );
    }

    #[test]
    fn asking_for_a_person_escalates() {
        assert_eq!(
            calls_for("I'm done with this, let me talk to a real person"),
            [(
                "escalate_to_expert".to_string(),
                json!({"type": "human_requested", "reason": "I'm done with this, let me talk to a real person"})
            )]
        );
    }

    #[test]
    fn unmatched_message_gets_a_clarifying_answer_listing_the_tools() {
        let text = reply_for("what's the weather in Paris?");
        assert!(
            text.contains("Marketing performance: Spend, impressions"),
            "{text}"
        );
        assert!(text.contains("knowledge base"), "{text}");
        assert!(text.contains('?'), "{text}");
        assert!(text.contains("offline mode"), "{text}");
    }

    #[test]
    fn unsupported_platform_is_a_question() {
        let text = reply_for("how did LinkedIn do last week?");
        assert!(text.to_lowercase().contains("linkedin"), "{text}");
    }

    fn first_turn() -> Vec<ChatMessage> {
        let week = range("2026-11-16", "2026-11-22");
        vec![
            ChatMessage::user("how did Meta do last week against Google?"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![
                    ToolCallRequest {
                        id: "call_1".into(),
                        name: "get_marketing_performance".into(),
                        arguments: json!({"platform": "meta", "date_range": week}).to_string(),
                    },
                    ToolCallRequest {
                        id: "call_2".into(),
                        name: "get_marketing_performance".into(),
                        arguments: json!({"platform": "google", "date_range": week}).to_string(),
                    },
                ],
            ),
            ChatMessage::tool_result(
                "call_1",
                r#"{"summary":"Meta spent $1,200.","data":{},"provenance":[]}"#,
            ),
            ChatMessage::tool_result(
                "call_2",
                r#"{"summary":"Google spent $900.","data":{},"provenance":[]}"#,
            ),
            ChatMessage::assistant("Meta spent $1,200; Google spent $900."),
        ]
    }

    #[test]
    fn follow_up_with_a_platform_reuses_the_previous_question() {
        let mut messages = first_turn();
        messages.push(ChatMessage::user("and for TikTok?"));
        let planned = plan(&request(messages), today());
        let Plan::Calls(calls) = planned else {
            panic!("{planned:?}")
        };
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].id, "call_3");
        assert_eq!(calls[0].name, "get_marketing_performance");
        let args: Value = serde_json::from_str(&calls[0].arguments).unwrap();
        assert_eq!(
            args,
            json!({"platform": "tiktok", "date_range": range("2026-11-16", "2026-11-22")})
        );
    }

    #[test]
    fn follow_up_with_dates_keeps_the_platforms() {
        let mut messages = first_turn();
        messages.push(ChatMessage::user("what about last month?"));
        let month = range("2026-10-01", "2026-10-31");
        assert_eq!(
            calls_in(request(messages)),
            [
                perf(json!({"platform": "meta", "date_range": month})),
                perf(json!({"platform": "google", "date_range": month})),
            ]
        );
    }

    #[test]
    fn a_new_question_after_a_turn_is_not_a_follow_up() {
        let mut messages = first_turn();
        messages.push(ChatMessage::user(
            "how often should we refresh TikTok creatives?",
        ));
        assert_eq!(calls_in(request(messages))[0].0, "search_knowledge");
    }

    #[test]
    fn follow_up_to_a_search_extends_its_query() {
        let messages = vec![
            ChatMessage::user("how often should we refresh creatives?"),
            ChatMessage::assistant_tool_calls(
                "",
                vec![ToolCallRequest {
                    id: "call_1".into(),
                    name: "search_knowledge".into(),
                    arguments: json!({"query": "how often should we refresh creatives?"})
                        .to_string(),
                }],
            ),
            ChatMessage::tool_result(
                "call_1",
                r#"{"summary":"Every 2-3 weeks.","data":{},"provenance":[]}"#,
            ),
            ChatMessage::assistant("Every 2-3 weeks."),
            ChatMessage::user("and for TikTok?"),
        ];
        assert_eq!(
            calls_in(request(messages)),
            [(
                "search_knowledge".to_string(),
                json!({"query": "how often should we refresh creatives? and for TikTok?"})
            )]
        );
    }

    #[test]
    fn follow_up_without_history_is_planned_fresh() {
        let only_perf = ChatRequest {
            messages: vec![ChatMessage::user("and for TikTok last week?")],
            tools: vec![performance_tool()].into(),
            max_output_tokens: None,
            temperature: None,
        };
        // Platform + dates fit the schema but are not a topic: not enough to guess.
        assert!(matches!(plan(&only_perf, today()), Plan::Reply(_)));
    }
}
