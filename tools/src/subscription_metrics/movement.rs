//! MRR and subscriber movement over a period, from the subscriptions as they stand now.

use crate::model::Subscription;
use chrono::{DateTime, NaiveDate, Utc};
use omnify_core::DateRange;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// What happened to the subscriber base over a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Movement {
    /// MRR at the first instant of the period.
    pub mrr_start: Decimal,
    /// MRR at the end of the period's last day.
    pub mrr_end: Decimal,
    pub active_start: u64,
    pub active_end: u64,
    /// Started in the period by customers who never subscribed before.
    pub new: u64,
    pub new_mrr: Decimal,
    /// Started in the period by customers whose earlier subscription had ended.
    pub reactivated: u64,
    pub reactivated_mrr: Decimal,
    /// Ended in the period.
    pub churned: u64,
    pub churned_mrr: Decimal,
    /// Still running at the end but set to cancel at the period end.
    pub scheduled_to_cancel: u64,
}

impl Movement {
    /// Churned subscriptions over those active at the start, in percent.
    pub fn churn_rate_pct(&self) -> Option<Decimal> {
        (self.active_start > 0).then(|| {
            Decimal::from(self.churned) * Decimal::ONE_HUNDRED / Decimal::from(self.active_start)
        })
    }

    pub fn net_new_mrr(&self) -> Decimal {
        self.mrr_end - self.mrr_start
    }
}

/// The first instant of `day` and of the day after `range`, UTC.
pub fn period_instants(range: DateRange) -> (DateTime<Utc>, DateTime<Utc>) {
    let start_of = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default()
    };
    (
        start_of(range.since),
        start_of(range.until + chrono::Duration::days(1)),
    )
}

pub fn mrr_at(subscriptions: &[Subscription], at: DateTime<Utc>) -> (Decimal, u64) {
    subscriptions
        .iter()
        .filter(|s| s.is_paying_at(at))
        .fold((Decimal::ZERO, 0), |(mrr, n), s| {
            (mrr + s.monthly_value(), n + 1)
        })
}

pub fn movement(subscriptions: &[Subscription], range: DateRange) -> Movement {
    let (start, end) = period_instants(range);
    let (mrr_start, active_start) = mrr_at(subscriptions, start);
    let (mrr_end, active_end) = mrr_at(subscriptions, end);
    let mut m = Movement {
        mrr_start,
        mrr_end,
        active_start,
        active_end,
        ..Movement::default()
    };
    // Each customer's earliest subscription end before a given start decides
    // whether a new subscription is a comeback.
    let mut ends_by_customer: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for s in subscriptions {
        if let Some(ended) = s.ended_at {
            ends_by_customer
                .entry(s.customer_id.as_str())
                .or_default()
                .push(ended);
        }
    }
    for s in subscriptions {
        if s.created_at >= start && s.created_at < end {
            let came_back = ends_by_customer
                .get(s.customer_id.as_str())
                .is_some_and(|ends| ends.iter().any(|e| *e <= s.created_at));
            if came_back {
                m.reactivated += 1;
                m.reactivated_mrr += s.monthly_value();
            } else {
                m.new += 1;
                m.new_mrr += s.monthly_value();
            }
        }
        if let Some(ended) = s.ended_at
            && ended >= start
            && ended < end
        {
            m.churned += 1;
            m.churned_mrr += s.monthly_value();
        }
        if s.cancel_at_period_end && s.is_paying_at(end) {
            m.scheduled_to_cancel += 1;
        }
    }
    m
}

/// MRR at the end of each day of `range`.
pub fn daily_mrr(subscriptions: &[Subscription], range: DateRange) -> Vec<(NaiveDate, Decimal)> {
    range
        .since
        .iter_days()
        .take(range.days().max(0) as usize)
        .map(|day| {
            let (_, end) = period_instants(DateRange {
                since: day,
                until: day,
            });
            (day, mrr_at(subscriptions, end).0)
        })
        .collect()
}
