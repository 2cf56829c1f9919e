//! Slack Socket Mode, the wire side: for installs without a public URL, Slack pushes
//! the same payloads as the HTTP routes over a WebSocket that Omnify opens.
//!
//! `apps.connections.open` (with the app-level token, `xapp-…`) gives a `wss://` URL;
//! Slack greets with `hello`, then sends envelopes (`events_api`, `interactive`,
//! `slash_commands`) that must each be acknowledged with `{"envelope_id": …}` at once
//! (the work runs after the ack, as with HTTP's 3-second rule); `disconnect` asks for a
//! new connection. [`run`] keeps one connection up: it opens a new one on `disconnect`,
//! reconnects with capped, jittered backoff when one drops, and gives up only when Slack
//! refuses the token. What an envelope means is the server's business ([`Handler`]).

use super::api::{SlackApi, SlackApiError};
use futures_util::future::BoxFuture;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// `apps.connections.open` errors that no retry fixes: the token is wrong, revoked, not
/// an app-level token, or lacks `connections:write`.
const REFUSALS: [&str; 7] = [
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
    "missing_scope",
];

#[derive(Debug, thiserror::Error)]
pub enum SocketModeError {
    /// Slack refused the app token: nothing to retry until the configuration changes.
    #[error(
        "Slack refused the app token ({0}): set [slack] app_token to the app's app-level token (xapp-…) with the connections:write scope"
    )]
    Refused(String),
    #[error("apps.connections.open failed: {0}")]
    Open(SlackApiError),
    #[error("cannot connect to the Socket Mode URL: {0}")]
    Connect(String),
    #[error("the Socket Mode connection dropped: {0}")]
    Lost(String),
}

impl From<SlackApiError> for SocketModeError {
    fn from(e: SlackApiError) -> Self {
        match e {
            SlackApiError::Api(code) if REFUSALS.contains(&code.as_str()) => Self::Refused(code),
            other => Self::Open(other),
        }
    }
}

/// What an envelope carries: the same JSON as the matching HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// An Events API body (`event_callback`), as `POST /slack/events` gets it.
    EventsApi,
    /// An interaction payload (buttons), as the `payload` field of `/slack/interactions`.
    Interactive,
    /// A slash command's fields as a JSON object (the form fields of `/slack/commands`).
    SlashCommands,
    /// A type Omnify does not handle; acknowledged all the same.
    Other(String),
}

/// One delivery from Slack, to acknowledge by its `envelope_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub envelope_id: String,
    pub kind: EnvelopeKind,
    pub payload: Value,
    /// Slack reads a `payload` in the ack (a slash command's response).
    pub accepts_response_payload: bool,
    /// 0 for the first delivery; a redelivery of an envelope not acknowledged in time
    /// counts up.
    pub retry_attempt: u32,
    pub retry_reason: Option<String>,
}

/// A text frame from Slack.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Hello,
    /// Open a new connection (`refresh_requested`, `warning`, `link_disabled`).
    Disconnect {
        reason: String,
    },
    Envelope(Envelope),
    /// Anything else without an envelope id (ignored).
    Other(String),
}

#[derive(Deserialize)]
struct RawFrame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    envelope_id: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    accepts_response_payload: bool,
    #[serde(default)]
    retry_attempt: u32,
    #[serde(default)]
    retry_reason: Option<String>,
}

/// Read one text frame.
pub fn parse(text: &str) -> Result<Frame, serde_json::Error> {
    let raw: RawFrame = serde_json::from_str(text)?;
    Ok(match (raw.kind.as_str(), raw.envelope_id) {
        ("hello", _) => Frame::Hello,
        ("disconnect", _) => Frame::Disconnect {
            reason: raw.reason.unwrap_or_default(),
        },
        (kind, Some(envelope_id)) => Frame::Envelope(Envelope {
            envelope_id,
            kind: match kind {
                "events_api" => EnvelopeKind::EventsApi,
                "interactive" => EnvelopeKind::Interactive,
                "slash_commands" => EnvelopeKind::SlashCommands,
                other => EnvelopeKind::Other(other.to_string()),
            },
            payload: raw.payload,
            accepts_response_payload: raw.accepts_response_payload,
            retry_attempt: raw.retry_attempt,
            retry_reason: raw.retry_reason,
        }),
        (kind, None) => Frame::Other(kind.to_string()),
    })
}

