//! The platform-neutral shapes connectors map into, so analytics and tools never care
//! which API a number came from. One module per family of platforms.

mod ads;

pub use ads::CampaignDay;
