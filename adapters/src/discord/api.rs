//! `DiscordApi`: the few REST calls Omnify makes, built by serenity (its routes, request
//! builder, multipart files and proxy rewrite of `https://discord.com`) and sent by our
//! own client so a 429 can be read: serenity's rate limiter is off (with it on, requests
//! ignore the proxy, and its error type drops Discord's `retry_after`), and every call
//! site decides what to do with [`DiscordApiError::RateLimited`] — the streamer
//! coalesces edits, the rest wait it out ([`patiently`]).

use crate::discord::render::Message;
use serde::Deserialize;
use serde_json::{Value, json};
use serenity::builder::CreateAttachment;
use serenity::http::{HttpBuilder, LightMethod, Multipart, MultipartUpload, Request, Route};
use serenity::model::id::{ApplicationId, ChannelId, MessageId};
use std::num::NonZeroU64;
use std::sync::Arc;
use std::time::Duration;

/// Discord's API host; anything else is a stand-in (tests) reached through serenity's proxy.
pub const DEFAULT_API_BASE: &str = "https://discord.com";
/// How long a 429 without a readable `retry_after` makes us wait.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Never wait longer than this on one 429 (a global limit gone wrong).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum DiscordApiError {
    /// HTTP 429: wait `retry_after` (Discord's `retry_after`, else `Retry-After`).
    #[error("rate limited by Discord (retry after {retry_after:?})")]
    RateLimited { retry_after: Duration },
    #[error("Discord API error {status}: {message}")]
    Api { status: u16, message: String },
    #[error("Discord API unreachable: {0}")]
    Transport(String),
    #[error("not a Discord id: {0:?}")]
    BadId(String),
}

/// Where a conversation's messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The interaction's own response, then its follow-ups (the token lasts 15 minutes).
    Interaction { token: String },
    /// Bot messages in a channel, thread or DM.
    Channel { channel_id: String },
}

#[derive(Debug, Deserialize)]
struct Created {
    id: String,
}

/// `GET /gateway/bot`: where the bot's Gateway is and how many sessions may still start.
#[derive(Debug, Clone, Deserialize)]
pub struct GatewayBot {
    pub url: String,
    #[serde(default)]
    pub shards: u32,
    #[serde(default)]
    pub session_start_limit: Option<SessionStartLimit>,
}

/// How many new Gateway sessions (identifies) the bot may start before `reset_after`.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionStartLimit {
    pub total: u32,
    pub remaining: u32,
    /// Milliseconds until `remaining` is back to `total`.
    pub reset_after: u64,
}

#[derive(Clone)]
pub struct DiscordApi {
    http: Arc<serenity::http::Http>,
    client: reqwest_discord::Client,
    application_id: ApplicationId,
}

impl std::fmt::Debug for DiscordApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordApi")
            .field("application_id", &self.application_id)
            .field("proxy", &self.http.proxy)
            .finish()
    }
}

fn snowflake(s: &str) -> Result<NonZeroU64, DiscordApiError> {
    s.trim()
        .parse::<u64>()
        .ok()
        .and_then(NonZeroU64::new)
        .ok_or_else(|| DiscordApiError::BadId(s.to_string()))
}

