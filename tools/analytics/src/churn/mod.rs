//! Churn risk: which subscribers or customers are likely to stop within the next
//! window (30 days by default), and why.
//!
//! A logistic regression (smartcore) on standardised recency/frequency/monetary and
//! engagement signals ([`features`]) is trained on a past cutoff — features from data
//! on or before it, labels from the window after it — and then scores everyone
//! active today. What "churned" means depends on the data:
//! - **subscriptions** (a customer has [`Membership`]s): the membership running at the
//!   cutoff ended within the window. Members who had already asked to cancel by the
//!   cutoff are not scored: that is a fact, not a risk (they are counted apart).
//! - **purchases** (orders only): no purchase within the window, among customers who
//!   bought in the year before the cutoff.
//!
//! Quality is reported twice: k-fold cross-validated AUC on the training cutoff, and
//! holdout AUC of a model trained one window earlier predicting the latest window.

mod auc;
pub mod features;
mod model;

pub use auc::auc;
pub use features::CustomerFeatures;
pub use model::{ChurnModel, CustomerRisk, FEATURE_NAMES};

use crate::table::{Table, TableError};
use chrono::{Duration, Months, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// A paid order or invoice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    pub date: NaiveDate,
    pub amount: f64,
}

/// One subscription: when it started, how it bills, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Membership {
    pub started: NaiveDate,
    /// Months per billing period (1 monthly, 12 annual; 0 unknown).
    pub billing_months: u32,
    /// When the member asked to cancel.
    pub cancel_requested: Option<NaiveDate>,
    /// When it stopped.
    pub ended: Option<NaiveDate>,
}

impl Membership {
    /// The first renewal strictly after `day`, if the billing period is known.
    pub fn renews_after(&self, day: NaiveDate) -> Option<NaiveDate> {
        if self.billing_months == 0 {
            return None;
        }
        (1..2_000)
            .filter_map(|k| {
                self.started
                    .checked_add_months(Months::new(k * self.billing_months))
            })
            .find(|d| *d > day)
    }

    fn running_at(&self, day: NaiveDate) -> bool {
        self.started <= day && self.ended.is_none_or(|e| e > day)
    }
}

/// Everything known about one customer, dated, so features can be cut at any day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CustomerActivity {
    pub customer_id: String,
    /// For the chart and per-segment averages: a plan name, "repeat"/"one-time"…
    pub segment: Option<String>,
    pub payments: Vec<Payment>,
    pub failed_payments: Vec<NaiveDate>,
    pub plan_changes: Vec<NaiveDate>,
    /// Empty for a store customer (purchase mode).
    pub memberships: Vec<Membership>,
    /// Share of marketing e-mails opened (0–1), a current snapshot, when known.
    pub email_engagement: Option<f64>,
}

impl CustomerActivity {
    fn is_subscriber(&self) -> bool {
        !self.memberships.is_empty()
    }

    /// Whether the customer can churn in the window after `cutoff`.
    pub fn at_risk_on(&self, cutoff: NaiveDate) -> bool {
        if self.is_subscriber() {
            self.memberships
                .iter()
                .any(|m| m.running_at(cutoff) && m.cancel_requested.is_none_or(|c| c > cutoff))
        } else {
            self.payments.iter().any(|p| {
                p.date <= cutoff && (cutoff - p.date).num_days() < features::LAPSED_AFTER_DAYS
            })
        }
    }

    /// A member who has asked to cancel but is still running at `day`.
    pub fn cancelling_on(&self, day: NaiveDate) -> bool {
        self.memberships
            .iter()
            .any(|m| m.running_at(day) && m.cancel_requested.is_some_and(|c| c <= day))
    }

    /// Whether the customer churned in `(cutoff, cutoff + window]`.
    pub fn churned_after(&self, cutoff: NaiveDate, window_days: i64) -> bool {
        let end = cutoff + Duration::days(window_days);
        if self.is_subscriber() {
            let running: Vec<&Membership> = self
                .memberships
                .iter()
                .filter(|m| m.running_at(cutoff))
                .collect();
            !running.is_empty() && running.iter().all(|m| m.ended.is_some_and(|e| e <= end))
        } else {
            !self
                .payments
                .iter()
                .any(|p| p.date > cutoff && p.date <= end)
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChurnError {
    #[error(
        "{customers} customers at the training cutoff and {churned} churned: a churn model needs both churners and stayers"
    )]
    OneClass { customers: usize, churned: usize },
    #[error(
        "only {customers} customers were active on {cutoff}: a churn model needs at least {needed} (more history, or a shorter window)"
    )]
    TooFewCustomers {
        customers: usize,
        needed: usize,
        cutoff: NaiveDate,
    },
    #[error("the churn model could not be fitted: {0}")]
    Fit(String),
}

