//! The performance suite behind `omnify-bench`, written to `docs/benchmarks.md`:
//!
//! - [`agent`]: agent turns per second against the OpenAI Agents SDK;
//! - [`ws`]: memory per idle WebSocket session, then round trips with many active;
//! - [`slack`]: Slack event acknowledgement latency under a burst of signed events;
//! - [`knowledge`]: the embedded vector index (build, load, search, recall).
//!
//! The servers under test are release `omnify` child processes ([`process`]); every
//! turn runs against the zero-latency scripted model in this process ([`model`]).

pub mod agent;
pub mod knowledge;
pub mod model;
pub mod process;
pub mod report;
pub mod slack;
pub mod stats;
pub mod ws;

use anyhow::Result;
use clap::{Parser, ValueEnum};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Suite {
    /// Agent turns per second, Omnify vs the OpenAI Agents SDK.
    Agent,
    /// Idle WebSocket sessions (RSS per session), then active round trips.
    Ws,
    /// Slack event acknowledgement latency under a burst.
    Slack,
    /// The knowledge base's vector index.
    Knowledge,
}

impl Suite {
    pub const ALL: [Suite; 4] = [Self::Agent, Self::Ws, Self::Slack, Self::Knowledge];

    /// Its `--suite` name, also its section marker in the report.
    pub fn key(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Ws => "ws",
            Self::Slack => "slack",
            Self::Knowledge => "knowledge",
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    about = "Omnify's performance suite: agent turns vs the OpenAI Agents SDK, WebSocket sessions, Slack acknowledgements, knowledge search"
)]
pub struct Args {
    /// Which suites to run.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "agent,ws,slack,knowledge"
    )]
    pub suite: Vec<Suite>,
    /// Seconds of measured load per concurrency level (agent) and of active round
    /// trips (ws).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds of load before each measurement, not counted.
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Agent suite: concurrent clients, one measurement each.
    #[arg(long, value_delimiter = ',', default_value = "1,16,128")]
    pub concurrency: Vec<usize>,
    /// Agent suite: which servers to measure.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "omnify,omnify-emulator,agents-sdk"
    )]
    pub targets: Vec<agent::Target>,
    /// WebSocket suite: idle sessions held open.
    #[arg(long, default_value_t = 10_000)]
    pub ws_sessions: usize,
    /// WebSocket suite: how many of them then chat, message after message.
    #[arg(long, default_value_t = 1_000)]
    pub ws_active: usize,
    /// Slack suite: signed events sent per second.
    #[arg(long, default_value_t = 500)]
    pub slack_rate: u64,
    /// Slack suite: seconds the burst lasts.
    #[arg(long, default_value_t = 10)]
    pub slack_seconds: u64,
    /// Knowledge suite: index sizes, in chunks.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    pub knowledge_chunks: Vec<usize>,
    /// Knowledge suite: searches timed per size.
    #[arg(long, default_value_t = 500)]
    pub knowledge_queries: usize,
    /// The Omnify binary (build it with `cargo build --release -p omnify-server`).
    #[arg(long, default_value = "target/release/omnify")]
    pub omnify_bin: PathBuf,
    /// The Python peer's directory: `agents_sdk_app.py` and its `.venv`.
    #[arg(long, default_value = "evals/bench")]
    pub sdk_dir: PathBuf,
    /// Write the Markdown report to this file (e.g. docs/benchmarks.md): the sections
    /// of the suites run are replaced, the others kept.
    #[arg(long)]
    pub write: Option<PathBuf>,
    /// A remark for the report's sections, e.g. about other load on the machine.
    #[arg(long)]
    pub note: Option<String>,
}

