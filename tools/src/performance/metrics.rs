//! Summed delivery and the ratios marketers judge it by.

use crate::model::CampaignDay;
use crate::money::round_half_up;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};

/// Additive totals; every ratio is derived from them, never averaged.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    pub revenue: Decimal,
}

impl Metrics {
    pub fn add(&mut self, day: &CampaignDay) {
        self.spend += day.spend;
        self.impressions += day.impressions;
        self.clicks += day.clicks;
        self.conversions += day.conversions;
        self.revenue += day.revenue;
    }

    pub fn is_empty(&self) -> bool {
        self.spend.is_zero() && self.impressions == 0 && self.revenue.is_zero()
    }

    /// Click-through rate in percent.
    pub fn ctr_pct(&self) -> Option<Decimal> {
        ratio(
            Decimal::from(self.clicks) * Decimal::ONE_HUNDRED,
            Decimal::from(self.impressions),
        )
    }

    pub fn cpc(&self) -> Option<Decimal> {
        ratio(self.spend, Decimal::from(self.clicks))
    }

    /// Cost per thousand impressions.
    pub fn cpm(&self) -> Option<Decimal> {
        ratio(
            self.spend * Decimal::ONE_THOUSAND,
            Decimal::from(self.impressions),
        )
    }

    /// Return on ad spend: revenue per unit of spend.
    pub fn roas(&self) -> Option<Decimal> {
        ratio(self.revenue, self.spend)
    }

    /// Cost per acquisition (per conversion).
    pub fn cpa(&self) -> Option<Decimal> {
        ratio(self.spend, self.conversions)
    }

    /// Money to the cent, ratios to two decimals, for the model to read.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("spend".into(), number(Some(self.spend), 2));
        m.insert("impressions".into(), json!(self.impressions));
        m.insert("clicks".into(), json!(self.clicks));
        m.insert("ctr_pct".into(), number(self.ctr_pct(), 2));
        m.insert("cpc".into(), number(self.cpc(), 2));
        m.insert("cpm".into(), number(self.cpm(), 2));
        m.insert("conversions".into(), number(Some(self.conversions), 2));
        m.insert("revenue".into(), number(Some(self.revenue), 2));
        m.insert("roas".into(), number(self.roas(), 2));
        m.insert("cpa".into(), number(self.cpa(), 2));
        m
    }
}

/// Percent change per metric versus `previous`, `null` where the previous value is 0.
pub fn changes_pct(current: &Metrics, previous: &Metrics) -> Map<String, Value> {
    let pairs = [
        ("spend", Some(current.spend), Some(previous.spend)),
        (
            "impressions",
            Some(current.impressions.into()),
            Some(previous.impressions.into()),
        ),
        (
            "clicks",
            Some(current.clicks.into()),
            Some(previous.clicks.into()),
        ),
        ("ctr", current.ctr_pct(), previous.ctr_pct()),
        ("cpc", current.cpc(), previous.cpc()),
        ("cpm", current.cpm(), previous.cpm()),
        (
            "conversions",
            Some(current.conversions),
            Some(previous.conversions),
        ),
        ("revenue", Some(current.revenue), Some(previous.revenue)),
        ("roas", current.roas(), previous.roas()),
        ("cpa", current.cpa(), previous.cpa()),
    ];
    pairs
        .into_iter()
        .map(|(name, now, before)| (name.to_owned(), number(pct_change(now, before), 1)))
        .collect()
}

/// `(now - before) / before * 100`; `None` when either is missing or `before` is 0.
pub fn pct_change(now: Option<Decimal>, before: Option<Decimal>) -> Option<Decimal> {
    let (now, before) = (now?, before?);
    ratio((now - before) * Decimal::ONE_HUNDRED, before)
}

fn ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        None
    } else {
        numerator.checked_div(denominator)
    }
}

/// A JSON number rounded to `dp` places, or `null`.
pub fn number(value: Option<Decimal>, dp: u32) -> Value {
    value
        .and_then(|v| round_half_up(v, dp).to_f64())
        .map_or(Value::Null, |f| json!(f))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn metrics(
        spend: &str,
        impressions: u64,
        clicks: u64,
        conversions: u64,
        revenue: &str,
    ) -> Metrics {
        Metrics {
            spend: d(spend),
            impressions,
            clicks,
            conversions: Decimal::from(conversions),
            revenue: d(revenue),
        }
    }

    #[test]
    fn ratios_are_derived_from_totals() {
        let m = metrics("1000.00", 80_000, 1_200, 40, "3500.00");
        assert_eq!(m.ctr_pct().unwrap(), d("1.5"));
        assert_eq!(m.cpc().unwrap().round_dp(4), d("0.8333"));
        assert_eq!(m.cpm().unwrap(), d("12.5"));
        assert_eq!(m.roas().unwrap(), d("3.5"));
        assert_eq!(m.cpa().unwrap(), d("25"));
        let empty = Metrics::default();
        assert!(empty.roas().is_none() && empty.cpa().is_none() && empty.ctr_pct().is_none());
    }

    #[test]
    fn changes_compare_against_the_previous_period() {
        let now = metrics("1100.00", 88_000, 1_200, 44, "3300.00");
        let before = metrics("1000.00", 80_000, 1_200, 40, "3500.00");
        let c = changes_pct(&now, &before);
        assert_eq!(c["spend"], json!(10.0));
        assert_eq!(c["revenue"], json!(-5.7));
        assert_eq!(c["clicks"], json!(0.0));
        // ROAS 3.0 vs 3.5.
        assert_eq!(c["roas"], json!(-14.3));
        // CPA 25 vs 25.
        assert_eq!(c["cpa"], json!(0.0));
        let c = changes_pct(&now, &Metrics::default());
        assert_eq!(c["spend"], Value::Null);
    }
}
