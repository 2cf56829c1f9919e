//! Store sales totals from orders: what `get_store_sales` reports.

use crate::model::Order;
use crate::money::round_half_up;
use crate::range_args::change_pct;
use chrono::NaiveDate;
use omnify_core::DateRange;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Sums over the orders placed in one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SalesTotals {
    /// Gross sales: order totals when placed.
    pub revenue: Decimal,
    pub orders: u64,
    /// Refunded so far on these orders.
    pub refunds: Decimal,
    pub new_customer_orders: u64,
    pub new_customer_revenue: Decimal,
    /// Distinct customers whose first order fell in the period.
    pub new_customers: u64,
    /// Distinct customers who had ordered before the period.
    pub returning_customers: u64,
}

impl SalesTotals {
    pub fn from_orders<'a>(orders: impl IntoIterator<Item = &'a Order>) -> Self {
        let mut totals = Self::default();
        let mut new = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for order in orders {
            totals.revenue += order.total.amount;
            totals.refunds += order.refunded.amount;
            totals.orders += 1;
            if order.is_new_customer() {
                totals.new_customer_orders += 1;
                totals.new_customer_revenue += order.total.amount;
            }
            if let Some(customer) = &order.customer_id {
                seen.insert(customer.as_str());
                if order.is_new_customer() {
                    new.insert(customer.as_str());
                }
            }
        }
        totals.new_customers = new.len() as u64;
        totals.returning_customers = seen.difference(&new).count() as u64;
        totals
    }

    pub fn net_revenue(&self) -> Decimal {
        self.revenue - self.refunds
    }

    pub fn returning_customer_orders(&self) -> u64 {
        self.orders - self.new_customer_orders
    }

    /// Average order value.
    pub fn aov(&self) -> Option<Decimal> {
        (self.orders > 0).then(|| self.revenue / Decimal::from(self.orders))
    }

    pub fn to_json(&self) -> Value {
        let money = |d: Decimal| round_half_up(d, 2);
        json!({
            "revenue": money(self.revenue),
            "orders": self.orders,
            "aov": self.aov().map(money),
            "refunds": money(self.refunds),
            "net_revenue": money(self.net_revenue()),
            "new_customers": self.new_customers,
            "returning_customers": self.returning_customers,
            "new_customer_orders": self.new_customer_orders,
            "returning_customer_orders": self.returning_customer_orders(),
            "new_customer_revenue": money(self.new_customer_revenue),
        })
    }

    pub fn changes_pct(&self, previous: &Self) -> Value {
        let n = |x: u64| Decimal::from(x);
        json!({
            "revenue": change_pct(self.revenue, previous.revenue),
            "orders": change_pct(n(self.orders), n(previous.orders)),
            "aov": self.aov().zip(previous.aov()).and_then(|(c, p)| change_pct(c, p)),
            "refunds": change_pct(self.refunds, previous.refunds),
            "new_customers": change_pct(n(self.new_customers), n(previous.new_customers)),
            "returning_customers": change_pct(n(self.returning_customers), n(previous.returning_customers)),
        })
    }
}

/// Totals per day of `range`, every day present (zero when nothing sold).
pub fn by_day(range: DateRange, orders: &[&Order]) -> BTreeMap<NaiveDate, SalesTotals> {
    let mut grouped: BTreeMap<NaiveDate, Vec<&Order>> = range
        .since
        .iter_days()
        .take(range.days().max(0) as usize)
        .map(|d| (d, Vec::new()))
        .collect();
    for order in orders {
        if let Some(day) = grouped.get_mut(&order.created_at.date_naive()) {
            day.push(order);
        }
    }
    grouped
        .into_iter()
        .map(|(day, orders)| (day, SalesTotals::from_orders(orders)))
        .collect()
}
