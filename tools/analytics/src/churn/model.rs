//! Logistic regression on standardised features (smartcore), and the reasons behind
//! each customer's risk: the features pushing their score up the most, in words.

use super::ChurnError;
use super::features::CustomerFeatures;
use serde::Serialize;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

/// The model's inputs, in order. Counts and amounts enter as logarithms (a tenth
/// purchase matters less than a second).
pub const FEATURE_NAMES: [&str; 9] = [
    "overdue_ratio",
    "days_since_last_purchase",
    "log_tenure_days",
    "log_purchases",
    "log_average_amount",
    "failed_payments_90d",
    "plan_changes",
    "days_to_renewal",
    "email_engagement",
];

/// L2 penalty: keeps coefficients finite when a feature separates the classes.
const RIDGE: f64 = 0.5;

/// Raw feature values (NaN = unknown). `typical_gap` stands in for a one-purchase
/// customer's own rhythm.
fn raw(f: &CustomerFeatures, typical_gap: f64) -> [f64; 9] {
    let gap = f.usual_gap_days.unwrap_or(typical_gap).max(1.0);
    [
        f.days_since_last_purchase / gap,
        f.days_since_last_purchase,
        f.tenure_days.ln_1p(),
        f.purchases.ln_1p(),
        f.average_amount.max(0.0).ln_1p(),
        f.failed_payments_90d,
        f.plan_changes,
        f.days_to_renewal.unwrap_or(f64::NAN),
        f.email_engagement.unwrap_or(f64::NAN),
    ]
}

/// A trained churn model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnModel {
    pub means: Vec<f64>,
    /// 0 for a feature that never varied (or was never known): it is then ignored.
    pub std_devs: Vec<f64>,
    pub coefficients: Vec<f64>,
    pub intercept: f64,
    /// Median gap between purchases across the training customers.
    pub typical_gap_days: f64,
}

/// A customer's risk and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRisk {
    pub customer_id: String,
    pub segment: String,
    /// Probability of churning within the window, 0–1.
    pub risk: f64,
    /// The largest positive contributions, strongest first, in words.
    pub reasons: Vec<String>,
}

impl ChurnModel {
    pub fn train(rows: &[CustomerFeatures], churned: &[bool]) -> Result<Self, ChurnError> {
        let positives = churned.iter().filter(|c| **c).count();
        if positives == 0 || positives == churned.len() {
            return Err(ChurnError::OneClass {
                customers: churned.len(),
                churned: positives,
            });
        }
        let typical_gap_days = typical_gap(rows);
        let raws: Vec<[f64; 9]> = rows.iter().map(|r| raw(r, typical_gap_days)).collect();
        let (means, std_devs) = moments(&raws);
        let x: Vec<Vec<f64>> = raws
            .iter()
            .map(|r| standardise(r, &means, &std_devs))
            .collect();
        let y: Vec<u32> = churned.iter().map(|c| u32::from(*c)).collect();
        let matrix = DenseMatrix::from_2d_vec(&x).map_err(|e| ChurnError::Fit(e.to_string()))?;
        let params = LogisticRegressionParameters::default().with_alpha(RIDGE);
        // Scoped here: smartcore's `Array::get` would shadow `Vec::get` elsewhere.
        use smartcore::linalg::basic::arrays::Array;
        let fitted: LogisticRegression<f64, u32, DenseMatrix<f64>, Vec<u32>> =
            LogisticRegression::fit(&matrix, &y, params)
                .map_err(|e| ChurnError::Fit(e.to_string()))?;
        let coefficients = (0..FEATURE_NAMES.len())
            .map(|j| *fitted.coefficients().get((0, j)))
            .collect();
        let intercept = *fitted.intercept().get((0, 0));
        Ok(Self {
            means,
            std_devs,
            coefficients,
            intercept,
            typical_gap_days,
        })
    }

    /// Standardised features × coefficients: each feature's push on the log-odds.
    fn contributions(&self, f: &CustomerFeatures) -> Vec<f64> {
        let z = standardise(&raw(f, self.typical_gap_days), &self.means, &self.std_devs);
        z.iter()
            .zip(&self.coefficients)
            .map(|(z, c)| z * c)
            .collect()
    }

