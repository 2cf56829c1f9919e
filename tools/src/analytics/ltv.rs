//! `forecast_ltv`: what the store's customers are expected to buy over the next 90
//! days (or another horizon), per first-purchase month and per customer, from their
//! order history (BG/NBD + Gamma-Gamma in `omnify_analytics::ltv`).

pub mod history;

use crate::connections::ClientDirectory;
use async_trait::async_trait;
use chrono::Duration;
use history::{PurchaseHistory, PurchaseSource};
use omnify_analytics::ltv::{self, CohortForecast, LtvForecast, LtvOptions};
use omnify_core::{
    Chart, ChartBand, ChartKind, ChartSeries, DateRange, Tool, ToolContext, ToolError, ToolOutput,
    ToolSpec, parse_args,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "forecast_ltv";

/// Order history the models learn from: two years is enough for purchase rhythms and
/// bounded for the APIs.
const HISTORY_DAYS: i64 = 730;
const TOP_CUSTOMERS: usize = 10;

#[derive(Clone)]
pub struct ForecastLtvTool {
    directory: Arc<dyn ClientDirectory>,
}

impl ForecastLtvTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

const DESCRIPTION: &str = "\
Customer lifetime value (LTV) forecast from the store's order history: expected repeat \
purchases and their value over the next 90 days (or another horizon), per cohort (the \
month of a customer's first purchase), the most valuable customers, how many customers \
are probably still active (probability alive), with a 90% uncertainty band. Uses the \
BG/NBD and Gamma-Gamma models on up to two years of orders from Shopify (default), \
TripleWhale or Stripe. Use it for \"what will our customers be worth next quarter?\", \
\"which cohort is most valuable?\" or \"who are our best customers going forward?\".";

const KEYWORDS: &[&str] = &[
    "ltv",
    "lifetime value",
    "clv",
    "customer value",
    "forecast",
    "predict",
    "cohort",
    "cohorts",
    "repeat purchases",
    "best customers",
    "active customers",
    "next 90 days",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default = "default_horizon")]
    horizon_days: u32,
    #[serde(default)]
    source: Option<PurchaseSource>,
    /// `YYYY-MM`: report only customers who first bought in that month.
    #[serde(default)]
    cohort: Option<String>,
}

fn default_horizon() -> u32 {
    90
}

#[async_trait]
impl Tool for ForecastLtvTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "horizon_days": {
                        "type": "integer", "minimum": 1, "maximum": 730, "default": 90,
                        "description": "Days ahead to forecast."
                    },
                    "source": {
                        "type": "string", "enum": ["shopify", "triplewhale", "stripe"],
                        "description": "Where to read purchases; the first connected of shopify, triplewhale, stripe when omitted."
                    },
                    "cohort": {
                        "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$",
                        "description": "Only customers whose first purchase was in this month, YYYY-MM."
                    }
                },
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        if !(1..=730).contains(&args.horizon_days) {
            return Err(ToolError::BadArguments(format!(
                "horizon_days must be 1 to 730, got {}",
                args.horizon_days
            )));
        }
        if let Some(cohort) = &args.cohort {
            check_cohort(cohort)?;
        }
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let source = PurchaseSource::choose(args.source, &clients)?;
        let until = ctx.today - Duration::days(1);
        let range = DateRange {
            since: until - Duration::days(HISTORY_DAYS - 1),
            until,
        };
        let history = history::fetch(source, &clients, range).await?;
        let options = LtvOptions {
            horizon_days: args.horizon_days,
            observation_end: Some(until),
            ..LtvOptions::default()
        };
        let transactions = history.transactions.clone();
        // Fitting and the uncertainty draws are seconds of CPU on a large store.
        let forecast = tokio::task::spawn_blocking(move || ltv::forecast(&transactions, &options))
            .await
            .map_err(|e| ToolError::Failed(format!("the forecast stopped: {e}")))?
            .map_err(|e| ToolError::Failed(e.to_string()))?;
        report(source, &history, &forecast, args.cohort.as_deref())
    }
}

