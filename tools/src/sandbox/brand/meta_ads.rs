//! The brand's Meta Ads account: structure (campaigns → ad sets → ads → creatives) and
//! one row of delivery per ad per day.
//!
//! Money is kept in integer cents so the emulator can print Meta's decimal strings
//! exactly and tests can compare sums to the cent.

use super::audience::{self, Delivery};
use super::draws;
use super::{
    Anomaly, AnomalyKind, Calendar, CreativeFatigue, GroundTruth, ResponseCurve, is_weekend,
    weekday_spend_factor,
};
use crate::sandbox::prng::SplitMix64;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const PLATFORM: &str = "meta";

/// Days before the end date the pixel went dark for a day.
const TRACKING_OUTAGE_DAYS_BEFORE_END: i64 = 33;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaAdsAccount {
    /// With the `act_` prefix, as the Graph API paths use it.
    pub account_id: String,
    pub name: String,
    pub currency: String,
    pub timezone: String,
    pub campaigns: Vec<MetaCampaign>,
    /// One row per ad per day it delivered, ordered by date.
    pub days: Vec<MetaAdDay>,
}

impl MetaAdsAccount {
    pub fn campaign(&self, campaign_id: &str) -> Option<&MetaCampaign> {
        self.campaigns.iter().find(|c| c.id == campaign_id)
    }

    pub fn ad_set(&self, adset_id: &str) -> Option<&MetaAdSet> {
        self.campaigns
            .iter()
            .flat_map(|c| &c.ad_sets)
            .find(|s| s.id == adset_id)
    }

