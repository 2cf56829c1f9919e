//! Socket Mode, wired: with `[slack] app_token` set, `omnify serve` keeps a Socket Mode
//! connection to Slack (`omnify_adapters::slack::socket_mode`) and hands every
//! envelope to the same functions the signed HTTP routes use. The connection itself is
//! the authentication (it was opened with the app token), so no signature is checked.

use super::adapter::socket_mode::{self, Envelope, EnvelopeKind, Handler, Options};
use super::adapter::{Accepted, Envelope as EventsBody};
use super::{SlackApp, commands, interactions};
use std::sync::Arc;
use std::time::Duration;

/// Slack waits 3 s for an ack; a slash command's answer (in the ack) must be ready
/// well before that, or the ack goes without it.
const COMMAND_DEADLINE: Duration = Duration::from_millis(2_500);

/// Start Socket Mode when an app token is configured; the task ends only if Slack
/// refuses the token (logged as an error; the HTTP server carries on).
pub fn spawn(app: &Arc<SlackApp>) -> Option<tokio::task::JoinHandle<()>> {
    let token = &app.state.settings.slack.app_token;
    if token.is_empty() {
        return None;
    }
    if !token.expose().starts_with("xapp-") {
        tracing::warn!(
            "[slack] app_token does not start with xapp-: Socket Mode needs the app-level token from the app's Basic Information page"
        );
    }
    let api = app.api.with_token(token.expose());
    let handler: Arc<dyn Handler> = Arc::new(SocketHandler(app.clone()));
    tracing::info!("Slack Socket Mode: connecting");
    Some(tokio::spawn(async move {
        let refused = socket_mode::run(api, handler, Options::default()).await;
        tracing::error!(error = %refused, "Slack Socket Mode is off");
    }))
}

struct SocketHandler(Arc<SlackApp>);

#[async_trait::async_trait]
impl Handler for SocketHandler {
    async fn accept(&self, envelope: Envelope) -> Accepted {
        let app = &self.0;
        let id = envelope.envelope_id;
        match envelope.kind {
            EnvelopeKind::EventsApi => match serde_json::from_value::<EventsBody>(envelope.payload)
            {
                Ok(body) => super::accept_event(app, body, envelope.retry_attempt).await,
                Err(e) => unreadable(&id, "events_api", &e),
            },
            EnvelopeKind::Interactive => {
                match serde_json::from_value::<interactions::Payload>(envelope.payload) {
                    Ok(payload) => interactions::accept(app.clone(), payload),
                    Err(e) => unreadable(&id, "interactive", &e),
                }
            }
            EnvelopeKind::SlashCommands => {
                match serde_json::from_value::<commands::Command>(envelope.payload) {
                    Ok(cmd) => tokio::time::timeout(COMMAND_DEADLINE, commands::accept(app, cmd))
                        .await
                        .unwrap_or_else(|_| {
                            tracing::warn!(envelope_id = %id, "the /omnify answer was not ready in time; acknowledged without it");
                            Accepted::nothing()
                        }),
                    Err(e) => unreadable(&id, "slash_commands", &e),
                }
            }
            EnvelopeKind::Other(kind) => {
                tracing::debug!(envelope_id = %id, %kind, "Slack Socket Mode envelope ignored");
                Accepted::nothing()
            }
        }
    }
}

/// A payload we cannot read is acknowledged all the same: a redelivery would not read
/// better.
fn unreadable(id: &str, kind: &str, e: &serde_json::Error) -> Accepted {
    tracing::warn!(envelope_id = %id, kind, error = %e, "unreadable Slack Socket Mode payload");
    Accepted::nothing()
}