/// The acknowledgement of an envelope, with the response Slack reads when it accepts one.
pub fn ack(envelope_id: &str, payload: Option<&Value>) -> String {
    let mut ack = serde_json::json!({ "envelope_id": envelope_id });
    if let Some(p) = payload {
        ack["payload"] = p.clone();
    }
    ack.to_string()
}

/// What the server makes of a delivery, decided quickly: the body Slack gets now (the
/// HTTP response, or the ack's `payload`) and the work to do once Slack has it.
#[derive(Default)]
pub struct Accepted {
    pub reply: Option<Value>,
    pub work: Option<BoxFuture<'static, ()>>,
    /// The delivery could not be kept (the store is down): Slack must deliver it again,
    /// so it gets no acknowledgement (HTTP: a 500; Socket Mode: no ack).
    pub redeliver: bool,
}

impl Accepted {
    pub fn nothing() -> Self {
        Self::default()
    }

    pub fn redeliver() -> Self {
        Self {
            redeliver: true,
            ..Self::default()
        }
    }

    pub fn work(work: impl Future<Output = ()> + Send + 'static) -> Self {
        Self {
            work: Some(Box::pin(work)),
            ..Self::default()
        }
    }

    pub fn reply(reply: Value) -> Self {
        Self {
            reply: Some(reply),
            ..Self::default()
        }
    }
}

/// The server's side of Socket Mode: what an envelope means.
#[async_trait::async_trait]
pub trait Handler: Send + Sync {
    /// Decide quickly (Slack waits for the ack); slow work goes in [`Accepted::work`].
    async fn accept(&self, envelope: Envelope) -> Accepted;
}

/// Keep-alive: Slack pings us, and we ping it after `ping_after` of silence; a
/// connection silent for `silence_limit` is treated as dropped.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub ping_after: Duration,
    pub silence_limit: Duration,
    /// First reconnect delay, doubling up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ping_after: Duration::from_secs(30),
            silence_limit: Duration::from_secs(90),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// Reconnect delays: doubling from `min` up to `max`, each drawn between half and all
/// of that ceiling so that many servers cut off at once do not return at once.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            failures: 0,
        }
    }

    /// The wait before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self
            .min
            .saturating_mul(1u32 << self.failures.min(16))
            .min(self.max);
        self.failures = self.failures.saturating_add(1);
        let half = ceiling / 2;
        let jitter_ms =
            rand::rng().random_range(0..=ceiling.saturating_sub(half).as_millis() as u64);
        half + Duration::from_millis(jitter_ms)
    }

    /// A connection worked: the next drop waits the least again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One Socket Mode connection.
pub struct Connection {
    socket: Socket,
    options: Options,
    last_heard: Instant,
}

