//! One turn: model steps and tool calls until the model answers, within bounds.

use crate::approvals::ApprovalDesk;
use crate::budget::TokenCounter;
use crate::escalation::{EscalationDesk, policy};
use crate::history;
use crate::pricing::PriceTable;
use crate::prompts::{Prompts, TenantFacts};
use crate::registry::{ToolRegistry, UserRole};
use futures_util::future::join_all;
use omnify_core::{
    Chart, ChatMessage, ChatModel, ChatRequest, ConversationStore, InterventionKind, MessageRole,
    ModelError, ModelErrorKind, OutboundEvent, StoreError, StoredChart, StoredMessage, Tool,
    ToolCallRecord, ToolCallRequest, ToolContext, ToolEffect, ToolError, ToolOutput, TurnUsage,
    Usage,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tracing::Instrument;

/// Bounds on one turn, so a looping model or a slow platform cannot run away.
#[derive(Debug, Clone)]
pub struct TurnLimits {
    /// Model calls per turn.
    pub max_steps: u32,
    /// Prompt + completion tokens over all steps.
    pub max_total_tokens: u64,
    pub wall_time: Duration,
    pub tool_timeout: Duration,
    /// Completion tokens reserved per step.
    pub max_output_tokens: u32,
}

impl Default for TurnLimits {
    fn default() -> Self {
        Self {
            max_steps: 8,
            max_total_tokens: 200_000,
            wall_time: Duration::from_secs(120),
            tool_timeout: Duration::from_secs(30),
            max_output_tokens: 1024,
        }
    }
}

/// A stored user message to answer.
#[derive(Debug, Clone)]
pub struct TurnInput {
    pub tenant_id: String,
    pub conversation_id: String,
    /// The stored user message this turn answers.
    pub message_id: String,
    pub user_id: Option<String>,
    pub role: UserRole,
    pub tenant: TenantFacts,
    pub today: chrono::NaiveDate,
    /// The message's text when it started the conversation: then there is no history,
    /// no earlier tool call and no expert note to read.
    pub first_message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TurnOutcome {
    pub message_id: String,
    pub reply: String,
    pub tool_calls: Vec<ToolCallRecord>,
    pub usage: TurnUsage,
}

#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error("the language model failed: {0}")]
    Model(#[from] ModelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("prompt template error: {0}")]
    Prompt(String),
    #[error("the turn took longer than {0:?}")]
    WallTime(Duration),
}

pub struct Agent {
    model: Arc<dyn ChatModel>,
    /// Hands conversations to experts; `None` where no escalation is set up.
    desk: Option<Arc<EscalationDesk>>,
    /// Confirms and runs proposed write actions.
    approvals: Option<Arc<ApprovalDesk>>,
    store: Arc<dyn ConversationStore>,
    tools: ToolRegistry,
    prompts: Prompts,
    prices: PriceTable,
    limits: TurnLimits,
    tokens: TokenCounter,
}

/// What the tools did in one step, in call order.
struct StepResult {
    messages: Vec<ChatMessage>,
    records: Vec<ToolCallRecord>,
}

impl Agent {
    pub fn new(
        model: Arc<dyn ChatModel>,
        store: Arc<dyn ConversationStore>,
        tools: ToolRegistry,
        prices: PriceTable,
        limits: TurnLimits,
        desk: Option<Arc<EscalationDesk>>,
    ) -> Result<Self, TurnError> {
        Ok(Self {
            model,
            desk,
            approvals: None,
            store,
            tools,
            prompts: Prompts::new().map_err(|e| TurnError::Prompt(e.to_string()))?,
            prices,
            limits,
            tokens: TokenCounter::new(),
        })
    }

    /// Let users confirm or cancel proposed write actions in the conversation.
    pub fn with_approvals(mut self, approvals: Arc<ApprovalDesk>) -> Self {
        self.approvals = Some(approvals);
        self
    }

    pub fn model(&self) -> &dyn ChatModel {
        self.model.as_ref()
    }

    /// Answer the stored message `input.message_id`, streaming events to `events` and
    /// persisting the reply, its tool calls and usage.
    pub async fn run_turn(
        &self,
        input: TurnInput,
        events: Option<UnboundedSender<OutboundEvent>>,
    ) -> Result<TurnOutcome, TurnError> {
        let span = tracing::info_span!("turn", tenant_id = %input.tenant_id, conversation_id = %input.conversation_id);
        let deadline = self.limits.wall_time;
        match tokio::time::timeout(
            deadline,
            self.turn(&input, events.as_ref()).instrument(span),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(TurnError::WallTime(deadline)),
        }
    }

    async fn turn(
        &self,
        input: &TurnInput,
        events: Option<&UnboundedSender<OutboundEvent>>,
    ) -> Result<TurnOutcome, TurnError> {
        let emit = |e: OutboundEvent| {
            if let Some(tx) = events {
                let _ = tx.send(e);
            }
        };
        let (stored, calls) = match &input.first_message {
            Some(text) => (
                vec![StoredMessage {
                    id: input.message_id.clone(),
                    conversation_id: input.conversation_id.clone(),
                    role: MessageRole::User,
                    author: String::new(),
                    text: text.clone(),
                    created_at_us: 0,
                }],
                Vec::new(),
            ),
            None => (
                self.store.history(&input.conversation_id).await?,
                self.store.tool_calls(&input.conversation_id).await?,
            ),
        };
        let mut tenant = input.tenant.clone();
        if let (Some(approvals), None) = (&self.approvals, &input.first_message)
            && let Some(outcome) = self
                .answer_proposal(approvals, input, &stored, &emit)
                .await?
        {
            return Ok(outcome);
        }
        if let Some(desk) = &self.desk {
            // What experts decided in this conversation binds the bot from then on.
            if input.first_message.is_none() {
                tenant
                    .notes
                    .extend(desk.store().expert_notes(&input.conversation_id).await?);
            }
            if let Some(outcome) = self
                .escalate_before_turn(desk, input, &stored, &emit)
                .await?
            {
                return Ok(outcome);
            }
        }

        let connected: HashSet<String> = tenant.connected_platforms.iter().cloned().collect();
        let offer = self.tools.offer(&connected, input.role);
        let system = self
            .prompts
            .system(&tenant, input.today, &offer.lines)
            .map_err(|e| TurnError::Prompt(e.to_string()))?;
        let past = history::to_chat(&stored, &calls);

        // Everything that must always be sent: the system prompt, tool schemas and the
        // room the answer needs. History gets what is left.
        let fixed = self.tokens.repeated_text(&system)
            + *offer
                .schema_tokens
                .get_or_init(|| self.tokens.tools(&offer.specs))
            + self.limits.max_output_tokens as usize;
        let mut history_budget = self.model.context_window().saturating_sub(fixed);
        // One request for the whole turn: each step appends its tool calls and results.
        let mut request = ChatRequest {
            messages: self.assemble(&system, past.clone(), history_budget),
            tools: offer.specs.clone(),
            max_output_tokens: Some(self.limits.max_output_tokens),
            temperature: None,
        };
        // Where this turn's own messages start in `request.messages`.
        let mut turn_start = request.messages.len();

        let reply_id = uuid::Uuid::new_v4().to_string();
        let ctx = ToolContext {
            tenant_id: input.tenant_id.clone(),
            conversation_id: input.conversation_id.clone(),
            user_id: input.user_id.clone(),
            today: input.today,
        };
        let mut usage = Usage::default();
        // The model that actually answered (a fallback provider, a dated model id): it
        // sets the price, not the configured primary.
        let mut answered_by = self.model.model_name().to_string();
        let mut records = Vec::new();
        let mut steps = 0;
        let mut trimmed_for_context = false;
        let on_text = |t: &str| {
            emit(OutboundEvent::Delta {
                text: t.to_string(),
            })
        };

        let reply = loop {
            if steps >= self.limits.max_steps {
                break self.bounded_reply(&records, format!("{} steps", self.limits.max_steps));
            }
            if usage.prompt_tokens + usage.completion_tokens >= self.limits.max_total_tokens {
                break self
                    .bounded_reply(&records, format!("{} tokens", self.limits.max_total_tokens));
            }
            steps += 1;
            let started = Instant::now();
            let result = self
                .model
                .complete(&request, &on_text)
                .instrument(tracing::info_span!(
                    "model_call",
                    step = steps,
                    model = self.model.model_name()
                ))
                .await;
            let response = match result {
                Ok(r) => r,
                // Too long once: keep half the history and try again. Twice: give up.
                Err(e) if e.kind == ModelErrorKind::ContextTooLong && !trimmed_for_context => {
                    tracing::warn!(
                        history_budget,
                        "prompt too long for the model, trimming history"
                    );
                    trimmed_for_context = true;
                    history_budget /= 2;
                    let this_turn = request.messages.split_off(turn_start);
                    request.messages = self.assemble(&system, past.clone(), history_budget);
                    turn_start = request.messages.len();
                    request.messages.extend(this_turn);
                    steps -= 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            tracing::debug!(
                step = steps,
                ms = started.elapsed().as_millis() as u64,
                calls = response.tool_calls.len(),
                "model step done"
            );
            usage += response.usage;
            if !response.model.is_empty() {
                answered_by = response.model.clone();
            }
            if response.tool_calls.is_empty() {
                break response.text;
            }
            request.messages.push(ChatMessage::assistant_tool_calls(
                &response.text,
                response.tool_calls.clone(),
            ));
            let step = self
                .run_tools(&ctx, &offer.by_name, &response.tool_calls, &reply_id, &emit)
                .await;
            request.messages.extend(step.messages);
            records.extend(step.records);
        };

        let mut reply = reply;
        let escalated_by_model = records
            .iter()
            .any(|r| r.ok && r.name == crate::escalation::tool::TOOL_NAME);
        if let (Some(desk), false) = (&self.desk, escalated_by_model)
            && let Some(trigger) =
                policy::after_turn(desk.policy(), &input.tenant_id, &records, &reply)
        {
            let source = format!("policy:{}", trigger.kind.as_str());
            let topic = stored
                .iter()
                .filter(|m| m.role == MessageRole::User)
                .map(|m| m.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            desk.escalate(
                &input.tenant_id,
                &input.conversation_id,
                &trigger,
                &source,
                &topic,
            )
            .await?;
            let note = format!(
                "\n\nI've also asked an expert on your team to look at this ({}). They'll reply here.",
                trigger.reason
            );
            emit(OutboundEvent::Delta { text: note.clone() });
            reply.push_str(&note);
        }

        let reply_message = StoredMessage {
            id: reply_id.clone(),
            conversation_id: input.conversation_id.clone(),
            role: MessageRole::Assistant,
            author: "omnify".into(),
            text: reply.clone(),
            created_at_us: 0,
        };
        let turn_usage = TurnUsage {
            conversation_id: input.conversation_id.clone(),
            message_id: reply_id.clone(),
            model: answered_by.clone(),
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            cost_usd: self.prices.cost(&answered_by, usage),
            steps,
        };
        self.store
            .record_reply(&input.message_id, &reply_message, &records, &turn_usage)
            .await?;
        emit(OutboundEvent::Done {
            message_id: reply_id.clone(),
            reply: reply.clone(),
        });
        Ok(TurnOutcome {
            message_id: reply_id,
            reply,
            tool_calls: records,
            usage: turn_usage,
        })
    }

    /// Run the pre-turn rules; when one fires, hand the conversation to an expert and
    /// answer with the hand-off notice instead of running the model.
    async fn escalate_before_turn(
        &self,
        desk: &EscalationDesk,
        input: &TurnInput,
        stored: &[StoredMessage],
        emit: &(dyn Fn(OutboundEvent) + Send + Sync),
    ) -> Result<Option<TurnOutcome>, TurnError> {
        let asked: Vec<String> = stored
            .iter()
            .filter(|m| m.role == MessageRole::User)
            .map(|m| m.text.clone())
            .collect();
        let Some((message, earlier)) = asked.split_last() else {
            return Ok(None);
        };
        let Some(trigger) = policy::before_turn(desk.policy(), &input.tenant_id, message, earlier)
        else {
            return Ok(None);
        };
        let source = format!("policy:{}", trigger.kind.as_str());
        let escalation = desk
            .escalate(
                &input.tenant_id,
                &input.conversation_id,
                &trigger,
                &source,
                &asked.join(" "),
            )
            .await?;
        let minutes = desk.sla().for_urgency(escalation.urgency).as_secs() / 60;
        // The reason is written for the expert; the user gets it in their own terms.
        let why = match trigger.kind {
            InterventionKind::HumanRequested => "as you asked",
            InterventionKind::CompliancePrivacy => {
                "because privacy and legal questions need a person"
            }
            InterventionKind::BillingAccount => {
                "because billing and account questions need a person"
            }
            InterventionKind::Frustration => "because I'm clearly not getting this right for you",
            InterventionKind::IntegrationFailure => "because a connection needs fixing",
            InterventionKind::LowConfidence => "because I can't answer this reliably",
            InterventionKind::HighStakesDecision => "because this decision moves real money",
        };
        let reply = format!(
            "I've asked a human expert on your team to join this conversation, {why}. They'll reply right here, \
             usually within {minutes} minutes. Until they hand the conversation back, I'll stay quiet and pass your \
             messages on to them."
        );
        self.reply_without_model(input, reply, "policy", emit)
            .await
            .map(Some)
    }

    /// When the user answers a pending proposal ("confirm", "cancel"), act on it
    /// instead of running the model.
    async fn answer_proposal(
        &self,
        approvals: &ApprovalDesk,
        input: &TurnInput,
        stored: &[StoredMessage],
        emit: &(dyn Fn(OutboundEvent) + Send + Sync),
    ) -> Result<Option<TurnOutcome>, TurnError> {
        let Some(pending) = approvals
            .store()
            .proposed_action_for(&input.conversation_id)
            .await?
        else {
            return Ok(None);
        };
        let Some(message) = stored.iter().rev().find(|m| m.role == MessageRole::User) else {
            return Ok(None);
        };
        let Some(agree) = crate::approvals::desk::reads_as_decision(&message.text) else {
            return Ok(None);
        };
        let actor = input.user_id.clone().unwrap_or_else(|| "user".into());
        let outcome = if agree {
            approvals
                .confirm(&input.tenant_id, &pending.id, &actor)
                .await
        } else {
            approvals
                .cancel(&input.tenant_id, &pending.id, &actor)
                .await
        };
        let reply = match outcome {
            Ok(a) => crate::approvals::desk::status_sentence(&a),
            Err(e) => format!("I couldn't do that: {e}."),
        };
        self.reply_without_model(input, reply, "approvals", emit)
            .await
            .map(Some)
    }

    /// Store and stream a reply that no model wrote (a hand-off notice, a decision).
    async fn reply_without_model(
        &self,
        input: &TurnInput,
        reply: String,
        source: &str,
        emit: &(dyn Fn(OutboundEvent) + Send + Sync),
    ) -> Result<TurnOutcome, TurnError> {
        emit(OutboundEvent::Delta {
            text: reply.clone(),
        });
        let reply_id = uuid::Uuid::new_v4().to_string();
        let message = StoredMessage {
            id: reply_id.clone(),
            conversation_id: input.conversation_id.clone(),
            role: MessageRole::Assistant,
            author: "omnify".into(),
            text: reply.clone(),
            created_at_us: 0,
        };
        let usage = TurnUsage {
            conversation_id: input.conversation_id.clone(),
            message_id: reply_id.clone(),
            model: source.into(),
            prompt_tokens: 0,
            completion_tokens: 0,
            cost_usd: 0.0,
            steps: 0,
        };
        self.store
            .record_reply(&input.message_id, &message, &[], &usage)
            .await?;
        emit(OutboundEvent::Done {
            message_id: reply_id.clone(),
            reply: reply.clone(),
        });
        Ok(TurnOutcome {
            message_id: reply_id,
            reply,
            tool_calls: Vec::new(),
            usage,
        })
    }

    fn assemble(&self, system: &str, past: Vec<ChatMessage>, budget: usize) -> Vec<ChatMessage> {
        let mut messages = vec![ChatMessage::system(system)];
        messages.extend(self.tokens.trim(past, budget));
        messages
    }

    /// Run one step's tool calls concurrently, each under the tool timeout. Bad
    /// arguments and failures become tool results the model reads; they never end
    /// the turn.
    async fn run_tools(
        &self,
        ctx: &ToolContext,
        tools: &HashMap<String, Arc<dyn Tool>>,
        calls: &[ToolCallRequest],
        reply_id: &str,
        emit: &(dyn Fn(OutboundEvent) + Send + Sync),
    ) -> StepResult {
        let runs = calls.iter().map(|call| async move {
            let arguments: Result<serde_json::Value, _> =
                serde_json::from_str(if call.arguments.trim().is_empty() { "{}" } else { &call.arguments });
            emit(OutboundEvent::ToolCall {
                id: call.id.clone(),
                name: call.name.clone(),
                arguments: arguments.as_ref().cloned().unwrap_or(serde_json::Value::Null),
            });
            let started = Instant::now();
            let outcome = match (tools.get(&call.name), arguments) {
                (None, _) => Err(ToolError::BadArguments(format!(
                    "there is no tool named {:?}; use one of: {}",
                    call.name,
                    tools.keys().cloned().collect::<Vec<_>>().join(", ")
                ))),
                (Some(_), Err(e)) => Err(ToolError::BadArguments(format!("arguments are not valid JSON: {e}"))),
                (Some(tool), Ok(_)) if tool.effect() == ToolEffect::Write => Err(ToolError::Failed(
                    "this action changes a platform and needs approval, which is not available yet".into(),
                )),
                (Some(tool), Ok(args)) => {
                    let span = tracing::info_span!("tool_call", tool = %call.name, tenant_id = %ctx.tenant_id, conversation_id = %ctx.conversation_id);
                    match tokio::time::timeout(self.limits.tool_timeout, tool.call(ctx, args).instrument(span)).await {
                        Ok(r) => r,
                        Err(_) => Err(ToolError::Timeout(self.limits.tool_timeout.as_millis() as u64)),
                    }
                }
            };
            let duration_ms = started.elapsed().as_millis() as u64;
            let (ok, summary, model_text) = match &outcome {
                Ok(out) => (true, out.summary.clone(), out.to_model_text()),
                Err(e) => (false, e.to_string(), history::result_text(false, &e.to_string())),
            };
            if !ok {
                tracing::warn!(tool = %call.name, error = %summary, "tool call failed");
            }
            emit(OutboundEvent::ToolResult {
                id: call.id.clone(),
                name: call.name.clone(),
                ok,
                summary: summary.clone(),
                duration_ms,
            });
            if let Ok(ToolOutput { chart: Some(chart), .. }) = outcome {
                self.keep_chart(ctx, reply_id, &call.id, chart, emit).await;
            }
            let record = ToolCallRecord {
                conversation_id: ctx.conversation_id.clone(),
                message_id: reply_id.to_string(),
                call_id: call.id.clone(),
                name: call.name.clone(),
                arguments: call.arguments.clone(),
                duration_ms,
                ok,
                result_summary: summary,
            };
            (ChatMessage::tool_result(&call.id, model_text), record)
        });
        let (messages, records) = join_all(runs).await.into_iter().unzip();
        StepResult { messages, records }
    }

    /// Store a tool's chart under the reply being written, then tell the surface, so
    /// its URL works by the time the surface asks for it. A chart that cannot be
    /// stored is left out; the answer itself does not depend on it.
    async fn keep_chart(
        &self,
        ctx: &ToolContext,
        reply_id: &str,
        call_id: &str,
        chart: Chart,
        emit: &(dyn Fn(OutboundEvent) + Send + Sync),
    ) {
        let stored = StoredChart {
            // 122 random bits: the id in a URL does not reveal or guess other charts.
            id: uuid::Uuid::new_v4().simple().to_string(),
            tenant_id: ctx.tenant_id.clone(),
            conversation_id: ctx.conversation_id.clone(),
            message_id: reply_id.to_string(),
            call_id: call_id.to_string(),
            chart,
            created_at_us: 0,
        };
        match self.store.save_chart(&stored).await {
            Ok(()) => emit(OutboundEvent::chart(
                &stored.id,
                call_id,
                &stored.chart.title,
            )),
            Err(e) => {
                tracing::warn!(error = %e, call_id, "cannot keep the tool's chart; answering without it")
            }
        }
    }

    /// The answer when a bound stops the loop: say so, and pass on what was found.
    fn bounded_reply(&self, records: &[ToolCallRecord], bound: String) -> String {
        let mut text =
            format!("I stopped before finishing because this question needed more than {bound}.");
        let found: Vec<_> = records.iter().filter(|r| r.ok).collect();
        if !found.is_empty() {
            text.push_str(" Here is what I found so far:");
            for r in found {
                text.push_str(&format!("\n- {}: {}", r.name, r.result_summary));
            }
        }
        text.push_str("\nTry a narrower question, or ask for a person if you need more.");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use omnify_core::test_utils::ScriptedModel;
    use omnify_core::{
        ChartSeries, ChatResponse, ConversationMode, InboundMessage, InboundOutcome, ToolSpec,
    };
    use std::sync::Mutex;

    /// Keeps charts (or refuses to, like a store that predates them) and nothing else.
    struct Charts {
        kept: Mutex<Vec<StoredChart>>,
        refuse: bool,
    }

    #[async_trait]
    impl ConversationStore for Charts {
        async fn record_inbound(&self, _: &InboundMessage) -> Result<InboundOutcome, StoreError> {
            Err(StoreError::Database("not used".into()))
        }
        async fn conversation_mode(&self, _: &str) -> Result<ConversationMode, StoreError> {
            Ok(ConversationMode::Bot)
        }
        async fn history(&self, _: &str) -> Result<Vec<StoredMessage>, StoreError> {
            Ok(Vec::new())
        }
        async fn tool_calls(&self, _: &str) -> Result<Vec<ToolCallRecord>, StoreError> {
            Ok(Vec::new())
        }
        async fn record_reply(
            &self,
            _: &str,
            _: &StoredMessage,
            _: &[ToolCallRecord],
            _: &TurnUsage,
        ) -> Result<(), StoreError> {
            Ok(())
        }
        async fn save_chart(&self, chart: &StoredChart) -> Result<(), StoreError> {
            if self.refuse {
                return Err(StoreError::Database("disk full".into()));
            }
            self.kept.lock().unwrap().push(chart.clone());
            Ok(())
        }
    }

    struct SpendChart;

    #[async_trait]
    impl Tool for SpendChart {
        fn spec(&self) -> ToolSpec {
            ToolSpec {
                name: "daily_spend".into(),
                description: "Daily spend.".into(),
                parameters: serde_json::json!({"type": "object", "properties": {}}),
                keywords: Vec::new(),
            }
        }
        async fn call(
            &self,
            _: &ToolContext,
            _: serde_json::Value,
        ) -> Result<ToolOutput, ToolError> {
            Ok(ToolOutput {
                data: serde_json::json!({"spend": [100.0, 120.0]}),
                summary: "Spend rose 20%.".into(),
                provenance: Vec::new(),
                chart: Some(Chart {
                    title: "Daily spend".into(),
                    x_labels: vec!["2026-11-16".into(), "2026-11-17".into()],
                    series: vec![ChartSeries {
                        name: "Spend".into(),
                        values: vec![100.0, 120.0],
                    }],
                    ..Default::default()
                }),
            })
        }
    }

    async fn turn_with_chart(store: Arc<Charts>) -> (TurnOutcome, Vec<OutboundEvent>) {
        let model = ScriptedModel::new(vec![
            Ok(ChatResponse {
                tool_calls: vec![ToolCallRequest {
                    id: "call-1".into(),
                    name: "daily_spend".into(),
                    arguments: "{}".into(),
                }],
                ..Default::default()
            }),
            Ok(ChatResponse {
                text: "Spend rose 20%.".into(),
                ..Default::default()
            }),
        ]);
        let mut tools = ToolRegistry::new();
        tools.register(Arc::new(SpendChart), &[], UserRole::Member);
        let agent = Agent::new(
            Arc::new(model),
            store,
            tools,
            PriceTable::new(HashMap::new()),
            TurnLimits::default(),
            None,
        )
        .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let input = TurnInput {
            tenant_id: "acme".into(),
            conversation_id: "conv-1".into(),
            message_id: "msg-1".into(),
            user_id: None,
            role: UserRole::Member,
            tenant: TenantFacts::default(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
            first_message: Some("how is spend?".into()),
        };
        let outcome = agent.run_turn(input, Some(tx)).await.unwrap();
        let mut events = Vec::new();
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        (outcome, events)
    }

    #[tokio::test]
    async fn a_tools_chart_is_stored_and_announced_after_its_result() {
        let store = Arc::new(Charts {
            kept: Mutex::new(Vec::new()),
            refuse: false,
        });
        let (outcome, events) = turn_with_chart(store.clone()).await;
        let kept = store.kept.lock().unwrap().clone();
        assert_eq!(kept.len(), 1);
        let chart = &kept[0];
        assert_eq!(chart.chart.title, "Daily spend");
        assert_eq!(
            (chart.tenant_id.as_str(), chart.conversation_id.as_str()),
            ("acme", "conv-1")
        );
        assert_eq!(
            chart.message_id, outcome.message_id,
            "filed under the reply"
        );
        assert_eq!(chart.call_id, "call-1");
        assert_eq!(chart.id.len(), 32, "a full random uuid");

        let result_at = events
            .iter()
            .position(|e| matches!(e, OutboundEvent::ToolResult { .. }))
            .unwrap();
        let chart_at = events
            .iter()
            .position(|e| matches!(e, OutboundEvent::Chart { .. }))
            .unwrap();
        assert!(chart_at > result_at, "the chart follows its tool's result");
        assert_eq!(
            events[chart_at],
            OutboundEvent::chart(&chart.id, "call-1", "Daily spend")
        );
        let OutboundEvent::Chart {
            svg_url, png_url, ..
        } = &events[chart_at]
        else {
            unreachable!()
        };
        assert_eq!(svg_url, &format!("/api/v1/charts/{}.svg", chart.id));
        assert_eq!(png_url, &format!("/api/v1/charts/{}.png", chart.id));
    }

    #[tokio::test]
    async fn a_chart_that_cannot_be_stored_is_left_out_of_the_answer() {
        let store = Arc::new(Charts {
            kept: Mutex::new(Vec::new()),
            refuse: true,
        });
        let (outcome, events) = turn_with_chart(store).await;
        assert_eq!(outcome.reply, "Spend rose 20%.");
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, OutboundEvent::Chart { .. }))
        );
    }
}
