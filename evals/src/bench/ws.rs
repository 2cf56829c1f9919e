//! The WebSocket suite: many idle chat sessions on `GET /api/v1/ws` and the server's
//! resident memory per session, then message round trips with some of them active
//! while the rest stay open.

use super::model::{MESSAGE, Model};
use super::process::{self, Omnify, Server};
use super::report::met;
use super::stats::{Tally, percentile_ms};
use super::{Args, Context as RunContext};
use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt, stream};
use serde::Deserialize;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The issue's target: resident memory per idle session.
const TARGET_KB_PER_SESSION: f64 = 30.0;
/// Sessions being opened at once (the server's accept backlog is finite).
const OPENING_AT_ONCE: usize = 64;
/// Pings in flight at once when checking sessions are alive.
const PINGING_AT_ONCE: usize = 512;
/// Files the server and this process need besides the sessions' sockets.
const SPARE_FILES: u64 = 256;
/// How long one step (connect, ping, a message's answer) may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// After the sessions are open and before RSS is read, so the server is at rest.
const SETTLE: Duration = Duration::from_secs(2);

/// The client's own buffers stay small: 10,000 sockets at tungstenite's default read
/// buffer (128 KiB, zeroed when read) would cost this process over a gigabyte.
fn client_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4 * 1024)
}

/// A server frame's type; the rest is not needed to follow the protocol.
#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    ok: Option<bool>,
    code: Option<String>,
    message: Option<String>,
}

async fn connect(url: &str, key: &str) -> Result<Socket, String> {
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    let bearer = format!("Bearer {key}").parse().map_err(|_| "bad key")?;
    request.headers_mut().insert("authorization", bearer);
    let connecting = connect_async_with_config(request, Some(client_config()), true);
    match tokio::time::timeout(STEP_TIMEOUT, connecting).await {
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("connect timed out".into()),
    }
}

/// The next server frame (control frames skipped).
async fn next_frame(ws: &mut Socket) -> Result<Frame, String> {
    loop {
        let message = match tokio::time::timeout(STEP_TIMEOUT, ws.next()).await {
            Ok(Some(Ok(m))) => m,
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(None) => return Err("the server closed the socket".into()),
            Err(_) => return Err("no frame in time".into()),
        };
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str())
                .map_err(|e| format!("not a frame ({e}): {}", text.as_str()));
        }
    }
}

/// An application-level `ping`, answered by the session's own task with `pong`.
async fn ping(mut ws: Socket) -> Result<Socket, String> {
    ws.send(Message::text(r#"{"type":"ping"}"#))
        .await
        .map_err(|e| e.to_string())?;
    let frame = next_frame(&mut ws).await?;
    if frame.kind != "pong" {
        return Err(format!("expected pong, got {}", frame.kind));
    }
    Ok(ws)
}

/// One message and its answer: every frame up to `done`. Returns whether a tool
/// result came back ok.
async fn round_trip(ws: &mut Socket) -> Result<bool, String> {
    let frame = serde_json::json!({"type": "message", "message": MESSAGE}).to_string();
    ws.send(Message::text(frame))
        .await
        .map_err(|e| e.to_string())?;
    let mut tool_ok = false;
    loop {
        let frame = next_frame(ws).await?;
        match frame.kind.as_str() {
            "done" => return Ok(tool_ok),
            "error" => {
                return Err(format!(
                    "error frame: {} {}",
                    frame.code.unwrap_or_default(),
                    frame.message.unwrap_or_default()
                ));
            }
            "tool_result" => tool_ok = frame.ok == Some(true),
            _ => {}
        }
    }
}

/// One active session: messages back to back until the deadline (none starts after it).
async fn chat_loop(mut ws: Socket, deadline: Instant) -> (Option<Socket>, Tally) {
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let start = Instant::now();
        match round_trip(&mut ws).await {
            Ok(_) => tally.latencies.push(start.elapsed()),
            Err(e) => {
                tally.fail(e);
                // The socket may be gone; this session stops.
                return (None, tally);
            }
        }
    }
    (Some(ws), tally)
}

/// `sockets` chatting for `duration`; returns the sockets still usable, their tally and
/// the wall time until the last finished.
async fn chat(sockets: Vec<Socket>, duration: Duration) -> Result<(Vec<Socket>, Tally, Duration)> {
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|ws| tokio::spawn(chat_loop(ws, deadline)))
        .collect();
    let mut tally = Tally::default();
    let mut kept = Vec::new();
    for task in tasks {
        let (ws, t) = task.await?;
        kept.extend(ws);
        tally.merge(t);
    }
    Ok((kept, tally, start.elapsed()))
}

