//! `omnify-bench`: the agent-turn benchmark reported in `docs/benchmarks.md`.
//!
//! It drives a chat endpoint at several concurrency levels against a zero-latency
//! scripted model served in this process. Every turn is two model calls: a call to one
//! tool, then a final answer. Targets are child processes, so their CPU time and memory
//! can be read from `/proc` apart from the load generator and the model:
//!
//! - `omnify`: the release binary, `POST /api/v1/chat`, its real tool and store;
//! - `agents-sdk`: the same turn through the OpenAI Agents SDK for Python behind
//!   FastAPI (`evals/bench/agents_sdk_app.py`), its tool returning a small fixed dict.
//!
//! Each (target, concurrency) gets a fresh server, so rows do not share state.

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use omnify_llm::scripted_server::{Reply, ScriptedServer};
use serde_json::Value;
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// The question every turn asks.
const MESSAGE: &str = "how did Meta do last week?";
/// The request body, the same for both targets.
const BODY: &str = r#"{"message":"how did Meta do last week?"}"#;
/// Omnify's tool and the arguments the scripted model calls it with: Meta, the last
/// seven days before the pinned "today" (2026-11-25), platform totals only, no
/// previous period, so the emulator does as little as the tool allows.
const PERFORMANCE_TOOL: &str = "get_marketing_performance";
const PERFORMANCE_ARGS: &str = r#"{"platform":"meta","date_range":{"since":"2026-11-18","until":"2026-11-24"},"level":"platform","compare_previous":false}"#;
const TODAY: &str = "2026-11-25";
const FINAL_ANSWER: &str =
    "Meta spent $12,450 last week and brought in $48,211 of revenue, a ROAS of 3.87.";
/// How long a server may take to start, and one turn to answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const TURN_TIMEOUT: Duration = Duration::from_secs(60);
/// A c=128 throughput below this share of c=16 counts as a collapse.
const NO_COLLAPSE_SHARE: f64 = 0.9;

#[derive(Parser)]
#[command(about = "Agent-turn benchmark: Omnify vs the OpenAI Agents SDK on a scripted model")]
struct Args {
    /// Seconds of measured load per concurrency level.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of load before each measurement, not counted.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Concurrent clients, one measurement each.
    #[arg(long, value_delimiter = ',', default_value = "1,16,128")]
    concurrency: Vec<usize>,
    /// Which servers to measure.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "omnify,omnify-emulator,agents-sdk"
    )]
    targets: Vec<Target>,
    /// The Omnify binary (build it with `cargo build --release -p omnify-server`).
    #[arg(long, default_value = "target/release/omnify")]
    omnify_bin: PathBuf,
    /// The Python peer's directory: `agents_sdk_app.py` and its `.venv`.
    #[arg(long, default_value = "evals/bench")]
    sdk_dir: PathBuf,
    /// Write the Markdown report to this file (e.g. docs/benchmarks.md).
    #[arg(long)]
    write: Option<PathBuf>,
    /// A remark for the report, e.g. about other load on the machine.
    #[arg(long)]
    note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
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
}

