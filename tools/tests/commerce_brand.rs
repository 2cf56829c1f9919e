//! The brand's commerce data: Shopify customers driven by ad spend with the planted
//! buy-till-you-die parameters, the Stripe membership's churn, and TripleWhale's
//! numbers adding up to Shopify and the ad platforms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use omnify_tools::sandbox::brand::triplewhale::blended;
use omnify_tools::sandbox::brand::{Brand, BrandConfig};
use std::collections::{BTreeMap, HashSet};

#[test]
fn the_same_seed_gives_the_same_commerce_and_another_seed_does_not() {
    let a = brand();
    let again = brand();
    assert_eq!(a.shopify, again.shopify);
    assert_eq!(a.stripe, again.stripe);
    assert_eq!(a.ground_truth, again.ground_truth);
    let other = Brand::generate(BrandConfig::new(43, day(END)));
    assert_ne!(a.shopify.orders.len(), other.shopify.orders.len());
    assert_ne!(
        a.stripe.subscriptions.len(),
        other.stripe.subscriptions.len()
    );
}

#[test]
fn ground_truth_records_the_btyd_and_churn_parameters() {
    let b = brand();
    let t = &b.ground_truth.customer_lifetime;
    assert!(t.r > 0.0 && t.alpha > 0.0 && t.a > 0.0 && t.b > 0.0);
    assert!(t.p > 0.0 && t.q > 1.0 && t.gamma > 0.0);
    // The realised order values average near the Gamma-Gamma mean.
    let orders = &b.shopify.orders;
    let mean =
        orders.iter().map(|o| o.total_minor as f64).sum::<f64>() / orders.len() as f64 / 100.0;
    let expected = t.mean_order_value();
    assert!(
        (mean - expected).abs() < expected * 0.1,
        "{mean} vs {expected}"
    );
    // Some customers come back; most buy once or twice (BG/NBD's shape).
    let repeaters = b
        .shopify
        .customers
        .iter()
        .filter(|c| c.orders_count > 1)
        .count();
    let share = repeaters as f64 / b.shopify.customers.len() as f64;
    assert!((0.15..0.6).contains(&share), "{share}");
    let s = &b.ground_truth.subscriptions;
    assert!(s.monthly_churn_per_period > 0.0 && s.annual_churn_per_period > 0.0);
    assert!(!s.churned.is_empty());
    let canceled: HashSet<_> = b
        .stripe
        .subscriptions
        .iter()
        .filter(|x| x.status == "canceled")
        .map(|x| x.id.as_str())
        .collect();
    let recorded: HashSet<_> = s
        .churned
        .iter()
        .map(|c| c.subscription_id.as_str())
        .collect();
    assert_eq!(canceled, recorded);
}

#[test]
fn monthly_churn_matches_the_planted_hazard() {
    let b = brand();
    let monthly = b.stripe.price("price_1GearClubMonthly").unwrap().id.clone();
    // Renewals reached (invoices after the first) versus cancellations at them.
    let mut invoices: BTreeMap<&str, usize> = BTreeMap::new();
    for i in b.stripe.invoices.iter().filter(|i| i.price_id == monthly) {
        *invoices.entry(i.subscription_id.as_str()).or_default() += 1;
    }
    let periods: usize = invoices.values().sum();
    let churned = b
        .ground_truth
        .subscriptions
        .churned
        .iter()
        .filter(|c| invoices.contains_key(c.subscription_id.as_str()))
        .count();
    let hazard = churned as f64 / periods as f64;
    let planted = b.ground_truth.subscriptions.monthly_churn_per_period;
    assert!((hazard - planted).abs() < 0.02, "{hazard} vs {planted}");
}

#[test]
fn new_customers_follow_ad_spend() {
    let b = brand();
    let spend = b.ad_spend_by_day();
    let mut new_by_day: BTreeMap<_, u64> = BTreeMap::new();
    for o in b
        .shopify
        .orders
        .iter()
        .filter(|o| o.customer_order_index == 1)
    {
        *new_by_day.entry(o.created_at.date_naive()).or_default() += 1;
    }
    let mut days: Vec<(i64, u64)> = spend
        .iter()
        .map(|(d, s)| (*s, new_by_day.get(d).copied().unwrap_or(0)))
        .collect();
    days.sort_unstable();
    let (low, high) = days.split_at(days.len() / 2);
    let avg = |xs: &[(i64, u64)]| xs.iter().map(|x| x.1 as f64).sum::<f64>() / xs.len() as f64;
    assert!(avg(high) > avg(low) * 1.1, "{} vs {}", avg(high), avg(low));
}

#[test]
fn triplewhale_totals_equal_shopify_orders_and_ad_platform_spend() {
    let b = brand();
    for (since, until) in [("2026-11-17", END), ("2026-10-01", "2026-10-31")] {
        let (since, until) = (day(since), day(until));
        let tw = blended(&b, since, until);
        let orders: Vec<_> = b.shopify.orders_between(since, until).collect();
        assert_eq!(tw.orders, orders.len() as u64);
        assert_eq!(
            tw.sales_minor,
            orders.iter().map(|o| o.total_minor).sum::<i64>()
        );
        let spend: i64 = b
            .ad_spend_by_day()
            .range(since..=until)
            .map(|(_, v)| v)
            .sum();
        assert_eq!(tw.total_spend_minor(), spend);
        let meta: i64 = b
            .meta
            .days
            .iter()
            .filter(|d| d.date >= since && d.date <= until)
            .map(|d| d.spend_minor)
            .sum();
        assert_eq!(tw.spend_by_platform_minor["meta"], meta);
    }
    // Every paid first click names a campaign that spent on that platform that day.
    let spent: HashSet<_> = b
        .ad_spend_by_campaign()
        .into_iter()
        .filter(|l| l.spend_minor > 0)
        .map(|l| (l.platform.to_owned(), l.campaign_id, l.date))
        .collect();
    for o in &b.shopify.orders {
        if let (Some(p), Some(c)) = (&o.first_touch.platform, &o.first_touch.campaign_id) {
            let key = (
                p.clone(),
                c.clone(),
                o.first_touch.clicked_at.unwrap().date_naive(),
            );
            assert!(spent.contains(&key), "{key:?}");
        }
    }
}