/// Ping every socket; returns those that answered, and the failures.
async fn ping_all(sockets: Vec<Socket>) -> (Vec<Socket>, Tally) {
    let answers: Vec<Result<Socket, String>> = stream::iter(sockets.into_iter().map(ping))
        .buffer_unordered(PINGING_AT_ONCE)
        .collect()
        .await;
    let mut tally = Tally::default();
    let mut alive = Vec::new();
    for answer in answers {
        match answer {
            Ok(ws) => alive.push(ws),
            Err(e) => tally.fail(e),
        }
    }
    (alive, tally)
}

struct Idle {
    sessions: usize,
    connect_errors: Tally,
    ping_errors: Tally,
    open_secs: f64,
    before: process::Memory,
    after: process::Memory,
    bench_rss_kb: u64,
}

impl Idle {
    fn kb_per_session(&self) -> f64 {
        (self.after.rss_kb as f64 - self.before.rss_kb as f64) / self.sessions.max(1) as f64
    }
}

struct Active {
    sessions: usize,
    idle_meanwhile: usize,
    tally: Tally,
    elapsed: Duration,
    server_cpu_ms_per_message: f64,
    model_calls_per_message: f64,
    memory: process::Memory,
    idle_alive_after: usize,
}

pub async fn run(args: &Args, cx: &RunContext) -> Result<String> {
    let needed = args.ws_sessions as u64 + SPARE_FILES;
    if cx.open_files.0 < needed {
        bail!(
            "{} sessions need about {needed} open files; this process may open {} (hard limit {}): raise it with `ulimit -n`",
            args.ws_sessions,
            cx.open_files.0,
            cx.open_files.1
        );
    }
    let server = process::start_omnify(Omnify {
        bin: &args.omnify_bin,
        model_url: &cx.model.url(),
        fixed_tool: true,
        env: Vec::new(),
    })
    .await?;
    let (server_files, _) = process::open_files_limit(&server.pid())?;
    if server_files < needed {
        bail!("the server may open {server_files} files; {needed} are needed");
    }
    let result = measure(args, cx, &server).await;
    if result.is_err() {
        eprintln!("{}", server.log_tail());
    }
    let (idle, active) = result?;
    drop(server);
    let (table, verdict) = tables(&idle, &active);
    println!("{table}\n{verdict}");
    Ok(section(args, cx, &table, &verdict, server_files))
}

async fn measure(args: &Args, cx: &RunContext, server: &Server) -> Result<(Idle, Active)> {
    let url = format!("ws://{}/api/v1/ws", server.authority());
    let key = server.api_key.clone().context("omnify printed no key")?;
    let pid = server.pid();

    // One message first: the turn works, and what a first turn allocates once
    // (connections, caches) is in the baseline rather than counted per session.
    let mut probe = connect(&url, &key)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open a session: {e}"))?;
    match round_trip(&mut probe).await {
        Ok(true) => {}
        Ok(false) => bail!("the first message's tool call did not succeed"),
        Err(e) => bail!("the first message failed: {e}"),
    }
    drop(probe);
    tokio::time::sleep(SETTLE).await;
    let before = process::memory(&pid)?;

    eprintln!("ws: opening {} sessions…", args.ws_sessions);
    let started = Instant::now();
    let opened: Vec<Result<Socket, String>> = stream::iter(0..args.ws_sessions)
        .map(|_| connect(&url, &key))
        .buffer_unordered(OPENING_AT_ONCE)
        .collect()
        .await;
    let open_secs = started.elapsed().as_secs_f64();
    let mut connect_errors = Tally::default();
    let mut sockets = Vec::with_capacity(args.ws_sessions);
    for s in opened {
        match s {
            Ok(ws) => sockets.push(ws),
            Err(e) => connect_errors.fail(e),
        }
    }
    // Every session answers a ping, so each server-side task is running and has read.
    let (mut sockets, ping_errors) = ping_all(sockets).await;
    tokio::time::sleep(SETTLE).await;
    let after = process::memory(&pid)?;
    let bench_rss_kb = process::memory("self")?.rss_kb;
    let idle = Idle {
        sessions: sockets.len(),
        connect_errors,
        ping_errors,
        open_secs,
        before,
        after,
        bench_rss_kb,
    };
    eprintln!(
        "  {} sessions open in {:.1} s; server RSS {} → {} kB, {:.1} kB/session",
        idle.sessions,
        idle.open_secs,
        before.rss_kb,
        after.rss_kb,
        idle.kb_per_session()
    );

    let active = measure_active(args, cx, &pid, &mut sockets).await?;
    drop(sockets);
    Ok((idle, active))
}