#[tokio::main]
async fn main() -> Result<()> {
    // reqwest is built with rustls; pick its provider once, as the server does.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args = Args::parse();
    let model = Model::start().await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .timeout(TURN_TIMEOUT)
        .build()?;
    let clk_tck = clock_ticks_per_second();
    let mut rows = Vec::new();
    for &target in &args.targets {
        for &concurrency in &args.concurrency {
            eprintln!("{}: concurrency {concurrency}…", target.label());
            let row = measure(&args, &client, &model, target, concurrency, clk_tck).await?;
            eprintln!("  {}", row.summary());
            rows.push(row);
        }
    }
    let table = results_table(&rows);
    let verdicts = verdicts(&rows);
    println!("{table}\n{verdicts}");
    if let Some(path) = &args.write {
        let doc = report(&args, &table, &verdicts, clk_tck) + &hand_written(path);
        std::fs::write(path, doc).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The scripted model

/// The zero-latency model, counting its calls so the report can show two per turn.
struct Model {
    server: ScriptedServer,
    calls: Arc<AtomicU64>,
}

impl Model {
    async fn start() -> Result<Self> {
        let calls = Arc::new(AtomicU64::new(0));
        let counter = calls.clone();
        let server = ScriptedServer::start_with(Arc::new(move |request: &Value| {
            counter.fetch_add(1, Ordering::Relaxed);
            respond(request)
        }))
        .await
        .context("cannot start the scripted model")?;
        Ok(Self { server, calls })
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

/// One turn's script, decided from the request alone so any agent framework can use
/// it: answer the user's message with a tool call, and a tool result with the answer.
fn respond(request: &Value) -> Reply {
    let last_role = request["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["role"].as_str());
    if last_role != Some("user") {
        return Reply::text(FINAL_ANSWER);
    }
    match pick_tool(request) {
        Some((name, true)) => Reply::tool(&name, PERFORMANCE_ARGS),
        Some((name, false)) => Reply::tool(&name, "{}"),
        None => Reply::text(FINAL_ANSWER),
    }
}

/// Omnify's performance tool when offered, else the first tool; with whether it has
/// required parameters (the peer's fixed-result tool takes none).
fn pick_tool(request: &Value) -> Option<(String, bool)> {
    let tools = request["tools"].as_array()?;
    let tool = tools
        .iter()
        .find(|t| t["function"]["name"] == PERFORMANCE_TOOL)
        .or_else(|| tools.first())?;
    let name = tool["function"]["name"].as_str()?.to_string();
    let has_required = tool["function"]["parameters"]["required"]
        .as_array()
        .is_some_and(|r| !r.is_empty());
    Some((name, has_required))
}

// ---------------------------------------------------------------------------------
// The servers under test

/// A server child process; killed when dropped.
struct Server {
    child: Child,
    endpoint: Endpoint,
    /// Data directory and logs, removed after the child is gone.
    dir: tempfile::TempDir,
}

#[derive(Clone)]
struct Endpoint {
    url: String,
    bearer: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The end of the child's stderr, to explain a failure.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default();
        let start = log.len().saturating_sub(2000);
        let start = (start..log.len())
            .find(|&i| log.is_char_boundary(i))
            .unwrap_or(log.len());
        log[start..].to_string()
    }
}

async fn start(args: &Args, target: Target, model_url: &str) -> Result<Server> {
    match target {
        Target::Omnify => start_omnify(&args.omnify_bin, model_url, true).await,
        Target::OmnifyEmulator => start_omnify(&args.omnify_bin, model_url, false).await,
        Target::AgentsSdk => start_agents_sdk(&args.sdk_dir, model_url).await,
    }
}

fn log_file(dir: &tempfile::TempDir) -> Result<std::fs::File> {
    std::fs::File::create(dir.path().join("stderr.log")).context("cannot create the server log")
}

/// `omnify serve --port 0` on a fresh data directory, configured through the
/// environment; the API key and the address come from its banner.
async fn start_omnify(bin: &Path, model_url: &str, fixed_tool: bool) -> Result<Server> {
    let bin = bin.canonicalize().with_context(|| {
        format!(
            "{} not found; build it with `cargo build --release -p omnify-server`",
            bin.display()
        )
    })?;
    let dir = tempfile::tempdir()?;
    let mut child = Command::new(&bin)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path().join("data"))
        // Run in the temp dir so a stray omnify.toml in the caller's directory is ignored.
        .current_dir(dir.path())
        .env("OMNIFY_LLM__BASE_URL", model_url)
        .env("OMNIFY_LLM__API_KEY", "bench")
        .env("OMNIFY_SERVER__RATE_LIMIT_PER_MINUTE", "100000000")
        .env("OMNIFY_DEMO__TODAY", TODAY)
        .env("OMNIFY_LOG__FILTER", "warn")
        .env(
            "OMNIFY_BENCH__FIXED_TOOL",
            if fixed_tool { "true" } else { "false" },
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file(&dir)?)
        .spawn()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let stdout = child.stdout.take().context("no stdout from omnify")?;
    let mut server = Server {
        child,
        endpoint: Endpoint {
            url: String::new(),
            bearer: None,
        },
        dir,
    };
    let mut lines = forward_lines(stdout);
    match tokio::time::timeout(START_TIMEOUT, omnify_banner(&mut lines)).await {
        Ok(Ok((key, base))) => {
            server.endpoint = Endpoint {
                url: format!("{base}/api/v1/chat"),
                bearer: Some(key),
            };
            Ok(server)
        }
        Ok(Err(e)) => bail!("{e:#}\n{}", server.log_tail()),
        Err(_) => bail!("omnify did not start in time\n{}", server.log_tail()),
    }
}

/// The child's stdout, line by line. The thread keeps reading to the end so the
/// child never blocks on a full pipe.
fn forward_lines(stdout: ChildStdout) -> UnboundedReceiver<String> {
    let (tx, rx) = unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    rx
}

/// The demo tenant's key (`omk_…`, printed on a fresh data directory) and the base URL
/// from "Omnify is listening on http://…".
async fn omnify_banner(lines: &mut UnboundedReceiver<String>) -> Result<(String, String)> {
    let mut key = None;
    while let Some(line) = lines.recv().await {
        let line = line.trim();
        if line.starts_with("omk_") {
            key = Some(line.to_string());
        }
        if let Some(url) = line.strip_prefix("Omnify is listening on ") {
            let key = key.context("omnify printed no API key before its address")?;
            return Ok((key, url.trim_end_matches('/').to_string()));
        }
    }
    bail!("omnify exited before listening")
}

/// uvicorn with one worker serving `agents_sdk_app:app` on a free port.
async fn start_agents_sdk(sdk_dir: &Path, model_url: &str) -> Result<Server> {
    let sdk_dir = sdk_dir
        .canonicalize()
        .with_context(|| format!("{} not found", sdk_dir.display()))?;
    let uvicorn = sdk_dir.join(".venv/bin/uvicorn");
    if !uvicorn.exists() {
        bail!(
            "{} is missing; set it up with `python3 -m venv {venv} && {venv}/bin/pip install -r {req}`",
            uvicorn.display(),
            venv = sdk_dir.join(".venv").display(),
            req = sdk_dir.join("requirements.txt").display()
        );
    }
    let port = free_port()?;
    let dir = tempfile::tempdir()?;
    let child = Command::new(&uvicorn)
        .args(["agents_sdk_app:app", "--host", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg("--app-dir")
        .arg(&sdk_dir)
        .args(["--log-level", "warning", "--no-access-log"])
        .env("SCRIPTED_BASE_URL", model_url)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file(&dir)?)
        .spawn()
        .with_context(|| format!("cannot run {}", uvicorn.display()))?;
    let mut server = Server {
        child,
        endpoint: Endpoint {
            url: format!("http://127.0.0.1:{port}/chat"),
            bearer: None,
        },
        dir,
    };
    if let Err(e) = wait_listening(&mut server.child, port).await {
        bail!("{e:#}\n{}", server.log_tail());
    }
    Ok(server)
}

/// A port nobody listens on now (the OS picks it; uvicorn binds it a moment later).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

async fn wait_listening(child: &mut Child, port: u16) -> Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the server exited ({status}) before listening");
        }
        if Instant::now() > deadline {
            bail!("the server did not listen on port {port} in time");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
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
async fn probe(client: &reqwest::Client, server: &Server, target: Target) -> Result<()> {
    let body = match turn(client, &server.endpoint).await {
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

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// One client: turns back to back until the deadline (none starts after it).
async fn client_loop(client: reqwest::Client, endpoint: Arc<Endpoint>, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let start = Instant::now();
        match turn(&client, &endpoint).await {
            Ok(_) => tally.latencies.push(start.elapsed()),
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(e);
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
    let server = start(args, target, &model.server.base_url()).await?;
    let pid = server.pid().to_string();
    probe(client, &server, target).await?;
    let warmup = Duration::from_secs(args.warmup);
    load(client, &server.endpoint, concurrency, warmup).await?;

    let (server_cpu0, bench_cpu0, calls0) = (cpu_ticks(&pid)?, cpu_ticks("self")?, model.calls());
    let window = Duration::from_secs(args.seconds);
    let (mut tally, elapsed) = load(client, &server.endpoint, concurrency, window).await?;
    let (server_cpu1, bench_cpu1, calls1) = (cpu_ticks(&pid)?, cpu_ticks("self")?, model.calls());
    let (peak_rss_kb, rss_kb) = memory_kb(&pid)?;
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
        peak_rss_mb: peak_rss_kb as f64 / 1024.0,
        rss_mb: rss_kb as f64 / 1024.0,
        errors: tally.errors,
        first_error: tally.first_error,
        model_calls_per_turn: (calls1 - calls0) as f64 / turns.max(1) as f64,
    })
}

/// Nearest-rank percentile of sorted latencies, in milliseconds.
fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

/// User plus system CPU time of a process, in clock ticks (`/proc/<pid>/stat` fields
/// 14 and 15, counted after the parenthesised command name, which may hold spaces).
fn cpu_ticks(pid: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let (_, rest) = stat
        .rsplit_once(')')
        .context("unexpected /proc stat format")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| -> Result<u64> {
        let value = fields.get(i).context("short /proc stat")?;
        Ok(value.parse()?)
    };
    // `rest` starts at field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    Ok(field(11)? + field(12)?)
}

/// Peak resident set (VmHWM) and current resident set (VmRSS), in kB.
fn memory_kb(pid: &str) -> Result<(u64, u64)> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let value = |key: &str| -> Result<u64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(key))
            .with_context(|| format!("no {key} in {path}"))?;
        let kb = line[key.len()..].trim().trim_end_matches("kB").trim();
        Ok(kb.parse()?)
    };
    Ok((value("VmHWM:")?, value("VmRSS:")?))
}

/// `sysconf(_SC_CLK_TCK)` without unsafe code: ask `getconf`; Linux uses 100.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
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

fn met(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**not met**" }
}

/// The issue's three targets, judged from the rows when both sides were measured.
fn verdicts(rows: &[Row]) -> String {
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

/// Everything from this marker on in the report is written by people (analysis,
/// profiles) and kept when the numbers above it are regenerated.
const HAND_WRITTEN: &str = "<!-- Hand-written from here on; omnify-bench keeps it. -->";

fn hand_written(path: &Path) -> String {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    match existing.find(HAND_WRITTEN) {
        Some(at) => format!("\n{}", &existing[at..]),
        None => format!("\n{HAND_WRITTEN}\n"),
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn command_line(args: &Args) -> String {
    let mut c = String::from("./target/release/omnify-bench");
    if args.seconds != 10 {
        let _ = write!(c, " --seconds {}", args.seconds);
    }
    if args.warmup != 2 {
        let _ = write!(c, " --warmup {}", args.warmup);
    }
    if args.concurrency != [1, 16, 128] {
        let levels: Vec<String> = args.concurrency.iter().map(usize::to_string).collect();
        let _ = write!(c, " --concurrency {}", levels.join(","));
    }
    if args.targets != [Target::Omnify, Target::OmnifyEmulator, Target::AgentsSdk] {
        let names: Vec<&str> = args
            .targets
            .iter()
            .map(|t| match t {
                Target::Omnify => "omnify",
                Target::OmnifyEmulator => "omnify-emulator",
                Target::AgentsSdk => "agents-sdk",
            })
            .collect();
        let _ = write!(c, " --targets {}", names.join(","));
    }
    if let Some(path) = &args.write {
        let _ = write!(c, " --write {}", path.display());
    }
    c
}

fn report(args: &Args, table: &str, verdicts: &str, clk_tck: f64) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let date = chrono::Local::now().format("%Y-%m-%d %H:%M %Z");
    let note = args
        .note
        .as_deref()
        .map(|n| format!("\n**Note:** {n}\n"))
        .unwrap_or_default();
    format!(
        r#"# Benchmarks

## Agent turn: `POST /api/v1/chat` against a zero-latency model

Generated by `omnify-bench` (`evals/src/bin/omnify-bench.rs`); do not edit the numbers
by hand, re-run it.

- Machine: {cpu}, {cores} logical CPUs, Linux {kernel}, CLK_TCK {clk_tck}.
- Date: {date}.
- Load: {seconds} s measured per concurrency level after {warmup} s of warm-up.
{note}
### Reproduce

```sh
# once: the Python peer
python3 -m venv evals/bench/.venv && evals/bench/.venv/bin/pip install -r evals/bench/requirements.txt
# the benchmark
cargo build --release -p omnify-server -p omnify-evals
{command}
```

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
  two streamed (SSE) model calls through the OpenAI client, the real
  `get_marketing_performance` tool, and messages, the tool call, usage and cost
  persisted in SQLite. The tool is called with `{args}`; it fetches Meta insights over
  HTTP from the local Meta emulator that `omnify serve` runs in-process when no Meta
  credentials are configured, so its CPU is counted in Omnify's. That is more work than
  the peer's tool (below), which favours the peer.
- **The peer** is the OpenAI Agents SDK for Python (`openai-agents`, versions pinned in
  `evals/bench/requirements.txt`) behind FastAPI: `evals/bench/agents_sdk_app.py` runs
  `Runner.run` on an `Agent` with one `@function_tool` returning a small fixed dict,
  model `OpenAIChatCompletionsModel` on the same scripted server, tracing disabled.
  It is served by uvicorn with one worker, the SDK's usual deployment (one Python
  process, one event loop). It persists nothing (no session store), which also
  favours the peer.
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

The targets (from the foundation issue): at concurrency 16, at least 30× the SDK's
turns/s and a p99 at most 1/30 of its p99; no collapse at concurrency 128.

{verdicts}
### Reading the numbers

- With a zero-latency model, a turn's latency is all CPU: the server's work plus the
  load generator's and the model's, on the same {cores} cores. Once the server is
  saturated, throughput is bounded by CPU per turn (server + bench) and latency grows
  with the queue (Little's law: p50 ≈ concurrency / turns/s).
- The peer's throughput is bounded by one Python event loop: its CPU per turn is the
  cost of the SDK, the OpenAI client, pydantic and FastAPI per turn, on one core.
- Omnify's CPU per turn covers the whole production path above, including the Meta
  emulator's HTTP request and response, which a real deployment would not spend on
  this machine (the real Meta API is remote) — and SQLite writes with their fsyncs.
- Other processes on the machine (such as compiles) add noise to every row; compare
  rows from one run.
"#,
        cpu = cpu_model(),
        kernel = kernel.trim(),
        seconds = args.seconds,
        warmup = args.warmup,
        command = command_line(args),
        today = TODAY,
        message = MESSAGE,
        args = PERFORMANCE_ARGS,
    )
}
