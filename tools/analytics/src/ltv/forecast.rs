//! Both models fitted on one order history, and what a marketer asks of them: per
//! customer, per first-purchase month (cohort), and how sure we are.

use super::bgnbd::{self, BgNbdFit, BgNbdParams, PurchaseHistories};
use super::gamma_gamma::{self, GammaGammaFit, GammaGammaParams};
use super::rfm::{self, CustomerSummary};
use super::uncertainty::{draws, quantile};
use super::{LtvError, Transaction};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// Fewer customers than this and the four BG/NBD parameters are guesses.
const MIN_CUSTOMERS: usize = 20;
/// Fewer repeat customers than this and the three Gamma-Gamma parameters are guesses.
const MIN_REPEAT_CUSTOMERS: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct LtvOptions {
    /// Days ahead to forecast.
    pub horizon_days: u32,
    /// The last day of data; the latest order's day when `None`.
    pub observation_end: Option<NaiveDate>,
    /// Parameter draws for the uncertainty bands (0 for none).
    pub uncertainty_draws: usize,
    pub seed: u64,
}

impl Default for LtvOptions {
    fn default() -> Self {
        Self {
            horizon_days: 90,
            observation_end: None,
            uncertainty_draws: 100,
            seed: 20_05,
        }
    }
}

/// A 90 % band (5th to 95th percentile over parameter draws).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerForecast {
    #[serde(flatten)]
    pub summary: CustomerSummary,
    /// Expected repeat purchases within the horizon.
    pub expected_purchases: f64,
    pub probability_alive: f64,
    /// Expected value of each future order (Gamma-Gamma).
    pub expected_average_value: f64,
    /// Expected purchases × expected average value.
    pub expected_value: f64,
}

/// The customers whose first purchase fell in one calendar month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortForecast {
    /// `YYYY-MM`.
    pub cohort: String,
    pub customers: usize,
    pub repeat_customers: usize,
    pub mean_probability_alive: f64,
    pub expected_purchases: f64,
    pub expected_value: f64,
    pub expected_purchases_band: Option<Band>,
    pub expected_value_band: Option<Band>,
}

/// Customers by probability alive, in fifths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliveBucket {
    /// e.g. "0.8-1.0".
    pub range: String,
    pub customers: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LtvForecast {
    pub observation_end: NaiveDate,
    pub horizon_days: u32,
    pub purchase_model: BgNbdFit,
    pub spend_model: GammaGammaFit,
    /// Ordered by customer id.
    pub customers: Vec<CustomerForecast>,
    /// Oldest cohort first.
    pub cohorts: Vec<CohortForecast>,
    /// Every customer together.
    pub total: CohortForecast,
    pub alive_distribution: Vec<AliveBucket>,
    /// Customers with a single purchase: the model counts them as alive (probability 1)
    /// because nobody can drop out before a repeat purchase under BG/NBD.
    pub one_time_customers: usize,
}

impl LtvForecast {
    /// The `n` customers with the highest expected value over the horizon.
    pub fn top_customers(&self, n: usize) -> Vec<&CustomerForecast> {
        let mut sorted: Vec<&CustomerForecast> = self.customers.iter().collect();
        sorted.sort_by(|a, b| b.expected_value.total_cmp(&a.expected_value));
        sorted.truncate(n);
        sorted
    }
}

pub fn forecast(
    transactions: &[Transaction],
    options: &LtvOptions,
) -> Result<LtvForecast, LtvError> {
    if !(1..=3650).contains(&options.horizon_days) {
        return Err(LtvError::BadHorizon(options.horizon_days));
    }
    let observation_end = match options.observation_end {
        Some(day) => day,
        None => transactions
            .iter()
            .map(|t| t.date)
            .max()
            .ok_or(LtvError::NoOrders)?,
    };
    let summaries = rfm::summarize(transactions, observation_end);
    if summaries.len() < MIN_CUSTOMERS {
        return Err(LtvError::TooFewCustomers {
            customers: summaries.len(),
            needed: MIN_CUSTOMERS,
            observation_end,
        });
    }
    let histories =
        PurchaseHistories::new(summaries.iter().map(|s| [s.frequency, s.recency, s.age]));
    let spenders = repeat_spend(&summaries);
    if spenders.len() < MIN_REPEAT_CUSTOMERS {
        return Err(LtvError::TooFewRepeatCustomers {
            repeat: spenders.len(),
            needed: MIN_REPEAT_CUSTOMERS,
        });
    }
    let purchase_model = bgnbd::fit(&histories).map_err(|e| LtvError::FitFailed {
        model: "BG/NBD purchase",
        reason: e.to_string(),
    })?;
    let spend_model = gamma_gamma::fit(&spenders).map_err(|e| LtvError::FitFailed {
        model: "Gamma-Gamma order value",
        reason: e.to_string(),
    })?;
    let horizon = f64::from(options.horizon_days);
    let customers: Vec<CustomerForecast> = summaries
        .into_iter()
        .map(|s| predict(s, &purchase_model.params, &spend_model.params, horizon))
        .collect();

    let cohort_of = |c: &CustomerForecast| cohort_label(c.summary.first_purchase);
    let cohort_keys: Vec<String> = customers.iter().map(cohort_of).collect();
    let parameter_draws = parameter_draws(&purchase_model, &spend_model, options);
    let bands = cohort_bands(&customers, &cohort_keys, &parameter_draws, horizon);

    let mut groups: BTreeMap<&str, Vec<&CustomerForecast>> = BTreeMap::new();
    for (c, key) in customers.iter().zip(&cohort_keys) {
        groups.entry(key.as_str()).or_default().push(c);
    }
    let cohorts = groups
        .iter()
        .map(|(key, members)| aggregate(key, members, bands.get(*key)))
        .collect();
    let everyone: Vec<&CustomerForecast> = customers.iter().collect();
    let total = aggregate("all", &everyone, bands.get(ALL));
    Ok(LtvForecast {
        observation_end,
        horizon_days: options.horizon_days,
        alive_distribution: alive_distribution(&customers),
        one_time_customers: customers
            .iter()
            .filter(|c| c.summary.frequency == 0.0)
            .count(),
        purchase_model,
        spend_model,
        customers,
        cohorts,
        total,
    })
}

