#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! `omnify analyze` on CSV exports, through the real binary: each analytic answers, and
//! a bad file gets an error naming the column and the line.

use std::path::{Path, PathBuf};
use std::process::Command;

fn omnify(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_omnify"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tools/analytics/tests/data")
        .join(name)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn ltv_on_the_lifetimes_sample_matches_the_python_totals() {
    let input = fixture("ltv/transactions.csv");
    let (ok, out, err) = omnify(&["analyze", "ltv", "--input", input.to_str().unwrap()]);
    assert!(ok, "{err}");
    // The same 90-day totals Python `lifetimes` gives on CDNOW (tests/data/ltv/expected.json).
    assert!(
        out.contains("2357 customers; next 90 days: 533.1 purchases, value 19541.62"),
        "{out}"
    );
    let (ok, json, _) = omnify(&[
        "analyze",
        "ltv",
        "--input",
        input.to_str().unwrap(),
        "--json",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["horizon_days"], 90);
}

#[test]
fn anomalies_fatigue_churn_and_budget_answer_from_csv() {
    let dir = tempfile::tempdir().unwrap();
    let nab = fixture("nab/exchange-2_cpc_results.csv");
    let (ok, out, err) = omnify(&["analyze", "anomalies", "--input", nab.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("expected") && out.contains("range"), "{out}");

    // A creative whose CTR halves over its last three weeks, and a steady one.
    let mut fatigue = String::from("date,creative,impressions,clicks\n");
    for day in 0..90 {
        let date =
            chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap() + chrono::Duration::days(day);
        let decay = if day < 69 {
            1.0
        } else {
            0.5f64.powf((day - 69) as f64 / 21.0)
        };
        fatigue.push_str(&format!("{date},Tired,10000,{}\n", (200.0 * decay).round()));
        fatigue.push_str(&format!("{date},Steady,10000,200\n"));
    }
    let path = write(dir.path(), "fatigue.csv", &fatigue);
    let (ok, out, err) = omnify(&["analyze", "fatigue", "--input", &path]);
    assert!(ok, "{err}");
    assert!(out.contains("Tired: Fatigued"), "{out}");
    assert!(out.contains("Steady: Healthy"), "{out}");

    // Two channels on known power curves: revenue = a * spend^b.
    let mut budget = String::from("date,channel,spend,revenue\n");
    for day in 0..60 {
        let date =
            chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap() + chrono::Duration::days(day);
        let wobble = 1.0 + 0.3 * ((day % 7) as f64 - 3.0) / 3.0;
        let (m, g) = (1000.0 * wobble, 1000.0 / wobble);
        budget.push_str(&format!(
            "{date},meta,{m:.2},{:.2}\n",
            60.0 * f64::powf(m, 0.6)
        ));
        budget.push_str(&format!(
            "{date},google,{g:.2},{:.2}\n",
            20.0 * f64::powf(g, 0.7)
        ));
    }
    let path = write(dir.path(), "budget.csv", &budget);
    let (ok, out, err) = omnify(&[
        "analyze",
        "budget",
        "--input",
        &path,
        "--limit",
        "google=:1500",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("meta: ") && out.contains("expected daily revenue"),
        "{out}"
    );

    let (ok, out, err) = omnify(&[
        "analyze",
        "churn",
        "--input",
        fixture("ltv/transactions.csv").to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("cross-validated AUC"), "{out}");
}

#[test]
fn errors_name_the_column_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "bad.csv",
        "date,channel,spend,revenue\n2026-01-01,meta,12,40\n2026-01-02,meta,abc,41\n",
    );
    let (ok, _, err) = omnify(&["analyze", "budget", "--input", &path]);
    assert!(!ok);
    assert!(
        err.contains("line 3, column `spend`: expected a number, got `abc`"),
        "{err}"
    );

    let path = write(dir.path(), "missing.csv", "date,spend\n2026-01-01,12\n");
    let (ok, _, err) = omnify(&["analyze", "ltv", "--input", &path]);
    assert!(!ok);
    assert!(err.contains("missing column `customer_id`"), "{err}");

    let (ok, _, err) = omnify(&["analyze", "ltv", "--input", "/no/such.csv"]);
    assert!(!ok);
    assert!(err.contains("cannot open /no/such.csv"), "{err}");
}
