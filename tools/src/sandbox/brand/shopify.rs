//! The brand's Shopify store: customers and their orders over the whole history.
//!
//! Customers follow the buy-till-you-die story analytics will fit (BG/NBD for how
//! often and how long they buy, Gamma-Gamma for how much):
//! - new customers per day are Poisson, with a mean driven by the brand's total ad
//!   spend that day (diminishing returns) plus an organic baseline;
//! - each customer buys at a rate λ ~ Gamma(r, α) per day while alive, and after each
//!   repeat purchase drops out for good with probability p ~ Beta(a, b);
//! - each customer's orders are Gamma(p, ν) with ν ~ Gamma(q, γ) per customer.
//!
//! The parameters land in [`GroundTruth::customer_lifetime`] so fits can be scored.

use super::{Calendar, CampaignSpend, GroundTruth, draws, weekday_spend_factor};
use crate::sandbox::prng::SplitMix64;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the store's customers were generated (days are the time unit of r and α).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerLifetimeTruth {
    /// BG/NBD: purchase rate λ ~ Gamma(shape r, rate α), λ in purchases per day.
    pub r: f64,
    pub alpha: f64,
    /// BG/NBD: drop-out probability after each repeat purchase p ~ Beta(a, b).
    pub a: f64,
    pub b: f64,
    /// Gamma-Gamma: order value ~ Gamma(shape p, rate ν), ν ~ Gamma(shape q, rate γ);
    /// the mean order value is p·γ / (q − 1).
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
    /// New customers a day from ads = `paid_new_at_reference · (spend / reference_spend)^spend_elasticity`
    /// (spend in major units per day), plus `organic_new_per_day`, both times the weekday factor.
    pub reference_spend: f64,
    pub paid_new_at_reference: f64,
    pub spend_elasticity: f64,
    pub organic_new_per_day: f64,
    /// Share of orders later refunded, and of those the share refunded in full.
    pub refund_rate: f64,
    pub full_refund_share: f64,
}

impl Default for CustomerLifetimeTruth {
    fn default() -> Self {
        Self {
            r: 0.35,
            alpha: 70.0,
            a: 0.7,
            b: 2.8,
            p: 6.0,
            q: 4.0,
            gamma: 40.0,
            reference_spend: 4_000.0,
            paid_new_at_reference: 45.0,
            spend_elasticity: 0.65,
            organic_new_per_day: 12.0,
            refund_rate: 0.05,
            full_refund_share: 0.6,
        }
    }
}

impl CustomerLifetimeTruth {
    /// Expected new customers on a day with `spend` (major units) on ads.
    pub fn expected_new_customers(&self, spend: f64, date: NaiveDate) -> f64 {
        let paid = if spend > 0.0 {
            self.paid_new_at_reference * (spend / self.reference_spend).powf(self.spend_elasticity)
        } else {
            0.0
        };
        (paid + self.organic_new_per_day) * weekday_spend_factor(date)
    }

