//! Campaign → ad group → ad structure and daily delivery for the ad platforms that
//! share that shape (Google Ads, TikTok, LinkedIn), generated the way `meta_ads.rs`
//! generates Meta's: weekday seasonality, a diminishing-returns response curve per
//! campaign, and CTR fatigue on chosen creatives, all recorded in the [`GroundTruth`].
//!
//! Money is integer cents so each emulator can print its own format (micros, decimal
//! strings) exactly and tests can compare sums to the cent.

use super::audience::{self, Delivery};
use super::draws;
use super::weekday_spend_factor;
use super::{Calendar, CreativeFatigue, GroundTruth, ResponseCurve, is_weekend};
use crate::sandbox::prng::SplitMix64;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One ad account on one of these platforms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdAccount {
    /// As the platform's paths use it: Google's 10-digit customer id, TikTok's
    /// advertiser id, LinkedIn's sponsored account id.
    pub account_id: String,
    pub name: String,
    pub currency: String,
    pub timezone: String,
    pub campaigns: Vec<AdCampaign>,
    /// One row per ad per day it delivered, ordered by date.
    pub days: Vec<AdDay>,
}

impl AdAccount {
    pub fn campaign(&self, campaign_id: &str) -> Option<&AdCampaign> {
        self.campaigns.iter().find(|c| c.id == campaign_id)
    }

    pub fn ad_group(&self, ad_group_id: &str) -> Option<&AdGroup> {
        self.campaigns
            .iter()
            .flat_map(|c| &c.ad_groups)
            .find(|g| g.id == ad_group_id)
    }

