//! The servers under test as child processes, and what `/proc` says about them (CPU
//! time, memory, open-file limits). Children are apart from the load generator, so
//! their CPU and memory can be read on their own.

use anyhow::{Context, Result, bail};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// How long a server may take to start.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A server child process; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// Omnify's demo tenant key; none for the Python peer.
    pub api_key: Option<String>,
    /// Data directory and logs, removed after the child is gone.
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// The end of the child's stderr, to explain a failure.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default();
        let start = log.len().saturating_sub(2000);
        let start = (start..log.len())
            .find(|&i| log.is_char_boundary(i))
            .unwrap_or(log.len());
        log[start..].to_string()
    }

    /// `127.0.0.1:PORT`, for WebSocket URLs.
    pub fn authority(&self) -> &str {
        self.base_url
            .strip_prefix("http://")
            .unwrap_or(&self.base_url)
    }
}

fn log_file(dir: &tempfile::TempDir) -> Result<std::fs::File> {
    std::fs::File::create(dir.path().join("stderr.log")).context("cannot create the server log")
}

/// How to run Omnify for one measurement.
pub struct Omnify<'a> {
    /// The release binary.
    pub bin: &'a Path,
    /// The scripted model's base URL.
    pub model_url: &'a str,
    /// `bench.fixed_tool`: the performance tool returns a small fixed result.
    pub fixed_tool: bool,
    /// More settings, as `OMNIFY_…` variables.
    pub env: Vec<(&'static str, String)>,
}

/// `omnify serve --port 0` on a fresh data directory, configured through the
/// environment; the API key and the address come from its banner.
pub async fn start_omnify(omnify: Omnify<'_>) -> Result<Server> {
    let bin = omnify.bin.canonicalize().with_context(|| {
        format!(
            "{} not found; build it with `cargo build --release -p omnify-server`",
            omnify.bin.display()
        )
    })?;
    let dir = tempfile::tempdir()?;
    let mut child = Command::new(&bin)
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path().join("data"))
        // Run in the temp dir so a stray omnify.toml in the caller's directory is ignored.
        .current_dir(dir.path())
        .env("OMNIFY_LLM__BASE_URL", omnify.model_url)
        .env("OMNIFY_LLM__API_KEY", "bench")
        .env("OMNIFY_SERVER__RATE_LIMIT_PER_MINUTE", "100000000")
        .env("OMNIFY_DEMO__TODAY", super::model::TODAY)
        .env("OMNIFY_LOG__FILTER", "warn")
        .env(
            "OMNIFY_BENCH__FIXED_TOOL",
            if omnify.fixed_tool { "true" } else { "false" },
        )
        .envs(omnify.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file(&dir)?)
        .spawn()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let stdout = child.stdout.take().context("no stdout from omnify")?;
    let mut server = Server {
        child,
        base_url: String::new(),
        api_key: None,
        dir,
    };
    let mut lines = forward_lines(stdout);
    match tokio::time::timeout(START_TIMEOUT, omnify_banner(&mut lines)).await {
        Ok(Ok((key, base))) => {
            server.base_url = base;
            server.api_key = Some(key);
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

/// The Python peer's virtualenv's uvicorn, if it is set up.
pub fn uvicorn(sdk_dir: &Path) -> Option<std::path::PathBuf> {
    let uvicorn = sdk_dir.join(".venv/bin/uvicorn");
    uvicorn.exists().then_some(uvicorn)
}

/// uvicorn with one worker serving `agents_sdk_app:app` on a free port.
pub async fn start_agents_sdk(sdk_dir: &Path, model_url: &str) -> Result<Server> {
    let sdk_dir = sdk_dir
        .canonicalize()
        .with_context(|| format!("{} not found", sdk_dir.display()))?;
    let Some(uvicorn) = uvicorn(&sdk_dir) else {
        bail!(
            "{}/.venv/bin/uvicorn is missing; set it up with `python3 -m venv {venv} && {venv}/bin/pip install -r {req}`",
            sdk_dir.display(),
            venv = sdk_dir.join(".venv").display(),
            req = sdk_dir.join("requirements.txt").display()
        );
    };
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
        base_url: format!("http://127.0.0.1:{port}"),
        api_key: None,
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
// /proc

/// User plus system CPU time of a process, in clock ticks (`/proc/<pid>/stat` fields
/// 14 and 15, counted after the parenthesised command name, which may hold spaces).
pub fn cpu_ticks(pid: &str) -> Result<u64> {
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

/// A process's memory and threads from `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// Peak resident set (VmHWM), kB.
    pub peak_rss_kb: u64,
    /// Resident set now (VmRSS), kB.
    pub rss_kb: u64,
    pub threads: u64,
}

pub fn memory(pid: &str) -> Result<Memory> {
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
    Ok(Memory {
        peak_rss_kb: value("VmHWM:")?,
        rss_kb: value("VmRSS:")?,
        threads: value("Threads:")?,
    })
}

/// `sysconf(_SC_CLK_TCK)` without unsafe code: ask `getconf`; Linux uses 100.
pub fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The soft and hard limits on open files of a process (`/proc/<pid>/limits`);
/// `u64::MAX` for "unlimited".
pub fn open_files_limit(pid: &str) -> Result<(u64, u64)> {
    let path = format!("/proc/{pid}/limits");
    let limits = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .with_context(|| format!("no open-files limit in {path}"))?;
    let mut values = line["Max open files".len()..]
        .split_whitespace()
        .map(|v| match v {
            "unlimited" => Ok(u64::MAX),
            v => v.parse::<u64>(),
        });
    let mut next = || -> Result<u64> { Ok(values.next().context("short open-files limit line")??) };
    Ok((next()?, next()?))
}

/// Raise this process's soft limit on open files to its hard limit, so thousands of
/// sockets fit; children (the servers) inherit it. `setrlimit` is `unsafe` through
/// libc and this workspace forbids unsafe code, so util-linux `prlimit` does it.
/// Returns the limits afterwards.
pub fn raise_open_files_limit() -> Result<(u64, u64)> {
    let (soft, hard) = open_files_limit("self")?;
    if soft < hard {
        let hard_text = if hard == u64::MAX {
            "unlimited".to_string()
        } else {
            hard.to_string()
        };
        let status = Command::new("prlimit")
            .arg("--pid")
            .arg(std::process::id().to_string())
            .arg(format!("--nofile={hard_text}:{hard_text}"))
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => eprintln!("prlimit failed ({s}); open files stay at {soft}"),
            Err(e) => eprintln!("cannot run prlimit ({e}); open files stay at {soft}"),
        }
    }
    open_files_limit("self")
}