/// `(frequency, mean repeat spend)` of the customers the order-value model can learn
/// from: at least one repeat purchase, and a positive mean (refunds can zero it).
fn repeat_spend(summaries: &[CustomerSummary]) -> Vec<(f64, f64)> {
    summaries
        .iter()
        .filter(|s| s.frequency > 0.0 && s.monetary_value > 0.0)
        .map(|s| (s.frequency, s.monetary_value))
        .collect()
}

fn predict(
    summary: CustomerSummary,
    purchases: &BgNbdParams,
    spend: &GammaGammaParams,
    horizon: f64,
) -> CustomerForecast {
    let (x, recency, age) = (summary.frequency, summary.recency, summary.age);
    let expected_purchases = purchases.expected_purchases(horizon, x, recency, age);
    let expected_average_value = spend.expected_average_value(x, summary.monetary_value);
    CustomerForecast {
        expected_purchases,
        probability_alive: purchases.probability_alive(x, recency, age),
        expected_average_value,
        expected_value: expected_purchases * expected_average_value,
        summary,
    }
}

fn cohort_label(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

const ALL: &str = "all";

fn parameter_draws(
    purchases: &BgNbdFit,
    spend: &GammaGammaFit,
    options: &LtvOptions,
) -> Vec<(BgNbdParams, GammaGammaParams)> {
    let (Some(bg_cov), Some(gg_cov)) = (&purchases.log_covariance, &spend.log_covariance) else {
        return Vec::new();
    };
    let n = options.uncertainty_draws;
    let bg = draws(&purchases.params.to_logs(), bg_cov, n, options.seed);
    let gg = draws(&spend.params.to_logs(), gg_cov, n, options.seed ^ 0x5eed);
    bg.iter()
        .zip(&gg)
        .map(|(b, g)| (BgNbdParams::from_logs(b), GammaGammaParams::from_logs(g)))
        .collect()
}

/// 5th–95th percentile of each cohort's (and the overall) expected purchases and
/// value across parameter draws: (purchases band, value band).
fn cohort_bands(
    customers: &[CustomerForecast],
    cohort_keys: &[String],
    parameter_draws: &[(BgNbdParams, GammaGammaParams)],
    horizon: f64,
) -> BTreeMap<String, (Band, Band)> {
    if parameter_draws.is_empty() {
        return BTreeMap::new();
    }
    let mut totals: BTreeMap<&str, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (bg, gg) in parameter_draws {
        let mut by_cohort: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for (c, key) in customers.iter().zip(cohort_keys) {
            let s = &c.summary;
            let purchases = bg.expected_purchases(horizon, s.frequency, s.recency, s.age);
            let value = purchases * gg.expected_average_value(s.frequency, s.monetary_value);
            for k in [key.as_str(), ALL] {
                let entry = by_cohort.entry(k).or_insert((0.0, 0.0));
                entry.0 += purchases;
                entry.1 += value;
            }
        }
        for (k, (purchases, value)) in by_cohort {
            let entry = totals.entry(k).or_default();
            entry.0.push(purchases);
            entry.1.push(value);
        }
    }
    let band = |v: &[f64]| Band {
        low: quantile(v, 0.05),
        high: quantile(v, 0.95),
    };
    totals
        .into_iter()
        .map(|(k, (p, v))| (k.to_owned(), (band(&p), band(&v))))
        .collect()
}

fn aggregate(
    label: &str,
    members: &[&CustomerForecast],
    bands: Option<&(Band, Band)>,
) -> CohortForecast {
    let count = members.len();
    CohortForecast {
        cohort: label.to_owned(),
        customers: count,
        repeat_customers: members.iter().filter(|c| c.summary.frequency > 0.0).count(),
        mean_probability_alive: members.iter().map(|c| c.probability_alive).sum::<f64>()
            / count.max(1) as f64,
        expected_purchases: members.iter().map(|c| c.expected_purchases).sum(),
        expected_value: members.iter().map(|c| c.expected_value).sum(),
        expected_purchases_band: bands.map(|b| b.0),
        expected_value_band: bands.map(|b| b.1),
    }
}

fn alive_distribution(customers: &[CustomerForecast]) -> Vec<AliveBucket> {
    let mut counts = [0_usize; 5];
    for c in customers {
        let bucket = ((c.probability_alive * 5.0).floor() as usize).min(4);
        counts[bucket] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, n)| AliveBucket {
            range: format!("{:.1}-{:.1}", i as f64 / 5.0, (i + 1) as f64 / 5.0),
            customers: *n,
        })
        .collect()
}