fn check_cohort(cohort: &str) -> Result<(), ToolError> {
    chrono::NaiveDate::parse_from_str(&format!("{cohort}-01"), "%Y-%m-%d")
        .map(|_| ())
        .map_err(|_| {
            ToolError::BadArguments(format!(
                "cohort must be a month like 2026-03, got {cohort:?}"
            ))
        })
}

fn round(x: f64, places: i32) -> f64 {
    let factor = 10_f64.powi(places);
    (x * factor).round() / factor
}

fn cohort_json(c: &CohortForecast) -> Value {
    let band = |b: Option<omnify_analytics::ltv::Band>| {
        b.map(|b| json!({"low": round(b.low, 2), "high": round(b.high, 2)}))
    };
    json!({
        "cohort": c.cohort,
        "customers": c.customers,
        "repeat_customers": c.repeat_customers,
        "mean_probability_alive": round(c.mean_probability_alive, 3),
        "expected_purchases": round(c.expected_purchases, 2),
        "expected_purchases_90pct_band": band(c.expected_purchases_band),
        "expected_value": round(c.expected_value, 2),
        "expected_value_90pct_band": band(c.expected_value_band),
    })
}

fn report(
    source: PurchaseSource,
    history: &PurchaseHistory,
    forecast: &LtvForecast,
    cohort: Option<&str>,
) -> Result<ToolOutput, ToolError> {
    let currency = history.currency.clone().unwrap_or_else(|| "USD".to_owned());
    let cohorts: Vec<&CohortForecast> = forecast
        .cohorts
        .iter()
        .filter(|c| cohort.is_none_or(|k| c.cohort == k))
        .collect();
    if let Some(wanted) = cohort
        && cohorts.is_empty()
    {
        let known: Vec<&str> = forecast.cohorts.iter().map(|c| c.cohort.as_str()).collect();
        return Err(ToolError::BadArguments(format!(
            "no customer first bought in {wanted}; cohorts with customers: {}",
            known.join(", ")
        )));
    }
    let headline = match cohorts.first() {
        Some(one) if cohort.is_some() => *one,
        _ => &forecast.total,
    };
    let in_scope = |c: &&ltv::CustomerForecast| {
        cohort.is_none_or(|k| c.summary.first_purchase.format("%Y-%m").to_string() == k)
    };
    let top: Vec<Value> = {
        let mut scoped: Vec<&ltv::CustomerForecast> =
            forecast.customers.iter().filter(in_scope).collect();
        scoped.sort_by(|a, b| b.expected_value.total_cmp(&a.expected_value));
        scoped
            .iter()
            .take(TOP_CUSTOMERS)
            .map(|c| {
                json!({
                    "customer_id": c.summary.customer_id,
                    "purchases_so_far": c.summary.frequency + 1.0,
                    "first_purchase": c.summary.first_purchase,
                    "last_purchase": c.summary.last_purchase,
                    "probability_alive": round(c.probability_alive, 3),
                    "expected_purchases": round(c.expected_purchases, 3),
                    "expected_order_value": round(c.expected_average_value, 2),
                    "expected_value": round(c.expected_value, 2),
                })
            })
            .collect()
    };
    let bg = forecast.purchase_model.params;
    let gg = forecast.spend_model.params;
    let data = json!({
        "source": source.key(),
        "account": history.account,
        "currency": currency,
        "observation_end": forecast.observation_end,
        "horizon_days": forecast.horizon_days,
        "customers": forecast.customers.len(),
        "one_time_customers": forecast.one_time_customers,
        "cohort": cohort,
        "total": cohort_json(headline),
        "cohorts": cohorts.iter().map(|c| cohort_json(c)).collect::<Vec<_>>(),
        "top_customers": top,
        "probability_alive_distribution": forecast.alive_distribution,
        "models": {
            "purchases": {"model": "BG/NBD", "r": bg.r, "alpha_days": bg.alpha, "a": bg.a, "b": bg.b},
            "order_value": {
                "model": "Gamma-Gamma", "p": gg.p, "q": gg.q, "v": gg.v,
                "mean_order_value": round(gg.population_mean(), 2)
            },
            "value": "expected purchases x expected order value, undiscounted",
            "band": "5th-95th percentile over parameter draws (Laplace approximation); parameter uncertainty only",
        },
    });
    let chart = Chart {
        title: format!(
            "Expected {}-day value by first-purchase month ({currency})",
            forecast.horizon_days
        ),
        kind: ChartKind::Bar,
        x_labels: cohorts.iter().map(|c| c.cohort.clone()).collect(),
        series: vec![ChartSeries {
            name: format!("Expected {}-day value", forecast.horizon_days),
            values: cohorts.iter().map(|c| round(c.expected_value, 2)).collect(),
        }],
        bands: band_series(&cohorts),
        y_label: Some(format!("Expected value ({currency})")),
        x_label: Some("First-purchase month".to_owned()),
        ..Chart::default()
    };
    Ok(ToolOutput {
        summary: summary(source, history, forecast, headline, &currency),
        data,
        provenance: vec![history.provenance.clone()],
        chart: Some(chart),
    })
}