impl Connection {
    /// `apps.connections.open` with the app token (`api` speaks with it), then the
    /// WebSocket to the URL Slack returns (`wss://`, or `ws://` for a local stand-in).
    pub async fn open(api: &SlackApi, options: Options) -> Result<Self, SocketModeError> {
        let url = api.open_socket_connection().await?;
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| SocketModeError::Connect(e.to_string()))?;
        Ok(Self {
            socket,
            options,
            last_heard: Instant::now(),
        })
    }

    /// The next frame; `None` when Slack closed the connection. Pings are answered by
    /// the WebSocket layer; frames that are not JSON are logged and skipped.
    pub async fn next(&mut self) -> Result<Option<Frame>, SocketModeError> {
        loop {
            let read = tokio::time::timeout(self.options.ping_after, self.socket.next()).await;
            let message = match read {
                Err(_) => {
                    let silent = self.last_heard.elapsed();
                    if silent >= self.options.silence_limit {
                        return Err(SocketModeError::Lost(format!(
                            "nothing from Slack for {}s",
                            silent.as_secs()
                        )));
                    }
                    self.socket
                        .send(Message::Ping(Default::default()))
                        .await
                        .map_err(|e| SocketModeError::Lost(e.to_string()))?;
                    continue;
                }
                Ok(None) => return Ok(None),
                Ok(Some(Err(e))) => return Err(SocketModeError::Lost(e.to_string())),
                Ok(Some(Ok(message))) => message,
            };
            self.last_heard = Instant::now();
            match message {
                Message::Text(text) => match parse(text.as_str()) {
                    Ok(frame) => return Ok(Some(frame)),
                    Err(e) => tracing::warn!(error = %e, "unreadable Slack Socket Mode frame"),
                },
                Message::Close(_) => return Ok(None),
                _ => {}
            }
        }
    }

    /// Acknowledge an envelope (with the response, for a slash command).
    pub async fn acknowledge(
        &mut self,
        envelope_id: &str,
        payload: Option<&Value>,
    ) -> Result<(), SocketModeError> {
        self.socket
            .send(Message::text(ack(envelope_id, payload)))
            .await
            .map_err(|e| SocketModeError::Lost(e.to_string()))
    }

    /// Close politely (Slack asked for a new connection, or we are stopping).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.socket.close(None)).await;
    }
}

/// Why one connection ended.
enum Ended {
    /// Slack asked for a new connection.
    Disconnect(String),
    Dropped(SocketModeError),
}

