//! Churn risk on a synthetic store whose customers quit for a known reason: the model
//! must rank the quitters first, say why, and never look past the cutoff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate};
use omnify_analytics::churn::{self, ChurnOptions, CustomerActivity, Payment};
use omnify_analytics::table::Table;

/// A tiny deterministic generator (the test must not depend on a random crate).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// 400 customers over 300 days: each buys every `gap` days (±20 %) until they quit;
/// a third quit at a random day. Customers who are about to quit have failed
/// payments in the weeks before.
fn store() -> Vec<CustomerActivity> {
    let start = day("2026-01-01");
    let mut rng = Lcg(11);
    (0..400)
        .map(|i| {
            let gap = 10.0 + 40.0 * rng.next();
            let first = (rng.next() * 120.0) as i64;
            let quits_at = if rng.next() < 0.35 {
                150 + (rng.next() * 150.0) as i64
            } else {
                10_000
            };
            let mut payments = Vec::new();
            let mut failed = Vec::new();
            let mut t = first as f64;
            while (t as i64) < 300.min(quits_at) {
                payments.push(Payment {
                    date: start + Duration::days(t as i64),
                    amount: 20.0 + 30.0 * rng.next(),
                });
                t += gap * (0.8 + 0.4 * rng.next());
            }
            if quits_at < 10_000 && rng.next() < 0.6 {
                failed.push(start + Duration::days(quits_at - 5));
            }
            CustomerActivity {
                customer_id: format!("c{i:03}"),
                segment: Some(if gap < 25.0 { "frequent" } else { "occasional" }.to_owned()),
                payments,
                failed_payments: failed,
                ..CustomerActivity::default()
            }
        })
        .collect()
}

#[test]
fn churn_model_ranks_quitters_first_with_reasons() {
    let activity = store();
    let report = churn::assess(
        &activity,
        &ChurnOptions {
            as_of: day("2026-10-27"),
            window_days: 30,
        },
    )
    .unwrap();
    let cv = report.cross_validated_auc.unwrap();
    let holdout = report.holdout_auc.unwrap();
    println!(
        "training customers {} churn rate {:.3} CV AUC {cv:.3} holdout AUC {holdout:.3}",
        report.training_customers, report.training_churn_rate
    );
    assert!(cv > 0.75, "CV AUC {cv}");
    assert!(holdout > 0.75, "holdout AUC {holdout}");
    let top = &report.customers[0];
    assert!(top.risk > 0.5, "{top:?}");
    assert!(
        top.reasons
            .iter()
            .any(|r| r.contains("no purchase in") || r.contains("failed payment")),
        "{top:?}"
    );
    assert!(report.customers.windows(2).all(|w| w[0].risk >= w[1].risk));
    assert_eq!(report.segments.len(), 2);
    // The overdue signal pushes risk up: its coefficient is positive.
    assert!(
        report.model.coefficients[0] > 0.0,
        "{:?}",
        report.model.coefficients
    );
}

#[test]
fn churn_features_ignore_everything_after_the_cutoff() {
    let activity = store();
    let cutoff = day("2026-06-01");
    let before: Vec<CustomerActivity> = activity
        .iter()
        .map(|a| CustomerActivity {
            payments: a
                .payments
                .iter()
                .filter(|p| p.date <= cutoff)
                .cloned()
                .collect(),
            failed_payments: a
                .failed_payments
                .iter()
                .filter(|d| **d <= cutoff)
                .copied()
                .collect(),
            ..a.clone()
        })
        .collect();
    assert_eq!(
        churn::features::at_cutoff(&activity, cutoff),
        churn::features::at_cutoff(&before, cutoff)
    );
}

#[test]
fn churn_csv_reads_labels_and_names_bad_ones() {
    let mut csv = String::from("customer_id,date,amount,churned\n");
    let mut rng = Lcg(5);
    for i in 0..60 {
        let churned = i % 3 == 0;
        // Churners stopped buying long ago; stayers bought recently.
        let last = if churned { 100 } else { 170 + i % 10 };
        for k in 0..4 {
            let d = day("2026-01-01") + Duration::days(last - 20 * k);
            csv.push_str(&format!(
                "c{i},{d},{:.2},{}\n",
                10.0 + 50.0 * rng.next(),
                if churned { "yes" } else { "no" }
            ));
        }
    }
    let parsed = churn::from_csv(&Table::parse(&csv).unwrap()).unwrap();
    let labels = parsed.labels.unwrap();
    assert_eq!(labels.values().filter(|c| **c).count(), 20);
    let report =
        churn::assess_labelled(&parsed.activity, &labels, parsed.last_date.unwrap()).unwrap();
    assert!(report.cross_validated_auc.unwrap() > 0.9);
    assert_eq!(
        report.customers.len(),
        40,
        "only customers not yet churned are scored"
    );

    let err = churn::from_csv(
        &Table::parse("customer_id,date,amount,churned\nc1,2026-01-01,5,maybe\n").unwrap(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("line 2, column `churned`"),
        "{err}"
    );
}
