//! The brand's TikTok Ads account: creator-led video campaigns whose hero creatives
//! wear out fast, as TikTok creatives do.

use super::ad_delivery::{
    AccountPlan, AdAccount, AdGroupPlan, AdPlan, CampaignPlan, FatiguePlan, IdScheme, simulate,
};
use super::{Calendar, GroundTruth};
use crate::sandbox::prng::SplitMix64;

pub(crate) const PLATFORM: &str = "tiktok";

pub const ADVERTISER_ID: &str = "7012345678901234567";

const PLANS: &[CampaignPlan] = &[
    CampaignPlan {
        name: "Spark Ads - Creator Hauls",
        objective: "PRODUCT_SALES",
        daily_budget_minor: 18_000,
        starts_days_before_end: None,
        cpm: 7.0,
        roas_at_budget: 2.2,
        b: 0.72,
        weekend_lift: 1.1,
        order_value: 68.0,
        ad_groups: &[
            AdGroupPlan {
                name: "Hiking interest 18-34",
                audience: "Interest: hiking, camping; ages 18-34, US",
                weight: 0.6,
                ads: &[
                    AdPlan {
                        creative: "Creator Haul - @trailtalia",
                        format: "video",
                        headline: "What I pack for a 20-mile day",
                        body: "Everything from @trailheadsupply #hiking",
                        ctr_pct: 1.6,
                        launched_days_before_end: Some(79),
                        fatigue: Some(FatiguePlan {
                            onset_days_before_end: 30,
                            daily_decay: 0.09,
                            floor: 0.4,
                        }),
                    },
                    AdPlan {
                        creative: "Creator Haul - @peakpete",
                        format: "video",
                        headline: "My new favourite pack",
                        body: "Link in bio #gear",
                        ctr_pct: 1.3,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
            AdGroupPlan {
                name: "Broad 18-44",
                audience: "Broad, ages 18-44, US",
                weight: 0.4,
                ads: &[AdPlan {
                    creative: "Creator Haul - @summitsara",
                    format: "video",
                    headline: "Packing for my first thru-hike",
                    body: "Gear list in comments",
                    ctr_pct: 1.4,
                    launched_days_before_end: Some(93),
                    fatigue: Some(FatiguePlan {
                        onset_days_before_end: 55,
                        daily_decay: 0.07,
                        floor: 0.45,
                    }),
                }],
            },
        ],
    },
    CampaignPlan {
        name: "Prospecting - Outdoor Interest",
        objective: "WEB_CONVERSIONS",
        daily_budget_minor: 14_000,
        starts_days_before_end: None,
        cpm: 6.0,
        roas_at_budget: 1.8,
        b: 0.7,
        weekend_lift: 1.08,
        order_value: 72.0,
        ad_groups: &[AdGroupPlan {
            name: "Outdoor interest 25-44",
            audience: "Interest: outdoors, travel; ages 25-44, US",
            weight: 1.0,
            ads: &[
                AdPlan {
                    creative: "Jacket Rain Test - 15s",
                    format: "video",
                    headline: "We poured a bucket on it",
                    body: "Still dry. #rainjacket",
                    ctr_pct: 1.1,
                    launched_days_before_end: None,
                    fatigue: None,
                },
                AdPlan {
                    creative: "Pack Drop Test - 9s",
                    format: "video",
                    headline: "Dropped from 10 feet",
                    body: "Lifetime warranty, obviously.",
                    ctr_pct: 1.0,
                    launched_days_before_end: Some(45),
                    fatigue: None,
                },
            ],
        }],
    },
    CampaignPlan {
        name: "Retargeting - Video Viewers",
        objective: "WEB_CONVERSIONS",
        daily_budget_minor: 6_000,
        starts_days_before_end: None,
        cpm: 11.0,
        roas_at_budget: 3.9,
        b: 0.6,
        weekend_lift: 1.1,
        order_value: 74.0,
        ad_groups: &[AdGroupPlan {
            name: "Viewed 6s in 14 days",
            audience: "Watched 6 seconds of any ad in the last 14 days",
            weight: 1.0,
            ads: &[AdPlan {
                creative: "Free Shipping Reminder - 6s",
                format: "video",
                headline: "Still thinking about it?",
                body: "Free shipping and 60-day returns.",
                ctr_pct: 1.5,
                launched_days_before_end: None,
                fatigue: None,
            }],
        }],
    },
];

pub(super) fn generate(
    calendar: &Calendar,
    rng: &mut SplitMix64,
    audience_rng: &mut SplitMix64,
    truth: &mut GroundTruth,
) -> AdAccount {
    let plan = AccountPlan {
        platform: PLATFORM,
        account_id: ADVERTISER_ID,
        name: "Trailhead Supply Co. - TikTok",
        timezone: "America/Los_Angeles",
        campaigns: PLANS,
        ids: IdScheme {
            campaign: 1_780_000_000_000_001,
            budget: 0,
            ad_group: 1_781_000_000_000_000,
            ad: 1_782_000_000_000_000,
            creative: 7_300_000_000_000_000,
        },
    };
    simulate(&plan, calendar, rng, audience_rng, truth)
}
