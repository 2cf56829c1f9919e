//! Stripe through its REST API: subscriptions, invoices and charges.
//!
//! [`StripeClient`] speaks the API (bearer key, `Stripe-Version`, list paging, 429s
//! with `Retry-After` and `Stripe-Should-Retry`) and maps into the commerce model.
//! Tools find it with `clients.get::<StripeClient>(PLATFORM)`.

mod client;
mod errors;
mod wire;

pub use client::{StripeClient, StripeConfig};
pub use errors::StripeError;
pub use wire::PLATFORM;
