//! E-mail and SMS marketing results (Klaviyo) in one shape: campaigns (one send) and
//! flows (automations that send every day).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageChannel {
    Email,
    Sms,
}

impl MessageChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }

    /// How marketers write it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "Email",
            Self::Sms => "SMS",
        }
    }
}

/// Delivery and results counts shared by campaigns and flows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageMetrics {
    pub recipients: u64,
    pub delivered: u64,
    /// Unique opens (SMS has none).
    pub opens: u64,
    /// Unique clicks.
    pub clicks: u64,
    /// Conversions of the account's conversion metric (normally Placed Order).
    pub conversions: u64,
    /// Attributed conversion value, exact.
    pub revenue: Decimal,
}

impl MessageMetrics {
    pub fn add(&mut self, other: &MessageMetrics) {
        self.recipients += other.recipients;
        self.delivered += other.delivered;
        self.opens += other.opens;
        self.clicks += other.clicks;
        self.conversions += other.conversions;
        self.revenue += other.revenue;
    }

    fn rate(part: u64, whole: u64) -> Option<f64> {
        (whole > 0).then(|| part as f64 / whole as f64)
    }

    /// Unique opens over delivered, as Klaviyo computes it.
    pub fn open_rate(&self) -> Option<f64> {
        Self::rate(self.opens, self.delivered)
    }

    pub fn click_rate(&self) -> Option<f64> {
        Self::rate(self.clicks, self.delivered)
    }

    pub fn conversion_rate(&self) -> Option<f64> {
        Self::rate(self.conversions, self.delivered)
    }

    /// Revenue per delivered message.
    pub fn revenue_per_recipient(&self) -> Option<Decimal> {
        (self.delivered > 0).then(|| (self.revenue / Decimal::from(self.delivered)).round_dp(4))
    }
}

/// One campaign send (one message on one channel) over a reporting range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailCampaignStats {
    pub platform: String,
    pub account_id: String,
    pub campaign_id: String,
    pub message_id: String,
    pub name: String,
    pub channel: MessageChannel,
    pub send_time: Option<DateTime<Utc>>,
    pub metrics: MessageMetrics,
    pub currency: String,
}

/// One flow (all its messages on one channel) over a reporting range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowStats {
    pub platform: String,
    pub account_id: String,
    pub flow_id: String,
    pub name: String,
    /// draft, manual or live.
    pub status: String,
    pub trigger: Option<String>,
    pub channel: MessageChannel,
    pub metrics: MessageMetrics,
    pub currency: String,
}
