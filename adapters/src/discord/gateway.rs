//! The bot's Gateway connection, our own small client (serenity's `gateway` feature
//! would bring a second WebSocket stack): `GET /gateway/bot` for the URL, Hello →
//! Identify (or Resume), heartbeats with ACKs, dispatches passed on as [`Event`]s.
//!
//! A connection that ends is replaced: at once after op 7 Reconnect or a missing
//! heartbeat ACK (a zombie connection), after a jittered back-off otherwise, resuming
//! the session (`resume_gateway_url`, op 6 with the last sequence number) so Discord
//! replays what was missed. Close codes that say the setup is wrong (bad token,
//! refused intents) end [`run`] with the reason: reconnecting would only fail again.

pub mod payload;

pub use payload::{Author, GatewayMessage, INTENTS};

use crate::discord::api::{DiscordApi, DiscordApiError};
use futures_util::{SinkExt, StreamExt};
use omnify_core::Secret;
use payload::{AfterClose, Frame};
use serde_json::Value;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Closing with a 4xxx code (not 1000/1001) keeps the session resumable.
const RESUMABLE_CLOSE: u16 = 4000;
/// After this many failed reconnects in a row the session is given up for a new one.
const RESUME_ATTEMPTS: u32 = 3;

/// What the Gateway tells the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new session: the bot's own user id (its mentions look like `<@ID>`).
    Ready { user_id: String, session_id: String },
    /// The session continued after a reconnect; missed events follow.
    Resumed,
    /// `MESSAGE_CREATE`.
    Message(GatewayMessage),
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Reconnecting would fail the same way until the setup is fixed; says what to fix.
    #[error("{0}")]
    Refused(String),
    /// Nobody listens to the events any more.
    #[error("the Gateway's listener is gone")]
    Closed,
}

/// How the connection behaves; the defaults are what Discord expects of a bot.
#[derive(Debug, Clone)]
pub struct Options {
    pub intents: u64,
    /// The first reconnect after a failure waits about this long; each further failure
    /// doubles it, up to `max_backoff` (each wait jittered down to half).
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// How long Discord may take to say Hello after the socket opens.
    pub hello_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            intents: INTENTS,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            hello_timeout: Duration::from_secs(30),
        }
    }
}

/// A session that can be resumed.
#[derive(Debug, Clone)]
struct Session {
    id: String,
    resume_url: String,
}

/// What survives from one connection to the next.
#[derive(Debug, Default)]
struct Link {
    session: Option<Session>,
    /// The last dispatch's sequence number: heartbeats and Resume carry it.
    seq: Option<u64>,
    /// Failed connections in a row (reset by READY / RESUMED).
    failures: u32,
}

/// How a connection ended, hence what the next one does.
#[derive(Debug)]
enum Ended {
    /// op 7 Reconnect, or no ACK for a heartbeat: reconnect at once and resume.
    ResumeNow,
    /// The connection failed or Discord closed it: back off, then resume.
    Resume,
    /// op 9 Invalid Session: wait 1–5 s, then resume (`true`) or identify anew.
    InvalidSession {
        resumable: bool,
    },
    /// op 9 after a failed Resume, or a close code that ended the session.
    Identify,
    Stop(GatewayError),
}

/// Keep the bot connected, passing events to `events`, until Discord refuses the setup
/// (the error says what to fix) or `events` is closed.
pub async fn run(
    api: DiscordApi,
    token: Secret,
    options: Options,
    events: UnboundedSender<Event>,
) -> GatewayError {
    let token = Secret::new(token.expose().trim().trim_start_matches("Bot ").to_string());
    let mut link = Link::default();
    loop {
        if link.failures >= RESUME_ATTEMPTS && link.session.take().is_some() {
            tracing::info!("cannot resume the Discord Gateway session; starting a new one");
            link.seq = None;
        }
        let url = match &link.session {
            Some(s) => s.resume_url.clone(),
            None => match discover(&api).await {
                Ok(url) => url,
                Err(Ended::Stop(e)) => return e,
                Err(_) => {
                    link.failures += 1;
                    tokio::time::sleep(backoff(&options, link.failures)).await;
                    continue;
                }
            },
        };
        match connect(&url, &token, &options, &mut link, &events).await {
            Ended::ResumeNow => {}
            Ended::Resume => {
                link.failures += 1;
                let wait = backoff(&options, link.failures);
                tracing::info!(?wait, "reconnecting to the Discord Gateway");
                tokio::time::sleep(wait).await;
            }
            Ended::InvalidSession { resumable } => {
                if !resumable {
                    link.session = None;
                    link.seq = None;
                }
                tokio::time::sleep(Duration::from_millis(rand::random_range(1000..=5000))).await;
            }
            Ended::Identify => {
                link.session = None;
                link.seq = None;
                link.failures += 1;
                tokio::time::sleep(backoff(&options, link.failures)).await;
            }
            Ended::Stop(e) => return e,
        }
    }
}

