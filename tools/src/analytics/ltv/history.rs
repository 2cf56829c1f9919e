//! A tenant's purchase history from whichever commerce platform holds it, as the
//! plain transactions the analytics take: Shopify orders, TripleWhale's order
//! journeys, or Stripe charges. Refunds come off each order's amount and fully
//! refunded orders are dropped (a purchase that was given back is not a purchase).

use crate::connections::PlatformClients;
use crate::connectors::shopify::{self, ShopifyClient};
use crate::connectors::stripe::{self, StripeClient};
use crate::connectors::triplewhale::{self, TripleWhaleClient};
use omnify_analytics::ltv::Transaction;
use omnify_core::{DateRange, Provenance, ToolError};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

/// Where purchases are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PurchaseSource {
    Shopify,
    #[serde(alias = "triple_whale")]
    TripleWhale,
    Stripe,
}

impl PurchaseSource {
    pub const ALL: [PurchaseSource; 3] = [Self::Shopify, Self::TripleWhale, Self::Stripe];

    pub fn key(self) -> &'static str {
        match self {
            Self::Shopify => shopify::PLATFORM,
            Self::TripleWhale => triplewhale::PLATFORM,
            Self::Stripe => stripe::PLATFORM,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Shopify => "Shopify",
            Self::TripleWhale => "TripleWhale",
            Self::Stripe => "Stripe",
        }
    }

    /// The asked-for source, or the first connected one (Shopify, then TripleWhale,
    /// then Stripe).
    pub fn choose(
        asked: Option<PurchaseSource>,
        clients: &PlatformClients,
    ) -> Result<PurchaseSource, ToolError> {
        let connected = |s: PurchaseSource| clients.connected().contains(&s.key());
        match asked {
            Some(s) if connected(s) => Ok(s),
            Some(s) => Err(ToolError::NotConnected(format!(
                "{} is not connected: connect it with `/omnify connect {}`",
                s.label(),
                s.key()
            ))),
            None => Self::ALL
                .into_iter()
                .find(|s| connected(*s))
                .ok_or_else(|| {
                    ToolError::NotConnected(
                        "no store or payments platform is connected: connect Shopify, TripleWhale \
                     or Stripe with `/omnify connect shopify`"
                            .to_owned(),
                    )
                }),
        }
    }
}

/// Purchases in `range`, with where they came from.
pub struct PurchaseHistory {
    pub transactions: Vec<Transaction>,
    pub currency: Option<String>,
    pub account: String,
    pub provenance: Provenance,
}

pub async fn fetch(
    source: PurchaseSource,
    clients: &PlatformClients,
    range: DateRange,
) -> Result<PurchaseHistory, ToolError> {
    let not_connected = || {
        ToolError::NotConnected(format!(
            "{} is not connected: connect it with `/omnify connect {}`",
            source.label(),
            source.key()
        ))
    };
    let to_f64 = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0);
    let (transactions, currency, account, query) = match source {
        PurchaseSource::Shopify => {
            let shop = clients
                .get::<ShopifyClient>(shopify::PLATFORM)
                .ok_or_else(not_connected)?;
            let orders = shop.orders(range).await?;
            let currency = orders.first().map(|o| o.total.currency.clone());
            let transactions = orders
                .iter()
                .filter_map(|o| {
                    let net = to_f64(o.total.amount - o.refunded.amount);
                    purchase(o.customer_id.as_deref(), o.created_at, net)
                })
                .collect();
            (
                transactions,
                currency,
                shop.shop_domain().to_owned(),
                shop.orders_query(range),
            )
        }
        PurchaseSource::TripleWhale => {
            let tw = clients
                .get::<TripleWhaleClient>(triplewhale::PLATFORM)
                .ok_or_else(not_connected)?;
            let orders = tw.orders_with_journeys(range).await?;
            let currency = orders.first().map(|o| o.total.currency.clone());
            let transactions = orders
                .iter()
                .filter_map(|o| {
                    purchase(
                        o.customer_id.as_deref(),
                        o.created_at,
                        to_f64(o.total.amount),
                    )
                })
                .collect();
            (
                transactions,
                currency,
                tw.shop_domain().to_owned(),
                tw.journeys_query(range),
            )
        }
        PurchaseSource::Stripe => {
            let stripe = clients
                .get::<StripeClient>(stripe::PLATFORM)
                .ok_or_else(not_connected)?;
            let charges = stripe.charges(range).await?;
            let currency = charges.first().map(|c| c.amount.currency.clone());
            let transactions = charges
                .iter()
                .filter(|c| c.status == "succeeded")
                .filter_map(|c| {
                    let net = to_f64(c.amount.amount - c.amount_refunded.amount);
                    purchase(c.customer_id.as_deref(), c.created_at, net)
                })
                .collect();
            let query = format!(
                "GET /v1/charges created[gte]={} created[lte]={} (succeeded)",
                range.since, range.until
            );
            (
                transactions,
                currency,
                stripe.account_id().to_owned(),
                query,
            )
        }
    };
    Ok(PurchaseHistory {
        transactions,
        currency,
        provenance: Provenance {
            platform: source.key().to_owned(),
            account: account.clone(),
            date_range: Some(range),
            query,
        },
        account,
    })
}

fn purchase(
    customer: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
    amount: f64,
) -> Option<Transaction> {
    let customer = customer.filter(|c| !c.is_empty())?;
    (amount > 0.0).then(|| Transaction {
        customer_id: customer.to_owned(),
        date: at.date_naive(),
        amount,
    })
}
