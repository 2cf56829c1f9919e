//! What we know about each customer on a given day (the cutoff), from events on or
//! before it only, so a model trained on last month's cutoff never sees the outcome.

use super::CustomerActivity;
use chrono::NaiveDate;
use serde::Serialize;

/// Customers whose last purchase is older than this are not scored in purchase mode:
/// they are lost already, not at risk.
pub const LAPSED_AFTER_DAYS: i64 = 365;

/// One customer's signals at a cutoff. `None` is unknown for this source (imputed as
/// average by the model).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerFeatures {
    pub customer_id: String,
    pub segment: String,
    pub days_since_last_purchase: f64,
    /// Median days between this customer's purchases; `None` with a single purchase.
    pub usual_gap_days: Option<f64>,
    pub tenure_days: f64,
    pub purchases: f64,
    pub average_amount: f64,
    pub failed_payments_90d: f64,
    pub plan_changes: f64,
    /// Days until the running membership renews (subscriptions only).
    pub days_to_renewal: Option<f64>,
    /// Share of marketing e-mails opened, 0–1, when the source knows it.
    pub email_engagement: Option<f64>,
}

/// Signals for every customer with a purchase on or before `cutoff`.
pub fn at_cutoff(activity: &[CustomerActivity], cutoff: NaiveDate) -> Vec<CustomerFeatures> {
    activity
        .iter()
        .filter_map(|a| customer_at(a, cutoff))
        .collect()
}

fn customer_at(a: &CustomerActivity, cutoff: NaiveDate) -> Option<CustomerFeatures> {
    let mut days: Vec<NaiveDate> = a
        .payments
        .iter()
        .filter(|p| p.date <= cutoff)
        .map(|p| p.date)
        .collect();
    let amounts: Vec<f64> = a
        .payments
        .iter()
        .filter(|p| p.date <= cutoff)
        .map(|p| p.amount)
        .collect();
    days.sort();
    days.dedup();
    let (&first, &last) = (days.first()?, days.last()?);
    let mut gaps: Vec<f64> = days
        .windows(2)
        .map(|w| (w[1] - w[0]).num_days() as f64)
        .collect();
    gaps.sort_by(f64::total_cmp);
    let usual_gap_days = (!gaps.is_empty()).then(|| gaps[gaps.len() / 2]);
    let since = |d: &NaiveDate| (cutoff - *d).num_days();
    let days_to_renewal = a
        .memberships
        .iter()
        .filter(|m| m.started <= cutoff && m.ended.is_none_or(|e| e > cutoff))
        .filter_map(|m| m.renews_after(cutoff))
        .map(|d| (d - cutoff).num_days() as f64)
        .reduce(f64::min);
    Some(CustomerFeatures {
        customer_id: a.customer_id.clone(),
        segment: a.segment.clone().unwrap_or_else(|| "all".to_owned()),
        days_since_last_purchase: since(&last) as f64,
        usual_gap_days,
        tenure_days: since(&first) as f64,
        purchases: days.len() as f64,
        average_amount: amounts.iter().sum::<f64>() / amounts.len() as f64,
        failed_payments_90d: a
            .failed_payments
            .iter()
            .filter(|d| **d <= cutoff && since(d) < 90)
            .count() as f64,
        plan_changes: a.plan_changes.iter().filter(|d| **d <= cutoff).count() as f64,
        days_to_renewal,
        email_engagement: a.email_engagement,
    })
}