/// `GET /gateway/bot`: the URL for a new session, once the session start limit allows.
async fn discover(api: &DiscordApi) -> Result<String, Ended> {
    match api.gateway_bot().await {
        Ok(found) => {
            if let Some(limit) = &found.session_start_limit {
                tracing::info!(
                    remaining = limit.remaining,
                    total = limit.total,
                    "Discord Gateway sessions left today"
                );
                if limit.remaining == 0 {
                    let wait = Duration::from_millis(limit.reset_after);
                    tracing::warn!(
                        ?wait,
                        "the bot started too many Gateway sessions today; waiting for Discord's reset"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
            Ok(found.url)
        }
        Err(DiscordApiError::Api { status: 401, .. }) => Err(Ended::Stop(GatewayError::Refused(
            "Discord refused the bot token (401 from /gateway/bot): set [discord] bot_token to the token on the application's Bot page".into(),
        ))),
        Err(DiscordApiError::RateLimited { retry_after }) => {
            tokio::time::sleep(retry_after).await;
            Err(Ended::Resume)
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot find the Discord Gateway");
            Err(Ended::Resume)
        }
    }
}

/// The jittered wait before reconnect number `failures`.
fn backoff(options: &Options, failures: u32) -> Duration {
    let doubled = options
        .backoff
        .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(16)));
    doubled
        .min(options.max_backoff)
        .mul_f64(rand::random_range(0.5..=1.0))
}

async fn send(ws: &mut Socket, frame: &Value) -> Result<(), Ended> {
    ws.send(WsMessage::text(frame.to_string()))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "cannot write to the Discord Gateway");
            Ended::Resume
        })
}

/// Close so that the session stays resumable (bounded: the socket may be dead).
async fn close_resumable(ws: &mut Socket) {
    let frame = CloseFrame {
        code: RESUMABLE_CLOSE.into(),
        reason: "reconnecting".into(),
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(Some(frame))).await;
}

