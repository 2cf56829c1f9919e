//! The Events API payloads Omnify reads, and which messages it answers.

use serde::Deserialize;

/// The body of a `POST /slack/events`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Envelope {
    UrlVerification {
        challenge: String,
    },
    EventCallback {
        team_id: String,
        event_id: String,
        #[serde(default)]
        authorizations: Vec<Authorization>,
        event: Box<Event>,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Authorization {
    #[serde(default)]
    pub user_id: Option<String>,
}

/// An `app_mention` or `message` event (other types are read as this too and ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub subtype: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub channel_type: Option<String>,
    #[serde(default)]
    pub ts: String,
    #[serde(default)]
    pub thread_ts: Option<String>,
}

/// Where a reply goes: a channel and the thread in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub channel: String,
    pub thread_ts: String,
}

impl Thread {
    /// The conversation key: one Omnify conversation per Slack thread.
    pub fn key(&self) -> String {
        format!("{}:{}", self.channel, self.thread_ts)
    }

    /// The thread a conversation key names.
    pub fn from_key(key: &str) -> Option<Self> {
        let (channel, thread_ts) = key.split_once(':')?;
        (!channel.is_empty() && !thread_ts.is_empty()).then(|| Self {
            channel: channel.to_string(),
            thread_ts: thread_ts.to_string(),
        })
    }
}

/// A message Omnify should consider answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub team_id: String,
    pub event_id: String,
    pub user: String,
    /// The text without the bot's mention.
    pub text: String,
    pub thread: Thread,
    /// A reply in a channel thread: answer only if the bot is already in that thread.
    pub needs_known_thread: bool,
}

/// What to do with an event: `None` for anything Omnify does not answer (bots, edits,
/// joins, channel chatter outside its threads, and the `message` copy of a mention,
/// which arrives as an `app_mention` too).
pub fn incoming(
    team_id: &str,
    event_id: &str,
    bot_user: Option<&str>,
    e: &Event,
) -> Option<Incoming> {
    if e.bot_id.is_some() || e.subtype.is_some() {
        return None;
    }
    let user = e.user.clone()?;
    if Some(user.as_str()) == bot_user || e.channel.is_empty() || e.ts.is_empty() {
        return None;
    }
    let mention = bot_user.map(|u| format!("<@{u}>"));
    let needs_known_thread = match e.kind.as_str() {
        "app_mention" => false,
        "message" if e.channel_type.as_deref() == Some("im") => false,
        "message" => {
            let mentioned = mention
                .as_ref()
                .is_some_and(|m| e.text.contains(m.as_str()));
            if e.thread_ts.is_none() || mentioned {
                return None;
            }
            true
        }
        _ => return None,
    };
    let text = strip_mentions(&e.text, bot_user);
    if text.is_empty() {
        return None;
    }
    Some(Incoming {
        team_id: team_id.to_string(),
        event_id: event_id.to_string(),
        user,
        text,
        thread: Thread {
            channel: e.channel.clone(),
            thread_ts: e.thread_ts.clone().unwrap_or_else(|| e.ts.clone()),
        },
        needs_known_thread,
    })
}

/// The text with the bot's mention removed (a leading mention of any user too, when the
/// bot's id is unknown), trimmed.
pub fn strip_mentions(text: &str, bot_user: Option<&str>) -> String {
    let text = match bot_user {
        Some(u) => text.replace(&format!("<@{u}>"), ""),
        None => {
            let t = text.trim_start();
            match (t.starts_with("<@"), t.find('>')) {
                (true, Some(end)) => t[end + 1..].to_string(),
                _ => t.to_string(),
            }
        }
    };
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> Event {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn envelopes_parse() {
        let v: Envelope =
            serde_json::from_str(r#"{"type":"url_verification","challenge":"abc","token":"x"}"#)
                .unwrap();
        assert!(matches!(v, Envelope::UrlVerification { challenge } if challenge == "abc"));
        let v: Envelope = serde_json::from_str(r#"{"type":"app_rate_limited"}"#).unwrap();
        assert!(matches!(v, Envelope::Other));
    }

    #[test]
    fn mentions_dms_and_known_threads_are_answered() {
        let bot = Some("UBOT");
        let m = event(
            serde_json::json!({"type":"app_mention","user":"U1","text":"<@UBOT> how did Meta do?","channel":"C1","ts":"1.1"}),
        );
        let got = incoming("T1", "Ev1", bot, &m).unwrap();
        assert_eq!(got.text, "how did Meta do?");
        assert_eq!(got.thread.key(), "C1:1.1");
        assert!(!got.needs_known_thread);

        let dm = event(
            serde_json::json!({"type":"message","channel_type":"im","user":"U1","text":"hi","channel":"D1","ts":"2.2"}),
        );
        assert!(!incoming("T1", "Ev2", bot, &dm).unwrap().needs_known_thread);

        let reply = event(
            serde_json::json!({"type":"message","channel_type":"channel","user":"U1","text":"and TikTok?","channel":"C1","ts":"3.3","thread_ts":"1.1"}),
        );
        let got = incoming("T1", "Ev3", bot, &reply).unwrap();
        assert_eq!(got.thread.key(), "C1:1.1");
        assert!(got.needs_known_thread);
    }

    #[test]
    fn bots_edits_chatter_and_mention_copies_are_ignored() {
        let bot = Some("UBOT");
        for e in [
            serde_json::json!({"type":"message","channel_type":"im","bot_id":"B1","user":"U1","text":"x","channel":"D1","ts":"1"}),
            serde_json::json!({"type":"message","channel_type":"im","subtype":"message_changed","text":"x","channel":"D1","ts":"1"}),
            serde_json::json!({"type":"message","channel_type":"channel","user":"U1","text":"lunch?","channel":"C1","ts":"1"}),
            serde_json::json!({"type":"message","channel_type":"channel","user":"U1","text":"<@UBOT> hi","channel":"C1","ts":"2","thread_ts":"1"}),
            serde_json::json!({"type":"message","channel_type":"im","user":"UBOT","text":"my own","channel":"D1","ts":"1"}),
            serde_json::json!({"type":"reaction_added","user":"U1","channel":"C1","ts":"1"}),
        ] {
            assert_eq!(incoming("T1", "Ev", bot, &event(e.clone())), None, "{e}");
        }
    }

    #[test]
    fn thread_keys_round_trip() {
        let t = Thread {
            channel: "C1".into(),
            thread_ts: "1700000000.000100".into(),
        };
        assert_eq!(Thread::from_key(&t.key()), Some(t));
        assert_eq!(Thread::from_key("nothread"), None);
    }
}
