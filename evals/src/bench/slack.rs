//! The Slack suite: a burst of signed `app_mention` events sent open-loop to
//! `POST /slack/events`, each acknowledgement timed; the replies land in a stand-in for
//! Slack's Web API in this process.

use super::model::MESSAGE;
use super::process::{self, Omnify, Server};
use super::report::met;
use super::stats::{Tally, percentile_ms};
use super::{Args, Context as RunContext};
use anyhow::{Result, bail};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::any;
use omnify_adapters::slack::signature::sign;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// The issue's target for the acknowledgement's p99.
const TARGET_P99_MS: f64 = 10.0;
const SIGNING_SECRET: &str = "bench-signing-secret";
const BOT_TOKEN: &str = "xoxb-bench";
const BOT_USER: &str = "UBENCHBOT";
const TEAM: &str = "T0BENCH";
const CHANNEL: &str = "C0BENCH";
/// How long to wait for the replies once the burst is over, at most, and without any
/// new reply arriving.
const DRAIN_LIMIT: Duration = Duration::from_secs(300);
const DRAIN_STALL: Duration = Duration::from_secs(20);

/// Slack's Web API as far as a streamed reply uses it: `chat.postMessage` (the
/// placeholder, answered with its `ts`), `chat.update` (progress, then the final
/// Block Kit message), anything else answered `{"ok": true}`.
#[derive(Default)]
struct StandIn {
    posts: AtomicU64,
    updates: AtomicU64,
    /// `chat.update` calls with blocks: a turn's final message.
    replies: AtomicU64,
    other: AtomicU64,
    /// Calls without the bot token.
    unauthorized: AtomicU64,
    /// Milliseconds since `epoch` of the latest final message.
    last_reply_ms: AtomicU64,
    epoch: std::sync::OnceLock<Instant>,
}

impl StandIn {
    fn replies(&self) -> u64 {
        self.replies.load(Ordering::Relaxed)
    }
}

async fn web_api(
    State(slack): State<Arc<StandIn>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Json<Value> {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {BOT_TOKEN}"));
    if !authorized {
        slack.unauthorized.fetch_add(1, Ordering::Relaxed);
        return Json(json!({"ok": false, "error": "invalid_auth"}));
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match method.as_str() {
        "chat.postMessage" => {
            let n = slack.posts.fetch_add(1, Ordering::Relaxed);
            let ts = format!("{}.{:06}", 1_800_000_000 + n / 1_000_000, n % 1_000_000);
            Json(json!({"ok": true, "channel": body["channel"], "ts": ts,
                        "message": {"text": body["text"]}}))
        }
        "chat.update" => {
            slack.updates.fetch_add(1, Ordering::Relaxed);
            if body["blocks"].is_array() {
                slack.replies.fetch_add(1, Ordering::Relaxed);
                if let Some(epoch) = slack.epoch.get() {
                    let ms = epoch.elapsed().as_millis() as u64;
                    slack.last_reply_ms.fetch_max(ms, Ordering::Relaxed);
                }
            }
            Json(
                json!({"ok": true, "channel": body["channel"], "ts": body["ts"],
                        "text": body["text"]}),
            )
        }
        _ => {
            slack.other.fetch_add(1, Ordering::Relaxed);
            Json(json!({"ok": true}))
        }
    }
}

/// The stand-in on a free port; returns it and its Web API base URL.
async fn start_stand_in() -> Result<(Arc<StandIn>, String)> {
    let slack = Arc::new(StandIn::default());
    let app = axum::Router::new()
        .route("/api/{method}", any(web_api))
        .with_state(slack.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/api", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("the Slack stand-in stopped: {e}");
        }
    });
    Ok((slack, url))
}

/// An `event_callback` carrying an `app_mention` in a thread of its own, as Slack sends it.
fn event(n: u64) -> String {
    let ts = format!("{}.{:06}", 1_700_000_000 + n / 1_000_000, n % 1_000_000);
    json!({
        "token": "unused-verification-token",
        "type": "event_callback",
        "team_id": TEAM,
        "api_app_id": "A0BENCH",
        "event_id": format!("EvBENCH{n:08}"),
        "event_time": chrono::Utc::now().timestamp(),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": true}],
        "event": {
            "type": "app_mention", "user": "U0MARKETER",
            "text": format!("<@{BOT_USER}> {MESSAGE}"),
            "channel": CHANNEL, "channel_type": "channel", "ts": ts, "event_ts": ts
        }
    })
    .to_string()
}

