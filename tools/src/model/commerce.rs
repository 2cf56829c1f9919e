//! Commerce: orders, customers, refunds (Shopify), subscriptions, invoices and charges
//! (Stripe), and blended attribution (TripleWhale). Money is an exact [`Money`].

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An exact amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    /// ISO 4217, upper case: "USD".
    pub currency: String,
}

impl Money {
    pub fn new(amount: Decimal, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into().to_ascii_uppercase(),
        }
    }

    pub fn zero(currency: impl Into<String>) -> Self {
        Self::new(Decimal::ZERO, currency)
    }
}

/// One store order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Registry key of the store platform: "shopify".
    pub platform: String,
    /// The platform's id, e.g. `gid://shopify/Order/5500000001`.
    pub id: String,
    /// What the merchant sees: `#1001`.
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub customer_id: Option<String>,
    /// 1 for the customer's first order; `None` when the platform did not say.
    pub customer_order_index: Option<u32>,
    /// The order total when placed, discounts applied, tax and shipping included.
    pub total: Money,
    /// Refunded on this order so far.
    pub refunded: Money,
    /// e.g. PAID, PARTIALLY_REFUNDED, REFUNDED.
    pub financial_status: String,
    pub refunds: Vec<Refund>,
}

impl Order {
    /// A first-time customer's order.
    pub fn is_new_customer(&self) -> bool {
        self.customer_order_index == Some(1)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub order_id: String,
    pub created_at: DateTime<Utc>,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub platform: String,
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub orders_count: u64,
    pub amount_spent: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingInterval {
    Day,
    Week,
    Month,
    Year,
}

impl BillingInterval {
    /// Intervals per month as (numerator, denominator), so MRR divides last and stays
    /// exact where it can: 365.25 / 12 days, 365.25 / 7 / 12 weeks, 1 / 12 years.
    pub fn per_month(self) -> (Decimal, Decimal) {
        match self {
            Self::Day => (Decimal::from(36_525), Decimal::from(1_200)),
            Self::Week => (Decimal::from(36_525), Decimal::from(8_400)),
            Self::Month => (Decimal::ONE, Decimal::ONE),
            Self::Year => (Decimal::ONE, Decimal::from(12)),
        }
    }
}

/// A recurring subscription, as it stands now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub platform: String,
    pub id: String,
    pub customer_id: String,
    /// The platform's status: active, past_due, canceled, trialing, unpaid…
    pub status: String,
    pub plan_id: String,
    pub plan_name: Option<String>,
    /// Price per interval times quantity.
    pub amount: Money,
    pub interval: BillingInterval,
    pub interval_count: u32,
    pub created_at: DateTime<Utc>,
    /// When cancellation was requested.
    pub canceled_at: Option<DateTime<Utc>>,
    /// When it stopped; `None` while it runs.
    pub ended_at: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
}

impl Subscription {
    /// Monthly recurring revenue of this subscription while it runs.
    pub fn monthly_value(&self) -> Decimal {
        let (times, per) = self.interval.per_month();
        let count = Decimal::from(self.interval_count.max(1));
        self.amount.amount * times / (per * count)
    }

    /// Whether it was running (and billing) at `at`. Trials and unpaid ones do not
    /// count towards MRR.
    pub fn is_paying_at(&self, at: DateTime<Utc>) -> bool {
        let started = self.created_at <= at;
        let not_ended = self.ended_at.is_none_or(|end| end > at);
        let billing = !matches!(
            self.status.as_str(),
            "trialing" | "incomplete" | "incomplete_expired"
        );
        started && not_ended && billing
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: String,
    pub customer_id: String,
    pub subscription_id: Option<String>,
    /// draft, open, paid, uncollectible, void.
    pub status: String,
    pub total: Money,
    pub amount_paid: Money,
    pub created_at: DateTime<Utc>,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charge {
    pub id: String,
    pub customer_id: Option<String>,
    pub amount: Money,
    pub amount_refunded: Money,
    /// succeeded, pending, failed.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub invoice_id: Option<String>,
}

/// Where an order's journey began, by the attribution tool's first click.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Touch {
    /// The attribution tool's channel name: "facebook-ads", "google-ads", "klaviyo"…
    pub source: String,
    pub campaign_id: Option<String>,
    pub adset_id: Option<String>,
    pub ad_id: Option<String>,
    pub clicked_at: Option<DateTime<Utc>>,
}

/// An order with the touch that gets the credit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributedOrder {
    pub order_id: String,
    pub order_name: String,
    pub created_at: DateTime<Utc>,
    pub customer_id: Option<String>,
    pub total: Money,
    pub first_click: Option<Touch>,
}

/// One channel's spend (when it is an ad channel) for a period, as the attribution
/// tool reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelSpend {
    /// The attribution tool's channel name: "facebook-ads".
    pub source: String,
    pub spend: Money,
    /// The ad platform's own ROAS, where reported.
    pub platform_roas: Option<Decimal>,
}

/// Blended store results for a period: what the attribution tool's summary page says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionSummary {
    pub since: NaiveDate,
    pub until: NaiveDate,
    pub revenue: Money,
    pub previous_revenue: Option<Money>,
    pub orders: u64,
    pub previous_orders: Option<u64>,
    pub new_customer_revenue: Option<Money>,
    pub ad_spend: Money,
    pub previous_ad_spend: Option<Money>,
    pub channels: Vec<ChannelSpend>,
}

impl AttributionSummary {
    /// Revenue over ad spend (MER, blended ROAS); `None` with no spend.
    pub fn blended_roas(&self) -> Option<Decimal> {
        (!self.ad_spend.amount.is_zero()).then(|| self.revenue.amount / self.ad_spend.amount)
    }
}
