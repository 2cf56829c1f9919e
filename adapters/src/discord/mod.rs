//! The Discord adapter: what Discord sends to the interactions endpoint (Ed25519-signed
//! PINGs, `/omnify` commands, button clicks) and what Omnify sends back (the deferred
//! response edited while the answer streams, follow-ups, thread messages, embeds,
//! chart files), through serenity's REST building blocks; and the bot's Gateway
//! connection (mentions, thread messages and DMs in).
//!
//! Nothing here knows about turns or the store: the server wires these pieces to
//! `chat::answer` (see `server/src/discord/`).

pub mod api;
pub mod commands;
pub mod gateway;
pub mod interaction;
pub mod render;
pub mod signature;
pub mod stream;

pub use api::{DiscordApi, DiscordApiError, Target};
pub use interaction::{Button, Command, Context, Place, Request};
pub use render::{Attachment, Message};