    pub fn ad(&self, ad_id: &str) -> Option<&Ad> {
        self.campaigns
            .iter()
            .flat_map(|c| &c.ad_groups)
            .flat_map(|g| &g.ads)
            .find(|a| a.id == ad_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdCampaign {
    pub id: String,
    pub name: String,
    /// ACTIVE or PAUSED, before any change made through an emulator's write endpoint.
    pub status: String,
    /// The platform's campaign type or objective: `SEARCH`, `VIDEO`,
    /// `PRODUCT_SALES`, `LEAD_GENERATION`…
    pub objective: String,
    /// In the account currency's minor units.
    pub daily_budget_minor: i64,
    /// Google Ads keeps budgets in their own CampaignBudget object; this is its id.
    /// Platforms that keep the budget on the campaign use the campaign id.
    pub budget_id: String,
    pub starts_on: NaiveDate,
    pub ad_groups: Vec<AdGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdGroup {
    pub id: String,
    pub name: String,
    /// Who the ad group targets, in a marketer's words.
    pub audience: String,
    pub ads: Vec<Ad>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ad {
    pub id: String,
    pub name: String,
    pub creative: Creative,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Creative {
    pub id: String,
    pub name: String,
    /// text, image, video or carousel.
    pub format: String,
    pub headline: String,
    pub body: String,
}

/// One ad's delivery on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdDay {
    pub date: NaiveDate,
    pub campaign_id: String,
    pub ad_group_id: String,
    pub ad_id: String,
    pub spend_minor: i64,
    pub impressions: u64,
    pub clicks: u64,
    /// Purchases (or leads on LinkedIn).
    pub conversions: u64,
    pub conversion_value_minor: i64,
    /// Video views (2 s on TikTok, 30 s on YouTube); zero for non-video ads.
    pub video_views: u64,
    /// Daily unique reach (`audience.rs`). Planted on every platform, since audiences
    /// saturate everywhere; only emulators whose real API reports reach show it
    /// (TikTok's `reach`/`frequency`; not Google Ads' search/video rows or LinkedIn's
    /// daily creative analytics).
    #[serde(default)]
    pub reach: u64,
    /// Unique people reached from the ad's first day through this one.
    #[serde(default)]
    pub lifetime_reach: u64,
}

pub(crate) struct CampaignPlan {
    pub name: &'static str,
    pub objective: &'static str,
    pub daily_budget_minor: i64,
    /// `None`: running for the whole history.
    pub starts_days_before_end: Option<i64>,
    pub cpm: f64,
    /// ROAS at exactly the daily budget; with `b` it fixes the curve's `a`.
    pub roas_at_budget: f64,
    pub b: f64,
    pub weekend_lift: f64,
    pub order_value: f64,
    pub ad_groups: &'static [AdGroupPlan],
}

pub(crate) struct AdGroupPlan {
    pub name: &'static str,
    pub audience: &'static str,
    /// Share of the campaign's spend.
    pub weight: f64,
    pub ads: &'static [AdPlan],
}

pub(crate) struct AdPlan {
    pub creative: &'static str,
    pub format: &'static str,
    pub headline: &'static str,
    pub body: &'static str,
    /// CTR in percent before any fatigue.
    pub ctr_pct: f64,
    /// `None`: running since its campaign started. Creatives that tire are refreshes
    /// launched five to eight weeks before their onset, as accounts rotate creatives.
    pub launched_days_before_end: Option<i64>,
    pub fatigue: Option<FatiguePlan>,
}

pub(crate) struct FatiguePlan {
    pub onset_days_before_end: i64,
    pub daily_decay: f64,
    pub floor: f64,
}

/// Where each kind of id starts, so every platform's ids look like its own.
pub(crate) struct IdScheme {
    pub campaign: u64,
    pub budget: u64,
    pub ad_group: u64,
    pub ad: u64,
    pub creative: u64,
}

/// Who the account is, for [`simulate`].
pub(crate) struct AccountPlan {
    pub platform: &'static str,
    pub account_id: &'static str,
    pub name: &'static str,
    pub timezone: &'static str,
    pub campaigns: &'static [CampaignPlan],
    pub ids: IdScheme,
}

struct LiveAd {
    campaign: usize,
    ad_group_id: String,
    ad_id: String,
    share: f64,
    /// Its first day of delivery.
    launched: NaiveDate,
    ctr: f64,
    video: bool,
    fatigue: Option<CreativeFatigue>,
}

/// Builds the account and its daily delivery, recording curves and fatigue in `truth`.
/// Audiences and reach come from `audience_rng` only, so they move no other number.
pub(crate) fn simulate(
    plan: &AccountPlan,
    calendar: &Calendar,
    rng: &mut SplitMix64,
    audience_rng: &mut SplitMix64,
    truth: &mut GroundTruth,
) -> AdAccount {
    let first_curve = truth.response_curves.len();
    let (campaigns, live_ads) = build_structure(plan, calendar, rng, truth);
    let mut days = Vec::new();
    for date in calendar.days() {
        for (index, campaign) in campaigns.iter().enumerate() {
            if date < campaign.starts_on {
                continue;
            }
            let campaign_plan = &plan.campaigns[index];
            let curve = &truth.response_curves[first_curve + index];
            let budget = campaign.daily_budget_minor as f64 / 100.0;
            let campaign_spend = budget * 0.93 * weekday_spend_factor(date) * rng.noise(0.07);
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
                let weekend_cpm = if is_weekend(date) { 1.06 } else { 1.0 };
                let cpm = campaign_plan.cpm * weekend_cpm * rng.noise(0.1);
                let impressions = rng.round_count(spend / cpm * 1000.0);
                let ctr = ad.ctr * fatigue * rng.noise(0.1);
                let clicks = rng.round_count(impressions as f64 * ctr);
                let order_value = campaign_plan.order_value * rng.noise(0.12);
                let conversions = rng.round_count(campaign_revenue * share * fatigue / order_value);
                let video_views = if ad.video {
                    rng.round_count(impressions as f64 * 0.22 * fatigue)
                } else {
                    0
                };
                days.push(AdDay {
                    date,
                    campaign_id: campaign.id.clone(),
                    ad_group_id: ad.ad_group_id.clone(),
                    ad_id: ad.ad_id.clone(),
                    spend_minor: (spend * 100.0).round() as i64,
                    impressions,
                    clicks,
                    conversions,
                    conversion_value_minor: (conversions as f64 * order_value * 100.0).round()
                        as i64,
                    video_views,
                    reach: 0,
                    lifetime_reach: 0,
                });
            }
        }
    }
    let rows: Vec<(&str, Delivery)> = days
        .iter()
        .map(|d| {
            let delivery = Delivery {
                date: d.date,
                impressions: d.impressions,
                repeat: audience_rng.uniform(1.1, 1.6),
            };
            (d.ad_id.as_str(), delivery)
        })
        .collect();
    let ads: Vec<String> = live_ads.iter().map(|a| a.ad_id.clone()).collect();
    let reach = audience::plant(
        plan.platform,
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
    AdAccount {
        account_id: plan.account_id.to_owned(),
        name: plan.name.to_owned(),
        currency: "USD".to_owned(),
        timezone: plan.timezone.to_owned(),
        campaigns,
        days,
    }
}

fn build_structure(
    plan: &AccountPlan,
    calendar: &Calendar,
    rng: &mut SplitMix64,
    truth: &mut GroundTruth,
) -> (Vec<AdCampaign>, Vec<LiveAd>) {
    let ids = &plan.ids;
    let mut campaigns = Vec::new();
    let mut live_ads = Vec::new();
    let (mut group_seq, mut ad_seq) = (0_u64, 0_u64);
    for (index, campaign_plan) in plan.campaigns.iter().enumerate() {
        let campaign_id = (ids.campaign + index as u64).to_string();
        let budget = campaign_plan.daily_budget_minor as f64 / 100.0;
        truth.response_curves.push(ResponseCurve {
            platform: plan.platform.to_owned(),
            campaign_id: campaign_id.clone(),
            campaign_name: campaign_plan.name.to_owned(),
            a: campaign_plan.roas_at_budget * budget / budget.powf(campaign_plan.b),
            b: campaign_plan.b,
            weekend_lift: campaign_plan.weekend_lift,
        });
        let mut ad_groups = Vec::new();
        for group_plan in campaign_plan.ad_groups {
            group_seq += 1;
            let ad_group_id = (ids.ad_group + group_seq).to_string();
            let weights: Vec<f64> = group_plan
                .ads
                .iter()
                .map(|_| rng.uniform(0.6, 1.4))
                .collect();
            let weight_sum: f64 = weights.iter().sum();
            let mut ads = Vec::new();
            for (ad_plan, weight) in group_plan.ads.iter().zip(&weights) {
                ad_seq += 1;
                let ad_id = (ids.ad + ad_seq).to_string();
                let creative = Creative {
                    id: (ids.creative + ad_seq).to_string(),
                    name: ad_plan.creative.to_owned(),
                    format: ad_plan.format.to_owned(),
                    headline: ad_plan.headline.to_owned(),
                    body: ad_plan.body.to_owned(),
                };
                let fatigue = ad_plan.fatigue.as_ref().map(|f| CreativeFatigue {
                    platform: plan.platform.to_owned(),
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
                    ad_group_id: ad_group_id.clone(),
                    ad_id: ad_id.clone(),
                    share: group_plan.weight * weight / weight_sum,
                    launched: ad_plan
                        .launched_days_before_end
                        .map_or(calendar.start, |days| calendar.days_before_end(days)),
                    ctr: ad_plan.ctr_pct / 100.0 * rng.noise(0.05),
                    video: ad_plan.format == "video",
                    fatigue,
                });
                ads.push(Ad {
                    id: ad_id,
                    name: format!("{} | {}", group_plan.name, ad_plan.creative),
                    creative,
                });
            }
            ad_groups.push(AdGroup {
                id: ad_group_id,
                name: group_plan.name.to_owned(),
                audience: group_plan.audience.to_owned(),
                ads,
            });
        }
        campaigns.push(AdCampaign {
            budget_id: if ids.budget == 0 {
                campaign_id.clone()
            } else {
                (ids.budget + index as u64).to_string()
            },
            id: campaign_id,
            name: campaign_plan.name.to_owned(),
            status: "ACTIVE".to_owned(),
            objective: campaign_plan.objective.to_owned(),
            daily_budget_minor: campaign_plan.daily_budget_minor,
            starts_on: campaign_plan
                .starts_days_before_end
                .map_or(calendar.start, |days| calendar.days_before_end(days)),
            ad_groups,
        });
    }
    (campaigns, live_ads)
}

/// The account's spend rows for [`super::Brand::ad_spend_by_campaign`].
pub(crate) fn campaign_spend<'a>(
    platform: &'static str,
    account: &'a AdAccount,
) -> impl Iterator<Item = super::CampaignSpend> + 'a {
    account.days.iter().map(move |d| super::CampaignSpend {
        platform,
        campaign_id: d.campaign_id.clone(),
        date: d.date,
        spend_minor: d.spend_minor,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::sandbox::brand::{Brand, BrandConfig, is_weekend};
    use chrono::NaiveDate;

    fn brand() -> Brand {
        Brand::generate(BrandConfig::new(
            42,
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        ))
    }

    #[test]
    fn every_platform_has_curves_with_diminishing_returns_and_weekend_spend() {
        let b = brand();
        for (key, account) in [
            ("google_ads", &b.google_ads),
            ("tiktok", &b.tiktok),
            ("linkedin", &b.linkedin),
        ] {
            let curves: Vec<_> = b
                .ground_truth
                .response_curves
                .iter()
                .filter(|c| c.platform == key)
                .collect();
            assert_eq!(curves.len(), account.campaigns.len(), "{key}");
            for c in curves {
                assert!(c.b > 0.0 && c.b < 1.0);
                assert!(c.expected_revenue(1000.0) / 1000.0 < c.expected_revenue(100.0) / 100.0);
            }
            assert_eq!(account.currency, "USD");
            assert_eq!(account.days.first().unwrap().date, b.start_date);
            assert_eq!(account.days.last().unwrap().date, b.end_date);
            let (mut weekend, mut weekday) = ((0_i64, 0_i64), (0_i64, 0_i64));
            for d in &account.days {
                let bucket = if is_weekend(d.date) {
                    &mut weekend
                } else {
                    &mut weekday
                };
                bucket.0 += d.spend_minor;
                bucket.1 += 1;
            }
            assert!(weekend.0 * weekday.1 > weekday.0 * weekend.1, "{key}");
        }
    }

    #[test]
    fn tiktok_creatives_fatigue_after_onset() {
        let b = brand();
        let fatigued: Vec<_> = b
            .ground_truth
            .fatigue
            .iter()
            .filter(|f| f.platform == "tiktok")
            .collect();
        assert_eq!(fatigued.len(), 2);
        for f in fatigued {
            let ctr = |from: i64, to: i64| {
                let (mut clicks, mut impressions) = (0_u64, 0_u64);
                for d in b.tiktok.days.iter().filter(|d| d.ad_id == f.ad_id) {
                    if (from..to).contains(&(d.date - f.onset).num_days()) {
                        clicks += d.clicks;
                        impressions += d.impressions;
                    }
                }
                clicks as f64 / impressions as f64
            };
            assert!(ctr(14, 28) < ctr(-14, 0) * 0.8, "{}", f.creative_name);
        }
    }

    #[test]
    fn adding_platforms_left_meta_alone_and_ad_spend_covers_them_all() {
        let b = brand();
        let meta_only: i64 = b.meta.days.iter().map(|d| d.spend_minor).sum();
        let others: i64 = [&b.google_ads, &b.tiktok, &b.linkedin]
            .iter()
            .flat_map(|a| &a.days)
            .map(|d| d.spend_minor)
            .sum();
        let total: i64 = b.ad_spend_by_day().values().sum();
        assert_eq!(total, meta_only + others);
        assert_eq!(b, brand());
        assert!(b.youtube.days.iter().map(|d| d.views).sum::<u64>() > 100_000);
    }
}
