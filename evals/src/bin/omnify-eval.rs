//! `omnify-eval`: the conversation-quality eval and its CI gate (evals/README.md).
//!
//! Runs every scenario in `evals/scenarios/` on a fresh server (the emulators, the
//! offline model unless an OpenAI-compatible one is given), a few at a time; writes
//! `evals/reports/out/report.{md,html}` and `junit.xml`; compares with a baseline and
//! exits non-zero when a metric drops by more than the threshold or a scenario that
//! passed now fails.

use anyhow::Context;
use clap::Parser;
use futures_util::StreamExt;
use omnify_evals::conversation::{metrics, report, run, scenario};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "omnify-eval",
    about = "Conversation-quality eval of the Omnify agent"
)]
struct Args {
    /// The scenario directory.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))]
    scenarios: PathBuf,
    /// Where the reports go.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/reports/out"))]
    out: PathBuf,
    /// The baseline to compare with (and, with --write-baseline, to write).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Write this run's metrics and scenario results as the new baseline.
    #[arg(long)]
    write_baseline: bool,
    /// The largest drop of a metric, in percentage points, the gate accepts.
    #[arg(long, default_value_t = 2.0)]
    threshold: f64,
    /// Scenarios run at once.
    #[arg(long, default_value_t = 4)]
    jobs: usize,
    /// Only scenarios whose name, file or a tag contains this.
    #[arg(long)]
    filter: Option<String>,
    /// An OpenAI-compatible endpoint to evaluate instead of the offline model.
    #[arg(long, env = "OMNIFY_EVAL_MODEL_BASE_URL")]
    model_base_url: Option<String>,
    #[arg(long, env = "OMNIFY_EVAL_MODEL")]
    model: Option<String>,
    #[arg(long, env = "OMNIFY_EVAL_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Print every failing scenario's turns in full.
    #[arg(long, short)]
    verbose: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let mut scenarios = scenario::load_dir(&args.scenarios)?;
    if let Some(f) = &args.filter {
        scenarios.retain(|s| {
            s.name.contains(f.as_str())
                || s.file.contains(f.as_str())
                || s.tags.iter().any(|t| t == f)
        });
    }
    anyhow::ensure!(
        !scenarios.is_empty(),
        "no scenarios in {}",
        args.scenarios.display()
    );
    let model = run::ModelChoice {
        base_url: args.model_base_url.clone(),
        model: args.model.clone(),
        api_key: args.api_key.clone(),
    };
    let label = model.label();
    let total = scenarios.len();
    eprintln!(
        "omnify-eval: {total} scenarios against the {label} model, {} at a time",
        args.jobs.max(1)
    );

    let mut results = Vec::with_capacity(total);
    let (mut passed, mut failed) = (0, 0);
    let mut stream =
        futures_util::stream::iter(scenarios.iter().map(|s| run::run_scenario(s, &model)))
            .buffer_unordered(args.jobs.max(1));
    while let Some(r) = stream.next().await {
        if r.passed {
            passed += 1;
        } else {
            failed += 1;
        }
        eprint!(
            "\r[{}/{total}] {passed} passed, {failed} failed, {:.0}s   ",
            results.len() + 1,
            started.elapsed().as_secs_f64()
        );
        let _ = std::io::stderr().flush();
        results.push(r);
    }
    eprintln!();
    drop(stream);
    // Report in file order, not completion order.
    let order: std::collections::HashMap<&str, usize> = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    results.sort_by_key(|r| order.get(r.name.as_str()).copied().unwrap_or(usize::MAX));

    let summary = metrics::summarize(&label, &results);
    let baseline = match (&args.baseline, args.write_baseline) {
        (Some(path), false) if path.exists() => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(
                serde_json::from_str::<metrics::Baseline>(&text)
                    .with_context(|| format!("parsing {}", path.display()))?,
            )
        }
        (Some(path), false) => anyhow::bail!(
            "no baseline at {} (write one with --write-baseline)",
            path.display()
        ),
        _ => None,
    };
    if let Some(b) = &baseline
        && b.model != summary.model
    {
        eprintln!(
            "note: the baseline is of the {} model, this run of {}",
            b.model, summary.model
        );
    }
    let gate = metrics::gate(&summary, &results, baseline.as_ref(), args.threshold);

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    std::fs::write(
        args.out.join("report.md"),
        report::markdown(&summary, &results, &gate),
    )?;
    std::fs::write(
        args.out.join("report.html"),
        report::html(&summary, &results, &gate),
    )?;
    std::fs::write(
        args.out.join("junit.xml"),
        report::junit(&summary, &results),
    )?;
    std::fs::write(
        args.out.join("results.json"),
        serde_json::to_string_pretty(&results)?,
    )?;

    println!("\n{:<44} {:>9}", "metric", "value");
    for (k, v) in &summary.metrics {
        let was = baseline
            .as_ref()
            .and_then(|b| b.metrics.get(k))
            .map(|w| format!("  (baseline {:.1}%)", w * 100.0))
            .unwrap_or_default();
        println!("{k:<44} {:>8.1}%{was}", v * 100.0);
    }
    for (k, v) in &summary.stats {
        println!("{k:<44} {v:>9.2}");
    }
    for r in results.iter().filter(|r| !r.passed) {
        let tag = if r.known_failure.is_some() {
            "known failure"
        } else {
            "FAIL"
        };
        println!(
            "{tag}: {} ({}): {}",
            r.name,
            r.file,
            r.failures().join("; ")
        );
        if args.verbose {
            for t in &r.turns {
                println!(
                    "    > {}\n    tools: {:?}\n    escalations: {:?}\n    reply: {}",
                    t.user, t.observed.calls, t.observed.escalations, t.observed.reply
                );
            }
        }
    }
    for r in results
        .iter()
        .filter(|r| r.passed && r.known_failure.is_some())
    {
        println!("now passes, remove its known_failure: {}", r.name);
    }
    println!(
        "\n{} scenarios, {} passed, {} known failures ({} failing) in {:.1}s; reports in {}",
        summary.scenarios,
        summary.passed,
        summary.known_failures,
        results
            .iter()
            .filter(|r| !r.passed && r.known_failure.is_some())
            .count(),
        started.elapsed().as_secs_f64(),
        args.out.display()
    );

    if args.write_baseline {
        let path = args.baseline.clone().unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/baseline.json"))
        });
        let b = metrics::Baseline::from_run(&summary, &results);
        std::fs::write(&path, serde_json::to_string_pretty(&b)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote the baseline {}", path.display());
    }
    if gate.is_empty() {
        println!("gate: passed");
        Ok(())
    } else {
        println!("gate: FAILED");
        for g in &gate {
            println!("  - {g}");
        }
        std::process::exit(1);
    }
}
