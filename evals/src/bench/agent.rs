//! The agent-turn benchmark: a chat endpoint driven at several concurrency levels
//! against the zero-latency scripted model. Targets are child processes, so their CPU
//! time and memory can be read from `/proc` apart from the load generator and the model:
//!
//! - `omnify`: the release binary, `POST /api/v1/chat`, its real tool and store;
//! - `agents-sdk`: the same turn through the OpenAI Agents SDK for Python behind
//!   FastAPI (`evals/bench/agents_sdk_app.py`), its tool returning a small fixed dict.
//!
//! Each (target, concurrency) gets a fresh server, so rows do not share state.

use super::model::{MESSAGE, Model, PERFORMANCE_ARGS, TODAY};
use super::process::{self, Omnify, Server};
use super::stats::{Tally, percentile_ms};
use super::{Args, Context as RunContext};
use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use serde_json::Value;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The request body, the same for both targets.
const BODY: &str = r#"{"message":"how did Meta do last week?"}"#;
/// How long one turn may take to answer.
const TURN_TIMEOUT: Duration = Duration::from_secs(60);
/// A c=128 throughput below this share of c=16 counts as a collapse.
const NO_COLLAPSE_SHARE: f64 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Omnify with `bench.fixed_tool`: the tool returns a small fixed result, as the peer's does.
    Omnify,
    /// Omnify with its real tool, reading the local Meta emulator over HTTP.
    OmnifyEmulator,
    AgentsSdk,
}

impl Target {
    fn label(self) -> &'static str {
        match self {
            Self::Omnify => "Omnify",
            Self::OmnifyEmulator => "Omnify (real tool via emulator)",
            Self::AgentsSdk => "Agents SDK",
        }
    }

    pub fn flag(self) -> &'static str {
        match self {
            Self::Omnify => "omnify",
            Self::OmnifyEmulator => "omnify-emulator",
            Self::AgentsSdk => "agents-sdk",
        }
    }

    pub const ALL: [Target; 3] = [Self::Omnify, Self::OmnifyEmulator, Self::AgentsSdk];
}

/// The chat endpoint of a server under test.
#[derive(Clone)]
struct Endpoint {
    url: String,
    bearer: Option<String>,
}

impl Endpoint {
    fn of(server: &Server, target: Target) -> Self {
        let path = match target {
            Target::AgentsSdk => "/chat",
            Target::Omnify | Target::OmnifyEmulator => "/api/v1/chat",
        };
        Self {
            url: format!("{}{path}", server.base_url),
            bearer: server.api_key.clone(),
        }
    }
}

/// Run the agent suite; returns its section of the report.
pub async fn run(args: &Args, cx: &RunContext) -> Result<String> {
    let model = &cx.model;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .timeout(TURN_TIMEOUT)
        .build()?;
    let mut targets = args.targets.clone();
    let mut skipped = None;
    if targets.contains(&Target::AgentsSdk) && process::uvicorn(&args.sdk_dir).is_none() {
        let why = format!(
            "the Agents SDK peer was skipped: `{}/.venv` is not set up (see Reproduce)",
            args.sdk_dir.display()
        );
        eprintln!("agent: {why}");
        skipped = Some(why);
        targets.retain(|t| *t != Target::AgentsSdk);
    }
    let mut rows = Vec::new();
    for &target in &targets {
        for &concurrency in &args.concurrency {
            eprintln!("agent: {}: concurrency {concurrency}…", target.label());
            let row = measure(args, &client, model, target, concurrency, cx.clk_tck).await?;
            eprintln!("  {}", row.summary());
            rows.push(row);
        }
    }
    let table = results_table(&rows);
    let verdicts = verdicts(&rows, cx.cores);
    println!("{table}\n{verdicts}");
    Ok(section(args, cx, &table, &verdicts, skipped.as_deref()))
}

async fn start(args: &Args, target: Target, model_url: &str) -> Result<Server> {
    let omnify = |fixed_tool| Omnify {
        bin: &args.omnify_bin,
        model_url,
        fixed_tool,
        env: Vec::new(),
    };
    match target {
        Target::Omnify => process::start_omnify(omnify(true)).await,
        Target::OmnifyEmulator => process::start_omnify(omnify(false)).await,
        Target::AgentsSdk => process::start_agents_sdk(&args.sdk_dir, model_url).await,
    }
}

// ---------------------------------------------------------------------------------
// Load

/// One chat turn; the whole body is read, so the latency covers the full reply.
async fn turn(client: &reqwest::Client, endpoint: &Endpoint) -> Result<String, String> {
    let mut request = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .body(BODY);
    if let Some(key) = &endpoint.bearer {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(|e| format!("{e:#}"))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| format!("{e:#}"))?;
    if status != reqwest::StatusCode::OK {
        let short: String = body.chars().take(300).collect();
        return Err(format!("{status}: {short}"));
    }
    Ok(body)
}

