//! First-click credit per channel and per campaign, joined with each channel's spend.

use crate::model::{AttributedOrder, ChannelSpend};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Orders with no click (typed-in URL, bookmarks) are credited here.
pub const DIRECT: &str = "direct";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelCredit {
    /// TripleWhale's channel name: "facebook-ads", "klaviyo", "direct"…
    pub source: String,
    pub orders: u64,
    pub revenue: Decimal,
    /// Ad spend on the channel, for ad channels.
    pub spend: Option<Decimal>,
    /// The ad platform's own ROAS, where TripleWhale reports it.
    pub platform_roas: Option<Decimal>,
}

impl ChannelCredit {
    /// First-click revenue over spend.
    pub fn roas(&self) -> Option<Decimal> {
        self.spend
            .filter(|s| !s.is_zero())
            .map(|s| self.revenue / s)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignCredit {
    pub source: String,
    pub campaign_id: String,
    pub orders: u64,
    pub revenue: Decimal,
}

/// Channels by first-click revenue, highest first; ad channels with spend but no
/// credited orders are listed too.
pub fn by_channel(orders: &[AttributedOrder], spend: &[ChannelSpend]) -> Vec<ChannelCredit> {
    let mut lines: BTreeMap<String, ChannelCredit> = BTreeMap::new();
    for order in orders {
        let source = order
            .first_click
            .as_ref()
            .map_or(DIRECT, |t| t.source.as_str());
        let line = lines
            .entry(source.to_owned())
            .or_insert_with(|| ChannelCredit {
                source: source.to_owned(),
                ..ChannelCredit::default()
            });
        line.orders += 1;
        line.revenue += order.total.amount;
    }
    for channel in spend {
        let line = lines
            .entry(channel.source.clone())
            .or_insert_with(|| ChannelCredit {
                source: channel.source.clone(),
                ..ChannelCredit::default()
            });
        line.spend = Some(line.spend.unwrap_or_default() + channel.spend.amount);
        line.platform_roas = channel.platform_roas;
    }
    let mut lines: Vec<ChannelCredit> = lines.into_values().collect();
    lines.sort_by(|a, b| b.revenue.cmp(&a.revenue).then(a.source.cmp(&b.source)));
    lines
}

/// Campaigns by first-click revenue, highest first.
pub fn by_campaign(orders: &[AttributedOrder]) -> Vec<CampaignCredit> {
    let mut lines: BTreeMap<(String, String), CampaignCredit> = BTreeMap::new();
    for order in orders {
        let Some(touch) = &order.first_click else {
            continue;
        };
        let Some(campaign) = &touch.campaign_id else {
            continue;
        };
        let line = lines
            .entry((touch.source.clone(), campaign.clone()))
            .or_insert_with(|| CampaignCredit {
                source: touch.source.clone(),
                campaign_id: campaign.clone(),
                ..CampaignCredit::default()
            });
        line.orders += 1;
        line.revenue += order.total.amount;
    }
    let mut lines: Vec<CampaignCredit> = lines.into_values().collect();
    lines.sort_by(|a, b| {
        b.revenue
            .cmp(&a.revenue)
            .then(a.campaign_id.cmp(&b.campaign_id))
    });
    lines
}
