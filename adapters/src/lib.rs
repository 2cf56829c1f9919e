//! Chat surfaces: Slack and Discord (the web-chat widget lives in the server).

pub mod discord;
pub mod slack;
pub mod text;
pub mod turn;