impl Args {
    /// The command that reproduces a run with these arguments, default flags left out.
    pub fn command_line(&self) -> String {
        let mut c = String::from("./target/release/omnify-bench");
        let mut suites = self.suite.clone();
        suites.sort_unstable();
        suites.dedup();
        if suites != Suite::ALL {
            let names: Vec<&str> = suites.iter().map(|s| s.key()).collect();
            let _ = write!(c, " --suite {}", names.join(","));
        }
        let runs = |s: Suite| suites.contains(&s);
        if (runs(Suite::Agent) || runs(Suite::Ws)) && self.seconds != 10 {
            let _ = write!(c, " --seconds {}", self.seconds);
        }
        if (runs(Suite::Agent) || runs(Suite::Ws)) && self.warmup != 2 {
            let _ = write!(c, " --warmup {}", self.warmup);
        }
        if runs(Suite::Agent) {
            if self.concurrency != [1, 16, 128] {
                let levels: Vec<String> = self.concurrency.iter().map(usize::to_string).collect();
                let _ = write!(c, " --concurrency {}", levels.join(","));
            }
            if self.targets != agent::Target::ALL {
                let names: Vec<&str> = self.targets.iter().map(|t| t.flag()).collect();
                let _ = write!(c, " --targets {}", names.join(","));
            }
        }
        if runs(Suite::Ws) {
            if self.ws_sessions != 10_000 {
                let _ = write!(c, " --ws-sessions {}", self.ws_sessions);
            }
            if self.ws_active != 1_000 {
                let _ = write!(c, " --ws-active {}", self.ws_active);
            }
        }
        if runs(Suite::Slack) {
            if self.slack_rate != 500 {
                let _ = write!(c, " --slack-rate {}", self.slack_rate);
            }
            if self.slack_seconds != 10 {
                let _ = write!(c, " --slack-seconds {}", self.slack_seconds);
            }
        }
        if runs(Suite::Knowledge) {
            if self.knowledge_chunks != [10_000, 100_000] {
                let sizes: Vec<String> =
                    self.knowledge_chunks.iter().map(usize::to_string).collect();
                let _ = write!(c, " --knowledge-chunks {}", sizes.join(","));
            }
            if self.knowledge_queries != 500 {
                let _ = write!(c, " --knowledge-queries {}", self.knowledge_queries);
            }
        }
        if let Some(path) = &self.write {
            let _ = write!(c, " --write {}", path.display());
        }
        c
    }
}

/// What every suite of one run shares.
pub struct Context {
    pub model: model::Model,
    pub clk_tck: f64,
    pub cores: usize,
    machine: String,
    date: String,
    /// This process's open-files limits after raising them (soft, hard).
    pub open_files: (u64, u64),
}

impl Context {
    /// The line under a section's title: when, where and how it was measured, and the
    /// run's note.
    pub fn measured_line(&self, args: &Args) -> String {
        let mut line = format!(
            "- Measured {} on {}, release build, by `{}`.",
            self.date,
            self.machine,
            args.command_line()
        );
        if let Some(note) = &args.note {
            let _ = write!(line, "\n- **Note:** {note}");
        }
        line
    }
}

/// Run the suites asked for, in the usual order, and write the report if asked.
pub async fn run(args: Args) -> Result<()> {
    // reqwest is built with rustls; pick its provider once, as the server does.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let open_files = process::raise_open_files_limit()?;
    let cx = Context {
        model: model::Model::start().await?,
        clk_tck: process::clock_ticks_per_second(),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        machine: report::machine(),
        date: chrono::Local::now().format("%Y-%m-%d %H:%M %Z").to_string(),
        open_files,
    };
    let mut sections = Vec::new();
    for suite in Suite::ALL {
        if !args.suite.contains(&suite) {
            continue;
        }
        eprintln!("== {} ==", suite.key());
        let markdown = match suite {
            Suite::Agent => agent::run(&args, &cx).await?,
            Suite::Ws => ws::run(&args, &cx).await?,
            Suite::Slack => slack::run(&args, &cx).await?,
            Suite::Knowledge => knowledge::run(&args, &cx).await?,
        };
        sections.push((suite, markdown));
    }
    if let Some(path) = &args.write {
        report::write(path, &sections)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