const MIN_CUSTOMERS: usize = 30;
const FOLDS: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct ChurnOptions {
    /// Today: features for the scored customers are cut here.
    pub as_of: NaiveDate,
    /// The window a churn is predicted for, in days.
    pub window_days: i64,
}

/// A labelled cutoff: features from data up to it and what happened after.
struct Labelled {
    rows: Vec<CustomerFeatures>,
    churned: Vec<bool>,
}

fn labelled(activity: &[CustomerActivity], cutoff: NaiveDate, window: i64) -> Labelled {
    let (mut rows, mut churned) = (Vec::new(), Vec::new());
    for a in activity.iter().filter(|a| a.at_risk_on(cutoff)) {
        if let Some(f) = features::at_cutoff(std::slice::from_ref(a), cutoff).pop() {
            rows.push(f);
            churned.push(a.churned_after(cutoff, window));
        }
    }
    Labelled { rows, churned }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRisk {
    pub segment: String,
    pub customers: usize,
    pub mean_risk: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnReport {
    pub as_of: NaiveDate,
    pub window_days: i64,
    pub training_cutoff: NaiveDate,
    pub training_customers: usize,
    /// Share of training customers who churned in the window after the cutoff.
    pub training_churn_rate: f64,
    pub cross_validated_auc: Option<f64>,
    /// A model trained one window earlier, scored on the latest window.
    pub holdout_auc: Option<f64>,
    pub model: ChurnModel,
    /// Customers active today, riskiest first.
    pub customers: Vec<CustomerRisk>,
    pub segments: Vec<SegmentRisk>,
    /// Members who have already asked to cancel (not scored).
    pub already_cancelling: usize,
}

/// Trains on the cutoff one window before `as_of`, reports CV and holdout AUC, and
/// scores every customer at risk on `as_of`.
pub fn assess(
    activity: &[CustomerActivity],
    options: &ChurnOptions,
) -> Result<ChurnReport, ChurnError> {
    let window = options.window_days;
    let cutoff = options.as_of - Duration::days(window);
    let training = labelled(activity, cutoff, window);
    if training.rows.len() < MIN_CUSTOMERS {
        return Err(ChurnError::TooFewCustomers {
            customers: training.rows.len(),
            needed: MIN_CUSTOMERS,
            cutoff,
        });
    }
    let model = ChurnModel::train(&training.rows, &training.churned)?;
    let cross_validated_auc = cross_validated_auc(&training.rows, &training.churned, FOLDS);
    let earlier = labelled(activity, cutoff - Duration::days(window), window);
    let holdout_auc = ChurnModel::train(&earlier.rows, &earlier.churned)
        .ok()
        .and_then(|m| {
            let scores: Vec<f64> = training.rows.iter().map(|r| m.probability(r)).collect();
            auc(&scores, &training.churned)
        });
    let current: Vec<CustomerFeatures> = activity
        .iter()
        .filter(|a| a.at_risk_on(options.as_of))
        .filter_map(|a| features::at_cutoff(std::slice::from_ref(a), options.as_of).pop())
        .collect();
    let customers = score(&model, &current);
    Ok(ChurnReport {
        as_of: options.as_of,
        window_days: window,
        training_cutoff: cutoff,
        training_customers: training.rows.len(),
        training_churn_rate: training.churned.iter().filter(|c| **c).count() as f64
            / training.churned.len() as f64,
        cross_validated_auc,
        holdout_auc,
        segments: segments(&customers),
        already_cancelling: activity
            .iter()
            .filter(|a| a.cancelling_on(options.as_of))
            .count(),
        model,
        customers,
    })
}

/// For data that carries its own labels (a CSV's `churned` column): features at
/// `as_of`, a model trained on every labelled customer with its CV AUC, and the risk
/// of those not (yet) churned.
pub fn assess_labelled(
    activity: &[CustomerActivity],
    labels: &BTreeMap<String, bool>,
    as_of: NaiveDate,
) -> Result<ChurnReport, ChurnError> {
    let rows = features::at_cutoff(activity, as_of);
    let churned: Vec<bool> = rows
        .iter()
        .map(|r| labels.get(&r.customer_id).copied().unwrap_or(false))
        .collect();
    if rows.len() < MIN_CUSTOMERS {
        return Err(ChurnError::TooFewCustomers {
            customers: rows.len(),
            needed: MIN_CUSTOMERS,
            cutoff: as_of,
        });
    }
    let model = ChurnModel::train(&rows, &churned)?;
    let cross_validated_auc = cross_validated_auc(&rows, &churned, FOLDS);
    let stayers: Vec<CustomerFeatures> = rows
        .iter()
        .zip(&churned)
        .filter(|(_, c)| !**c)
        .map(|(r, _)| r.clone())
        .collect();
    let customers = score(&model, &stayers);
    Ok(ChurnReport {
        as_of,
        window_days: 0,
        training_cutoff: as_of,
        training_customers: rows.len(),
        training_churn_rate: churned.iter().filter(|c| **c).count() as f64 / rows.len() as f64,
        cross_validated_auc,
        holdout_auc: None,
        segments: segments(&customers),
        already_cancelling: 0,
        model,
        customers,
    })
}

fn score(model: &ChurnModel, rows: &[CustomerFeatures]) -> Vec<CustomerRisk> {
    let mut customers: Vec<CustomerRisk> = rows.iter().map(|r| model.assess(r)).collect();
    customers.sort_by(|a, b| {
        b.risk
            .total_cmp(&a.risk)
            .then_with(|| a.customer_id.cmp(&b.customer_id))
    });
    customers
}

fn segments(customers: &[CustomerRisk]) -> Vec<SegmentRisk> {
    let mut by: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for c in customers {
        let e = by.entry(c.segment.as_str()).or_default();
        e.0 += 1;
        e.1 += c.risk;
    }
    by.into_iter()
        .map(|(segment, (n, sum))| SegmentRisk {
            segment: segment.to_owned(),
            customers: n,
            mean_risk: sum / n as f64,
        })
        .collect()
}

/// Mean AUC over `folds` folds (customer i is in fold i mod folds, after a fixed
/// shuffle); `None` when no fold has both classes.
pub fn cross_validated_auc(
    rows: &[CustomerFeatures],
    churned: &[bool],
    folds: usize,
) -> Option<f64> {
    let folds = folds.max(2);
    // A fixed multiplicative shuffle so folds do not follow the input order (often by date).
    let fold_of = |i: usize| (i.wrapping_mul(2_654_435_761) >> 7) % folds;
    let mut aucs = Vec::new();
    for k in 0..folds {
        let (mut train_rows, mut train_labels, mut test_rows, mut test_labels) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, (r, c)) in rows.iter().zip(churned).enumerate() {
            if fold_of(i) == k {
                test_rows.push(r);
                test_labels.push(*c);
            } else {
                train_rows.push(r.clone());
                train_labels.push(*c);
            }
        }
        let Ok(model) = ChurnModel::train(&train_rows, &train_labels) else {
            continue;
        };
        let scores: Vec<f64> = test_rows.iter().map(|r| model.probability(r)).collect();
        if let Some(a) = auc(&scores, &test_labels) {
            aucs.push(a);
        }
    }
    (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64)
}

/// Activity and optional labels read from a CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct ChurnCsv {
    pub activity: Vec<CustomerActivity>,
    /// From a `churned` column (true/false, yes/no, 1/0): a customer churned if any of
    /// their rows says so. `None` without the column.
    pub labels: Option<BTreeMap<String, bool>>,
    /// The latest date in the file.
    pub last_date: Option<NaiveDate>,
}

