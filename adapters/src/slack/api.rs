//! `SlackApi`: the few Web API methods Omnify calls, through slack-morphism's client,
//! with a configurable API URL (tests point it at a local stand-in over plain HTTP).

use hyper_util::client::legacy::connect::HttpConnector;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::{
    SlackApiFilesComplete, SlackApiFilesCompleteUploadExternalRequest,
    SlackApiFilesGetUploadUrlExternalRequest, SlackApiFilesUploadViaUrlRequest, SlackApiToken,
    SlackApiTokenValue, SlackChannelId, SlackClient, SlackClientHttpConnector,
    SlackClientHyperConnector, SlackClientHyperHttpsConnector, SlackOAuthV2AccessTokenRequest,
    SlackTs,
};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_API_URL: &str = "https://slack.com/api";

#[derive(Debug, thiserror::Error)]
pub enum SlackApiError {
    /// HTTP 429: wait `retry_after` (Slack's `Retry-After`), then send the latest state.
    #[error("rate limited by Slack (retry after {retry_after:?})")]
    RateLimited { retry_after: Duration },
    #[error("Slack API error: {0}")]
    Api(String),
    #[error("Slack API unreachable: {0}")]
    Transport(String),
}

impl From<SlackClientError> for SlackApiError {
    fn from(e: SlackClientError) -> Self {
        match e {
            SlackClientError::RateLimitError(r) => Self::RateLimited {
                retry_after: r.retry_after.unwrap_or(Duration::from_secs(1)),
            },
            SlackClientError::ApiError(a) => Self::Api(a.code),
            other => Self::Transport(other.to_string()),
        }
    }
}

enum Client {
    Http(SlackClient<SlackClientHyperConnector<HttpConnector>>),
    Https(SlackClient<SlackClientHyperHttpsConnector>),
}

/// A message as Omnify posts it: fallback text (notifications, old clients) and blocks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MessageBody {
    pub channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// Set for `chat.update`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    pub text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Value>,
}

/// A file to share in a channel or thread, e.g. a chart as PNG.
#[derive(Debug, Clone, Default)]
pub struct FileUpload {
    pub channel: String,
    pub thread_ts: Option<String>,
    /// e.g. `chart.png`.
    pub filename: String,
    /// Shown above the file in Slack.
    pub title: String,
    /// Read out by screen readers.
    pub alt_text: String,
    /// e.g. `image/png`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Slack's upload flow (`files.upload` is retired): reserve an upload URL, send the
/// bytes there, then complete the upload into the channel and thread. Returns the
/// file's id.
async fn upload_with<C>(
    client: &SlackClient<C>,
    token: &SlackApiToken,
    upload: &FileUpload,
) -> Result<String, SlackApiError>
where
    C: SlackClientHttpConnector + Send + Sync,
{
    let session = client.open_session(token);
    let reserved = session
        .get_upload_url_external(
            &SlackApiFilesGetUploadUrlExternalRequest::new(
                upload.filename.clone(),
                upload.bytes.len(),
            )
            .with_alt_txt(upload.alt_text.clone()),
        )
        .await?;
    session
        .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
            reserved.upload_url,
            upload.bytes.clone(),
            upload.content_type.clone(),
        ))
        .await?;
    let mut complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![
        SlackApiFilesComplete::new(reserved.file_id.clone()).with_title(upload.title.clone()),
    ])
    .with_channel_id(SlackChannelId(upload.channel.clone()));
    if let Some(ts) = &upload.thread_ts {
        complete = complete.with_thread_ts(SlackTs(ts.clone()));
    }
    session.files_complete_upload_external(&complete).await?;
    Ok(reserved.file_id.0)
}

#[derive(Debug, Clone, Deserialize)]
struct Posted {
    ts: String,
}

#[derive(Debug, Clone, Deserialize)]
struct SocketUrl {
    url: String,
}

/// What `oauth.v2.access` returns that Omnify keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub team_id: String,
    pub team_name: String,
    pub bot_token: String,
    pub bot_user_id: Option<String>,
}

#[derive(Clone)]
pub struct SlackApi {
    client: Arc<Client>,
    token: SlackApiToken,
    api_url: String,
}

impl SlackApi {
    /// `api_url` like `https://slack.com/api`; `http://` URLs use a plain HTTP
    /// connector (tests), anything else rustls with the system's roots.
    pub fn new(api_url: &str, bot_token: &str) -> Result<Self, SlackApiError> {
        let api_url = api_url.trim_end_matches('/').to_string();
        let client = if api_url.starts_with("http://") {
            Client::Http(SlackClient::new(
                SlackClientHyperConnector::with_connector(HttpConnector::new())
                    .with_slack_api_url(&api_url),
            ))
        } else {
            let connector = SlackClientHyperConnector::new()
                .map_err(|e| SlackApiError::Transport(format!("no TLS roots: {e}")))?
                .with_slack_api_url(&api_url);
            Client::Https(SlackClient::new(connector))
        };
        Ok(Self {
            client: Arc::new(client),
            token: SlackApiToken::new(SlackApiTokenValue(bot_token.to_string())),
            api_url,
        })
    }

