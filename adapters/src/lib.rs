//! Chat surfaces: Slack now; Discord and the web-chat widget later.

pub mod slack;
