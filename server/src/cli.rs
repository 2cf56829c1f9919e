//! The `omnify` command line.

use crate::config::LogFormat;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "omnify",
    version,
    about = "Omnify: a chat-native agent server for marketing teams"
)]
pub struct Cli {
    /// A TOML config file (default: ./omnify.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where the SQLite database and other local data live (default: ./data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log as human-readable text or as JSON lines.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormatArg>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LogFormatArg {
    Text,
    Json,
}

impl From<LogFormatArg> for LogFormat {
    fn from(a: LogFormatArg) -> Self {
        match a {
            LogFormatArg::Text => LogFormat::Text,
            LogFormatArg::Json => LogFormat::Json,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: chat API, WebSocket, and the platform emulators when no real
    /// platform is configured.
    Serve {
        /// Port to listen on; 0 picks a free one (the bound address is printed).
        #[arg(long)]
        port: Option<u16>,
        /// Address to listen on (default 127.0.0.1).
        #[arg(long)]
        host: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Ask one question from the terminal and print the answer.
    Ask {
        /// The question, e.g. "how did Meta do last week?"
        question: String,
        /// Continue an earlier conversation.
        #[arg(long)]
        conversation: Option<String>,
        /// Print the answer, tool calls and usage as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the platform emulators alone (the demo brand), to point clients or other
    /// tools at.
    Sandbox {
        /// Port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The access token every emulator accepts.
        #[arg(long, default_value = "sandbox-token")]
        token: String,
    },
    /// Manage the keys that seal platform credentials.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Run an analytic on a CSV export: fatigue, ltv, anomalies, churn or budget
    /// (columns in docs/analytics.md).
    Analyze(crate::analyze::AnalyzeArgs),
    /// Add documents to a tenant's knowledge base: Markdown, text, HTML and PDF files,
    /// or folders of them (a folder is synced: files removed from it leave the base).
    Ingest {
        /// Files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The tenant whose knowledge base it is (default: the first tenant, the demo's).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Set up the Discord application (see docs/discord.md).
    #[command(subcommand)]
    Discord(DiscordCommand),
}

#[derive(Debug, Subcommand)]
pub enum DiscordCommand {
    /// Register `/omnify` (ask, report, connect, help) as the application's global
    /// command, replacing what it had. Needs `[discord] application_id` and `bot_token`.
    RegisterCommands,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Print a new random key to put first in `secrets.keys` as `id:key`.
    NewKey,
    /// Re-seal every stored credential under the first key in `secrets.keys`.
    Rotate,
}
