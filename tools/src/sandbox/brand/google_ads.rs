//! The brand's Google Ads account: search, Performance Max and a YouTube video
//! campaign. YouTube ad spend lives here, as it does in real accounts (PLATFORMS.md §9).

use super::ad_delivery::{
    AccountPlan, AdAccount, AdGroupPlan, AdPlan, CampaignPlan, FatiguePlan, IdScheme, simulate,
};
use super::{Calendar, GroundTruth};
use crate::sandbox::prng::SplitMix64;

pub(crate) const PLATFORM: &str = "google_ads";

/// 10 digits without hyphens, as paths and headers want it.
pub const CUSTOMER_ID: &str = "1234567890";

/// The name of the video campaign that carries the brand's YouTube ad spend.
pub const YOUTUBE_CAMPAIGN: &str = "YouTube - Trail Stories";

const PLANS: &[CampaignPlan] = &[
    CampaignPlan {
        name: "Search - Brand",
        objective: "SEARCH",
        daily_budget_minor: 15_000,
        starts_days_before_end: None,
        cpm: 48.0,
        roas_at_budget: 7.5,
        b: 0.55,
        weekend_lift: 1.05,
        order_value: 82.0,
        ad_groups: &[AdGroupPlan {
            name: "Brand terms",
            audience: "Searches for Trailhead and Trailhead Supply",
            weight: 1.0,
            ads: &[
                AdPlan {
                    creative: "RSA - Official Site",
                    format: "text",
                    headline: "Trailhead Supply Co. | Official Site",
                    body: "Packs, jackets and trail gear with a lifetime warranty.",
                    ctr_pct: 7.5,
                    launched_days_before_end: None,
                    fatigue: None,
                },
                AdPlan {
                    creative: "RSA - Free Shipping",
                    format: "text",
                    headline: "Free Shipping Over $75",
                    body: "60-day returns on every order.",
                    ctr_pct: 6.2,
                    launched_days_before_end: None,
                    fatigue: None,
                },
            ],
        }],
    },
    CampaignPlan {
        name: "Search - Nonbrand Backpacks",
        objective: "SEARCH",
        daily_budget_minor: 25_000,
        starts_days_before_end: None,
        cpm: 36.0,
        roas_at_budget: 2.3,
        b: 0.68,
        weekend_lift: 1.07,
        order_value: 96.0,
        ad_groups: &[
            AdGroupPlan {
                name: "Hiking backpacks",
                audience: "Searches for hiking and daypacks",
                weight: 0.6,
                ads: &[
                    AdPlan {
                        creative: "RSA - 40L Trail Pack",
                        format: "text",
                        headline: "The 40L Pack Hikers Rate 4.8 Stars",
                        body: "1.1 kg, waterproof, lifetime warranty.",
                        ctr_pct: 3.8,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                    AdPlan {
                        creative: "RSA - Lightweight Daypacks",
                        format: "text",
                        headline: "Lightweight Daypacks From $79",
                        body: "Built for long days on the trail.",
                        ctr_pct: 3.1,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
            AdGroupPlan {
                name: "Backpacking packs",
                audience: "Searches for multi-day backpacking packs",
                weight: 0.4,
                ads: &[AdPlan {
                    creative: "RSA - Multi-day Packs",
                    format: "text",
                    headline: "Packs for Two Nights Out",
                    body: "Carry more, feel less. Free shipping.",
                    ctr_pct: 3.3,
                    launched_days_before_end: None,
                    fatigue: None,
                }],
            },
        ],
    },
    CampaignPlan {
        name: "Performance Max - All Products",
        objective: "PERFORMANCE_MAX",
        daily_budget_minor: 40_000,
        starts_days_before_end: None,
        cpm: 12.0,
        roas_at_budget: 3.4,
        b: 0.74,
        weekend_lift: 1.08,
        order_value: 78.0,
        ad_groups: &[AdGroupPlan {
            name: "All products asset group",
            audience: "Google's automated audience, United States",
            weight: 1.0,
            ads: &[
                AdPlan {
                    creative: "PMax - Catalog Assets",
                    format: "image",
                    headline: "Gear for Every Trail",
                    body: "Shop packs, jackets and accessories.",
                    ctr_pct: 1.2,
                    launched_days_before_end: None,
                    fatigue: None,
                },
                AdPlan {
                    creative: "PMax - Lifestyle Video",
                    format: "video",
                    headline: "Go Further",
                    body: "Trailhead Supply Co.",
                    ctr_pct: 0.9,
                    launched_days_before_end: None,
                    fatigue: None,
                },
            ],
        }],
    },
    CampaignPlan {
        name: YOUTUBE_CAMPAIGN,
        objective: "VIDEO",
        daily_budget_minor: 12_000,
        starts_days_before_end: None,
        cpm: 8.5,
        roas_at_budget: 1.3,
        b: 0.8,
        weekend_lift: 1.04,
        order_value: 88.0,
        ad_groups: &[AdGroupPlan {
            name: "In-stream - Outdoor enthusiasts",
            audience: "YouTube viewers interested in hiking and camping",
            weight: 1.0,
            ads: &[
                AdPlan {
                    creative: "Trail Stories - Ridge Line 30s",
                    format: "video",
                    headline: "Built for the ridge line",
                    body: "Watch the full story.",
                    ctr_pct: 0.6,
                    launched_days_before_end: Some(85),
                    fatigue: Some(FatiguePlan {
                        onset_days_before_end: 40,
                        daily_decay: 0.05,
                        floor: 0.5,
                    }),
                },
                AdPlan {
                    creative: "Trail Stories - Founder 15s",
                    format: "video",
                    headline: "Why we started Trailhead",
                    body: "Gear we wanted and could not buy.",
                    ctr_pct: 0.5,
                    launched_days_before_end: None,
                    fatigue: None,
                },
            ],
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
        account_id: CUSTOMER_ID,
        name: "Trailhead Supply Co.",
        timezone: "America/Los_Angeles",
        campaigns: PLANS,
        ids: IdScheme {
            campaign: 2_071_000_001,
            budget: 4_560_000_001,
            ad_group: 15_100_000_000,
            ad: 68_400_000_000,
            creative: 68_400_000_000,
        },
    };
    simulate(&plan, calendar, rng, audience_rng, truth)
}
