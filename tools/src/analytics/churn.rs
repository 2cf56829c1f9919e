//! `predict_churn_risk`: which members (Stripe) or customers (Shopify, HubSpot) are
//! likely to leave within the next window, with the reasons, from a model trained on
//! the tenant's own past (`omnify_analytics::churn`).

use crate::connections::{ClientDirectory, PlatformClients};
use crate::connectors::shopify::{self, ShopifyClient};
use crate::connectors::stripe::{self, StripeClient};
use crate::crm::CrmSource;
use crate::model::{BillingInterval, DealStatus};
use async_trait::async_trait;
use chrono::Duration;
use omnify_analytics::churn::{
    self, ChurnOptions, ChurnReport, CustomerActivity, Membership, Payment,
};
use omnify_core::{
    Chart, ChartKind, ChartSeries, DateRange, Provenance, Tool, ToolContext, ToolError, ToolOutput,
    ToolSpec, parse_args,
};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const TOOL_NAME: &str = "predict_churn_risk";

/// History read: enough for the training window, the one before it, and features.
const HISTORY_DAYS: i64 = 730;

#[derive(Clone)]
pub struct PredictChurnRiskTool {
    directory: Arc<dyn ClientDirectory>,
}

impl PredictChurnRiskTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

const DESCRIPTION: &str = "\
Churn risk: which subscribers (Stripe) or customers (Shopify orders, HubSpot won deals) \
are most likely to leave in the next window (30 days for subscriptions, 90 for \
purchases), each with a risk and its top reasons (e.g. \"no order in 84 days (usual gap \
30)\", \"2 failed payments\"), the average risk per segment (plan), and how good the model \
is (cross-validated and holdout AUC). Trained on the tenant's own history. Use it for \
\"who is about to churn?\", \"which members are at risk?\" or \"who should we win back?\".";

const KEYWORDS: &[&str] = &[
    "churn risk",
    "at risk",
    "likely to churn",
    "about to cancel",
    "retention",
    "win back",
    "winback",
    "lapsing",
    "churn",
    "risk",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Source {
    Stripe,
    Shopify,
    HubSpot,
}

impl Source {
    const ALL: [Source; 3] = [Self::Stripe, Self::Shopify, Self::HubSpot];

    fn key(self) -> &'static str {
        match self {
            Self::Stripe => stripe::PLATFORM,
            Self::Shopify => shopify::PLATFORM,
            Self::HubSpot => crate::connectors::hubspot::PLATFORM,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Stripe => "Stripe",
            Self::Shopify => "Shopify",
            Self::HubSpot => "HubSpot",
        }
    }

    /// Subscriptions churn at a renewal (monthly here); purchases need a longer quiet
    /// spell before silence means leaving.
    fn window_days(self) -> i64 {
        match self {
            Self::Stripe => 30,
            Self::Shopify | Self::HubSpot => 90,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    source: Option<Source>,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    10
}

#[async_trait]
impl Tool for PredictChurnRiskTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "source": {
                        "type": "string", "enum": ["stripe", "shopify", "hubspot"],
                        "description": "Whose churn: Stripe subscribers, Shopify customers or HubSpot customers (won deals); the first connected when omitted."
                    },
                    "limit": {
                        "type": "integer", "minimum": 1, "maximum": 50, "default": 10,
                        "description": "How many at-risk customers to list."
                    }
                },
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        if !(1..=50).contains(&args.limit) {
            return Err(ToolError::BadArguments(format!(
                "limit must be 1 to 50, got {}",
                args.limit
            )));
        }
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let source = choose(args.source, &clients)?;
        let as_of = ctx.today - Duration::days(1);
        let range = DateRange {
            since: as_of - Duration::days(HISTORY_DAYS - 1),
            until: as_of,
        };
        let history = match source {
            Source::Stripe => stripe_activity(&clients, range).await?,
            Source::Shopify => shopify_activity(&clients, range).await?,
            Source::HubSpot => hubspot_activity(&clients, range).await?,
        };
        let options = ChurnOptions {
            as_of,
            window_days: source.window_days(),
        };
        let activity = history.activity;
        let report = tokio::task::spawn_blocking(move || churn::assess(&activity, &options))
            .await
            .map_err(|e| ToolError::Failed(format!("the churn model stopped: {e}")))?
            .map_err(|e| ToolError::Failed(e.to_string()))?;
        Ok(output(
            source,
            &history.account,
            history.provenance,
            &report,
            args.limit,
        ))
    }
}

