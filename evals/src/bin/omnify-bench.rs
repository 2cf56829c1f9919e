//! `omnify-bench`: the performance suite reported in `docs/benchmarks.md` — agent turns
//! against the OpenAI Agents SDK, WebSocket sessions, Slack acknowledgements, knowledge
//! search. The suites live in `omnify_evals::bench`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    omnify_evals::bench::run(omnify_evals::bench::Args::parse()).await
}
