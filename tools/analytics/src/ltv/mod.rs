//! Customer lifetime value: how many more purchases each customer will make and what
//! they are worth over a horizon (90 days by default), from order history alone.
//!
//! - [`rfm`]: orders → one recency/frequency/monetary line per customer, with the
//!   conventions of Python `lifetimes` (days as the period);
//! - [`bgnbd`]: BG/NBD, repeat purchases and the probability a customer is still buying;
//! - [`gamma_gamma`]: Gamma-Gamma, the expected value of a customer's future orders;
//! - [`forecast`]: both models fitted together, per customer and per first-purchase
//!   month (cohort), with a parameter-uncertainty band on every total.
//!
//! Value over the horizon is *expected purchases × expected average order value*,
//! undiscounted (lifetimes' `customer_lifetime_value` discounts month by month; over
//! 90 days the difference is a few percent at usual rates). Agreement with
//! `lifetimes` 0.11.3 is checked by `tests/ltv_lifetimes.rs`.

pub mod bgnbd;
mod forecast;
pub mod gamma_gamma;
pub mod optimize;
pub mod rfm;
pub mod special;
pub mod uncertainty;

pub use forecast::{
    AliveBucket, Band, CohortForecast, CustomerForecast, LtvForecast, LtvOptions, forecast,
};

use crate::table::{Table, TableError};
use chrono::NaiveDate;
use serde::Serialize;

/// One order (or payment): who, when, how much. Several on the same day count as one
/// purchase of their summed amount.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transaction {
    pub customer_id: String,
    pub date: NaiveDate,
    pub amount: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LtvError {
    #[error("no orders to forecast from")]
    NoOrders,
    #[error(
        "only {customers} customers have ordered by {observation_end}: an LTV forecast needs at least {needed}"
    )]
    TooFewCustomers {
        customers: usize,
        needed: usize,
        observation_end: NaiveDate,
    },
    #[error(
        "only {repeat} customers have bought more than once: the order-value model needs at least {needed}"
    )]
    TooFewRepeatCustomers { repeat: usize, needed: usize },
    #[error("the horizon must be 1 to 3650 days, got {0}")]
    BadHorizon(u32),
    #[error("the {model} model could not be fitted: {reason}")]
    FitFailed { model: &'static str, reason: String },
}

/// Reads transactions from a CSV with columns `customer_id`, `date` (YYYY-MM-DD) and
/// `amount`; errors name the column and line.
pub fn from_csv(table: &Table) -> Result<Vec<Transaction>, TableError> {
    for column in ["customer_id", "date", "amount"] {
        table.require(column)?;
    }
    table
        .rows()
        .map(|row| {
            Ok(Transaction {
                customer_id: row.text("customer_id")?.to_owned(),
                date: row.date("date")?,
                amount: row.number("amount")?,
            })
        })
        .collect()
}