fn choose(asked: Option<Source>, clients: &PlatformClients) -> Result<Source, ToolError> {
    let connected = |s: Source| clients.connected().contains(&s.key());
    match asked {
        Some(s) if connected(s) => Ok(s),
        Some(s) => Err(ToolError::NotConnected(format!(
            "{} is not connected: connect it with `/omnify connect {}`",
            s.label(),
            s.key()
        ))),
        None => Source::ALL.into_iter().find(|s| connected(*s)).ok_or_else(|| {
            ToolError::NotConnected(
                "churn risk needs Stripe, Shopify or HubSpot: connect one with `/omnify connect stripe`"
                    .to_owned(),
            )
        }),
    }
}

struct History {
    activity: Vec<CustomerActivity>,
    account: String,
    provenance: Vec<Provenance>,
}

fn entry<'a>(
    by_customer: &'a mut BTreeMap<String, CustomerActivity>,
    id: &str,
) -> &'a mut CustomerActivity {
    by_customer
        .entry(id.to_owned())
        .or_insert_with(|| CustomerActivity {
            customer_id: id.to_owned(),
            ..CustomerActivity::default()
        })
}

/// Members: paid invoices are payments, unpaid ones failed payments, subscriptions
/// memberships (segment = plan).
async fn stripe_activity(
    clients: &PlatformClients,
    range: DateRange,
) -> Result<History, ToolError> {
    let client = clients
        .get::<StripeClient>(stripe::PLATFORM)
        .ok_or_else(|| ToolError::NotConnected("Stripe is not connected".to_owned()))?;
    let until = (range.until + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .ok_or_else(|| ToolError::Failed("date out of range".to_owned()))?
        - Duration::seconds(1);
    let subscriptions = client.subscriptions(until).await?;
    let invoices = client.invoices(range).await?;
    let mut by_customer = BTreeMap::new();
    for s in &subscriptions {
        let months = match s.interval {
            BillingInterval::Month => s.interval_count.max(1),
            BillingInterval::Year => 12 * s.interval_count.max(1),
            BillingInterval::Day | BillingInterval::Week => 0,
        };
        let a = entry(&mut by_customer, &s.customer_id);
        a.segment = Some(s.plan_name.clone().unwrap_or_else(|| s.plan_id.clone()));
        a.memberships.push(Membership {
            started: s.created_at.date_naive(),
            billing_months: months,
            cancel_requested: s.canceled_at.map(|d| d.date_naive()),
            ended: s.ended_at.map(|d| d.date_naive()),
        });
    }
    for i in &invoices {
        let a = entry(&mut by_customer, &i.customer_id);
        let day = i.created_at.date_naive();
        match i.status.as_str() {
            "paid" => a.payments.push(Payment {
                date: day,
                amount: i.amount_paid.amount.to_f64().unwrap_or(0.0),
            }),
            "open" | "uncollectible" => a.failed_payments.push(day),
            _ => {}
        }
    }
    let account = client.account_id().to_owned();
    let provenance = vec![
        Provenance {
            platform: stripe::PLATFORM.to_owned(),
            account: account.clone(),
            date_range: None,
            query: client.subscriptions_query(until),
        },
        Provenance {
            platform: stripe::PLATFORM.to_owned(),
            account: account.clone(),
            date_range: Some(range),
            query: format!(
                "GET /v1/invoices created[gte]={} created[lte]={}",
                range.since, range.until
            ),
        },
    ];
    Ok(History {
        activity: by_customer.into_values().collect(),
        account,
        provenance,
    })
}

/// Store customers: orders net of refunds (fully refunded ones dropped).
async fn shopify_activity(
    clients: &PlatformClients,
    range: DateRange,
) -> Result<History, ToolError> {
    let shop = clients
        .get::<ShopifyClient>(shopify::PLATFORM)
        .ok_or_else(|| ToolError::NotConnected("Shopify is not connected".to_owned()))?;
    let orders = shop.orders(range).await?;
    let mut by_customer = BTreeMap::new();
    for o in &orders {
        let Some(customer) = o.customer_id.as_deref() else {
            continue;
        };
        let net = (o.total.amount - o.refunded.amount).to_f64().unwrap_or(0.0);
        if net > 0.0 {
            entry(&mut by_customer, customer).payments.push(Payment {
                date: o.created_at.date_naive(),
                amount: net,
            });
        }
    }
    let mut activity: Vec<CustomerActivity> = by_customer.into_values().collect();
    for a in &mut activity {
        let repeat = a.payments.len() > 1;
        a.segment = Some(
            if repeat {
                "repeat customers"
            } else {
                "one-time customers"
            }
            .to_owned(),
        );
    }
    Ok(History {
        activity,
        account: shop.shop_domain().to_owned(),
        provenance: vec![Provenance {
            platform: shopify::PLATFORM.to_owned(),
            account: shop.shop_domain().to_owned(),
            date_range: Some(range),
            query: shop.orders_query(range),
        }],
    })
}

/// CRM customers: each won deal is a purchase by its company or contact.
async fn hubspot_activity(
    clients: &PlatformClients,
    range: DateRange,
) -> Result<History, ToolError> {
    let crm = CrmSource::resolve(clients, crate::connectors::hubspot::PLATFORM)?;
    let (pipelines, pipelines_query) = crm.pipelines().await?;
    let found = crm.deals_touching(range, None, &pipelines).await?;
    let mut by_customer = BTreeMap::new();
    for d in found.deals.iter().filter(|d| d.status == DealStatus::Won) {
        let (Some(who), Some(closed)) = (d.counterpart.as_deref(), d.close_date) else {
            continue;
        };
        entry(&mut by_customer, who).payments.push(Payment {
            date: closed.date_naive(),
            amount: d.amount.and_then(|a| a.to_f64()).unwrap_or(0.0),
        });
    }
    let account = crm.account();
    Ok(History {
        activity: by_customer.into_values().collect(),
        provenance: vec![
            Provenance {
                platform: crm.key().to_owned(),
                account: account.clone(),
                date_range: None,
                query: pipelines_query,
            },
            Provenance {
                platform: crm.key().to_owned(),
                account: account.clone(),
                date_range: Some(range),
                query: found.query,
            },
        ],
        account,
    })
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10_f64.powi(places);
    (x * f).round() / f
}

fn output(
    source: Source,
    account: &str,
    provenance: Vec<Provenance>,
    report: &ChurnReport,
    limit: usize,
) -> ToolOutput {
    let top: Vec<Value> = report
        .customers
        .iter()
        .take(limit)
        .map(|c| {
            json!({
                "customer_id": c.customer_id,
                "segment": c.segment,
                "risk": round(c.risk, 3),
                "reasons": c.reasons,
            })
        })
        .collect();
    let coefficients: serde_json::Map<String, Value> = churn::FEATURE_NAMES
        .iter()
        .zip(&report.model.coefficients)
        .map(|(n, c)| ((*n).to_owned(), json!(round(*c, 3))))
        .collect();
    let expected_churners: f64 = report.customers.iter().map(|c| c.risk).sum();
    let data = json!({
        "source": source.key(),
        "account": account,
        "as_of": report.as_of,
        "window_days": report.window_days,
        "customers_scored": report.customers.len(),
        "expected_churners": round(expected_churners, 1),
        "already_cancelling": report.already_cancelling,
        "at_risk": top,
        "segments": report.segments.iter().map(|s| json!({
            "segment": s.segment, "customers": s.customers, "mean_risk": round(s.mean_risk, 3)
        })).collect::<Vec<_>>(),
        "model": {
            "kind": "logistic regression on standardised features",
            "training_cutoff": report.training_cutoff,
            "training_customers": report.training_customers,
            "training_churn_rate": round(report.training_churn_rate, 3),
            "cross_validated_auc": report.cross_validated_auc.map(|a| round(a, 3)),
            "holdout_auc": report.holdout_auc.map(|a| round(a, 3)),
            "coefficients": coefficients,
        },
    });
    let chart = Chart {
        title: format!(
            "Average churn risk in the next {} days by segment",
            report.window_days
        ),
        kind: ChartKind::Bar,
        x_labels: report.segments.iter().map(|s| s.segment.clone()).collect(),
        series: vec![ChartSeries {
            name: "Average risk (%)".to_owned(),
            values: report
                .segments
                .iter()
                .map(|s| round(100.0 * s.mean_risk, 1))
                .collect(),
        }],
        y_label: Some("Risk (%)".to_owned()),
        x_label: Some("Segment".to_owned()),
        ..Chart::default()
    };
    ToolOutput {
        summary: summary(source, account, report, limit, expected_churners),
        data,
        provenance,
        chart: Some(chart),
    }
}

fn summary(
    source: Source,
    account: &str,
    report: &ChurnReport,
    limit: usize,
    expected: f64,
) -> String {
    let who = match source {
        Source::Stripe => "members",
        Source::Shopify | Source::HubSpot => "customers",
    };
    let auc = |a: Option<f64>| a.map_or_else(|| "n/a".to_owned(), |a| format!("{a:.2}"));
    let mut text = format!(
        "{} ({account}), as of {}: of {} {who} scored, about {expected:.0} are expected to churn \
         in the next {} days.",
        source.label(),
        report.as_of,
        report.customers.len(),
        report.window_days,
    );
    let listed: Vec<String> = report
        .customers
        .iter()
        .take(limit.min(3))
        .map(|c| {
            let why = c
                .reasons
                .first()
                .map_or(String::new(), |r| format!(": {r}"));
            format!("{} ({:.0}%{why})", c.customer_id, 100.0 * c.risk)
        })
        .collect();
    if !listed.is_empty() {
        text.push_str(&format!(" Most at risk: {}.", listed.join("; ")));
    }
    if report.already_cancelling > 0 {
        text.push_str(&format!(
            " {} more have already asked to cancel (not scored).",
            report.already_cancelling
        ));
    }
    text.push_str(&format!(
        " Model quality: cross-validated AUC {}, holdout AUC {} (trained on the window before \
         {}; 0.5 is a coin toss, 1.0 perfect).",
        auc(report.cross_validated_auc),
        auc(report.holdout_auc),
        report.training_cutoff
    ));
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::connections::SharedClients;
    use crate::connectors::retry::Backoff;
    use crate::sandbox::brand::{Brand, BrandConfig};
    use crate::{StripeClient, StripeConfig};
    use chrono::NaiveDate;
    use omnify_core::Secret;
    use std::collections::BTreeSet;
    use std::time::Duration as StdDuration;

    const END: &str = "2026-11-23";

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn brand() -> Arc<Brand> {
        Brand::shared(BrandConfig::new(42, day(END)))
    }

    /// The seeded Gear Club as churn activity, straight from the brand.
    fn members(brand: &Brand) -> Vec<CustomerActivity> {
        let mut by_customer = BTreeMap::new();
        for s in &brand.stripe.subscriptions {
            let price = brand.stripe.price(&s.price_id).unwrap();
            let a = entry(&mut by_customer, &s.customer_id);
            a.segment = Some(price.nickname.clone());
            a.memberships.push(Membership {
                started: s.created.date_naive(),
                billing_months: if price.interval == "year" { 12 } else { 1 },
                cancel_requested: s.canceled_at.map(|d| d.date_naive()),
                ended: s.ended_at.map(|d| d.date_naive()),
            });
        }
        for i in &brand.stripe.invoices {
            entry(&mut by_customer, &i.customer_id)
                .payments
                .push(Payment {
                    date: i.created.date_naive(),
                    amount: i.amount as f64 / 100.0,
                });
        }
        by_customer.into_values().collect()
    }

    #[test]
    fn analytics_churn_on_the_seeded_gear_club() {
        let brand = brand();
        let activity = members(&brand);
        let as_of = day(END);
        let report = churn::assess(
            &activity,
            &ChurnOptions {
                as_of,
                window_days: 30,
            },
        )
        .unwrap();
        println!(
            "members scored {} training {} (churn rate {:.3}) CV AUC {:.3} holdout AUC {:.3}, already cancelling {}",
            report.customers.len(),
            report.training_customers,
            report.training_churn_rate,
            report.cross_validated_auc.unwrap(),
            report.holdout_auc.unwrap(),
            report.already_cancelling
        );
        for s in &report.segments {
            println!(
                "segment {}: {} members, mean risk {:.3}",
                s.segment, s.customers, s.mean_risk
            );
        }
        // The labels the model learns from are the planted churns.
        let truth = &brand.ground_truth.subscriptions;
        let planted: BTreeSet<&str> = truth
            .churned
            .iter()
            .filter(|c| {
                let ended = c.ended_at.date_naive();
                ended > report.training_cutoff && ended <= as_of
            })
            .map(|c| c.customer_id.as_str())
            .collect();
        let labelled: BTreeSet<&str> = activity
            .iter()
            .filter(|a| {
                a.at_risk_on(report.training_cutoff) && a.churned_after(report.training_cutoff, 30)
            })
            .map(|a| a.customer_id.as_str())
            .collect();
        assert!(!labelled.is_empty());
        assert!(
            labelled.is_subset(&planted),
            "every label is a planted churn"
        );
        // Monthly members churn at 7 % a renewal, annual ones at 30 % a year: the
        // model must separate them, and beat a coin toss out of sample.
        assert!(report.cross_validated_auc.unwrap() > 0.6);
        assert!(report.holdout_auc.unwrap() > 0.6);
        let risk = |segment: &str| {
            report
                .segments
                .iter()
                .find(|s| s.segment == segment)
                .unwrap()
                .mean_risk
        };
        assert!(risk("Gear Club Monthly") > risk("Gear Club Annual"));
    }

    #[tokio::test]
    async fn analytics_predict_churn_risk_end_to_end_through_the_stripe_emulator() {
        let sandbox = crate::spawn(brand(), "sandbox-token".to_owned())
            .await
            .unwrap();
        let client = StripeClient::new(StripeConfig {
            base_url: sandbox.stripe_base_url(),
            backoff: Backoff {
                base: StdDuration::from_millis(5),
                max: StdDuration::from_millis(20),
            },
            ..StripeConfig::new(Secret::new("sandbox-token"), "acct_1TrailheadGear")
        })
        .unwrap();
        let mut clients = PlatformClients::new();
        clients.insert("stripe", Arc::new(client));
        let tool = PredictChurnRiskTool::new(Arc::new(SharedClients(Arc::new(clients))));
        let ctx = ToolContext {
            tenant_id: "t1".into(),
            conversation_id: "c1".into(),
            user_id: None,
            today: day(END) + Duration::days(1),
        };
        let out = tool.call(&ctx, json!({"limit": 5})).await.unwrap();
        println!("{}", out.summary);
        assert!(
            out.summary.contains("cross-validated AUC"),
            "{}",
            out.summary
        );
        let at_risk = out.data["at_risk"].as_array().unwrap();
        assert_eq!(at_risk.len(), 5);
        assert!(at_risk[0]["risk"].as_f64() >= at_risk[4]["risk"].as_f64());
        assert!(
            !at_risk[0]["reasons"].as_array().unwrap().is_empty(),
            "{}",
            at_risk[0]
        );
        assert!(out.data["model"]["cross_validated_auc"].as_f64().unwrap() > 0.6);
        let chart = out.chart.unwrap();
        assert_eq!(
            chart.x_labels.len(),
            out.data["segments"].as_array().unwrap().len()
        );
        assert_eq!(out.provenance[0].platform, "stripe");
        let err = tool
            .call(&ctx, json!({"source": "shopify"}))
            .await
            .unwrap_err();
        assert!(matches!(err, ToolError::NotConnected(_)));
        let err = tool.call(&ctx, json!({"limit": 0})).await.unwrap_err();
        assert!(matches!(err, ToolError::BadArguments(_)));
        sandbox.shutdown().await;
    }
}