    pub fn mean_order_value(&self) -> f64 {
        self.p * self.gamma / (self.q - 1.0)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShopifyStore {
    /// `trailhead-supply.myshopify.com`: the shop in API paths and TripleWhale calls.
    pub shop_domain: String,
    pub name: String,
    pub currency: String,
    pub iana_timezone: String,
    pub customers: Vec<ShopifyCustomer>,
    /// Ordered by `created_at`; ids and names increase with it.
    pub orders: Vec<ShopifyOrder>,
}

impl ShopifyStore {
    /// Orders placed on `since..=until` (UTC days: the store's timezone).
    pub fn orders_between(
        &self,
        since: NaiveDate,
        until: NaiveDate,
    ) -> impl Iterator<Item = &ShopifyOrder> {
        self.orders.iter().filter(move |o| {
            let day = o.created_at.date_naive();
            day >= since && day <= until
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopifyCustomer {
    /// Numeric part of `gid://shopify/Customer/<id>`.
    pub id: u64,
    pub created_at: DateTime<Utc>,
    pub email: String,
    pub orders_count: u32,
    pub amount_spent_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopifyOrder {
    /// Numeric part of `gid://shopify/Order/<id>`.
    pub id: u64,
    /// `#1001`-style.
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub customer_id: u64,
    /// 1 for the customer's first order.
    pub customer_order_index: u32,
    pub total_minor: i64,
    /// Refunded by the brand's last day, if at all.
    pub refund: Option<ShopifyRefund>,
    /// Where the order's journey started (TripleWhale's first click).
    pub first_touch: OrderTouch,
}

impl ShopifyOrder {
    pub fn refunded_minor(&self) -> i64 {
        self.refund.as_ref().map_or(0, |r| r.amount_minor)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopifyRefund {
    pub id: u64,
    pub created_at: DateTime<Utc>,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderTouch {
    /// TripleWhale's source name: "facebook-ads", "google-ads", "klaviyo", "direct"…
    pub source: String,
    /// Registry key of the ad platform, for paid clicks.
    pub platform: Option<String>,
    pub campaign_id: Option<String>,
    pub clicked_at: Option<DateTime<Utc>>,
}

/// TripleWhale's source name for an ad platform's registry key.
pub fn triplewhale_source(platform: &str) -> String {
    match platform {
        "meta" => "facebook-ads",
        "google_ads" => "google-ads",
        "tiktok" => "tiktok",
        "linkedin" => "linkedin",
        "youtube" => "youtube",
        other => other,
    }
    .to_owned()
}

const FIRST_ORDER_ID: u64 = 5_500_000_001;
const FIRST_CUSTOMER_ID: u64 = 7_100_000_001;
const FIRST_REFUND_ID: u64 = 9_300_000_001;
const FIRST_ORDER_NUMBER: u64 = 1001;
const MIN_ORDER_MINOR: i64 = 500;

/// One order before ids are assigned in time order.
struct Draft {
    customer: usize,
    at: DateTime<Utc>,
    total_minor: i64,
    touch: OrderTouch,
}

pub fn generate(
    calendar: &Calendar,
    campaign_spend: &[CampaignSpend],
    rng: &mut SplitMix64,
    ground_truth: &mut GroundTruth,
) -> ShopifyStore {
    let truth = CustomerLifetimeTruth::default();
    let mut by_day: BTreeMap<NaiveDate, Vec<&CampaignSpend>> = BTreeMap::new();
    for line in campaign_spend.iter().filter(|l| l.spend_minor > 0) {
        by_day.entry(line.date).or_default().push(line);
    }
    let Some(end) = calendar.end.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)) else {
        return ShopifyStore::default();
    };
    let end = end.and_utc();

    let mut acquired_at: Vec<DateTime<Utc>> = Vec::new();
    let mut drafts: Vec<Draft> = Vec::new();
    for date in calendar.days() {
        let lines = by_day.get(&date).map(Vec::as_slice).unwrap_or_default();
        let spend_minor: i64 = lines.iter().map(|l| l.spend_minor).sum();
        let spend = spend_minor as f64 / 100.0;
        let expected = truth.expected_new_customers(spend, date);
        let organic = truth.organic_new_per_day * weekday_spend_factor(date);
        let paid_share = if expected > 0.0 {
            1.0 - organic / expected
        } else {
            0.0
        };
        for _ in 0..draws::poisson(rng, expected) {
            let Some(midnight) = date.and_hms_opt(0, 0, 0) else {
                continue;
            };
            let first_at =
                midnight.and_utc() + Duration::seconds(rng.uniform(0.0, 86_400.0) as i64);
            let touch = if rng.next_f64() < paid_share {
                paid_touch(rng, lines, spend_minor, first_at)
            } else {
                plain_touch("organic")
            };
            let customer = acquired_at.len();
            acquired_at.push(first_at);
            customer_orders(rng, &truth, customer, first_at, end, touch, &mut drafts);
        }
    }
    drafts.sort_by_key(|d| (d.at, d.customer));

    let mut customers: Vec<ShopifyCustomer> = acquired_at
        .iter()
        .enumerate()
        .map(|(i, at)| ShopifyCustomer {
            id: FIRST_CUSTOMER_ID + i as u64,
            created_at: *at,
            email: format!("customer{}@example.com", i + 1),
            orders_count: 0,
            amount_spent_minor: 0,
        })
        .collect();
    let mut orders = Vec::with_capacity(drafts.len());
    let mut refunds = 0;
    for (i, draft) in drafts.into_iter().enumerate() {
        let customer = &mut customers[draft.customer];
        customer.orders_count += 1;
        customer.amount_spent_minor += draft.total_minor;
        let refund = refund(rng, &truth, draft.at, draft.total_minor, end).map(|(at, amount)| {
            refunds += 1;
            ShopifyRefund {
                id: FIRST_REFUND_ID + refunds,
                created_at: at,
                amount_minor: amount,
            }
        });
        orders.push(ShopifyOrder {
            id: FIRST_ORDER_ID + i as u64,
            name: format!("#{}", FIRST_ORDER_NUMBER + i as u64),
            created_at: draft.at,
            customer_id: customer.id,
            customer_order_index: customer.orders_count,
            total_minor: draft.total_minor,
            refund,
            first_touch: draft.touch,
        });
    }
    ground_truth.customer_lifetime = truth;
    ShopifyStore {
        shop_domain: "trailhead-supply.myshopify.com".to_owned(),
        name: "Trailhead Supply Co.".to_owned(),
        currency: "USD".to_owned(),
        iana_timezone: "Etc/UTC".to_owned(),
        customers,
        orders,
    }
}

/// The customer's whole life: the first order at acquisition, then repeat orders at
/// Poisson rate λ, dropping out after each repeat order with probability p.
fn customer_orders(
    rng: &mut SplitMix64,
    truth: &CustomerLifetimeTruth,
    customer: usize,
    first_at: DateTime<Utc>,
    end: DateTime<Utc>,
    first_touch: OrderTouch,
    drafts: &mut Vec<Draft>,
) {
    let rate_per_day = draws::gamma(rng, truth.r, truth.alpha);
    let dropout = draws::beta(rng, truth.a, truth.b);
    let spend_rate = draws::gamma(rng, truth.q, truth.gamma);
    let order_value = |rng: &mut SplitMix64| {
        let dollars = draws::gamma(rng, truth.p, spend_rate);
        ((dollars * 100.0).round() as i64).max(MIN_ORDER_MINOR)
    };
    drafts.push(Draft {
        customer,
        at: first_at,
        total_minor: order_value(rng),
        touch: first_touch,
    });
    let mut at = first_at;
    loop {
        let gap_days = draws::exponential(rng, rate_per_day);
        if !gap_days.is_finite() || gap_days > 10_000.0 {
            return;
        }
        at += Duration::seconds((gap_days * 86_400.0) as i64);
        if at >= end {
            return;
        }
        let touch = if rng.next_f64() < 0.45 {
            plain_touch("klaviyo")
        } else {
            plain_touch("direct")
        };
        drafts.push(Draft {
            customer,
            at,
            total_minor: order_value(rng),
            touch,
        });
        if rng.next_f64() < dropout {
            return;
        }
    }
}

/// A first click on one of the day's campaigns, chosen in proportion to its spend.
fn paid_touch(
    rng: &mut SplitMix64,
    lines: &[&CampaignSpend],
    total_minor: i64,
    order_at: DateTime<Utc>,
) -> OrderTouch {
    let mut pick = rng.uniform(0.0, total_minor as f64);
    let mut chosen = lines.last();
    for line in lines {
        pick -= line.spend_minor as f64;
        if pick < 0.0 {
            chosen = Some(line);
            break;
        }
    }
    let Some(line) = chosen else {
        return plain_touch("organic");
    };
    // Clicks come within the hours before the order, on the same day, so the click
    // and the spend that bought it share a date.
    let since_midnight = order_at
        .time()
        .signed_duration_since(chrono::NaiveTime::MIN);
    let back = rng.uniform(0.0, since_midnight.num_seconds() as f64) as i64;
    OrderTouch {
        source: triplewhale_source(line.platform),
        platform: Some(line.platform.to_owned()),
        campaign_id: Some(line.campaign_id.clone()),
        clicked_at: Some(order_at - Duration::seconds(back)),
    }
}

fn plain_touch(source: &str) -> OrderTouch {
    OrderTouch {
        source: source.to_owned(),
        platform: None,
        campaign_id: None,
        clicked_at: None,
    }
}

/// When and how much of an order comes back, if it does before the data ends.
fn refund(
    rng: &mut SplitMix64,
    truth: &CustomerLifetimeTruth,
    order_at: DateTime<Utc>,
    total_minor: i64,
    end: DateTime<Utc>,
) -> Option<(DateTime<Utc>, i64)> {
    if rng.next_f64() >= truth.refund_rate {
        return None;
    }
    let full = rng.next_f64() < truth.full_refund_share;
    let share = if full { 1.0 } else { rng.uniform(0.2, 0.6) };
    let at = order_at + Duration::seconds((rng.uniform(2.0, 21.0) * 86_400.0) as i64);
    let amount = ((total_minor as f64 * share).round() as i64).clamp(1, total_minor);
    (at < end).then_some((at, amount))
}