    pub fn probability(&self, f: &CustomerFeatures) -> f64 {
        let logit = self.intercept + self.contributions(f).iter().sum::<f64>();
        1.0 / (1.0 + (-logit).exp())
    }

    pub fn assess(&self, f: &CustomerFeatures) -> CustomerRisk {
        let z = standardise(&raw(f, self.typical_gap_days), &self.means, &self.std_devs);
        let mut pushes: Vec<(usize, f64)> = self.contributions(f).into_iter().enumerate().collect();
        pushes.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut reasons: Vec<String> = Vec::new();
        for (i, _) in pushes.iter().filter(|(_, c)| *c > 0.05) {
            let below_average = z.get(*i).is_some_and(|z| *z < 0.0);
            if let Some(r) = reason(*i, f, self.typical_gap_days, below_average)
                && !reasons.contains(&r)
            {
                reasons.push(r);
            }
            if reasons.len() == 3 {
                break;
            }
        }
        CustomerRisk {
            customer_id: f.customer_id.clone(),
            segment: f.segment.clone(),
            risk: self.probability(f),
            reasons,
        }
    }
}

/// A feature's value for this customer, in a marketer's words.
/// `low`: the customer is below the average on this feature (a short tenure, few
/// purchases), which is what pushes the risk up when its coefficient is negative.
fn reason(feature: usize, f: &CustomerFeatures, typical_gap: f64, low: bool) -> Option<String> {
    let days = f.days_since_last_purchase;
    let only = if low { "only " } else { "" };
    Some(match FEATURE_NAMES.get(feature)? {
        &"overdue_ratio" | &"days_since_last_purchase" => match f.usual_gap_days {
            Some(gap) => format!("no purchase in {days:.0} days (usual gap {gap:.0})"),
            None => format!(
                "one purchase only, {days:.0} days ago (customers usually return within {typical_gap:.0})"
            ),
        },
        &"log_tenure_days" => format!("customer for {only}{:.0} days", f.tenure_days),
        &"log_purchases" => format!("{only}{:.0} purchases so far", f.purchases),
        &"log_average_amount" => {
            let size = if low { "small" } else { "large" };
            format!("{size} average purchase ({:.2})", f.average_amount)
        }
        &"failed_payments_90d" => format!(
            "{:.0} failed payments in the last 90 days",
            f.failed_payments_90d
        ),
        &"plan_changes" => format!("{:.0} plan changes", f.plan_changes),
        &"days_to_renewal" => format!("renews in {:.0} days", f.days_to_renewal?),
        &"email_engagement" => {
            format!("opens {only}{:.0}% of e-mails", 100.0 * f.email_engagement?)
        }
        _ => return None,
    })
}

fn typical_gap(rows: &[CustomerFeatures]) -> f64 {
    let mut gaps: Vec<f64> = rows.iter().filter_map(|r| r.usual_gap_days).collect();
    if gaps.is_empty() {
        return 30.0;
    }
    gaps.sort_by(f64::total_cmp);
    gaps[gaps.len() / 2]
}

/// Mean and standard deviation of each feature over its known values.
fn moments(raws: &[[f64; 9]]) -> (Vec<f64>, Vec<f64>) {
    (0..9)
        .map(|j| {
            let known: Vec<f64> = raws
                .iter()
                .map(|r| r[j])
                .filter(|v| v.is_finite())
                .collect();
            if known.len() < 2 {
                return (0.0, 0.0);
            }
            let n = known.len() as f64;
            let mean = known.iter().sum::<f64>() / n;
            let var = known.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, if var > 1e-12 { var.sqrt() } else { 0.0 })
        })
        .unzip()
}

/// z-scores; unknown values and constant features become 0 (the average).
fn standardise(raw: &[f64; 9], means: &[f64], std_devs: &[f64]) -> Vec<f64> {
    raw.iter()
        .zip(means.iter().zip(std_devs))
        .map(|(v, (m, s))| {
            if v.is_finite() && *s > 0.0 {
                (v - m) / s
            } else {
                0.0
            }
        })
        .collect()
}