/// Send one event signed now; the latency is from the request leaving to its status
/// line arriving.
async fn send_event(client: reqwest::Client, url: Arc<String>, n: u64) -> Result<Duration, String> {
    let body = event(n);
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = sign(SIGNING_SECRET.as_bytes(), &timestamp, body.as_bytes());
    let started = Instant::now();
    let response = client
        .post(url.as_str())
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", &timestamp)
        .header("x-slack-signature", &signature)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{e:#}"))?;
    let latency = started.elapsed();
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status != reqwest::StatusCode::OK {
        let short: String = text.chars().take(300).collect();
        return Err(format!("{status}: {short}"));
    }
    Ok(latency)
}

struct Burst {
    sent: u64,
    tally: Tally,
    /// How late the generator sent, against its schedule.
    lag: Vec<Duration>,
    send_secs: f64,
    replies: u64,
    /// From the first event sent to the last reply received.
    replies_secs: f64,
    posts: u64,
    updates: u64,
    other: u64,
    unauthorized: u64,
    server_cpu_ms_per_event: f64,
    model_calls_per_event: f64,
    memory: process::Memory,
}

pub async fn run(args: &Args, cx: &RunContext) -> Result<String> {
    let (slack, api_url) = start_stand_in().await?;
    let server = process::start_omnify(Omnify {
        bin: &args.omnify_bin,
        model_url: &cx.model.url(),
        fixed_tool: true,
        env: vec![
            ("OMNIFY_SLACK__SIGNING_SECRET", SIGNING_SECRET.into()),
            ("OMNIFY_SLACK__BOT_TOKEN", BOT_TOKEN.into()),
            ("OMNIFY_SLACK__API_URL", api_url),
        ],
    })
    .await?;
    let result = measure(args, cx, &server, &slack).await;
    if result.is_err() {
        eprintln!("{}", server.log_tail());
    }
    let burst = result?;
    drop(server);
    let (table, verdict) = tables(&burst);
    println!("{table}\n{verdict}");
    Ok(section(args, cx, &table, &verdict))
}

async fn measure(args: &Args, cx: &RunContext, server: &Server, slack: &StandIn) -> Result<Burst> {
    let url = Arc::new(format!("{}/slack/events", server.base_url));
    let pid = server.pid();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;

    // One event first: it is acknowledged and its reply reaches the stand-in.
    if let Err(e) = send_event(client.clone(), url.clone(), 0).await {
        bail!("the first event was refused: {e}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while slack.replies() < 1 {
        if Instant::now() > deadline {
            bail!(
                "the first event's reply never reached the Slack stand-in ({} calls refused)",
                slack.unauthorized.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let base = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let (posts0, updates0, replies0, other0) = (
        base(&slack.posts),
        base(&slack.updates),
        slack.replies(),
        base(&slack.other),
    );

    let total = args.slack_rate * args.slack_seconds;
    let period = Duration::from_secs_f64(1.0 / args.slack_rate.max(1) as f64);
    eprintln!("slack: {total} events at {}/s, open loop…", args.slack_rate);
    let (cpu0, calls0) = (process::cpu_ticks(&pid)?, cx.model.calls());
    let start = Instant::now() + Duration::from_millis(50);
    let _ = slack.epoch.set(start);
    let mut lag = Vec::with_capacity(total as usize);
    let mut sending = Vec::with_capacity(total as usize);
    for i in 0..total {
        let at = start + period.mul_f64(i as f64);
        tokio::time::sleep_until(at).await;
        lag.push(at.elapsed());
        sending.push(tokio::spawn(send_event(client.clone(), url.clone(), i + 1)));
    }
    let send_secs = start.elapsed().as_secs_f64();
    let mut tally = Tally::default();
    for s in sending {
        match s.await? {
            Ok(latency) => tally.latencies.push(latency),
            Err(e) => tally.fail(e),
        }
    }
    let acked = tally.latencies.len() as u64;

    // Every acknowledged event should get its reply; wait while they keep coming.
    let limit = Instant::now() + DRAIN_LIMIT;
    let (mut seen, mut progress_at) = (slack.replies(), Instant::now());
    while slack.replies() - replies0 < acked && Instant::now() < limit {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = slack.replies();
        if now != seen {
            (seen, progress_at) = (now, Instant::now());
        } else if progress_at.elapsed() > DRAIN_STALL {
            break;
        }
    }
    let (cpu1, calls1) = (process::cpu_ticks(&pid)?, cx.model.calls());
    let memory = process::memory(&pid)?;
    let events = total.max(1) as f64;
    tally.latencies.sort_unstable();
    lag.sort_unstable();
    Ok(Burst {
        sent: total,
        tally,
        lag,
        send_secs,
        replies: slack.replies() - replies0,
        replies_secs: slack.last_reply_ms.load(Ordering::Relaxed) as f64 / 1000.0,
        posts: base(&slack.posts) - posts0,
        updates: base(&slack.updates) - updates0,
        other: base(&slack.other) - other0,
        unauthorized: base(&slack.unauthorized),
        server_cpu_ms_per_event: cpu1.saturating_sub(cpu0) as f64 * 1000.0 / cx.clk_tck / events,
        model_calls_per_event: calls1.saturating_sub(calls0) as f64 / events,
        memory,
    })
}

fn tables(b: &Burst) -> (String, String) {
    let l = &b.tally.latencies;
    let max_ms = l.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    let p99 = percentile_ms(l, 0.99);
    let mut t = format!(
        "**Acknowledgements**\n\n\
         | events | sent in s | acked 200 | errors | ack p50 ms | ack p99 ms | ack max ms | send lag p99 ms | send lag max ms |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n\
         | {} | {:.2} | {} | {} | {:.2} | **{p99:.2}** | {max_ms:.2} | {:.2} | {:.2} |\n",
        b.sent,
        b.send_secs,
        l.len(),
        b.tally.errors,
        percentile_ms(l, 0.50),
        percentile_ms(&b.lag, 0.99),
        b.lag.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
    );
    let _ = write!(
        t,
        "\n**Replies at the Slack stand-in**\n\n\
         | final replies | of events acked | last reply after s | chat.postMessage | chat.update | other calls | refused (bad token) | server CPU ms/event | model calls/event | server peak RSS MB |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n\
         | {} | {} | {:.1} | {} | {} | {} | {} | {:.3} | {:.2} | {:.1} |\n",
        b.replies,
        l.len(),
        b.replies_secs,
        b.posts,
        b.updates,
        b.other,
        b.unauthorized,
        b.server_cpu_ms_per_event,
        b.model_calls_per_event,
        b.memory.peak_rss_kb as f64 / 1024.0,
    );
    if let Some(e) = &b.tally.first_error {
        let _ = writeln!(t, "\nFirst error: `{}`", e.replace('`', "'"));
    }
    let verdict = format!(
        "- Acknowledgement p99 at {:.0} events/s: **{p99:.2} ms** (target under {TARGET_P99_MS:.0} ms): {}.\n",
        b.sent as f64 / b.send_secs.max(f64::EPSILON),
        met(p99 < TARGET_P99_MS && b.tally.errors == 0)
    );
    (t, verdict)
}

fn section(args: &Args, cx: &RunContext, table: &str, verdict: &str) -> String {
    format!(
        r#"## Slack acknowledgements: a burst of signed events

{measured}

### Method

- **The server** is the release binary on a fresh SQLite data directory, configured as
  in the agent suite (scripted zero-latency model: a turn is a tool call, the tool, and
  the answer; `bench.fixed_tool`), plus `OMNIFY_SLACK__SIGNING_SECRET`,
  `OMNIFY_SLACK__BOT_TOKEN` and `OMNIFY_SLACK__API_URL` pointing at a stand-in for
  Slack's Web API served by the bench: `chat.postMessage` answers `ok` with a fresh
  `ts`, `chat.update` answers `ok`, any other method `{{"ok": true}}`; calls without the
  bot token are refused and counted. The streaming edit interval is the default
  (`slack.update_interval_ms`, 1 s).
- **The burst**: {total} `event_callback` requests carrying an `app_mention` ("{message}"),
  each with its own `event_id` and its own thread (so its own conversation), signed as
  Slack signs (`X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:{{ts}}:{{body}}"))`,
  `X-Slack-Request-Timestamp`), sent to `POST /slack/events` **open loop** at {rate}
  per second for {seconds} s: each is sent on its schedule whatever the earlier ones are
  doing, over a keep-alive HTTP client. One event is sent and answered before the burst
  (not counted).
- **Ack latency** is from the request leaving to its status line arriving; errors are
  any other outcome than `200`. **Send lag** is how late the generator sent against its
  schedule (it shares the cores with the server).
- **Replies**: after the burst, the bench waits (up to {drain} s, or until no reply came
  for {stall} s) for each acknowledged event's final message (a `chat.update` with
  blocks) to reach the stand-in. **Last reply after** counts from the first event sent.
  Server CPU and model calls cover the burst and the replies, per event.

### Results

{table}
### Against the target

{verdict}
### Reading the numbers

- What the acknowledgement covers: the signature check, parsing the event, deciding
  whether it is for the bot, mapping the workspace to its tenant (cached), and waiting
  up to `slack.ack_waits_for_store_ms` (default 5 ms) for the message to be stored
  (`record_inbound`, idempotent on the `event_id`: one SQLite write, queued on the
  single writer behind the turns' writes). Stored in time, the event survives a crash
  after the `200` (the next start answers it); if the store fails, Slack gets a `503`
  and delivers it again. Not stored in time (a burst like this one keeps the writer
  busy), the `200` goes first and the write lands just after: a crash in that
  moment would lose the event. A p50 under the wait means about half of this burst's
  events were stored before their acknowledgement; at an ordinary pace all are.
- The turns run behind the burst, as fast as the server takes them (the agent suite
  shows its turn rate on this machine); *last reply after* shows when the last reply
  arrived, against the {seconds} s of the burst.
"#,
        measured = cx.measured_line(args),
        total = args.slack_rate * args.slack_seconds,
        message = MESSAGE,
        rate = args.slack_rate,
        seconds = args.slack_seconds,
        drain = DRAIN_LIMIT.as_secs(),
        stall = DRAIN_STALL.as_secs(),
    )
}
