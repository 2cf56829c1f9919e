//! The Gateway's JSON frames (API v10, JSON encoding): what Omnify sends (Identify,
//! Resume, heartbeats), what it reads (Hello, dispatches, READY, MESSAGE_CREATE), and
//! what a close code means for the next connection.

use serde::Deserialize;
use serde_json::{Value, json};

/// Opcodes (<https://discord.com/developers/docs/topics/opcodes-and-status-codes>).
pub const DISPATCH: u8 = 0;
pub const HEARTBEAT: u8 = 1;
pub const IDENTIFY: u8 = 2;
pub const RESUME: u8 = 6;
pub const RECONNECT: u8 = 7;
pub const INVALID_SESSION: u8 = 9;
pub const HELLO: u8 = 10;
pub const HEARTBEAT_ACK: u8 = 11;

/// Gateway intents: guilds (threads), guild messages, DMs, and the text of messages
/// (the privileged *Message Content* intent, switched on in the developer portal).
pub const GUILDS: u64 = 1 << 0;
pub const GUILD_MESSAGES: u64 = 1 << 9;
pub const DIRECT_MESSAGES: u64 = 1 << 12;
pub const MESSAGE_CONTENT: u64 = 1 << 15;
/// What Omnify asks for.
pub const INTENTS: u64 = GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT;

/// Message types Omnify answers: a plain message and a reply (others are system
/// notices: pins, joins, "started a thread", …).
const DEFAULT_MESSAGE: u8 = 0;
const REPLY_MESSAGE: u8 = 19;

/// One frame from the Gateway.
#[derive(Debug, Clone, Deserialize)]
pub struct Frame {
    pub op: u8,
    #[serde(default)]
    pub d: Value,
    #[serde(default)]
    pub s: Option<u64>,
    #[serde(default)]
    pub t: Option<String>,
}

/// `READY`: the session to resume later and who the bot is.
#[derive(Debug, Clone, Deserialize)]
pub struct Ready {
    pub session_id: String,
    pub resume_gateway_url: String,
    pub user: Author,
}

/// A message's author (or a mentioned user).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Author {
    pub id: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub global_name: Option<String>,
    #[serde(default)]
    pub bot: bool,
}

/// The message a reply answers (only its author matters to Omnify).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Referenced {
    #[serde(default)]
    pub author: Option<Author>,
}

/// `MESSAGE_CREATE`: a message in a channel, thread or DM the bot can see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct GatewayMessage {
    pub id: String,
    pub channel_id: String,
    /// Absent in DMs.
    #[serde(default)]
    pub guild_id: Option<String>,
    pub author: Author,
    /// Empty unless the bot has the Message Content intent (or is mentioned).
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub mentions: Vec<Author>,
    #[serde(default, rename = "type")]
    pub kind: u8,
    #[serde(default)]
    pub referenced_message: Option<Box<Referenced>>,
}

impl GatewayMessage {
    /// Typed by a person (not a bot, not a system notice).
    pub fn from_a_person(&self) -> bool {
        !self.author.bot && matches!(self.kind, DEFAULT_MESSAGE | REPLY_MESSAGE)
    }

    /// Whether the message is addressed to `user_id`: it mentions them, or replies to
    /// one of their messages.
    pub fn addresses(&self, user_id: &str) -> bool {
        self.mentions.iter().any(|u| u.id == user_id)
            || self.content.contains(&format!("<@{user_id}>"))
            || self.content.contains(&format!("<@!{user_id}>"))
            || self
                .referenced_message
                .as_ref()
                .and_then(|r| r.author.as_ref())
                .is_some_and(|a| a.id == user_id)
    }

    /// The text without mentions of `user_id` (`<@ID>`, `<@!ID>`), spaces tidied.
    pub fn text_without_mention(&self, user_id: &str) -> String {
        let text = self
            .content
            .replace(&format!("<@!{user_id}>"), " ")
            .replace(&format!("<@{user_id}>"), " ");
        text.split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_string()
    }
}

/// op 2: start a new session.
pub fn identify(token: &str, intents: u64) -> Value {
    json!({"op": IDENTIFY, "d": {
        "token": token,
        "intents": intents,
        "properties": {"os": std::env::consts::OS, "browser": "omnify", "device": "omnify"},
    }})
}

/// op 6: continue a session after a reconnect; Discord replays what came after `seq`.
pub fn resume(token: &str, session_id: &str, seq: Option<u64>) -> Value {
    json!({"op": RESUME, "d": {"token": token, "session_id": session_id, "seq": seq}})
}

