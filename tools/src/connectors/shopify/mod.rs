//! Shopify through the Admin GraphQL API: orders, refunds and customers.
//!
//! [`ShopifyClient`] speaks the API (the `X-Shopify-Access-Token` header, cursor
//! paging, the cost bucket's `THROTTLED` answers) and maps into the commerce model.
//! Tools find it with `clients.get::<ShopifyClient>(PLATFORM)`.

mod client;
mod errors;
mod wire;

pub use client::{ShopifyClient, ShopifyConfig};
pub use errors::{ShopifyError, throttle_wait};
pub use wire::{PLATFORM, QueryCost, ShopInfo, ThrottleStatus};
