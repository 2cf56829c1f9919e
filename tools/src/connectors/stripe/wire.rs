//! Stripe's JSON as sent (PLATFORMS.md §11), and its conversion into the commerce
//! model. Money is integer minor units; timestamps are unix seconds.

use super::errors::StripeError;
use crate::model::{BillingInterval, Charge, Invoice, Money, Subscription};
use crate::money::from_minor_units;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Registry key of Stripe.
pub const PLATFORM: &str = "stripe";

#[derive(Debug, Deserialize)]
pub(crate) struct List<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

/// What every listed object has: the id `starting_after` pages by.
pub(crate) trait Listed {
    fn id(&self) -> &str;
}

fn instant(field: &str, seconds: i64) -> Result<DateTime<Utc>, StripeError> {
    DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| StripeError::Malformed(format!("{field} is not a timestamp: {seconds}")))
}

fn maybe_instant(field: &str, seconds: Option<i64>) -> Result<Option<DateTime<Utc>>, StripeError> {
    seconds.map(|s| instant(field, s)).transpose()
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireSubscription {
    id: String,
    customer: String,
    status: String,
    #[serde(default)]
    cancel_at_period_end: bool,
    #[serde(default)]
    canceled_at: Option<i64>,
    #[serde(default)]
    ended_at: Option<i64>,
    created: i64,
    /// Before the basil versions the period sat on the subscription.
    #[serde(default)]
    current_period_start: Option<i64>,
    #[serde(default)]
    current_period_end: Option<i64>,
    items: List<WireItem>,
}

#[derive(Debug, Deserialize)]
struct WireItem {
    #[serde(default)]
    quantity: Option<u32>,
    price: WirePrice,
    #[serde(default)]
    current_period_start: Option<i64>,
    #[serde(default)]
    current_period_end: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct WirePrice {
    id: String,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    unit_amount: Option<i64>,
    currency: String,
    #[serde(default)]
    recurring: Option<WireRecurring>,
}

#[derive(Debug, Deserialize)]
struct WireRecurring {
    interval: String,
    #[serde(default)]
    interval_count: Option<u32>,
}

impl Listed for WireSubscription {
    fn id(&self) -> &str {
        &self.id
    }
}

impl WireSubscription {
    pub(crate) fn into_subscription(self) -> Result<Subscription, StripeError> {
        let Some(first) = self.items.data.first() else {
            return Err(StripeError::Malformed(format!(
                "subscription {} has no items",
                self.id
            )));
        };
        let recurring = first.price.recurring.as_ref().ok_or_else(|| {
            StripeError::Malformed(format!("subscription {} has a one-off price", self.id))
        })?;
        let interval = match recurring.interval.as_str() {
            "day" => BillingInterval::Day,
            "week" => BillingInterval::Week,
            "month" => BillingInterval::Month,
            "year" => BillingInterval::Year,
            other => {
                return Err(StripeError::Malformed(format!(
                    "unknown billing interval {other:?}"
                )));
            }
        };
        let currency = first.price.currency.clone();
        // Items on other intervals would need their own normalisation; Stripe requires
        // every item of a subscription to share the interval.
        let minor: i64 = self
            .items
            .data
            .iter()
            .map(|i| i.price.unit_amount.unwrap_or(0) * i64::from(i.quantity.unwrap_or(1)))
            .sum();
        let period_start = first.current_period_start.or(self.current_period_start);
        let period_end = first.current_period_end.or(self.current_period_end);
        Ok(Subscription {
            platform: PLATFORM.to_owned(),
            customer_id: self.customer,
            status: self.status,
            plan_id: first.price.id.clone(),
            plan_name: first.price.nickname.clone(),
            amount: Money::new(from_minor_units(minor, &currency), currency),
            interval,
            interval_count: recurring.interval_count.unwrap_or(1),
            created_at: instant("created", self.created)?,
            canceled_at: maybe_instant("canceled_at", self.canceled_at)?,
            ended_at: maybe_instant("ended_at", self.ended_at)?,
            cancel_at_period_end: self.cancel_at_period_end,
            current_period_start: maybe_instant("current_period_start", period_start)?,
            current_period_end: maybe_instant("current_period_end", period_end)?,
            id: self.id,
        })
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireInvoice {
    id: String,
    customer: String,
    #[serde(default)]
    status: Option<String>,
    currency: String,
    total: i64,
    amount_paid: i64,
    created: i64,
    #[serde(default)]
    period_start: Option<i64>,
    #[serde(default)]
    period_end: Option<i64>,
    /// Before basil.
    #[serde(default)]
    subscription: Option<String>,
    /// From basil: `parent.subscription_details.subscription`.
    #[serde(default)]
    parent: Option<WireInvoiceParent>,
}

#[derive(Debug, Deserialize)]
struct WireInvoiceParent {
    #[serde(default)]
    subscription_details: Option<WireSubscriptionDetails>,
}

#[derive(Debug, Deserialize)]
struct WireSubscriptionDetails {
    #[serde(default)]
    subscription: Option<String>,
}

impl Listed for WireInvoice {
    fn id(&self) -> &str {
        &self.id
    }
}

impl WireInvoice {
    pub(crate) fn into_invoice(self) -> Result<Invoice, StripeError> {
        let subscription = self.subscription.or_else(|| {
            self.parent
                .and_then(|p| p.subscription_details)
                .and_then(|d| d.subscription)
        });
        let money = |minor| Money::new(from_minor_units(minor, &self.currency), &self.currency);
        Ok(Invoice {
            total: money(self.total),
            amount_paid: money(self.amount_paid),
            created_at: instant("created", self.created)?,
            period_start: maybe_instant("period_start", self.period_start)?,
            period_end: maybe_instant("period_end", self.period_end)?,
            customer_id: self.customer,
            subscription_id: subscription,
            status: self.status.unwrap_or_default(),
            id: self.id,
        })
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireCharge {
    id: String,
    amount: i64,
    #[serde(default)]
    amount_refunded: i64,
    currency: String,
    status: String,
    #[serde(default)]
    customer: Option<String>,
    created: i64,
    #[serde(default)]
    invoice: Option<String>,
}

impl Listed for WireCharge {
    fn id(&self) -> &str {
        &self.id
    }
}

impl WireCharge {
    pub(crate) fn into_charge(self) -> Result<Charge, StripeError> {
        let money = |minor| Money::new(from_minor_units(minor, &self.currency), &self.currency);
        Ok(Charge {
            amount: money(self.amount),
            amount_refunded: money(self.amount_refunded),
            created_at: instant("created", self.created)?,
            customer_id: self.customer,
            status: self.status,
            invoice_id: self.invoice,
            id: self.id,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn the_documented_subscription_and_charge_parse_exactly() {
        let sub = serde_json::json!({"id":"sub_1","object":"subscription","customer":"cus_Q1","status":"active",
            "cancel_at_period_end":false,"items":{"object":"list","data":[{"id":"si_1","quantity":1,
            "price":{"id":"price_1","unit_amount":2000,"currency":"usd","recurring":{"interval":"month"}},
            "current_period_start":1717200000,"current_period_end":1719792000}]},"created":1717200000});
        let sub = serde_json::from_value::<WireSubscription>(sub)
            .unwrap()
            .into_subscription()
            .unwrap();
        assert_eq!(sub.amount, Money::new(Decimal::new(2000, 2), "USD"));
        assert_eq!(sub.monthly_value(), Decimal::new(2000, 2));
        assert_eq!(sub.current_period_end.unwrap().timestamp(), 1_719_792_000);

        let charge = serde_json::json!({"id":"ch_3Pq","object":"charge","amount":4999,"amount_captured":4999,
            "amount_refunded":0,"currency":"usd","status":"succeeded","paid":true,"refunded":false,
            "customer":"cus_Q1","balance_transaction":"txn_3Pq","payment_intent":"pi_3Pq","created":1717200000,"metadata":{}});
        let charge = serde_json::from_value::<WireCharge>(charge)
            .unwrap()
            .into_charge()
            .unwrap();
        assert_eq!(charge.amount.amount, Decimal::new(4999, 2));
        assert_eq!(charge.amount.currency, "USD");
    }
}