/// Reads payments or orders from a CSV with columns `customer_id`, `date`
/// (YYYY-MM-DD), `amount`, and optionally `churned` (a label for training) and
/// `segment`. Customers are in purchase mode (no memberships).
pub fn from_csv(table: &Table) -> Result<ChurnCsv, TableError> {
    for column in ["customer_id", "date", "amount"] {
        table.require(column)?;
    }
    let has_labels = table.has_column("churned");
    let mut by_customer: BTreeMap<String, CustomerActivity> = BTreeMap::new();
    let mut labels: BTreeMap<String, bool> = BTreeMap::new();
    let mut last_date = None;
    for row in table.rows() {
        let id = row.text("customer_id")?.to_owned();
        let date = row.date("date")?;
        let amount = row.number("amount")?;
        last_date = last_date.max(Some(date));
        let entry = by_customer
            .entry(id.clone())
            .or_insert_with(|| CustomerActivity {
                customer_id: id.clone(),
                ..CustomerActivity::default()
            });
        if let Some(segment) = row.get("segment") {
            entry.segment = Some(segment.to_owned());
        }
        entry.payments.push(Payment { date, amount });
        if has_labels {
            let label = match row.get("churned").map(str::to_ascii_lowercase).as_deref() {
                None | Some("0" | "false" | "no" | "n") => false,
                Some("1" | "true" | "yes" | "y") => true,
                Some(other) => {
                    return Err(
                        row.malformed("churned", &format!("expected true/false, got `{other}`"))
                    );
                }
            };
            *labels.entry(id).or_insert(false) |= label;
        }
    }
    Ok(ChurnCsv {
        activity: by_customer.into_values().collect(),
        labels: has_labels.then_some(labels),
        last_date,
    })
}
