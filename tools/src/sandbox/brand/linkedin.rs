//! The brand's LinkedIn Ads account: the B2B side of the business (corporate gifting
//! and wholesale), where a conversion is a lead form or a wholesale enquiry.

use super::ad_delivery::{
    AccountPlan, AdAccount, AdGroupPlan, AdPlan, CampaignPlan, IdScheme, simulate,
};
use super::{Calendar, GroundTruth};
use crate::sandbox::prng::SplitMix64;

pub(crate) const PLATFORM: &str = "linkedin";

/// The sponsored account id (`urn:li:sponsoredAccount:<id>`).
pub const ACCOUNT_ID: &str = "511012345";

// LinkedIn has no ad groups: the "ad group" level here is the campaign group's single
// audience inside the campaign, and ads are sponsored-content creatives.
const PLANS: &[CampaignPlan] = &[
    CampaignPlan {
        name: "Corporate Gifting - HR Leaders",
        objective: "LEAD_GENERATION",
        daily_budget_minor: 10_000,
        starts_days_before_end: None,
        cpm: 38.0,
        roas_at_budget: 1.7,
        b: 0.65,
        weekend_lift: 0.7,
        order_value: 420.0,
        ad_groups: &[AdGroupPlan {
            name: "HR and People leaders, 200+ employees",
            audience: "Job function: Human Resources; seniority: Director+; company size 200+",
            weight: 1.0,
            ads: &[
                AdPlan {
                    creative: "Gift Guide - Single Image",
                    format: "image",
                    headline: "Year-end gifts your team will actually use",
                    body: "Custom-branded packs and jackets, volume pricing.",
                    ctr_pct: 0.6,
                    launched_days_before_end: None,
                    fatigue: None,
                },
                AdPlan {
                    creative: "Team Offsite Kit - Carousel",
                    format: "carousel",
                    headline: "Kit out your next offsite",
                    body: "Everything for a team day outdoors.",
                    ctr_pct: 0.5,
                    launched_days_before_end: None,
                    fatigue: None,
                },
            ],
        }],
    },
    CampaignPlan {
        name: "Wholesale - Outdoor Retail Buyers",
        objective: "WEBSITE_CONVERSIONS",
        daily_budget_minor: 8_000,
        starts_days_before_end: None,
        cpm: 45.0,
        roas_at_budget: 2.1,
        b: 0.6,
        weekend_lift: 0.6,
        order_value: 1_250.0,
        ad_groups: &[AdGroupPlan {
            name: "Retail buyers, sporting goods",
            audience: "Job title: Buyer, Merchandiser; industry: Retail sporting goods",
            weight: 1.0,
            ads: &[AdPlan {
                creative: "Wholesale Program - Single Image",
                format: "image",
                headline: "Stock the pack hikers ask for",
                body: "Wholesale terms from 24 units.",
                ctr_pct: 0.45,
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
        account_id: ACCOUNT_ID,
        name: "Trailhead Supply Co. - B2B",
        timezone: "America/Los_Angeles",
        campaigns: PLANS,
        ids: IdScheme {
            campaign: 612_300_001,
            budget: 0,
            ad_group: 612_200_000,
            ad: 712_300_000,
            creative: 712_300_000,
        },
    };
    simulate(&plan, calendar, rng, audience_rng, truth)
}