/// Serve Socket Mode until Slack refuses the app token (the only return). `api` must
/// speak with the app-level token.
pub async fn run(api: SlackApi, handler: Arc<dyn Handler>, options: Options) -> SocketModeError {
    let mut backoff = Backoff::new(options.min_backoff, options.max_backoff);
    loop {
        let mut connection = match Connection::open(&api, options).await {
            Ok(c) => c,
            Err(e @ SocketModeError::Refused(_)) => return e,
            Err(e) => {
                let wait = backoff.next_delay();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "cannot open a Slack Socket Mode connection; retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        match serve(&mut connection, handler.as_ref(), &mut backoff).await {
            Ended::Disconnect(reason) => {
                tracing::info!(%reason, "Slack asked for a new Socket Mode connection; opening one");
                connection.close().await;
            }
            Ended::Dropped(e) => {
                let wait = backoff.next_delay();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "Slack Socket Mode connection lost; reconnecting");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// Read one connection: acknowledge every envelope at once, then start its work.
async fn serve(connection: &mut Connection, handler: &dyn Handler, backoff: &mut Backoff) -> Ended {
    loop {
        let frame = match connection.next().await {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                return Ended::Dropped(SocketModeError::Lost("closed by Slack".into()));
            }
            Err(e) => return Ended::Dropped(e),
        };
        match frame {
            Frame::Hello => {
                tracing::info!("Slack Socket Mode connected");
                backoff.reset();
            }
            Frame::Disconnect { reason } => return Ended::Disconnect(reason),
            Frame::Envelope(envelope) => {
                let id = envelope.envelope_id.clone();
                let accepts_payload = envelope.accepts_response_payload;
                tracing::debug!(envelope_id = %id, kind = ?envelope.kind, retry = envelope.retry_attempt, "Slack Socket Mode envelope");
                let accepted = handler.accept(envelope).await;
                if accepted.redeliver {
                    tracing::warn!(envelope_id = %id, "Slack Socket Mode envelope not acknowledged, so Slack delivers it again");
                    continue;
                }
                let reply = accepted.reply.as_ref().filter(|_| accepts_payload);
                let acked = connection.acknowledge(&id, reply).await;
                // Even when the ack was lost the work runs: Slack redelivers the
                // envelope on the next connection, and a redelivered event is
                // recognised by its event id and never answered twice.
                if let Some(work) = accepted.work {
                    tokio::spawn(work);
                }
                if let Err(e) = acked {
                    return Ended::Dropped(e);
                }
            }
            Frame::Other(kind) => tracing::debug!(%kind, "Slack Socket Mode frame ignored"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse() {
        assert_eq!(
            parse(r#"{"type":"hello","num_connections":1,"debug_info":{"host":"x"},"connection_info":{"app_id":"A1"}}"#).unwrap(),
            Frame::Hello
        );
        assert_eq!(
            parse(
                r#"{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"x"}}"#
            )
            .unwrap(),
            Frame::Disconnect {
                reason: "refresh_requested".into()
            }
        );
        let Frame::Envelope(e) = parse(
            r#"{"envelope_id":"e-1","type":"events_api","payload":{"type":"event_callback","event_id":"Ev1"},"accepts_response_payload":false,"retry_attempt":1,"retry_reason":"timeout"}"#,
        )
        .unwrap() else {
            panic!("an envelope")
        };
        assert_eq!(e.envelope_id, "e-1");
        assert_eq!(e.kind, EnvelopeKind::EventsApi);
        assert_eq!(e.payload["event_id"], "Ev1");
        assert_eq!(e.retry_attempt, 1);
        assert_eq!(e.retry_reason.as_deref(), Some("timeout"));
        let Frame::Envelope(e) =
            parse(r#"{"envelope_id":"e-2","type":"slash_commands","payload":{"command":"/omnify","text":"help"},"accepts_response_payload":true}"#)
                .unwrap()
        else {
            panic!("an envelope")
        };
        assert_eq!(e.kind, EnvelopeKind::SlashCommands);
        assert!(e.accepts_response_payload);
        assert_eq!(e.retry_attempt, 0);
        let Frame::Envelope(e) =
            parse(r#"{"envelope_id":"e-3","type":"something_new","payload":{}}"#).unwrap()
        else {
            panic!("an envelope")
        };
        assert_eq!(e.kind, EnvelopeKind::Other("something_new".into()));
        assert!(parse("not json").is_err());
    }

    #[test]
    fn acks_carry_the_envelope_id_and_the_response() {
        let plain: Value = serde_json::from_str(&ack("e-1", None)).unwrap();
        assert_eq!(plain, serde_json::json!({"envelope_id": "e-1"}));
        let with: Value =
            serde_json::from_str(&ack("e-2", Some(&serde_json::json!({"text": "hi"})))).unwrap();
        assert_eq!(
            with,
            serde_json::json!({"envelope_id": "e-2", "payload": {"text": "hi"}})
        );
    }

    #[test]
    fn refused_tokens_are_told_apart_from_outages() {
        let refused: SocketModeError = SlackApiError::Api("invalid_auth".into()).into();
        assert!(matches!(refused, SocketModeError::Refused(ref c) if c == "invalid_auth"));
        assert!(refused.to_string().contains("xapp-"), "{refused}");
        let outage: SocketModeError = SlackApiError::Transport("connection refused".into()).into();
        assert!(matches!(outage, SocketModeError::Open(_)));
        let limited: SocketModeError = SlackApiError::Api("ratelimited".into()).into();
        assert!(matches!(limited, SocketModeError::Open(_)));
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter_and_resets() {
        let min = Duration::from_millis(100);
        let max = Duration::from_millis(1_000);
        let mut b = Backoff::new(min, max);
        let mut ceiling = min;
        for _ in 0..10 {
            let d = b.next_delay();
            assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} within {ceiling:?}");
            ceiling = (ceiling * 2).min(max);
        }
        b.reset();
        assert!(b.next_delay() <= min);
    }
}
