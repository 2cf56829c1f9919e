//! Omnify's evals: the performance suite (`omnify-bench`, [`bench`]) and the
//! conversation-quality eval (`omnify-eval`, [`conversation`]).

pub mod bench;
pub mod conversation;