/// op 1, carrying the last sequence number seen (or null).
pub fn heartbeat(seq: Option<u64>) -> Value {
    json!({"op": HEARTBEAT, "d": seq})
}

/// What the next connection does after Discord closed this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterClose {
    /// Reconnect and resume the session.
    Resume,
    /// Reconnect with a new session (the old one is gone).
    Identify,
    /// Do not reconnect: it would fail the same way until the setup is fixed.
    Stop(&'static str),
}

/// Close codes (<https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes>).
pub fn after_close(code: u16) -> AfterClose {
    match code {
        4004 => AfterClose::Stop(
            "Discord refused the bot token (close code 4004): set [discord] bot_token to the token on the application's Bot page",
        ),
        4010 | 4011 => AfterClose::Stop(
            "Discord asks for sharding (close code 4010/4011): Omnify connects with one shard, which serves up to 2,500 servers",
        ),
        4012 => AfterClose::Stop("Discord refused the Gateway API version (close code 4012)"),
        4013 => {
            AfterClose::Stop("Discord refused the Gateway intents as invalid (close code 4013)")
        }
        4014 => AfterClose::Stop(
            "Discord refused the Message Content intent (close code 4014): in the developer portal, application → Bot → Privileged Gateway Intents, switch on MESSAGE CONTENT INTENT and save, then restart Omnify",
        ),
        // Invalid sequence, session timed out: that session cannot be resumed.
        4007 | 4009 => AfterClose::Identify,
        _ => AfterClose::Resume,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(content: &str) -> GatewayMessage {
        GatewayMessage {
            id: "10".into(),
            channel_id: "20".into(),
            content: content.into(),
            author: Author {
                id: "30".into(),
                ..Author::default()
            },
            ..GatewayMessage::default()
        }
    }

    #[test]
    fn intents_are_guilds_messages_dms_and_content() {
        assert_eq!(INTENTS, 1 | 512 | 4096 | 32768);
        let d = identify("tok", INTENTS);
        assert_eq!(d["op"], 2);
        assert_eq!(d["d"]["intents"], 37377);
        assert_eq!(d["d"]["properties"]["browser"], "omnify");
        assert_eq!(heartbeat(None), json!({"op": 1, "d": null}));
        assert_eq!(heartbeat(Some(4)), json!({"op": 1, "d": 4}));
        assert_eq!(resume("tok", "s1", Some(9))["d"]["seq"], 9);
    }

    #[test]
    fn mentions_are_found_and_stripped() {
        let m = message("<@99> how did Meta do?  <@!99>");
        assert!(m.addresses("99"));
        assert!(!m.addresses("98"));
        assert_eq!(m.text_without_mention("99"), "how did Meta do?");
        let mut reply = message("and TikTok?");
        reply.referenced_message = Some(Box::new(Referenced {
            author: Some(Author {
                id: "99".into(),
                ..Author::default()
            }),
        }));
        assert!(reply.addresses("99"));
    }

    #[test]
    fn messages_parse_from_discords_json() {
        let m: GatewayMessage = serde_json::from_value(json!({
            "id": "1", "channel_id": "2", "guild_id": "3", "type": 0, "content": "<@9> hi",
            "author": {"id": "4", "username": "mia", "global_name": "Mia"},
            "mentions": [{"id": "9", "username": "Omnify", "bot": true}],
            "tts": false, "attachments": [], "embeds": [], "pinned": false
        }))
        .unwrap();
        assert!(m.from_a_person());
        assert!(m.addresses("9"));
        assert_eq!(m.guild_id.as_deref(), Some("3"));
        let notice: GatewayMessage = serde_json::from_value(
            json!({"id": "1", "channel_id": "2", "type": 18, "author": {"id": "4"}}),
        )
        .unwrap();
        assert!(!notice.from_a_person());
    }

    #[test]
    fn close_codes_decide_what_follows() {
        assert!(matches!(after_close(4014), AfterClose::Stop(s) if s.contains("MESSAGE CONTENT")));
        assert!(matches!(after_close(4004), AfterClose::Stop(s) if s.contains("bot_token")));
        assert!(matches!(after_close(4013), AfterClose::Stop(_)));
        assert_eq!(after_close(4009), AfterClose::Identify);
        assert_eq!(after_close(4000), AfterClose::Resume);
        assert_eq!(after_close(1006), AfterClose::Resume);
    }
}