    /// The same client speaking with another workspace's bot token.
    pub fn with_token(&self, bot_token: &str) -> Self {
        Self {
            client: self.client.clone(),
            token: SlackApiToken::new(SlackApiTokenValue(bot_token.to_string())),
            api_url: self.api_url.clone(),
        }
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    async fn post<RS>(
        &self,
        method: &str,
        body: &(impl Serialize + Send + Sync),
    ) -> Result<RS, SlackApiError>
    where
        RS: for<'de> Deserialize<'de> + Send,
    {
        let result = match self.client.as_ref() {
            Client::Http(c) => {
                c.open_session(&self.token)
                    .http_session_api
                    .http_post(method, body, None)
                    .await
            }
            Client::Https(c) => {
                c.open_session(&self.token)
                    .http_session_api
                    .http_post(method, body, None)
                    .await
            }
        };
        Ok(result?)
    }

    /// `apps.connections.open`, called with the app-level token (`xapp-…`, scope
    /// `connections:write`): the WebSocket URL of one new Socket Mode connection.
    pub async fn open_socket_connection(&self) -> Result<String, SlackApiError> {
        let opened: SocketUrl = self
            .post("apps.connections.open", &serde_json::json!({}))
            .await?;
        Ok(opened.url)
    }

    /// `chat.postMessage`; returns the new message's `ts`.
    pub async fn post_message(&self, body: &MessageBody) -> Result<String, SlackApiError> {
        let posted: Posted = self.post("chat.postMessage", body).await?;
        Ok(posted.ts)
    }

    /// `chat.update` of the message `body.ts`.
    pub async fn update_message(&self, body: &MessageBody) -> Result<(), SlackApiError> {
        let _: Value = self.post("chat.update", body).await?;
        Ok(())
    }

    /// `chat.postEphemeral`: a message only `user` sees (in `thread_ts` when given).
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        thread_ts: Option<&str>,
        text: &str,
    ) -> Result<(), SlackApiError> {
        let mut body = serde_json::json!({"channel": channel, "user": user, "text": text});
        if let Some(ts) = thread_ts {
            body["thread_ts"] = Value::String(ts.to_string());
        }
        let _: Value = self.post("chat.postEphemeral", &body).await?;
        Ok(())
    }

    /// Post, waiting out rate limits (at most `attempts` tries).
    pub async fn post_message_patiently(
        &self,
        body: &MessageBody,
        attempts: u32,
    ) -> Result<String, SlackApiError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.post_message(body).await {
                Err(SlackApiError::RateLimited { retry_after }) if tries < attempts => {
                    tokio::time::sleep(retry_after).await;
                }
                other => return other,
            }
        }
    }

    /// Update, waiting out rate limits (at most `attempts` tries).
    pub async fn update_message_patiently(
        &self,
        body: &MessageBody,
        attempts: u32,
    ) -> Result<(), SlackApiError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.update_message(body).await {
                Err(SlackApiError::RateLimited { retry_after }) if tries < attempts => {
                    tokio::time::sleep(retry_after).await;
                }
                other => return other,
            }
        }
    }

    /// Share a file (a chart) in a channel or thread; returns the file's id. Needs the
    /// `files:write` scope.
    pub async fn upload_file(&self, upload: &FileUpload) -> Result<String, SlackApiError> {
        match self.client.as_ref() {
            Client::Http(c) => upload_with(c, &self.token, upload).await,
            Client::Https(c) => upload_with(c, &self.token, upload).await,
        }
    }

    /// `oauth.v2.access`: exchange an install's code for the workspace's bot token.
    pub async fn oauth_v2_access(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<Installation, SlackApiError> {
        let redirect_uri = redirect_uri
            .map(|u| u.parse())
            .transpose()
            .map_err(|e| SlackApiError::Api(format!("bad redirect URI: {e}")))?;
        let req = SlackOAuthV2AccessTokenRequest {
            client_id: client_id.to_string().into(),
            client_secret: client_secret.to_string().into(),
            code: code.to_string().into(),
            redirect_uri,
        };
        let res = match self.client.as_ref() {
            Client::Http(c) => c.oauth2_access(&req).await,
            Client::Https(c) => c.oauth2_access(&req).await,
        }?;
        Ok(Installation {
            team_id: res.team.id.0,
            team_name: res.team.name.unwrap_or_default(),
            bot_token: res.access_token.0,
            bot_user_id: res.bot_user_id.map(|u| u.0),
        })
    }
}