impl DiscordApi {
    /// `api_base` is `https://discord.com` in production, a local stand-in's
    /// `http://127.0.0.1:PORT` in tests (serenity rewrites the host, the `/api/v10/…`
    /// paths stay).
    pub fn new(
        api_base: &str,
        bot_token: &str,
        application_id: &str,
    ) -> Result<Self, DiscordApiError> {
        let application_id = ApplicationId::from(snowflake(application_id)?);
        let client = reqwest_discord::Client::builder()
            .use_rustls_tls()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| DiscordApiError::Transport(format!("cannot build the client: {e}")))?;
        let mut builder = HttpBuilder::new(bot_token)
            .client(client.clone())
            .application_id(application_id)
            .ratelimiter_disabled(true);
        let base = api_base.trim_end_matches('/');
        if base != DEFAULT_API_BASE {
            builder = builder.proxy(base);
        }
        Ok(Self {
            http: Arc::new(builder.build()),
            client,
            application_id,
        })
    }

    pub fn application_id(&self) -> String {
        self.application_id.get().to_string()
    }

    /// Send one request; a 429 comes back as `RateLimited` with Discord's wait.
    async fn send(&self, request: Request<'_>) -> Result<Vec<u8>, DiscordApiError> {
        let built = request
            .build(&self.client, self.http.token(), self.http.proxy.as_deref())
            .map_err(|e| DiscordApiError::Transport(e.to_string()))?;
        let response = built
            .send()
            .await
            .map_err(|e| DiscordApiError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let header_wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok());
        let body = response
            .bytes()
            .await
            .map_err(|e| DiscordApiError::Transport(e.to_string()))?
            .to_vec();
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status == 429 {
            let seconds = json["retry_after"].as_f64().or(header_wait);
            return Err(DiscordApiError::RateLimited {
                retry_after: retry_after(seconds),
            });
        }
        let message = json["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(300).collect());
        Err(DiscordApiError::Api { status, message })
    }

    /// A message as a request body: JSON, or multipart with `payload_json` and
    /// `files[0]` when it carries a file.
    async fn send_message(
        &self,
        route: Route<'_>,
        method: LightMethod,
        message: &Message,
    ) -> Result<String, DiscordApiError> {
        let payload = message.to_json();
        let request = match &message.attachment {
            Some(a) => {
                let mut file = CreateAttachment::bytes(a.bytes.clone(), a.filename.clone());
                file.description = Some(a.description.clone());
                Request::new(route, method).multipart(Some(Multipart {
                    upload: MultipartUpload::Attachments(vec![file]),
                    fields: vec![],
                    payload_json: Some(payload.to_string()),
                }))
            }
            None => Request::new(route, method).body(Some(payload.to_string().into_bytes())),
        };
        let body = self.send(request).await?;
        Ok(serde_json::from_slice::<Created>(&body)
            .map(|c| c.id)
            .unwrap_or_default())
    }

    /// `PATCH /webhooks/{app}/{token}/messages/@original`: the deferred response's text.
    pub async fn edit_original(
        &self,
        token: &str,
        message: &Message,
    ) -> Result<String, DiscordApiError> {
        let route = Route::WebhookOriginalInteractionResponse {
            application_id: self.application_id,
            token,
        };
        self.send_message(route, LightMethod::Patch, message).await
    }

    /// `POST /webhooks/{app}/{token}`: a follow-up message; returns its id.
    pub async fn create_followup(
        &self,
        token: &str,
        message: &Message,
    ) -> Result<String, DiscordApiError> {
        let route = Route::WebhookFollowupMessages {
            application_id: self.application_id,
            token,
        };
        self.send_message(route, LightMethod::Post, message).await
    }

    /// `PATCH /webhooks/{app}/{token}/messages/{id}`.
    pub async fn edit_followup(
        &self,
        token: &str,
        message_id: &str,
        message: &Message,
    ) -> Result<(), DiscordApiError> {
        let route = Route::WebhookFollowupMessage {
            application_id: self.application_id,
            token,
            message_id: MessageId::from(snowflake(message_id)?),
        };
        self.send_message(route, LightMethod::Patch, message)
            .await
            .map(drop)
    }

    /// `POST /channels/{id}/messages` (bot token); returns the message's id.
    pub async fn create_message(
        &self,
        channel_id: &str,
        message: &Message,
    ) -> Result<String, DiscordApiError> {
        let route = Route::ChannelMessages {
            channel_id: ChannelId::from(snowflake(channel_id)?),
        };
        self.send_message(route, LightMethod::Post, message).await
    }

    /// `PATCH /channels/{id}/messages/{id}` (bot token).
    pub async fn edit_message(
        &self,
        channel_id: &str,
        message_id: &str,
        message: &Message,
    ) -> Result<(), DiscordApiError> {
        let route = Route::ChannelMessage {
            channel_id: ChannelId::from(snowflake(channel_id)?),
            message_id: MessageId::from(snowflake(message_id)?),
        };
        self.send_message(route, LightMethod::Patch, message)
            .await
            .map(drop)
    }

    /// `POST /channels/{id}/messages/{id}/threads`: a thread on a message; returns the
    /// thread's id (which Discord makes equal to the message's).
    pub async fn start_thread(
        &self,
        channel_id: &str,
        message_id: &str,
        name: &str,
    ) -> Result<String, DiscordApiError> {
        let route = Route::ChannelMessageThreads {
            channel_id: ChannelId::from(snowflake(channel_id)?),
            message_id: MessageId::from(snowflake(message_id)?),
        };
        let name: String = name.chars().take(100).collect();
        let body = json!({"name": name, "auto_archive_duration": 1440});
        let request =
            Request::new(route, LightMethod::Post).body(Some(body.to_string().into_bytes()));
        let created: Created = serde_json::from_slice(&self.send(request).await?)
            .map_err(|e| DiscordApiError::Transport(format!("unexpected thread body: {e}")))?;
        Ok(created.id)
    }

    /// `GET /gateway/bot` (bot token): the Gateway's URL and the session start limit.
    pub async fn gateway_bot(&self) -> Result<GatewayBot, DiscordApiError> {
        let request = Request::new(Route::GatewayBot, LightMethod::Get);
        serde_json::from_slice(&self.send(request).await?)
            .map_err(|e| DiscordApiError::Transport(format!("unexpected gateway body: {e}")))
    }

    /// `GET /channels/{id}/messages/{id}` (bot token): one message, as Discord's JSON.
    pub async fn message(
        &self,
        channel_id: &str,
        message_id: &str,
    ) -> Result<Value, DiscordApiError> {
        let route = Route::ChannelMessage {
            channel_id: ChannelId::from(snowflake(channel_id)?),
            message_id: MessageId::from(snowflake(message_id)?),
        };
        let request = Request::new(route, LightMethod::Get);
        serde_json::from_slice(&self.send(request).await?)
            .map_err(|e| DiscordApiError::Transport(format!("unexpected message body: {e}")))
    }

    /// `PUT /applications/{app}/commands`: replace the global commands; returns how many
    /// Discord now has.
    pub async fn register_commands(
        &self,
        commands: &[serenity::builder::CreateCommand],
    ) -> Result<usize, DiscordApiError> {
        let route = Route::Commands {
            application_id: self.application_id,
        };
        let body = serde_json::to_vec(commands)
            .map_err(|e| DiscordApiError::Transport(format!("cannot encode commands: {e}")))?;
        let request = Request::new(route, LightMethod::Put).body(Some(body));
        let out: Vec<Value> = serde_json::from_slice(&self.send(request).await?)
            .map_err(|e| DiscordApiError::Transport(format!("unexpected commands body: {e}")))?;
        Ok(out.len())
    }

    /// The first message at a target: the interaction's deferred response is edited,
    /// a channel gets a new message. Returns the message's id.
    pub async fn open(
        &self,
        target: &Target,
        message: &Message,
    ) -> Result<String, DiscordApiError> {
        match target {
            Target::Interaction { token } => self.edit_original(token, message).await,
            Target::Channel { channel_id } => self.create_message(channel_id, message).await,
        }
    }

    /// Edit the message [`Self::open`] made.
    pub async fn edit_opened(
        &self,
        target: &Target,
        message_id: &str,
        message: &Message,
    ) -> Result<(), DiscordApiError> {
        match target {
            Target::Interaction { token } => self.edit_original(token, message).await.map(drop),
            Target::Channel { channel_id } => {
                self.edit_message(channel_id, message_id, message).await
            }
        }
    }

    /// One more message at a target; returns its id.
    pub async fn post(
        &self,
        target: &Target,
        message: &Message,
    ) -> Result<String, DiscordApiError> {
        match target {
            Target::Interaction { token } => self.create_followup(token, message).await,
            Target::Channel { channel_id } => self.create_message(channel_id, message).await,
        }
    }
}

