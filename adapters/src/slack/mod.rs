//! The Slack adapter: what Slack sends (signed Events API, interactivity and slash
//! command requests over HTTP, or the same payloads over a Socket Mode WebSocket), what
//! Omnify posts back (a placeholder in the thread, throttled edits while the answer
//! streams, a final Block Kit message), through slack-morphism.
//!
//! Nothing here knows about turns or the store: the server wires these pieces to
//! `chat::answer` (see `server/src/slack/`).

pub mod api;
pub mod escalation;
pub mod events;
pub mod render;
pub mod signature;
pub mod socket_mode;
pub mod stream;

pub use api::{FileUpload, Installation, MessageBody, SlackApi, SlackApiError};
pub use events::{Envelope, Event, Incoming, Thread};
pub use render::ToolUse;
pub use socket_mode::Accepted;