/// One turn before the load, checking the turn is the one we mean to measure: a
/// reply, and for Omnify a tool call that succeeded.
async fn probe(
    client: &reqwest::Client,
    server: &Server,
    endpoint: &Endpoint,
    target: Target,
) -> Result<()> {
    let body = match turn(client, endpoint).await {
        Ok(body) => body,
        Err(e) => bail!("the first turn failed: {e}\n{}", server.log_tail()),
    };
    let reply: Value = serde_json::from_str(&body).context("the reply is not JSON")?;
    if reply["reply"].as_str().is_none_or(str::is_empty) {
        bail!("the first turn has no reply: {body}");
    }
    if target != Target::AgentsSdk {
        let tool_ok = reply["tool_calls"][0]["ok"].as_bool() == Some(true);
        if !tool_ok {
            bail!("the first turn's tool call did not succeed: {body}");
        }
    }
    Ok(())
}

/// One client: turns back to back until the deadline (none starts after it).
async fn client_loop(client: reqwest::Client, endpoint: Arc<Endpoint>, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let start = Instant::now();
        match turn(&client, &endpoint).await {
            Ok(_) => tally.latencies.push(start.elapsed()),
            Err(e) => {
                tally.fail(e);
                // A failing server answers fast; do not spin on it.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    tally
}

/// `concurrency` clients for `duration`; returns their tally and the wall time until
/// the last one finished.
async fn load(
    client: &reqwest::Client,
    endpoint: &Endpoint,
    concurrency: usize,
    duration: Duration,
) -> Result<(Tally, Duration)> {
    let endpoint = Arc::new(endpoint.clone());
    let start = Instant::now();
    let deadline = start + duration;
    let clients: Vec<_> = (0..concurrency)
        .map(|_| tokio::spawn(client_loop(client.clone(), endpoint.clone(), deadline)))
        .collect();
    let mut tally = Tally::default();
    for c in clients {
        tally.merge(c.await?);
    }
    Ok((tally, start.elapsed()))
}

// ---------------------------------------------------------------------------------
// Measurement

struct Row {
    target: Target,
    concurrency: usize,
    turns: usize,
    turns_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_cpu_ms_per_turn: f64,
    bench_cpu_ms_per_turn: f64,
    peak_rss_mb: f64,
    rss_mb: f64,
    errors: u64,
    first_error: Option<String>,
    model_calls_per_turn: f64,
}

impl Row {
    fn summary(&self) -> String {
        let mut s = format!(
            "{} turns, {:.0} turns/s, p50 {:.2} ms, p99 {:.2} ms, {:.3} CPU ms/turn, peak RSS {:.1} MB, {} errors",
            self.turns,
            self.turns_per_s,
            self.p50_ms,
            self.p99_ms,
            self.server_cpu_ms_per_turn,
            self.peak_rss_mb,
            self.errors
        );
        if let Some(e) = &self.first_error {
            let _ = write!(s, " (first: {e})");
        }
        s
    }
}

/// A fresh server; a probe turn; warm-up; then the measured window, with the child's
/// CPU time and this process's (clients plus model) read from /proc around it.
async fn measure(
    args: &Args,
    client: &reqwest::Client,
    model: &Model,
    target: Target,
    concurrency: usize,
    clk_tck: f64,
) -> Result<Row> {
    let server = start(args, target, &model.url()).await?;
    let endpoint = Endpoint::of(&server, target);
    let pid = server.pid();
    probe(client, &server, &endpoint, target).await?;
    let warmup = Duration::from_secs(args.warmup);
    load(client, &endpoint, concurrency, warmup).await?;

    let cpu_ticks = process::cpu_ticks;
    let (server_cpu0, bench_cpu0, calls0) = (cpu_ticks(&pid)?, cpu_ticks("self")?, model.calls());
    let window = Duration::from_secs(args.seconds);
    let (mut tally, elapsed) = load(client, &endpoint, concurrency, window).await?;
    let (server_cpu1, bench_cpu1, calls1) = (cpu_ticks(&pid)?, cpu_ticks("self")?, model.calls());
    let memory = process::memory(&pid)?;
    drop(server);

    let turns = tally.latencies.len();
    let per_turn_ms = |ticks: u64| ticks as f64 * 1000.0 / clk_tck / turns.max(1) as f64;
    tally.latencies.sort_unstable();
    Ok(Row {
        target,
        concurrency,
        turns,
        turns_per_s: turns as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile_ms(&tally.latencies, 0.50),
        p99_ms: percentile_ms(&tally.latencies, 0.99),
        server_cpu_ms_per_turn: per_turn_ms(server_cpu1.saturating_sub(server_cpu0)),
        bench_cpu_ms_per_turn: per_turn_ms(bench_cpu1.saturating_sub(bench_cpu0)),
        peak_rss_mb: memory.peak_rss_kb as f64 / 1024.0,
        rss_mb: memory.rss_kb as f64 / 1024.0,
        errors: tally.errors,
        first_error: tally.first_error,
        model_calls_per_turn: (calls1 - calls0) as f64 / turns.max(1) as f64,
    })
}

// ---------------------------------------------------------------------------------
// Report

fn results_table(rows: &[Row]) -> String {
    let mut t = String::from(
        "| target | concurrency | turns/s | p50 ms | p99 ms | server CPU ms/turn | peak RSS MB | RSS MB | errors | turns | model calls/turn | bench CPU ms/turn |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.3} | {:.1} | {:.1} | {} | {} | {:.2} | {:.3} |",
            r.target.label(),
            r.concurrency,
            r.turns_per_s,
            r.p50_ms,
            r.p99_ms,
            r.server_cpu_ms_per_turn,
            r.peak_rss_mb,
            r.rss_mb,
            r.errors,
            r.turns,
            r.model_calls_per_turn,
            r.bench_cpu_ms_per_turn
        );
    }
    for r in rows {
        if let Some(e) = &r.first_error {
            let _ = writeln!(
                t,
                "\nFirst error, {} at concurrency {}: `{}`",
                r.target.label(),
                r.concurrency,
                e.replace('`', "'")
            );
        }
    }
    t
}

fn find(rows: &[Row], target: Target, concurrency: usize) -> Option<&Row> {
    rows.iter()
        .find(|r| r.target == target && r.concurrency == concurrency)
}

/// The issue's three targets, judged from the rows when both sides were measured.
fn verdicts(rows: &[Row], cores: usize) -> String {
    let met = super::report::met;
    let mut v = String::new();
    let omnify16 = find(rows, Target::Omnify, 16);
    let sdk16 = find(rows, Target::AgentsSdk, 16);
    match (omnify16, sdk16) {
        (Some(o), Some(s)) => {
            let throughput = o.turns_per_s / s.turns_per_s;
            let p99 = s.p99_ms / o.p99_ms;
            let cpu = s.server_cpu_ms_per_turn / o.server_cpu_ms_per_turn;
            let _ = writeln!(
                v,
                "- Throughput at concurrency 16: Omnify {:.0} turns/s vs the SDK's {:.0}, **{throughput:.1}×** (target ≥ 30×): {}.",
                o.turns_per_s,
                s.turns_per_s,
                met(throughput >= 30.0)
            );
            let _ = writeln!(
                v,
                "- p99 at concurrency 16: Omnify {:.2} ms vs the SDK's {:.2} ms, **1/{p99:.1}** of it (target ≤ 1/30): {}.",
                o.p99_ms,
                s.p99_ms,
                met(p99 >= 30.0)
            );
            let _ = writeln!(
                v,
                "- CPU per turn at concurrency 16: Omnify {:.3} ms vs the SDK's {:.3} ms ({cpu:.1}× less).",
                o.server_cpu_ms_per_turn, s.server_cpu_ms_per_turn
            );
            // What 30× would take on this machine: every turn's CPU (server, scripted
            // model and clients) must fit the cores' time at 30× the peer's rate.
            let wanted = 30.0 * s.turns_per_s;
            let budget_ms = cores as f64 * 1000.0 / wanted;
            let _ = writeln!(
                v,
                "- What 30× would take here: {wanted:.0} turns/s on {cores} cores leaves {budget_ms:.3} ms of CPU per turn for everything on the machine; the load generator and scripted model alone took {:.3} ms, leaving {:.3} ms for the server, which took {:.3} ms.",
                o.bench_cpu_ms_per_turn,
                (budget_ms - o.bench_cpu_ms_per_turn).max(0.0),
                o.server_cpu_ms_per_turn
            );
        }
        _ => v.push_str(
            "- Ratios at concurrency 16: not measured (both targets at c=16 are needed).\n",
        ),
    }
    match (omnify16, find(rows, Target::Omnify, 128)) {
        (Some(o16), Some(o128)) => {
            let share = o128.turns_per_s / o16.turns_per_s;
            let _ = writeln!(
                v,
                "- No collapse at concurrency 128 (throughput ≥ {:.0}% of c=16's and no errors): Omnify keeps {:.0}% ({:.0} turns/s, p99 {:.2} ms, {} errors): {}.",
                NO_COLLAPSE_SHARE * 100.0,
                share * 100.0,
                o128.turns_per_s,
                o128.p99_ms,
                o128.errors,
                met(share >= NO_COLLAPSE_SHARE && o128.errors == 0)
            );
        }
        _ => v.push_str("- Concurrency 128: not measured for Omnify.\n"),
    }
    v
}

fn section(
    args: &Args,
    cx: &RunContext,
    table: &str,
    verdicts: &str,
    skipped: Option<&str>,
) -> String {
    let skipped = skipped
        .map(|s| format!("\n**Note:** {s}.\n"))
        .unwrap_or_default();
    format!(
        r#"## Agent turn: `POST /api/v1/chat` against a zero-latency model

{measured}
- Load: {seconds} s measured per concurrency level after {warmup} s of warm-up.
{skipped}
### Method

- **The model** is the scripted OpenAI-compatible server (`omnify_llm::scripted_server`)
  running inside the benchmark process with no delay. Every turn is two model calls:
  the user's message is answered with one tool call, the tool result with a short final
  answer. The `model calls/turn` column counts what the model actually served.
- **Omnify** is the release binary, `omnify serve --port 0` on a fresh SQLite data
  directory, with `OMNIFY_LLM__BASE_URL` pointing at the scripted model, the demo date
  pinned to {today} and the rate limit lifted. Each request is
  `POST /api/v1/chat {{"message": "{message}"}}` with the demo tenant's API key and no
  `conversation_id`, so every turn starts a new conversation. The turn runs as in
  production: API-key authentication, the inbound message persisted, context assembly,
  two streamed (SSE) model calls through the OpenAI client, the
  `get_marketing_performance` tool, and messages, the tool call, usage and cost
  persisted in SQLite. Two Omnify rows: **Omnify** runs with `bench.fixed_tool`, the
  tool returning a small fixed result as the peer's does, so the two compare agent
  loops; **Omnify (real tool via emulator)** calls the real tool with `{args}`, which
  fetches Meta insights over HTTP from the local Meta emulator that `omnify serve` runs
  in-process when no Meta credentials are configured, so its CPU is counted in Omnify's.
- **The peer** is the OpenAI Agents SDK for Python (`openai-agents`, versions pinned in
  `evals/bench/requirements.txt`) behind FastAPI: `evals/bench/agents_sdk_app.py` runs
  `Runner.run` on an `Agent` with one `@function_tool` returning a small fixed dict,
  model `OpenAIChatCompletionsModel` on the same scripted server, tracing disabled.
  It is served by uvicorn with one worker, the SDK's usual deployment (one Python
  process, one event loop). It persists nothing (no session store), which favours the
  peer.
- **Load**: one shared HTTP client (keep-alive pool); N clients each send turns back to
  back for the measured window; none starts after it ends. Latency is per successful
  `200`, request sent to the full body read; errors are counted apart. `turns/s` is
  successful turns over the wall time until the last client finished. Percentiles are
  nearest-rank over all latencies of the window.
- **Server CPU ms/turn** is the change in the server process's user+system time
  (`/proc/<pid>/stat`) over the window, divided by the turns. **Peak RSS** is its
  `VmHWM` at the end (warm-up included), **RSS** its `VmRSS`. Each target and
  concurrency level runs on a fresh server process.
- **Bench CPU ms/turn** is the benchmark process's own CPU (clients plus scripted
  model), shown because it shares the machine's cores with the server: at high
  throughput the load generator itself takes a large part of the CPU.

### Results

{table}
### Against the targets

The targets (from the foundation issue and issue 10): at concurrency 16, at least 30×
the SDK's turns/s and a p99 at most 1/30 of its p99; no collapse at concurrency 128.

{verdicts}
### Reading the numbers

- With a zero-latency model, a turn's latency is all CPU: the server's work plus the
  load generator's and the model's, on the same {cores} cores. Once the server is
  saturated, throughput is bounded by CPU per turn (server + bench) and latency grows
  with the queue (Little's law: p50 ≈ concurrency / turns/s).
- The peer's throughput is bounded by one Python event loop: its CPU per turn is the
  cost of the SDK, the OpenAI client, pydantic and FastAPI per turn, on one core.
- Omnify's CPU per turn covers the whole production path above, and with the real tool
  the Meta emulator's HTTP request and response, which a real deployment would not
  spend on this machine (the real Meta API is remote) — and SQLite writes with their
  fsyncs.
- Other processes on the machine (such as compiles) add noise to every row; compare
  rows from one run.
"#,
        measured = cx.measured_line(args),
        seconds = args.seconds,
        warmup = args.warmup,
        today = TODAY,
        message = MESSAGE,
        args = PERFORMANCE_ARGS,
        cores = cx.cores,
    )
}