fn retry_after(seconds: Option<f64>) -> Duration {
    seconds
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_RETRY_AFTER)
        .min(MAX_RETRY_AFTER)
}

/// Run a call, waiting out rate limits (at most `attempts` tries).
pub async fn patiently<T, F, Fut>(attempts: u32, mut call: F) -> Result<T, DiscordApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, DiscordApiError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match call().await {
            Err(DiscordApiError::RateLimited { retry_after }) if tries < attempts => {
                tracing::info!(?retry_after, "Discord rate limited a call; waiting");
                tokio::time::sleep(retry_after).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_prefers_discords_value_and_is_bounded() {
        assert_eq!(retry_after(Some(1.5)), Duration::from_millis(1500));
        assert_eq!(retry_after(None), DEFAULT_RETRY_AFTER);
        assert_eq!(retry_after(Some(-1.0)), DEFAULT_RETRY_AFTER);
        assert_eq!(retry_after(Some(3600.0)), MAX_RETRY_AFTER);
    }

    #[test]
    fn ids_must_be_snowflakes() {
        assert!(DiscordApi::new(DEFAULT_API_BASE, "t", "0").is_err());
        assert!(DiscordApi::new(DEFAULT_API_BASE, "t", "abc").is_err());
        let api = DiscordApi::new("http://127.0.0.1:9", "t", "1234").unwrap();
        assert_eq!(api.application_id(), "1234");
    }

    #[tokio::test]
    async fn patiently_waits_out_429s_then_gives_up() {
        let mut calls = 0;
        let r: Result<u8, _> = patiently(3, || {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(DiscordApiError::RateLimited {
                        retry_after: Duration::from_millis(5),
                    })
                } else {
                    Ok(7)
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 7);
        let r: Result<u8, _> = patiently(2, || async {
            Err(DiscordApiError::RateLimited {
                retry_after: Duration::from_millis(1),
            })
        })
        .await;
        assert!(matches!(r, Err(DiscordApiError::RateLimited { .. })));
    }
}