/// The 90 % band of each cohort's value, when every cohort has one.
fn band_series(cohorts: &[&CohortForecast]) -> Vec<ChartBand> {
    let bands: Option<Vec<_>> = cohorts.iter().map(|c| c.expected_value_band).collect();
    bands
        .map(|bands| ChartBand {
            name: "90% band".to_owned(),
            lower: bands.iter().map(|b| round(b.low, 2)).collect(),
            upper: bands.iter().map(|b| round(b.high, 2)).collect(),
        })
        .into_iter()
        .collect()
}

fn summary(
    source: PurchaseSource,
    history: &PurchaseHistory,
    forecast: &LtvForecast,
    headline: &CohortForecast,
    currency: &str,
) -> String {
    let money = |x: f64| format!("{} {currency}", thousands(x));
    let who = if headline.cohort == "all" {
        format!("the {} customers", headline.customers)
    } else {
        format!(
            "the {} customers who first bought in {}",
            headline.customers, headline.cohort
        )
    };
    let mut text = format!(
        "{} ({}), orders up to {}: over the next {} days {who} are expected to make {:.0} \
         repeat purchases worth {}",
        source.label(),
        history.account,
        forecast.observation_end,
        forecast.horizon_days,
        headline.expected_purchases,
        money(headline.expected_value),
    );
    if let Some(band) = headline.expected_value_band {
        text.push_str(&format!(
            " (90% band {} to {})",
            money(band.low),
            money(band.high)
        ));
    }
    text.push('.');
    if headline.cohort == "all"
        && let Some(best) = forecast
            .cohorts
            .iter()
            .max_by(|a, b| a.expected_value.total_cmp(&b.expected_value))
    {
        text.push_str(&format!(
            " The most valuable cohort is {} ({} customers, {}).",
            best.cohort,
            best.customers,
            money(best.expected_value)
        ));
    }
    let repeat: Vec<&ltv::CustomerForecast> = forecast
        .customers
        .iter()
        .filter(|c| c.summary.frequency > 0.0)
        .collect();
    let likely_active = repeat.iter().filter(|c| c.probability_alive >= 0.5).count();
    text.push_str(&format!(
        " Of the {} repeat customers, {} are probably still active (probability alive at \
         least 50%); {} have bought once. Expected order value {} on average.",
        repeat.len(),
        likely_active,
        forecast.one_time_customers,
        money(forecast.spend_model.params.population_mean()),
    ));
    text
}

