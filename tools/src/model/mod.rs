//! The platform-neutral shapes connectors map into, so analytics and tools never care
//! which API a number came from. One module per family of platforms.

mod ads;
mod commerce;
mod crm;
mod email;
mod video;

pub use ads::{AdFrequency, CampaignDay};
pub use commerce::{
    AttributedOrder, AttributionSummary, BillingInterval, ChannelSpend, Charge, Customer, Invoice,
    Money, Order, Refund, Subscription, Touch,
};
pub use crm::{Company, Contact, Deal, DealStatus, Pipeline, Stage};
pub use email::{EmailCampaignStats, FlowStats, MessageChannel, MessageMetrics};
pub use video::{ChannelDay, VideoResult};