/// The first `ws_active` sessions chat (warm-up, then the measured window) while the
/// others stay open; the idle ones are pinged again afterwards.
async fn measure_active(
    args: &Args,
    cx: &RunContext,
    pid: &str,
    sockets: &mut Vec<Socket>,
) -> Result<Active> {
    let model: &Model = &cx.model;
    let count = args.ws_active.min(sockets.len());
    let idle = sockets.split_off(count);
    let active = std::mem::take(sockets);
    eprintln!(
        "ws: {count} sessions chatting, {} idle alongside…",
        idle.len()
    );
    let (active, _, _) = chat(active, Duration::from_secs(args.warmup)).await?;
    let (cpu0, calls0) = (process::cpu_ticks(pid)?, model.calls());
    let (active, mut tally, elapsed) = chat(active, Duration::from_secs(args.seconds)).await?;
    let (cpu1, calls1) = (process::cpu_ticks(pid)?, model.calls());
    let memory = process::memory(pid)?;
    let idle_meanwhile = idle.len();
    let (idle, _) = ping_all(idle).await;
    let messages = tally.latencies.len().max(1) as f64;
    tally.latencies.sort_unstable();
    let result = Active {
        sessions: count,
        idle_meanwhile,
        elapsed,
        server_cpu_ms_per_message: cpu1.saturating_sub(cpu0) as f64 * 1000.0
            / cx.clk_tck
            / messages,
        model_calls_per_message: calls1.saturating_sub(calls0) as f64 / messages,
        memory,
        idle_alive_after: idle.len(),
        tally,
    };
    sockets.extend(active);
    sockets.extend(idle);
    Ok(result)
}

fn tables(idle: &Idle, active: &Active) -> (String, String) {
    let mut t = String::new();
    let kb = idle.kb_per_session();
    let _ = writeln!(
        t,
        "**Idle sessions**\n\n\
         | sessions | open in s | connect errors | ping errors | server RSS before MB | server RSS after MB | RSS per session KB | server threads | bench RSS MB |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n\
         | {} | {:.1} | {} | {} | {:.1} | {:.1} | **{kb:.1}** | {} | {:.1} |",
        idle.sessions,
        idle.open_secs,
        idle.connect_errors.errors,
        idle.ping_errors.errors,
        idle.before.rss_kb as f64 / 1024.0,
        idle.after.rss_kb as f64 / 1024.0,
        idle.after.threads,
        idle.bench_rss_kb as f64 / 1024.0,
    );
    let a = active;
    let messages = a.tally.latencies.len();
    let _ = writeln!(
        t,
        "\n**Active sessions** (the others open and idle meanwhile)\n\n\
         | active | idle alongside | messages | messages/s | p50 ms | p99 ms | errors | server CPU ms/message | model calls/message | server peak RSS MB | idle still answering after |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n\
         | {} | {} | {messages} | {:.0} | {:.1} | {:.1} | {} | {:.3} | {:.2} | {:.1} | {} of {} |",
        a.sessions,
        a.idle_meanwhile,
        messages as f64 / a.elapsed.as_secs_f64(),
        percentile_ms(&a.tally.latencies, 0.50),
        percentile_ms(&a.tally.latencies, 0.99),
        a.tally.errors,
        a.server_cpu_ms_per_message,
        a.model_calls_per_message,
        a.memory.peak_rss_kb as f64 / 1024.0,
        a.idle_alive_after,
        a.idle_meanwhile,
    );
    for (what, tally) in [
        ("connecting", &idle.connect_errors),
        ("pinging", &idle.ping_errors),
        ("chatting", &a.tally),
    ] {
        if let Some(e) = &tally.first_error {
            let _ = writeln!(t, "\nFirst error {what}: `{}`", e.replace('`', "'"));
        }
    }
    let verdict = format!(
        "- RSS per idle session: **{kb:.1} KB** (target under {TARGET_KB_PER_SESSION:.0} KB): {}.\n",
        met(kb < TARGET_KB_PER_SESSION && idle.connect_errors.errors == 0)
    );
    (t, verdict)
}

