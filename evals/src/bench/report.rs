//! `docs/benchmarks.md`: a fixed introduction, one section per suite between markers,
//! then whatever people wrote below the hand-written marker. Writing replaces the
//! sections of the suites that ran and keeps the others (and the hand-written part)
//! as they were, so one suite can be re-measured without re-running the rest; each
//! section says when and how it was measured.

use super::Suite;
use anyhow::{Context, Result};
use std::path::Path;

/// Everything from this marker on is written by people (analysis, profiles, history)
/// and kept when the numbers above it are regenerated.
const HAND_WRITTEN: &str = "<!-- Hand-written from here on; omnify-bench keeps it. -->";

fn begin(suite: Suite) -> String {
    format!("<!-- omnify-bench:begin {} -->", suite.key())
}

fn end(suite: Suite) -> String {
    format!("<!-- omnify-bench:end {} -->", suite.key())
}

pub fn met(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**not met**" }
}

/// CPU model, logical CPUs and kernel, for the "measured on" lines.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} logical CPUs, Linux {}", kernel.trim())
}

/// Write the report to `path`: `fresh` sections replace their suites', the other
/// suites' sections are kept from the file (or say they were not measured yet).
pub fn write(path: &Path, fresh: &[(Suite, String)]) -> Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let doc = compose(&existing, fresh);
    std::fs::write(path, doc).with_context(|| format!("cannot write {}", path.display()))
}

fn compose(existing: &str, fresh: &[(Suite, String)]) -> String {
    let mut doc = String::from(INTRODUCTION);
    for suite in Suite::ALL {
        let body = match fresh.iter().find(|(s, _)| *s == suite) {
            Some((_, markdown)) => markdown.trim_end().to_string(),
            None => kept(existing, suite).unwrap_or_else(|| not_yet(suite)),
        };
        doc.push_str(&format!("\n{}\n{body}\n{}\n", begin(suite), end(suite)));
    }
    let hand_written = existing.find(HAND_WRITTEN).map_or_else(
        || format!("{HAND_WRITTEN}\n"),
        |at| existing[at..].to_string(),
    );
    doc.push('\n');
    doc.push_str(&hand_written);
    doc
}

/// A suite's section as the file has it, between its markers.
fn kept(existing: &str, suite: Suite) -> Option<String> {
    let (begin, end) = (begin(suite), end(suite));
    let start = existing.find(&begin)? + begin.len();
    let stop = start + existing[start..].find(&end)?;
    Some(existing[start..stop].trim().to_string())
}

fn not_yet(suite: Suite) -> String {
    format!(
        "## {}\n\nNot measured yet: `./target/release/omnify-bench --suite {} --write docs/benchmarks.md`.",
        title(suite),
        suite.key()
    )
}

fn title(suite: Suite) -> &'static str {
    match suite {
        Suite::Agent => "Agent turn",
        Suite::Ws => "WebSocket sessions",
        Suite::Slack => "Slack acknowledgements",
        Suite::Knowledge => "Knowledge search",
    }
}

const INTRODUCTION: &str = r#"# Benchmarks

Omnify's performance suite (issue 10): agent turns against the OpenAI Agents SDK, idle
and active WebSocket sessions, Slack event acknowledgements under a burst, and the
knowledge base's vector search. Every number in the sections below is written by
`omnify-bench` (`evals/src/bench/`); do not edit them by hand, re-run it.

## Reproduce

```sh
# once: the Agents SDK peer (without it the agent suite measures Omnify alone and says so)
python3 -m venv evals/bench/.venv && evals/bench/.venv/bin/pip install -r evals/bench/requirements.txt
# the whole suite, about three minutes on two cores
cargo build --release -p omnify-server -p omnify-evals
./target/release/omnify-bench --write docs/benchmarks.md
```

`--suite agent,ws,slack,knowledge` runs some of the suites (default: all). With
`--write`, the sections of the suites that ran are replaced and the others are kept as
they were; each section names the date, machine and command it was measured with.
`--help` lists the other options (durations, concurrency levels, session counts, the
Slack rate, index sizes). The bench raises its own soft limit on open files to the hard
limit at start (the servers it starts inherit it): the WebSocket suite needs one file
per session on each side.

| target (issue 10) | section |
| --- | --- |
| ≥ 30× the Agents SDK's turns/s at concurrency 16 | Agent turn |
| under 30 KB RSS per idle WebSocket session | WebSocket sessions |
| Slack acknowledgement p99 under 10 ms at 500 events/s | Slack acknowledgements |
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_sections_replace_theirs_and_the_rest_is_kept() {
        let first = compose(
            "old text without markers\n<!-- Hand-written from here on; omnify-bench keeps it. -->\nnotes\n",
            &[
                (Suite::Agent, "## Agent turn\n\nA1\n".into()),
                (Suite::Ws, "## WebSocket sessions\n\nW1".into()),
            ],
        );
        assert!(first.contains("A1") && first.contains("W1"));
        assert!(first.contains("Not measured yet: `./target/release/omnify-bench --suite slack"));
        assert!(
            !first.contains("old text"),
            "only the hand-written part is kept"
        );
        assert!(first.ends_with("keeps it. -->\nnotes\n"), "{first}");

        let second = compose(&first, &[(Suite::Ws, "## WebSocket sessions\n\nW2".into())]);
        assert!(second.contains("A1"), "the agent section is kept");
        assert!(second.contains("W2") && !second.contains("W1"));
        assert_eq!(second.matches("<!-- omnify-bench:begin ws -->").count(), 1);
        assert!(second.ends_with("keeps it. -->\nnotes\n"));
        assert_eq!(
            compose(&second, &[]),
            second,
            "a run of nothing changes nothing"
        );
    }
}
