//! The brand's Stripe account: the Trailhead Gear Club membership, billed monthly or
//! yearly. New members join each day; at every renewal a member cancels with a fixed
//! probability per plan (the churn hazard), some churned members come back later, and
//! every period start is an invoice paid by a charge.
//!
//! What was planted (the hazards and who churned when) is in
//! [`GroundTruth::subscriptions`].

use super::{Calendar, GroundTruth, draws, weekday_spend_factor};
use crate::sandbox::prng::SplitMix64;
use chrono::{DateTime, Duration, Months, Utc};
use serde::{Deserialize, Serialize};

/// How the membership base was generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionTruth {
    /// Mean new (first-time) members a day, before the weekday factor.
    pub new_per_day: f64,
    /// Share of new members on the annual plan.
    pub annual_share: f64,
    /// Probability a monthly member cancels at a given renewal.
    pub monthly_churn_per_period: f64,
    /// Probability an annual member cancels at a given renewal.
    pub annual_churn_per_period: f64,
    /// Share of churned members who subscribe again, 20–90 days after ending.
    pub reactivation_share: f64,
    /// Every subscription that ended within the history.
    pub churned: Vec<ChurnedMember>,
}

impl Default for SubscriptionTruth {
    fn default() -> Self {
        Self {
            new_per_day: 5.0,
            annual_share: 0.3,
            monthly_churn_per_period: 0.07,
            annual_churn_per_period: 0.3,
            reactivation_share: 0.15,
            churned: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnedMember {
    pub customer_id: String,
    pub subscription_id: String,
    pub canceled_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StripeAccount {
    /// `acct_…`.
    pub account_id: String,
    pub product_id: String,
    pub product_name: String,
    pub prices: Vec<StripePrice>,
    pub customers: Vec<StripeCustomer>,
    /// Ordered by `created`.
    pub subscriptions: Vec<StripeSubscription>,
    /// One per billing period started within the history, ordered by `created`.
    pub invoices: Vec<StripeInvoice>,
}

impl StripeAccount {
    pub fn price(&self, price_id: &str) -> Option<&StripePrice> {
        self.prices.iter().find(|p| p.id == price_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StripePrice {
    pub id: String,
    pub nickname: String,
    /// Minor units (cents), as Stripe stores it.
    pub unit_amount: i64,
    /// "month" or "year".
    pub interval: String,
}

impl StripePrice {
    /// Monthly recurring revenue of one subscription on this price, in cents.
    pub fn monthly_amount(&self) -> f64 {
        if self.interval == "year" {
            self.unit_amount as f64 / 12.0
        } else {
            self.unit_amount as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StripeCustomer {
    pub id: String,
    pub email: String,
    pub created: DateTime<Utc>,
}

/// A subscription as it stands on the brand's last day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StripeSubscription {
    pub id: String,
    pub customer_id: String,
    pub price_id: String,
    pub created: DateTime<Utc>,
    /// "active" or "canceled".
    pub status: String,
    pub cancel_at_period_end: bool,
    /// When the member asked to cancel.
    pub canceled_at: Option<DateTime<Utc>>,
    /// When the subscription stopped (the end of the last paid period).
    pub ended_at: Option<DateTime<Utc>>,
    pub current_period_start: DateTime<Utc>,
    pub current_period_end: DateTime<Utc>,
}

impl StripeSubscription {
    /// Whether the member was paying at `at`.
    pub fn is_active_at(&self, at: DateTime<Utc>) -> bool {
        self.created <= at && self.ended_at.is_none_or(|end| end > at)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StripeInvoice {
    pub id: String,
    pub customer_id: String,
    pub subscription_id: String,
    pub price_id: String,
    pub amount: i64,
    pub created: DateTime<Utc>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// The charge that paid it, `ch_…`.
    pub charge_id: String,
}

const MONTHLY: usize = 0;
const ANNUAL: usize = 1;

/// A subscription while it is being simulated, before ids are given in time order.
struct Draft {
    customer: usize,
    plan: usize,
    created: DateTime<Utc>,
    periods: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    canceled_at: Option<DateTime<Utc>>,
    ended: bool,
}

pub fn generate(
    calendar: &Calendar,
    rng: &mut SplitMix64,
    ground_truth: &mut GroundTruth,
) -> StripeAccount {
    let mut truth = SubscriptionTruth::default();
    let prices = vec![
        StripePrice {
            id: "price_1GearClubMonthly".to_owned(),
            nickname: "Gear Club Monthly".to_owned(),
            unit_amount: 1_200,
            interval: "month".to_owned(),
        },
        StripePrice {
            id: "price_1GearClubAnnual".to_owned(),
            nickname: "Gear Club Annual".to_owned(),
            unit_amount: 12_000,
            interval: "year".to_owned(),
        },
    ];
    let Some(end) = calendar
        .end
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
    else {
        return StripeAccount::default();
    };

    let mut customer_created: Vec<DateTime<Utc>> = Vec::new();
    let mut drafts: Vec<Draft> = Vec::new();
    for date in calendar.days() {
        let Some(midnight) = date.and_hms_opt(0, 0, 0) else {
            continue;
        };
        let joins = draws::poisson(rng, truth.new_per_day * weekday_spend_factor(date));
        for _ in 0..joins {
            let at = midnight.and_utc() + Duration::seconds(rng.uniform(0.0, 86_400.0) as i64);
            let plan = if rng.next_f64() < truth.annual_share {
                ANNUAL
            } else {
                MONTHLY
            };
            customer_created.push(at);
            drafts.push(simulate(
                rng,
                &truth,
                customer_created.len() - 1,
                plan,
                at,
                end,
            ));
        }
    }
    // Churned members who come back: their new subscriptions are simulated too, and
    // may churn and come back again.
    let mut next = 0;
    while next < drafts.len() {
        let draft = &drafts[next];
        next += 1;
        let Some(ended_at) = draft
            .ended
            .then(|| draft.periods.last().map(|p| p.1))
            .flatten()
        else {
            continue;
        };
        if rng.next_f64() >= truth.reactivation_share {
            continue;
        }
        let again = ended_at + Duration::seconds((rng.uniform(20.0, 90.0) * 86_400.0) as i64);
        if again < end {
            let (customer, plan) = (draft.customer, draft.plan);
            drafts.push(simulate(rng, &truth, customer, plan, again, end));
        }
    }
    drafts.sort_by_key(|d| (d.created, d.customer));

    let customers: Vec<StripeCustomer> = customer_created
        .iter()
        .enumerate()
        .map(|(i, created)| StripeCustomer {
            id: customer_id(i),
            email: format!("member{}@example.com", i + 1),
            created: *created,
        })
        .collect();
    let mut subscriptions = Vec::with_capacity(drafts.len());
    let mut invoices = Vec::new();
    for (i, draft) in drafts.iter().enumerate() {
        let id = format!("sub_1Gc{:010}", i + 1);
        let price = &prices[draft.plan];
        let (period_start, period_end) = draft
            .periods
            .last()
            .copied()
            .unwrap_or((draft.created, draft.created));
        for (start, stop) in &draft.periods {
            invoices.push(StripeInvoice {
                id: String::new(),
                customer_id: customer_id(draft.customer),
                subscription_id: id.clone(),
                price_id: price.id.clone(),
                amount: price.unit_amount,
                created: *start,
                period_start: *start,
                period_end: *stop,
                charge_id: String::new(),
            });
        }
        if draft.ended {
            truth.churned.push(ChurnedMember {
                customer_id: customer_id(draft.customer),
                subscription_id: id.clone(),
                canceled_at: draft.canceled_at.unwrap_or(period_end),
                ended_at: period_end,
            });
        }
        subscriptions.push(StripeSubscription {
            id,
            customer_id: customer_id(draft.customer),
            price_id: price.id.clone(),
            created: draft.created,
            status: if draft.ended { "canceled" } else { "active" }.to_owned(),
            cancel_at_period_end: draft.canceled_at.is_some() && !draft.ended,
            canceled_at: draft.canceled_at,
            ended_at: draft.ended.then_some(period_end),
            current_period_start: period_start,
            current_period_end: period_end,
        });
    }
    invoices.sort_by(|a, b| (a.created, &a.subscription_id).cmp(&(b.created, &b.subscription_id)));
    for (i, invoice) in invoices.iter_mut().enumerate() {
        invoice.id = format!("in_1Gc{:010}", i + 1);
        invoice.charge_id = format!("ch_3Gc{:010}", i + 1);
    }
    truth.churned.sort_by_key(|c| c.ended_at);
    ground_truth.subscriptions = truth;
    StripeAccount {
        account_id: "acct_1TrailheadGear".to_owned(),
        product_id: "prod_GearClub".to_owned(),
        product_name: "Trailhead Gear Club".to_owned(),
        prices,
        customers,
        subscriptions,
        invoices,
    }
}

fn customer_id(index: usize) -> String {
    format!("cus_Gc{:08}", index + 1)
}

/// One subscription from `created` until it churns or the data ends: each renewal is
/// survived with probability 1 − hazard. A member who will churn at a renewal asks to
/// cancel a few days before it (Stripe's `cancel_at_period_end`).
fn simulate(
    rng: &mut SplitMix64,
    truth: &SubscriptionTruth,
    customer: usize,
    plan: usize,
    created: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Draft {
    let (months, hazard) = if plan == ANNUAL {
        (12, truth.annual_churn_per_period)
    } else {
        (1, truth.monthly_churn_per_period)
    };
    let mut draft = Draft {
        customer,
        plan,
        created,
        periods: Vec::new(),
        canceled_at: None,
        ended: false,
    };
    let mut start = created;
    loop {
        let Some(stop) = start.checked_add_months(Months::new(months)) else {
            return draft;
        };
        draft.periods.push((start, stop));
        if rng.next_f64() < hazard {
            let notice_days = rng.uniform(1.0, 20.0).min((stop - start).num_days() as f64);
            let asked = stop - Duration::seconds((notice_days * 86_400.0) as i64);
            if asked < end {
                draft.canceled_at = Some(asked);
                draft.ended = stop <= end;
            }
            return draft;
        }
        if stop >= end {
            return draft;
        }
        start = stop;
    }
}