fn section(args: &Args, cx: &RunContext, table: &str, verdict: &str, server_files: u64) -> String {
    format!(
        r#"## WebSocket sessions: idle memory, then active round trips

{measured}
- Open-files limit: {files} for the bench and {server_files} for the server (inherited).

### Method

- **The server** is the release binary, `omnify serve --port 0` on a fresh SQLite data
  directory, configured as in the agent suite (scripted zero-latency model, rate limit
  lifted, `bench.fixed_tool`: the performance tool returns a small fixed result). No
  per-IP or per-connection limit applies to API-key sockets.
- **Idle**: after one message on a first socket (so one-time allocations are in the
  baseline) and {settle} s of rest, the server's `VmRSS` is read (*before*). Then
  {sessions} sessions are opened to `GET /api/v1/ws` with the demo tenant's key in
  `Authorization: Bearer` (docs/websocket.md), {opening} at a time; each then sends
  `{{"type":"ping"}}` and waits for its `pong`, so every session's task on the server
  is running and has read from its socket. After {settle} s of rest `VmRSS` is read
  again (*after*). **RSS per session** = (after − before) / open sessions, in KB of
  1,024 bytes (the kernel's `kB`). Kernel socket buffers are not part of RSS.
- **Active**: then {active} of those sessions chat while the others stay open: each
  sends `{{"type":"message","message":"{message}"}}` (no `conversation_id`, so a new
  conversation each time) and reads every frame up to `done`, then sends the next.
  A message is one turn: two model calls to the scripted model (a tool call, then the
  answer) with the tool between them, and the messages stored, as in the agent suite.
  {warmup} s of warm-up, then {seconds} s measured; round trip = frame sent to `done`
  received; percentiles nearest-rank. **Server CPU ms/message** is the server's
  user+system time over the window per message. Afterwards every idle session is
  pinged again.

### Results

{table}
### Against the target

{verdict}
### Reading the numbers

- An idle session is a socket, its read buffer (`READ_BUFFER_BYTES` in
  `server/src/api/ws.rs`), the session's reader and writer tasks and its outgoing
  queue. tungstenite's default read buffer is 128 KiB and is zeroed in full before each
  read, so until the server set its own size every idle socket held 128 KiB resident.
- With {active} sessions active the server is saturated: each message is a whole agent
  turn (about the agent suite's CPU per turn), and every session waits for its answer
  before sending the next, so the round trip is the queue: p50 ≈ active sessions ÷
  messages/s (Little's law). The round trip of one session alone is the agent suite's
  concurrency-1 latency.
- The bench process holds the client side of every socket on the same machine; its
  RSS is shown apart and is not counted in the server's.
"#,
        measured = cx.measured_line(args),
        files = cx.open_files.0,
        settle = SETTLE.as_secs(),
        sessions = args.ws_sessions,
        opening = OPENING_AT_ONCE,
        active = args.ws_active,
        message = MESSAGE,
        warmup = args.warmup,
        seconds = args.seconds,
    )
}
