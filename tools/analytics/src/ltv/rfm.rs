//! Order history → one recency/frequency/monetary line per customer, with exactly the
//! conventions of `lifetimes.utils.summary_data_from_transaction_data(freq="D")`:
//! - orders after the observation end are ignored;
//! - a customer's orders on the same day are one purchase (their amounts summed);
//! - frequency = purchase days − 1 (repeat purchases), recency = days from the first to
//!   the last purchase day, T = days from the first purchase day to the observation end;
//! - monetary value = mean of the repeat purchase days' amounts (the first day's
//!   spend is left out), 0 for a customer with no repeat purchase.

use super::Transaction;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// One customer's purchase history in the models' terms (days are the time unit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerSummary {
    pub customer_id: String,
    pub first_purchase: NaiveDate,
    pub last_purchase: NaiveDate,
    /// Repeat purchase days (purchase days − 1).
    pub frequency: f64,
    /// Days from the first to the last purchase day.
    pub recency: f64,
    /// Days from the first purchase day to the observation end (the customer's age).
    #[serde(rename = "T")]
    pub age: f64,
    /// Mean spend per repeat purchase day; 0 with no repeat purchase.
    pub monetary_value: f64,
}

/// Summaries ordered by customer id; customers whose first order is after
/// `observation_end` are absent.
pub fn summarize(transactions: &[Transaction], observation_end: NaiveDate) -> Vec<CustomerSummary> {
    let mut days: BTreeMap<&str, BTreeMap<NaiveDate, f64>> = BTreeMap::new();
    for t in transactions.iter().filter(|t| t.date <= observation_end) {
        *days
            .entry(t.customer_id.as_str())
            .or_default()
            .entry(t.date)
            .or_insert(0.0) += t.amount;
    }
    days.into_iter()
        .filter_map(|(customer, by_day)| {
            let (&first, _) = by_day.first_key_value()?;
            let (&last, _) = by_day.last_key_value()?;
            let repeat: Vec<f64> = by_day.values().skip(1).copied().collect();
            let monetary_value = if repeat.is_empty() {
                0.0
            } else {
                repeat.iter().sum::<f64>() / repeat.len() as f64
            };
            Some(CustomerSummary {
                customer_id: customer.to_owned(),
                first_purchase: first,
                last_purchase: last,
                frequency: repeat.len() as f64,
                recency: (last - first).num_days() as f64,
                age: (observation_end - first).num_days() as f64,
                monetary_value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(customer: &str, date: &str, amount: f64) -> Transaction {
        Transaction {
            customer_id: customer.to_owned(),
            date: date.parse().unwrap(),
            amount,
        }
    }

    #[test]
    fn same_day_orders_are_one_purchase_and_the_first_day_is_not_in_the_mean() {
        let orders = [
            t("a", "2026-01-01", 100.0),
            t("a", "2026-01-11", 20.0),
            t("a", "2026-01-11", 10.0),
            t("a", "2026-01-31", 60.0),
            t("b", "2026-02-01", 40.0),
            t("b", "2026-02-01", 5.0),
            t("c", "2026-03-05", 9.0),
        ];
        let s = summarize(&orders, "2026-03-01".parse().unwrap());
        assert_eq!(s.len(), 2, "c's only order is after the end");
        assert_eq!((s[0].frequency, s[0].recency, s[0].age), (2.0, 30.0, 59.0));
        assert_eq!(s[0].monetary_value, 45.0);
        assert_eq!((s[1].frequency, s[1].recency, s[1].age), (0.0, 0.0, 28.0));
        assert_eq!(s[1].monetary_value, 0.0);
    }
}