    pub fn ad(&self, ad_id: &str) -> Option<&MetaAd> {
        self.campaigns
            .iter()
            .flat_map(|c| &c.ad_sets)
            .flat_map(|s| &s.ads)
            .find(|a| a.id == ad_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaCampaign {
    pub id: String,
    pub name: String,
    /// ACTIVE or PAUSED.
    pub status: String,
    /// e.g. OUTCOME_SALES.
    pub objective: String,
    /// Campaign budget (CBO) in the account currency's minor units, as Meta stores it.
    pub daily_budget_minor: i64,
    pub starts_on: NaiveDate,
    pub ad_sets: Vec<MetaAdSet>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaAdSet {
    pub id: String,
    pub name: String,
    /// Who the ad set targets, in a marketer's words.
    pub audience: String,
    pub ads: Vec<MetaAd>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaAd {
    pub id: String,
    pub name: String,
    pub creative: MetaCreative,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaCreative {
    pub id: String,
    pub name: String,
    /// image, video or carousel.
    pub format: String,
    pub title: String,
    pub body: String,
}

/// One ad's delivery on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaAdDay {
    pub date: NaiveDate,
    pub campaign_id: String,
    pub adset_id: String,
    pub ad_id: String,
    pub spend_minor: i64,
    pub impressions: u64,
    /// Daily unique reach; not additive across days, like the real thing
    /// (`audience.rs` has the saturation model).
    pub reach: u64,
    /// Unique people reached from the ad's first day through this one (what Meta
    /// reports as `reach` for that range).
    #[serde(default)]
    pub lifetime_reach: u64,
    /// All clicks (Meta's `clicks`).
    pub clicks: u64,
    pub link_clicks: u64,
    pub landing_page_views: u64,
    pub add_to_carts: u64,
    pub purchases: u64,
    pub purchase_value_minor: i64,
}

struct CampaignPlan {
    name: &'static str,
    objective: &'static str,
    daily_budget_minor: i64,
    /// `None`: running for the whole history.
    starts_days_before_end: Option<i64>,
    cpm: f64,
    /// ROAS at exactly the daily budget; with `b` it fixes the curve's `a`.
    roas_at_budget: f64,
    b: f64,
    weekend_lift: f64,
    ad_sets: [AdSetPlan; 2],
}

struct AdSetPlan {
    name: &'static str,
    audience: &'static str,
    /// Share of the campaign's spend.
    weight: f64,
    ads: &'static [AdPlan],
}

struct AdPlan {
    creative: &'static str,
    format: &'static str,
    title: &'static str,
    body: &'static str,
    /// CTR in percent before any fatigue.
    ctr_pct: f64,
    /// `None`: running since its campaign started. Creatives that tire are refreshes
    /// launched five to eight weeks before their onset, as accounts rotate creatives.
    launched_days_before_end: Option<i64>,
    fatigue: Option<FatiguePlan>,
}

struct FatiguePlan {
    onset_days_before_end: i64,
    daily_decay: f64,
    floor: f64,
}

const PLANS: [CampaignPlan; 4] = [
    CampaignPlan {
        name: "ASC - Evergreen",
        objective: "OUTCOME_SALES",
        daily_budget_minor: 45_000,
        starts_days_before_end: None,
        cpm: 11.5,
        roas_at_budget: 3.2,
        b: 0.78,
        weekend_lift: 1.08,
        ad_sets: [
            AdSetPlan {
                name: "Advantage+ Shopping - US",
                audience: "Advantage+ audience, United States",
                weight: 0.7,
                ads: &[
                    AdPlan {
                        creative: "Trail Pack 40L - Hero Image",
                        format: "image",
                        title: "The pack that goes the distance",
                        body: "40 litres, 1.1 kg, lifetime warranty.",
                        ctr_pct: 1.35,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                    AdPlan {
                        creative: "Summit Jacket - Catalog Carousel",
                        format: "carousel",
                        title: "Built for the ridge line",
                        body: "Waterproof, breathable, packs into its own pocket.",
                        ctr_pct: 1.6,
                        launched_days_before_end: Some(112),
                        fatigue: Some(FatiguePlan {
                            onset_days_before_end: 70,
                            daily_decay: 0.05,
                            floor: 0.5,
                        }),
                    },
                    AdPlan {
                        creative: "Founder Story - Video 30s",
                        format: "video",
                        title: "Why we started Trailhead",
                        body: "Gear we wanted and could not buy.",
                        ctr_pct: 1.1,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
            AdSetPlan {
                name: "Advantage+ Shopping - CA",
                audience: "Advantage+ audience, Canada",
                weight: 0.3,
                ads: &[
                    AdPlan {
                        creative: "Trail Pack 40L - Hero Image CA",
                        format: "image",
                        title: "The pack that goes the distance",
                        body: "Free shipping across Canada.",
                        ctr_pct: 1.25,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                    AdPlan {
                        creative: "Summit Jacket - Catalog Carousel CA",
                        format: "carousel",
                        title: "Built for the ridge line",
                        body: "Waterproof and warm to -10C.",
                        ctr_pct: 1.45,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
        ],
    },
    CampaignPlan {
        name: "Prospecting - Broad",
        objective: "OUTCOME_SALES",
        daily_budget_minor: 30_000,
        starts_days_before_end: None,
        cpm: 9.0,
        roas_at_budget: 2.1,
        b: 0.7,
        weekend_lift: 1.05,
        ad_sets: [
            AdSetPlan {
                name: "Broad 25-54",
                audience: "Adults 25-54, US, no interests",
                weight: 0.55,
                ads: &[
                    AdPlan {
                        creative: "UGC Unboxing - Video",
                        format: "video",
                        title: "Unboxing the Trail Pack",
                        body: "Real hikers, first impressions.",
                        ctr_pct: 2.1,
                        launched_days_before_end: Some(80),
                        fatigue: Some(FatiguePlan {
                            onset_days_before_end: 45,
                            daily_decay: 0.07,
                            floor: 0.45,
                        }),
                    },
                    AdPlan {
                        creative: "Spring Lookbook - Image",
                        format: "image",
                        title: "New season, new trails",
                        body: "The spring range is here.",
                        ctr_pct: 1.2,
                        launched_days_before_end: Some(60),
                        fatigue: None,
                    },
                ],
            },
            AdSetPlan {
                name: "Lookalike 1% Purchasers",
                audience: "1% lookalike of 180-day purchasers",
                weight: 0.45,
                ads: &[
                    AdPlan {
                        creative: "Trail Pack 40L - Reviews Image",
                        format: "image",
                        title: "4.8 stars from 2,300 hikers",
                        body: "See why they switched.",
                        ctr_pct: 1.4,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                    AdPlan {
                        creative: "Gear Checklist - Carousel",
                        format: "carousel",
                        title: "Your weekend packing list",
                        body: "Everything for two nights out.",
                        ctr_pct: 1.3,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                    AdPlan {
                        creative: "Founder Story - Video 15s",
                        format: "video",
                        title: "Why we started Trailhead",
                        body: "Gear we wanted and could not buy.",
                        ctr_pct: 1.0,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
        ],
    },
    CampaignPlan {
        name: "Retargeting - 7d",
        objective: "OUTCOME_SALES",
        daily_budget_minor: 12_000,
        starts_days_before_end: None,
        cpm: 18.0,
        roas_at_budget: 5.5,
        b: 0.6,
        weekend_lift: 1.1,
        ad_sets: [
            AdSetPlan {
                name: "Site visitors 7d",
                audience: "Website visitors in the last 7 days, excluding buyers",
                weight: 0.6,
                ads: &[
                    AdPlan {
                        creative: "Testimonial Carousel",
                        format: "carousel",
                        title: "Hikers love it",
                        body: "Read what 2,300 reviewers say.",
                        ctr_pct: 2.4,
                        launched_days_before_end: Some(76),
                        fatigue: Some(FatiguePlan {
                            onset_days_before_end: 20,
                            daily_decay: 0.08,
                            floor: 0.45,
                        }),
                    },
                    AdPlan {
                        creative: "Free Shipping Reminder - Image",
                        format: "image",
                        title: "Still thinking it over?",
                        body: "Free shipping and 60-day returns.",
                        ctr_pct: 1.8,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
            AdSetPlan {
                name: "Add to cart 7d",
                audience: "Added to cart in the last 7 days, no purchase",
                weight: 0.4,
                ads: &[
                    AdPlan {
                        creative: "Cart Reminder - Dynamic Product Ad",
                        format: "carousel",
                        title: "You left something behind",
                        body: "Your cart is saved.",
                        ctr_pct: 2.8,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                    AdPlan {
                        creative: "10% Off First Order - Image",
                        format: "image",
                        title: "10% off your first order",
                        body: "Code TRAIL10 at checkout.",
                        ctr_pct: 2.2,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
        ],
    },
    CampaignPlan {
        name: "Black Friday Teaser",
        objective: "OUTCOME_SALES",
        daily_budget_minor: 20_000,
        starts_days_before_end: Some(20),
        cpm: 10.0,
        roas_at_budget: 2.6,
        b: 0.75,
        weekend_lift: 1.06,
        ad_sets: [
            AdSetPlan {
                name: "Teaser - Video viewers",
                audience: "Watched 50% of any video in the last 30 days",
                weight: 0.5,
                ads: &[
                    AdPlan {
                        creative: "Black Friday Countdown - Video",
                        format: "video",
                        title: "Something big is coming",
                        body: "Our biggest sale of the year. Be first in line.",
                        ctr_pct: 1.7,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                    AdPlan {
                        creative: "Early Access Signup - Image",
                        format: "image",
                        title: "Get early access",
                        body: "Sign up for 24-hour early access.",
                        ctr_pct: 1.5,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
            AdSetPlan {
                name: "Teaser - Engagers",
                audience: "Engaged with the Page or Instagram in the last 60 days",
                weight: 0.5,
                ads: &[
                    AdPlan {
                        creative: "Black Friday Countdown - Story",
                        format: "video",
                        title: "Something big is coming",
                        body: "Tap to get notified.",
                        ctr_pct: 1.6,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                    AdPlan {
                        creative: "Gift Guide Teaser - Carousel",
                        format: "carousel",
                        title: "The hiker's gift guide",
                        body: "Coming Friday.",
                        ctr_pct: 1.4,
                        launched_days_before_end: None,
                        fatigue: None,
                    },
                ],
            },
        ],
    },
];

/// An ad in the generated structure, with what the daily loop needs about it.
struct LiveAd {
    campaign: usize,
    adset_id: String,
    ad_id: String,
    /// Fixed share of its campaign's spend.
    share: f64,
    /// Its first day of delivery.
    launched: NaiveDate,
    ctr: f64,
    fatigue: Option<CreativeFatigue>,
}

/// `audience_rng` is a stream of its own, so planting audiences moves no other number.
pub(super) fn generate(
    calendar: &Calendar,
    rng: &mut SplitMix64,
    audience_rng: &mut SplitMix64,
    truth: &mut GroundTruth,
) -> MetaAdsAccount {
    let (campaigns, live_ads) = build_structure(calendar, rng, truth);
    let outage = calendar.days_before_end(TRACKING_OUTAGE_DAYS_BEFORE_END);
    truth.anomalies.push(Anomaly {
        platform: PLATFORM.to_owned(),
        date: outage,
        kind: AnomalyKind::TrackingOutage,
        description: "Meta pixel and Conversions API stopped reporting purchases for the day; \
                      spend and clicks were normal"
            .to_owned(),
    });

    let mut days = Vec::new();
    let mut repeats = Vec::new();
    for date in calendar.days() {
        for (index, campaign) in campaigns.iter().enumerate() {
            if date < campaign.starts_on {
                continue;
            }
            let plan = &PLANS[index];
            let curve = &truth.response_curves[index];
            let budget = campaign.daily_budget_minor as f64 / 100.0;
            let campaign_spend = budget * 0.95 * weekday_spend_factor(date) * rng.noise(0.06);
            let lift = if is_weekend(date) {
                curve.weekend_lift
            } else {
                1.0
            };
            let campaign_revenue = curve.expected_revenue(campaign_spend) * lift;
            let campaign_ads: Vec<&LiveAd> = live_ads
                .iter()
                .filter(|a| a.campaign == index && a.launched <= date)
                .collect();
            let planned: Vec<f64> = campaign_ads.iter().map(|a| a.share).collect();
            let shares = draws::delivery_shares(rng, &planned, 0.12);
            for (ad, share) in campaign_ads.into_iter().zip(shares) {
                let fatigue = ad.fatigue.as_ref().map_or(1.0, |f| f.factor(date));
                let spend = campaign_spend * share;
                let cpm = plan.cpm * if is_weekend(date) { 1.07 } else { 1.0 } * rng.noise(0.1);
                let impressions = rng.round_count(spend / cpm * 1000.0);
                let ctr = ad.ctr * fatigue * rng.noise(0.1);
                let clicks = rng.round_count(impressions as f64 * ctr);
                let link_clicks = rng.round_count(clicks as f64 * 0.82);
                let landing_page_views = rng.round_count(link_clicks as f64 * 0.76);
                let order_value = 74.0 * rng.noise(0.12);
                let mut expected_purchases = campaign_revenue * share * fatigue / order_value;
                if date == outage {
                    expected_purchases *= 0.02;
                }
                let purchases = rng.round_count(expected_purchases);
                let carts_per_purchase = 3.1 * rng.noise(0.2);
                let add_to_carts = rng.round_count(purchases as f64 * carts_per_purchase);
                // The day's repeat factor: how often a returning viewer sees the ad.
                repeats.push(rng.uniform(1.1, 1.6));
                days.push(MetaAdDay {
                    date,
                    campaign_id: campaign.id.clone(),
                    adset_id: ad.adset_id.clone(),
                    ad_id: ad.ad_id.clone(),
                    spend_minor: (spend * 100.0).round() as i64,
                    impressions,
                    reach: 0,
                    lifetime_reach: 0,
                    clicks,
                    link_clicks,
                    landing_page_views,
                    add_to_carts,
                    purchases,
                    purchase_value_minor: (purchases as f64 * order_value * 100.0).round() as i64,
                });
            }
        }
    }

    let rows: Vec<(&str, Delivery)> = days
        .iter()
        .zip(&repeats)
        .map(|(d, repeat)| {
            let delivery = Delivery {
                date: d.date,
                impressions: d.impressions,
                repeat: *repeat,
            };
            (d.ad_id.as_str(), delivery)
        })
        .collect();
    let ads: Vec<String> = live_ads.iter().map(|a| a.ad_id.clone()).collect();
    let reach = audience::plant(
        PLATFORM,
        &ads,
        &rows,
        &mut truth.fatigue,
        &mut truth.audiences,
        audience_rng,
    );
    for (day, reach) in days.iter_mut().zip(reach) {
        day.reach = reach.daily;
        day.lifetime_reach = reach.lifetime;
    }

    MetaAdsAccount {
        account_id: "act_1234567890".to_owned(),
        name: "Trailhead Supply Co. - US".to_owned(),
        currency: "USD".to_owned(),
        timezone: "America/Los_Angeles".to_owned(),
        campaigns,
        days,
    }
}

fn build_structure(
    calendar: &Calendar,
    rng: &mut SplitMix64,
    truth: &mut GroundTruth,
) -> (Vec<MetaCampaign>, Vec<LiveAd>) {
    let mut campaigns = Vec::new();
    let mut live_ads = Vec::new();
    let (mut adset_seq, mut ad_seq) = (0_u32, 0_u32);
    for (index, plan) in PLANS.iter().enumerate() {
        let campaign_id = format!("12021472839315{:04}", 52 + index);
        let budget = plan.daily_budget_minor as f64 / 100.0;
        truth.response_curves.push(ResponseCurve {
            platform: PLATFORM.to_owned(),
            campaign_id: campaign_id.clone(),
            campaign_name: plan.name.to_owned(),
            a: plan.roas_at_budget * budget / budget.powf(plan.b),
            b: plan.b,
            weekend_lift: plan.weekend_lift,
        });
        let mut ad_sets = Vec::new();
        for set_plan in &plan.ad_sets {
            adset_seq += 1;
            let adset_id = format!("12021472839316{adset_seq:04}");
            // Unequal ad weights, as Meta's delivery favours some ads over others.
            let weights: Vec<f64> = set_plan.ads.iter().map(|_| rng.uniform(0.6, 1.4)).collect();
            let weight_sum: f64 = weights.iter().sum();
            let mut ads = Vec::new();
            for (ad_plan, weight) in set_plan.ads.iter().zip(&weights) {
                ad_seq += 1;
                let ad_id = format!("12021472839317{ad_seq:04}");
                let creative = MetaCreative {
                    id: format!("12021472839318{ad_seq:04}"),
                    name: ad_plan.creative.to_owned(),
                    format: ad_plan.format.to_owned(),
                    title: ad_plan.title.to_owned(),
                    body: ad_plan.body.to_owned(),
                };
                let fatigue = ad_plan.fatigue.as_ref().map(|f| CreativeFatigue {
                    platform: PLATFORM.to_owned(),
                    campaign_id: campaign_id.clone(),
                    ad_id: ad_id.clone(),
                    creative_id: creative.id.clone(),
                    creative_name: creative.name.clone(),
                    onset: calendar.days_before_end(f.onset_days_before_end),
                    daily_decay: f.daily_decay,
                    floor: f.floor,
                    onset_frequency: 0.0,
                });
                truth.fatigue.extend(fatigue.clone());
                live_ads.push(LiveAd {
                    campaign: index,
                    adset_id: adset_id.clone(),
                    ad_id: ad_id.clone(),
                    share: set_plan.weight * weight / weight_sum,
                    launched: ad_plan
                        .launched_days_before_end
                        .map_or(calendar.start, |days| calendar.days_before_end(days)),
                    ctr: ad_plan.ctr_pct / 100.0 * rng.noise(0.05),
                    fatigue,
                });
                ads.push(MetaAd {
                    id: ad_id,
                    name: format!("{} | {}", set_plan.name, ad_plan.creative),
                    creative,
                });
            }
            ad_sets.push(MetaAdSet {
                id: adset_id,
                name: set_plan.name.to_owned(),
                audience: set_plan.audience.to_owned(),
                ads,
            });
        }
        campaigns.push(MetaCampaign {
            id: campaign_id,
            name: plan.name.to_owned(),
            status: "ACTIVE".to_owned(),
            objective: plan.objective.to_owned(),
            daily_budget_minor: plan.daily_budget_minor,
            starts_on: plan
                .starts_days_before_end
                .map_or(calendar.start, |days| calendar.days_before_end(days)),
            ad_sets,
        });
    }
    (campaigns, live_ads)
}