/// One connection: Hello, Identify or Resume, then heartbeats and dispatches until it ends.
async fn connect(
    url: &str,
    token: &Secret,
    options: &Options,
    link: &mut Link,
    events: &UnboundedSender<Event>,
) -> Ended {
    let address = format!("{}/?v=10&encoding=json", url.trim_end_matches('/'));
    let mut ws = match tokio_tungstenite::connect_async(address.as_str()).await {
        Ok((ws, _)) => ws,
        Err(e) => {
            tracing::warn!(error = %e, "cannot connect to the Discord Gateway");
            return Ended::Resume;
        }
    };
    let interval = match tokio::time::timeout(options.hello_timeout, ws.next()).await {
        Ok(Some(Ok(WsMessage::Text(text)))) => serde_json::from_str::<Frame>(&text)
            .ok()
            .filter(|f| f.op == payload::HELLO)
            .and_then(|f| f.d["heartbeat_interval"].as_u64()),
        Ok(Some(Ok(WsMessage::Close(frame)))) => return closed(frame),
        _ => None,
    };
    let Some(interval) = interval else {
        tracing::warn!("the Discord Gateway did not say Hello");
        return Ended::Resume;
    };
    let interval = Duration::from_millis(interval.max(1));
    let start = match &link.session {
        Some(s) => payload::resume(token.expose(), &s.id, link.seq),
        None => payload::identify(token.expose(), options.intents),
    };
    if let Err(ended) = send(&mut ws, &start).await {
        return ended;
    }
    // The first beat at a random point of the interval, so restarted bots spread out.
    let mut next_beat = Instant::now() + interval.mul_f64(rand::random_range(0.0..1.0));
    let mut awaiting_ack = false;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next_beat) => {
                if awaiting_ack {
                    tracing::warn!("no heartbeat ACK from the Discord Gateway; reconnecting");
                    close_resumable(&mut ws).await;
                    return Ended::ResumeNow;
                }
                if let Err(ended) = send(&mut ws, &payload::heartbeat(link.seq)).await {
                    return ended;
                }
                awaiting_ack = true;
                next_beat = Instant::now() + interval;
            }
            incoming = ws.next() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(text))) => text,
                    Some(Ok(WsMessage::Close(frame))) => return closed(frame),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "the Discord Gateway connection failed");
                        return Ended::Resume;
                    }
                    None => return Ended::Resume,
                };
                let frame: Frame = match serde_json::from_str(&text) {
                    Ok(f) => f,
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable Discord Gateway frame");
                        continue;
                    }
                };
                match frame.op {
                    payload::DISPATCH => {
                        if let Some(s) = frame.s {
                            link.seq = Some(s);
                        }
                        if let Err(ended) = dispatch(frame, link, events) {
                            return ended;
                        }
                    }
                    payload::HEARTBEAT => {
                        if let Err(ended) = send(&mut ws, &payload::heartbeat(link.seq)).await {
                            return ended;
                        }
                    }
                    payload::HEARTBEAT_ACK => awaiting_ack = false,
                    payload::RECONNECT => {
                        tracing::info!("the Discord Gateway asked for a reconnect");
                        close_resumable(&mut ws).await;
                        return Ended::ResumeNow;
                    }
                    payload::INVALID_SESSION => {
                        let resumable = frame.d.as_bool().unwrap_or(false);
                        tracing::info!(resumable, "the Discord Gateway invalidated the session");
                        if !resumable && link.session.is_some() {
                            // A Resume that failed: the next connection identifies.
                            link.session = None;
                            link.seq = None;
                        }
                        return Ended::InvalidSession { resumable };
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Discord closed the connection: its code says whether to resume, identify or stop.
fn closed(frame: Option<CloseFrame>) -> Ended {
    let Some(frame) = frame else {
        return Ended::Resume;
    };
    let code = u16::from(frame.code);
    match payload::after_close(code) {
        AfterClose::Resume => {
            tracing::info!(code, reason = %frame.reason, "the Discord Gateway closed the connection");
            Ended::Resume
        }
        AfterClose::Identify => {
            tracing::info!(code, reason = %frame.reason, "the Discord Gateway ended the session");
            Ended::Identify
        }
        AfterClose::Stop(why) => Ended::Stop(GatewayError::Refused(why.to_string())),
    }
}

/// op 0: remember the session, pass on what the server acts on.
fn dispatch(frame: Frame, link: &mut Link, events: &UnboundedSender<Event>) -> Result<(), Ended> {
    let event = match frame.t.as_deref() {
        Some("READY") => {
            let ready: payload::Ready = serde_json::from_value(frame.d).map_err(|e| {
                tracing::warn!(error = %e, "unreadable READY from the Discord Gateway");
                Ended::Resume
            })?;
            link.failures = 0;
            link.session = Some(Session {
                id: ready.session_id.clone(),
                resume_url: ready.resume_gateway_url,
            });
            Event::Ready {
                user_id: ready.user.id,
                session_id: ready.session_id,
            }
        }
        Some("RESUMED") => {
            link.failures = 0;
            Event::Resumed
        }
        Some("MESSAGE_CREATE") => match serde_json::from_value::<GatewayMessage>(frame.d) {
            Ok(m) => Event::Message(m),
            Err(e) => {
                tracing::warn!(error = %e, "unreadable MESSAGE_CREATE");
                return Ok(());
            }
        },
        _ => return Ok(()),
    };
    events
        .send(event)
        .map_err(|_| Ended::Stop(GatewayError::Closed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let options = Options {
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..Options::default()
        };
        for _ in 0..20 {
            let first = backoff(&options, 1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = backoff(&options, 3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = backoff(&options, 40);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn dispatches_keep_the_session_and_pass_messages_on() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut link = Link {
            failures: 2,
            ..Link::default()
        };
        let ready: Frame = serde_json::from_value(serde_json::json!({
            "op": 0, "s": 1, "t": "READY",
            "d": {"v": 10, "session_id": "s1", "resume_gateway_url": "wss://resume.test",
                  "user": {"id": "99", "username": "Omnify", "bot": true}, "guilds": []}
        }))
        .unwrap();
        dispatch(ready, &mut link, &tx).unwrap();
        assert_eq!(link.failures, 0);
        assert_eq!(
            link.session.as_ref().unwrap().resume_url,
            "wss://resume.test"
        );
        assert_eq!(
            rx.try_recv().unwrap(),
            Event::Ready {
                user_id: "99".into(),
                session_id: "s1".into()
            }
        );
        let other: Frame = serde_json::from_value(
            serde_json::json!({"op": 0, "s": 2, "t": "TYPING_START", "d": {}}),
        )
        .unwrap();
        dispatch(other, &mut link, &tx).unwrap();
        assert!(
            rx.try_recv().is_err(),
            "only what the server acts on is passed on"
        );
        drop(rx);
        let created: Frame = serde_json::from_value(serde_json::json!({
            "op": 0, "s": 3, "t": "MESSAGE_CREATE",
            "d": {"id": "1", "channel_id": "2", "author": {"id": "3"}, "content": "hi"}
        }))
        .unwrap();
        assert!(matches!(
            dispatch(created, &mut link, &tx),
            Err(Ended::Stop(GatewayError::Closed))
        ));
    }
}
