//! What Discord posts to the interactions endpoint, read into what Omnify acts on, and
//! the immediate responses it gets back.
//!
//! The payload types are our own, lenient ones: serenity's `Interaction` model insists
//! on every field Discord sends today (`attachment_size_limit`, `entitlements`, …), and
//! an interaction refused for a field we never read would leave the user with
//! "The application did not respond".

use serde::Deserialize;
use serde_json::{Value, json};

/// Interaction types (Discord's `type`).
pub const PING: u8 = 1;
pub const APPLICATION_COMMAND: u8 = 2;
pub const MESSAGE_COMPONENT: u8 = 3;

/// Response types.
pub const PONG: u8 = 1;
pub const CHANNEL_MESSAGE_WITH_SOURCE: u8 = 4;
pub const DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: u8 = 5;
pub const DEFERRED_UPDATE_MESSAGE: u8 = 6;

/// Message flag: only the user who invoked the interaction sees the message.
pub const EPHEMERAL: u64 = 1 << 6;

/// The slash command's name: `/omnify ask|report|connect|help`.
pub const COMMAND: &str = "omnify";

/// The body of a `POST /discord/interactions`, as far as Omnify reads it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Payload {
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub application_id: String,
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub guild_id: Option<String>,
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(default)]
    pub channel: Option<PartialChannel>,
    /// In guilds: the member, whose `user` is the caller.
    #[serde(default)]
    pub member: Option<Member>,
    /// In DMs: the caller.
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub data: Option<Data>,
    /// For buttons: the message the button is on.
    #[serde(default)]
    pub message: Option<MessageRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartialChannel {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: u8,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Member {
    #[serde(default)]
    pub user: Option<User>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub username: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Data {
    /// Commands.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub options: Vec<CommandOption>,
    /// Components.
    #[serde(default)]
    pub custom_id: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CommandOption {
    pub name: String,
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub options: Vec<CommandOption>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessageRef {
    pub id: String,
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(default)]
    pub content: String,
}

/// Where an interaction happened, which decides where its answer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A guild text or announcement channel: the question opens a thread.
    Channel,
    /// A thread: the conversation is the thread.
    Thread,
    /// A direct message (or group DM): the conversation is the DM.
    Direct,
}

impl Place {
    /// From Discord's channel type.
    pub fn of(channel_type: u8) -> Self {
        match channel_type {
            10..=12 => Self::Thread,
            1 | 3 => Self::Direct,
            _ => Self::Channel,
        }
    }
}

/// Who did what where, for any interaction Omnify acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub interaction_id: String,
    pub application_id: String,
    /// Valid 15 minutes: follow-ups and edits of the response.
    pub token: String,
    pub guild_id: Option<String>,
    pub channel_id: String,
    pub place: Place,
    pub user_id: String,
}

/// `/omnify …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Ask { question: String },
    Report,
    Connect { platform: Option<String> },
    Help,
}

/// A button Omnify put on a message; the custom id carries what it acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Button {
    /// Confirm / cancel a proposed write action (its id).
    Confirm(String),
    Cancel(String),
    /// An expert claims / resolves an escalation (its id).
    Claim(String),
    Resolve(String),
}

impl Button {
    /// The button's `custom_id` (Discord allows 100 characters; ids are far shorter).
    pub fn custom_id(&self) -> String {
        let (verb, id) = match self {
            Self::Confirm(id) => ("confirm", id),
            Self::Cancel(id) => ("cancel", id),
            Self::Claim(id) => ("claim", id),
            Self::Resolve(id) => ("resolve", id),
        };
        format!("omnify:{verb}:{id}")
    }

    pub fn parse(custom_id: &str) -> Option<Self> {
        let rest = custom_id.strip_prefix("omnify:")?;
        let (verb, id) = rest.split_once(':')?;
        if id.is_empty() {
            return None;
        }
        let id = id.to_string();
        Some(match verb {
            "confirm" => Self::Confirm(id),
            "cancel" => Self::Cancel(id),
            "claim" => Self::Claim(id),
            "resolve" => Self::Resolve(id),
            _ => return None,
        })
    }
}

