//! Tools the model can call, the platform connectors behind them, and the sandbox
//! emulators that let every tool run on a fresh machine with no platform keys.
//!
//! - [`connectors`]: one client per platform API, mapped to the [`model`] types.
//! - [`performance`]: `get_marketing_performance`, the cross-platform results tool.
//! - [`sandbox`]: a seeded synthetic brand and local HTTP emulators of the platform APIs.
//! - [`money`]: exact parsing of the money formats the platforms send.

pub mod actions;
pub mod analytics;
pub mod attribution_summary;
pub mod connections;
pub mod connectors;
pub mod crm;
pub mod email_performance;
pub mod model;
pub mod money;
pub mod performance;
pub mod range_args;
pub mod sandbox;
pub mod store_sales;
pub mod subscription_metrics;
pub mod youtube_stats;

pub use actions::{ChangeBudgetAction, PauseCampaignAction};
pub use attribution_summary::AttributionSummaryTool;
pub use connections::{ClientDirectory, PlatformClients, SharedClients};
pub use connectors::gohighlevel::{GoHighLevelClient, GoHighLevelConfig, GoHighLevelError};
pub use connectors::google_ads::{GoogleAdsClient, GoogleAdsConfig, GoogleAdsError};
pub use connectors::hubspot::{HubSpotClient, HubSpotConfig, HubSpotError};
pub use connectors::klaviyo::{KlaviyoClient, KlaviyoConfig, KlaviyoError};
pub use connectors::linkedin::{LinkedInClient, LinkedInConfig, LinkedInError};
pub use connectors::meta::{MetaAdsClient, MetaConfig, MetaError};
pub use connectors::oauth::{OAuthCredentials, TokenListener, TokenPair};
pub use connectors::shopify::{ShopifyClient, ShopifyConfig, ShopifyError};
pub use connectors::stripe::{StripeClient, StripeConfig, StripeError};
pub use connectors::tiktok::{TikTokClient, TikTokConfig, TikTokError};
pub use connectors::triplewhale::{TripleWhaleClient, TripleWhaleConfig, TripleWhaleError};
pub use connectors::youtube::{YouTubeClient, YouTubeConfig, YouTubeError};
pub use connectors::{AdPlatform, AdPlatforms};
pub use crm::{PipelineSummaryTool, SearchCrmTool};
pub use email_performance::EmailPerformanceTool;
pub use performance::PerformanceTool;
pub use sandbox::brand::Brand;
pub use sandbox::{RunningSandbox, spawn};
pub use store_sales::StoreSalesTool;
pub use subscription_metrics::SubscriptionMetricsTool;
pub use youtube_stats::YouTubeStatsTool;