/// 12,345.67-style amounts for the summary.
fn thousands(x: f64) -> String {
    let cents = (x * 100.0).round() as i64;
    let (whole, frac) = (cents.abs() / 100, cents.abs() % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{grouped}.{frac:02}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::connections::{PlatformClients, SharedClients};
    use crate::connectors::retry::Backoff;
    use crate::sandbox::brand::{Brand, BrandConfig};
    use crate::{ShopifyClient, ShopifyConfig};
    use chrono::NaiveDate;
    use omnify_core::Secret;
    use std::time::Duration as StdDuration;

    const END: &str = "2026-11-23";

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn brand() -> Arc<Brand> {
        Brand::shared(BrandConfig::new(42, day(END)))
    }

    fn ctx() -> ToolContext {
        ToolContext {
            tenant_id: "t1".into(),
            conversation_id: "c1".into(),
            user_id: None,
            today: day(END) + Duration::days(1),
        }
    }

    /// The seeded store's orders (gross, as generated) as transactions.
    fn brand_transactions(brand: &Brand) -> Vec<ltv::Transaction> {
        brand
            .shopify
            .orders
            .iter()
            .map(|o| ltv::Transaction {
                customer_id: o.customer_id.to_string(),
                date: o.created_at.date_naive(),
                amount: o.total_minor as f64 / 100.0,
            })
            .collect()
    }

    /// Fit on all but the last 90 days, then compare with the planted parameters and
    /// with the repeat purchases the customers really made in those 90 days.
    #[test]
    fn analytics_ltv_recovers_the_seeded_brands_parameters_and_holdout() {
        let brand = brand();
        let truth = &brand.ground_truth.customer_lifetime;
        let transactions = brand_transactions(&brand);
        let calibration_end = day(END) - Duration::days(90);
        let forecast = ltv::forecast(
            &transactions,
            &LtvOptions {
                observation_end: Some(calibration_end),
                uncertainty_draws: 30,
                ..LtvOptions::default()
            },
        )
        .unwrap();
        let bg = forecast.purchase_model.params;
        let gg = forecast.spend_model.params;
        let pairs = [
            ("r", bg.r, truth.r),
            ("alpha", bg.alpha, truth.alpha),
            ("a", bg.a, truth.a),
            ("b", bg.b, truth.b),
            ("p", gg.p, truth.p),
            ("q", gg.q, truth.q),
            ("v", gg.v, truth.gamma),
        ];
        for (name, fitted, planted) in pairs {
            let error = (fitted - planted) / planted;
            println!(
                "{name}: fitted {fitted:.4} planted {planted:.4} ({:+.1} %)",
                100.0 * error
            );
        }
        // Repeat purchase days per customer in the holdout (same-day orders are one).
        let mut holdout_days = std::collections::BTreeSet::new();
        for t in &transactions {
            if t.date > calibration_end {
                holdout_days.insert((t.customer_id.clone(), t.date));
            }
        }
        let known: std::collections::BTreeSet<&str> = forecast
            .customers
            .iter()
            .map(|c| c.summary.customer_id.as_str())
            .collect();
        let realised = holdout_days
            .iter()
            .filter(|(c, _)| known.contains(c.as_str()))
            .count() as f64;
        let predicted = forecast.total.expected_purchases;
        let band = forecast.total.expected_purchases_band.unwrap();
        println!(
            "customers {} holdout repeat purchases: predicted {predicted:.0} (band {:.0}-{:.0}) realised {realised:.0} ({:+.1} %)",
            forecast.customers.len(),
            band.low,
            band.high,
            100.0 * (predicted - realised) / realised
        );
        // The purchase-rate and order-value parameters are well identified; a and b
        // separately are not (the likelihood has a long ridge along their ratio), so
        // they are checked through the mean drop-out probability a / (a + b).
        for (name, fitted, planted) in pairs.iter().filter(|(n, ..)| !matches!(*n, "a" | "b")) {
            assert!(
                ((fitted - planted) / planted).abs() < 0.1,
                "{name}: fitted {fitted} planted {planted}"
            );
        }
        let dropout = bg.a / (bg.a + bg.b);
        let planted_dropout = truth.a / (truth.a + truth.b);
        println!("mean drop-out probability: fitted {dropout:.4} planted {planted_dropout:.4}");
        assert!(((dropout - planted_dropout) / planted_dropout).abs() < 0.25);
        assert!(
            ((predicted - realised) / realised).abs() < 0.1,
            "{predicted} vs {realised}"
        );
    }

    fn tool(sandbox: &crate::RunningSandbox) -> ForecastLtvTool {
        let client = ShopifyClient::new(ShopifyConfig {
            base_url: sandbox.shopify_base_url(),
            backoff: Backoff {
                base: StdDuration::from_millis(5),
                max: StdDuration::from_millis(20),
            },
            ..ShopifyConfig::new(
                Secret::new("sandbox-token"),
                "trailhead-supply.myshopify.com",
            )
        })
        .unwrap();
        let mut clients = PlatformClients::new();
        clients.insert("shopify", Arc::new(client));
        ForecastLtvTool::new(Arc::new(SharedClients(Arc::new(clients))))
    }

    /// A half-year store: the emulator throttles like Shopify Plus, so reading 400
    /// days of orders takes minutes; 180 days is enough to exercise the tool.
    fn short_brand() -> Arc<Brand> {
        Brand::shared(BrandConfig {
            history_days: 180,
            ..BrandConfig::new(42, day(END))
        })
    }

    #[tokio::test]
    async fn analytics_forecast_ltv_end_to_end_through_the_shopify_emulator() {
        let sandbox = crate::spawn(short_brand(), "sandbox-token".to_owned())
            .await
            .unwrap();
        let tool = tool(&sandbox);
        let out = tool.call(&ctx(), json!({})).await.unwrap();
        println!("{}", out.summary);
        assert!(
            out.summary.contains("over the next 90 days"),
            "{}",
            out.summary
        );
        assert!(out.summary.contains("90% band"), "{}", out.summary);
        assert_eq!(out.data["source"], "shopify");
        assert_eq!(out.data["observation_end"], END);
        let cohorts = out.data["cohorts"].as_array().unwrap();
        assert_eq!(cohorts.len(), 7, "June to November 2026");
        let total = out.data["total"]["expected_value"].as_f64().unwrap();
        let sum: f64 = cohorts
            .iter()
            .map(|c| c["expected_value"].as_f64().unwrap())
            .sum();
        assert!((total - sum).abs() < 0.01 * total, "{total} vs {sum}");
        let top = out.data["top_customers"].as_array().unwrap();
        assert_eq!(top.len(), TOP_CUSTOMERS);
        assert!(top[0]["expected_value"].as_f64() >= top[9]["expected_value"].as_f64());
        let chart = out.chart.as_ref().unwrap();
        assert_eq!(chart.kind, ChartKind::Bar);
        assert_eq!(chart.x_labels.len(), cohorts.len());
        assert_eq!(chart.bands[0].lower.len(), cohorts.len());
        assert_eq!(out.provenance[0].platform, "shopify");
        // Arguments are checked before any request.
        let requests = sandbox.shopify().request_count();
        for bad in [
            json!({"cohort": "June"}),
            json!({"horizon_days": 0}),
            json!({"window": 3}),
        ] {
            let err = tool.call(&ctx(), bad).await.unwrap_err();
            assert!(matches!(err, ToolError::BadArguments(_)), "{err}");
        }
        let err = tool
            .call(&ctx(), json!({"source": "stripe"}))
            .await
            .unwrap_err();
        assert!(matches!(err, ToolError::NotConnected(_)));
        assert_eq!(sandbox.shopify().request_count(), requests);
        sandbox.shutdown().await;
    }

    #[test]
    fn analytics_forecast_ltv_reports_one_cohort_or_names_the_known_ones() {
        let brand = brand();
        let forecast = ltv::forecast(&brand_transactions(&brand), &LtvOptions::default()).unwrap();
        let history = PurchaseHistory {
            transactions: Vec::new(),
            currency: Some("USD".to_owned()),
            account: "trailhead-supply.myshopify.com".to_owned(),
            provenance: omnify_core::Provenance {
                platform: "shopify".to_owned(),
                account: "trailhead-supply.myshopify.com".to_owned(),
                date_range: None,
                query: "orders".to_owned(),
            },
        };
        let one = report(
            PurchaseSource::Shopify,
            &history,
            &forecast,
            Some("2026-06"),
        )
        .unwrap();
        assert!(
            one.summary.contains("first bought in 2026-06"),
            "{}",
            one.summary
        );
        assert_eq!(one.data["cohorts"].as_array().unwrap().len(), 1);
        let june = forecast
            .cohorts
            .iter()
            .find(|c| c.cohort == "2026-06")
            .unwrap();
        assert_eq!(one.data["total"]["customers"], june.customers);
        assert!(
            one.data["top_customers"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["first_purchase"].as_str().unwrap().starts_with("2026-06"))
        );
        let err = report(
            PurchaseSource::Shopify,
            &history,
            &forecast,
            Some("2019-01"),
        )
        .unwrap_err();
        assert!(
            matches!(&err, ToolError::BadArguments(m) if m.contains("2026-06")),
            "{err}"
        );
    }
}