/// What an interaction asks of Omnify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Ping,
    Command {
        context: Context,
        command: Command,
    },
    Button {
        context: Context,
        button: Button,
        /// The message the button is on (its outcome replaces the buttons).
        message_id: String,
        /// That message's text, which the outcome is added to.
        message_content: String,
    },
    /// Anything else (another command, autocomplete, modals): acknowledged, ignored.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("not an interaction payload: {0}")]
    Json(String),
    #[error("the interaction has no {0}")]
    Missing(&'static str),
}

/// Read a verified body.
pub fn parse(body: &[u8]) -> Result<Request, PayloadError> {
    let p: Payload = serde_json::from_slice(body).map_err(|e| PayloadError::Json(e.to_string()))?;
    match p.kind {
        PING => Ok(Request::Ping),
        APPLICATION_COMMAND => {
            let data = p.data.clone().unwrap_or_default();
            if data.name != COMMAND {
                return Ok(Request::Other);
            }
            let context = context(&p)?;
            Ok(Request::Command {
                context,
                command: command(&data.options),
            })
        }
        MESSAGE_COMPONENT => {
            let data = p.data.clone().unwrap_or_default();
            let Some(button) = Button::parse(&data.custom_id) else {
                return Ok(Request::Other);
            };
            let context = context(&p)?;
            let message = p.message.clone().ok_or(PayloadError::Missing("message"))?;
            Ok(Request::Button {
                context,
                button,
                message_id: message.id,
                message_content: message.content,
            })
        }
        _ => Ok(Request::Other),
    }
}

fn context(p: &Payload) -> Result<Context, PayloadError> {
    let user = p
        .member
        .as_ref()
        .and_then(|m| m.user.as_ref())
        .or(p.user.as_ref())
        .ok_or(PayloadError::Missing("user"))?;
    let channel_id = p
        .channel_id
        .clone()
        .or_else(|| p.channel.as_ref().map(|c| c.id.clone()))
        .ok_or(PayloadError::Missing("channel"))?;
    if p.token.is_empty() || p.id.is_empty() {
        return Err(PayloadError::Missing("id or token"));
    }
    let place = match (&p.channel, &p.guild_id) {
        (Some(c), _) => Place::of(c.kind),
        (None, None) => Place::Direct,
        (None, Some(_)) => Place::Channel,
    };
    Ok(Context {
        interaction_id: p.id.clone(),
        application_id: p.application_id.clone(),
        token: p.token.clone(),
        guild_id: p.guild_id.clone(),
        channel_id,
        place,
        user_id: user.id.clone(),
    })
}

