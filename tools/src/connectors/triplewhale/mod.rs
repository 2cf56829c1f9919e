//! TripleWhale: blended store results (summary page) and first-click attribution
//! (orders with journeys).
//!
//! [`TripleWhaleClient`] speaks the API (`x-api-key`, both journey paging styles,
//! 429 with `Retry-After`) and maps into the commerce model. Tools find it with
//! `clients.get::<TripleWhaleClient>(PLATFORM)`.

mod client;
mod errors;
mod wire;

pub use client::{JourneyPaging, TripleWhaleClient, TripleWhaleConfig, blended_summary};
pub use errors::TripleWhaleError;
pub use wire::{PLATFORM, SummaryMetric};
