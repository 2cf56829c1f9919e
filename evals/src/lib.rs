//! Omnify's evals: the agent-turn load benchmark (`omnify-bench`) and the
//! conversation-quality eval (`omnify-eval`, [`conversation`]).

pub mod conversation;
