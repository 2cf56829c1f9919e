//! The run's reports: Markdown, a self-contained HTML page and JUnit XML.

use super::metrics::Summary;
use super::run::ScenarioResult;
use std::fmt::Write as _;

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn status(r: &ScenarioResult) -> &'static str {
    match (r.passed, r.known_failure.is_some()) {
        (true, false) => "pass",
        (true, true) => "pass (marked known_failure)",
        (false, true) => "known failure",
        (false, false) => "FAIL",
    }
}

fn metric_rows(s: &Summary) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = s
        .metrics
        .iter()
        .map(|(k, v)| (k.clone(), pct(*v)))
        .collect();
    for (k, v) in &s.stats {
        let shown = if k.starts_with("cost") {
            format!("${v:.4}")
        } else if k.starts_with("steps") {
            format!("{v:.2}")
        } else {
            format!("{v:.0}")
        };
        rows.push((k.clone(), shown));
    }
    rows
}

pub fn markdown(s: &Summary, results: &[ScenarioResult], gate: &[String]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Conversation eval — {}\n", s.model);
    let _ = writeln!(
        o,
        "{} scenarios: {} passed, {} failed ({} of them marked known_failure).\n",
        s.scenarios,
        s.passed,
        s.scenarios - s.passed,
        results
            .iter()
            .filter(|r| !r.passed && r.known_failure.is_some())
            .count()
    );
    let _ = writeln!(o, "## Gate\n");
    if gate.is_empty() {
        let _ = writeln!(o, "Passed.\n");
    } else {
        for g in gate {
            let _ = writeln!(o, "- {g}");
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "## Metrics\n\n| metric | value |\n| --- | --- |");
    for (k, v) in metric_rows(s) {
        let _ = writeln!(o, "| {k} | {v} |");
    }
    let _ = writeln!(
        o,
        "\n## Scenarios\n\n| scenario | tags | status | turns | ms | failures |\n| --- | --- | --- | --- | --- | --- |"
    );
    for r in results {
        let mut why = r.failures().join("; ");
        if let Some(k) = &r.known_failure {
            why = format!("known: {k}. {why}");
        }
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            r.name,
            r.tags.join(", "),
            status(r),
            r.turns.len(),
            r.duration_ms,
            why.replace('|', "\\|").replace('\n', " ")
        );
    }
    o
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn html(s: &Summary, results: &[ScenarioResult], gate: &[String]) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Omnify conversation eval</title><style>\
body{{font:14px system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}.pass{{color:#176f2c}}\
.FAIL{{color:#b00020;font-weight:bold}}.known{{color:#8a6d00}}details pre{{white-space:pre-wrap;max-width:60em}}\
</style></head><body><h1>Conversation eval — {}</h1><p>{} scenarios, {} passed.</p>",
        esc(&s.model),
        s.scenarios,
        s.passed
    );
    let _ = write!(o, "<h2>Gate</h2>");
    if gate.is_empty() {
        let _ = write!(o, "<p class=\"pass\">Passed.</p>");
    } else {
        let _ = write!(o, "<ul>");
        for g in gate {
            let _ = write!(o, "<li class=\"FAIL\">{}</li>", esc(g));
        }
        let _ = write!(o, "</ul>");
    }
    let _ = write!(
        o,
        "<h2>Metrics</h2><table><tr><th>metric</th><th>value</th></tr>"
    );
    for (k, v) in metric_rows(s) {
        let _ = write!(o, "<tr><td>{}</td><td>{}</td></tr>", esc(&k), esc(&v));
    }
    let _ = write!(
        o,
        "</table><h2>Scenarios</h2><table><tr><th>scenario</th><th>tags</th><th>status</th><th>details</th></tr>"
    );
    for r in results {
        let class = match status(r) {
            "FAIL" => "FAIL",
            "known failure" => "known",
            _ => "pass",
        };
        let mut detail = String::new();
        if let Some(k) = &r.known_failure {
            let _ = writeln!(detail, "known failure: {k}");
        }
        for (i, t) in r.turns.iter().enumerate() {
            let calls: Vec<String> = t
                .observed
                .calls
                .iter()
                .map(|(n, a, ok)| format!("{n}({a}){}", if *ok { "" } else { " FAILED" }))
                .collect();
            let _ = writeln!(
                detail,
                "turn {}: {}\n  tools: {}\n  escalations: {:?}\n  reply: {}\n  failures: {:?}\n",
                i + 1,
                t.user,
                calls.join(", "),
                t.observed.escalations,
                t.observed.reply,
                t.failures
            );
        }
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"{class}\">{}</td><td><details><summary>{}</summary><pre>{}</pre></details></td></tr>",
            esc(&r.name),
            esc(&r.tags.join(", ")),
            status(r),
            esc(&r
                .failures()
                .first()
                .cloned()
                .unwrap_or_else(|| "turns".into())),
            esc(&detail)
        );
    }
    let _ = writeln!(o, "</table></body></html>");
    o
}

pub fn junit(s: &Summary, results: &[ScenarioResult]) -> String {
    let failures = results
        .iter()
        .filter(|r| !r.passed && r.known_failure.is_none())
        .count();
    let skipped = results
        .iter()
        .filter(|r| !r.passed && r.known_failure.is_some())
        .count();
    let total_secs: f64 = results.iter().map(|r| r.duration_ms as f64 / 1000.0).sum();
    let mut o = String::new();
    let _ = writeln!(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        o,
        "<testsuite name=\"omnify-eval ({})\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\" time=\"{total_secs:.3}\">",
        esc(&s.model),
        results.len()
    );
    for r in results {
        let _ = write!(
            o,
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            esc(&r.file),
            esc(&r.name),
            r.duration_ms as f64 / 1000.0
        );
        if r.passed {
            let _ = writeln!(o, "/>");
            continue;
        }
        let msg = r.failures().join("\n");
        match &r.known_failure {
            Some(k) => {
                let _ = writeln!(
                    o,
                    ">\n    <skipped message=\"known failure: {}\"/>\n    <system-out>{}</system-out>\n  </testcase>",
                    esc(k),
                    esc(&msg)
                );
            }
            None => {
                let first = r.failures().first().cloned().unwrap_or_default();
                let _ = writeln!(
                    o,
                    ">\n    <failure message=\"{}\">{}</failure>\n  </testcase>",
                    esc(&first),
                    esc(&msg)
                );
            }
        }
    }
    let _ = writeln!(o, "</testsuite>");
    o
}