fn command(options: &[CommandOption]) -> Command {
    let Some(sub) = options.first() else {
        return Command::Help;
    };
    let value = |name: &str| {
        sub.options
            .iter()
            .find(|o| o.name == name)
            .and_then(|o| o.value.as_ref())
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    match sub.name.as_str() {
        "ask" => match value("question") {
            Some(question) => Command::Ask { question },
            None => Command::Help,
        },
        "report" => Command::Report,
        "connect" => Command::Connect {
            platform: value("platform").map(|p| p.to_lowercase()),
        },
        _ => Command::Help,
    }
}

/// `{"type":1}`: the answer to Discord's PING.
pub fn pong() -> Value {
    json!({ "type": PONG })
}

/// "Omnify is thinking…": the answer follows as edits and follow-ups.
pub fn deferred() -> Value {
    json!({ "type": DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE })
}

/// A button was clicked; the message is edited afterwards.
pub fn deferred_update() -> Value {
    json!({ "type": DEFERRED_UPDATE_MESSAGE })
}

/// An immediate message only the caller sees.
pub fn ephemeral(content: &str) -> Value {
    json!({
        "type": CHANNEL_MESSAGE_WITH_SOURCE,
        "data": {
            "content": crate::discord::render::preview(content),
            "flags": EPHEMERAL,
            "allowed_mentions": {"parse": []},
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(channel_type: u8) -> Value {
        json!({
            "type": 2, "id": "111", "application_id": "999", "token": "tok", "version": 1,
            "guild_id": "G1", "channel_id": "C1", "channel": {"id": "C1", "type": channel_type},
            "member": {"user": {"id": "U1", "username": "mia"}, "roles": []},
            "locale": "en-US", "entitlements": [],
            "data": {"id": "5", "name": "omnify", "type": 1, "options": [
                {"name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": " how did Meta do? "}]}
            ]}
        })
    }

    #[test]
    fn ping_and_commands_parse() {
        assert_eq!(
            parse(br#"{"type":1,"id":"1","token":"t"}"#),
            Ok(Request::Ping)
        );
        let Request::Command { context, command } = parse(ask(0).to_string().as_bytes()).unwrap()
        else {
            panic!("a command")
        };
        assert_eq!(
            command,
            Command::Ask {
                question: "how did Meta do?".into()
            }
        );
        assert_eq!(context.user_id, "U1");
        assert_eq!(context.place, Place::Channel);
        assert_eq!(context.token, "tok");
        let Request::Command { context, .. } = parse(ask(11).to_string().as_bytes()).unwrap()
        else {
            panic!("a command")
        };
        assert_eq!(context.place, Place::Thread);

        let dm = json!({"type": 2, "id": "2", "token": "t", "channel_id": "D1",
            "user": {"id": "U2"}, "data": {"name": "omnify", "options": [
                {"name": "connect", "type": 1, "options": [{"name": "platform", "value": "Shopify"}]}]}});
        let Request::Command { context, command } = parse(dm.to_string().as_bytes()).unwrap()
        else {
            panic!("a command")
        };
        assert_eq!(context.place, Place::Direct);
        assert_eq!(
            command,
            Command::Connect {
                platform: Some("shopify".into())
            }
        );
        let other = json!({"type": 2, "id": "3", "token": "t", "channel_id": "D1",
            "user": {"id": "U2"}, "data": {"name": "someone-elses"}});
        assert_eq!(parse(other.to_string().as_bytes()), Ok(Request::Other));
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn buttons_round_trip_through_custom_ids() {
        for b in [
            Button::Confirm("a-1".into()),
            Button::Cancel("a-1".into()),
            Button::Claim("e-9".into()),
            Button::Resolve("e-9".into()),
        ] {
            assert_eq!(Button::parse(&b.custom_id()), Some(b));
        }
        assert_eq!(Button::parse("omnify:confirm:"), None);
        assert_eq!(Button::parse("other:confirm:x"), None);
        let click = json!({"type": 3, "id": "4", "token": "t", "channel_id": "C1",
            "member": {"user": {"id": "U1"}}, "message": {"id": "M1", "channel_id": "C1", "content": "Raise the budget?"},
            "data": {"custom_id": "omnify:confirm:a-1", "component_type": 2}});
        assert_eq!(
            parse(click.to_string().as_bytes()).map(|r| match r {
                Request::Button {
                    button,
                    message_id,
                    message_content,
                    ..
                } => Some((button, message_id, message_content)),
                _ => None,
            }),
            Ok(Some((
                Button::Confirm("a-1".into()),
                "M1".into(),
                "Raise the budget?".into()
            )))
        );
    }

    #[test]
    fn responses_have_discords_types() {
        assert_eq!(pong(), json!({"type": 1}));
        assert_eq!(deferred()["type"], 5);
        assert_eq!(deferred_update()["type"], 6);
        let e = ephemeral("hi");
        assert_eq!(e["type"], 4);
        assert_eq!(e["data"]["flags"], 64);
    }
}
