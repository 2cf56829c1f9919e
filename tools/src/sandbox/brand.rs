//! A deterministic synthetic brand: the data every sandbox emulator serves.
//!
//! The same seed and end date always give the same numbers, so evals can assert on
//! them, and the [`GroundTruth`] records what was planted (fatigue, anomalies, response
//! curves) so analytics tools can be scored on whether they find it.
//!
//! Each platform has its own generator module and its own PRNG stream
//! ([`SplitMix64::for_stream`]), so adding Google Ads or TikTok later does not move a
//! single Meta number.

pub mod ad_delivery;
pub mod audience;
mod draws;
pub mod gohighlevel;
pub mod google_ads;
pub mod hubspot;
pub mod klaviyo;
pub mod linkedin;
pub mod meta_ads;
pub mod shopify;
pub mod stripe;
pub mod tiktok;
pub mod triplewhale;
pub mod youtube;

use crate::sandbox::prng::SplitMix64;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

pub use ad_delivery::{Ad, AdAccount, AdCampaign, AdDay, AdGroup, Creative};
pub use audience::AdAudience;
pub use meta_ads::{MetaAd, MetaAdDay, MetaAdSet, MetaAdsAccount, MetaCampaign, MetaCreative};
pub use shopify::{CustomerLifetimeTruth, ShopifyStore};
pub use stripe::{StripeAccount, SubscriptionTruth};
pub use triplewhale::TripleWhaleAccount;
pub use youtube::{VideoDay, YouTubeChannel, YouTubeVideo};

/// The least history the brand carries: enough for a 90-day range and its previous
/// period.
pub const MIN_HISTORY_DAYS: u32 = 180;

/// How to generate a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrandConfig {
    pub seed: u64,
    /// The last day with data, normally yesterday.
    pub end_date: NaiveDate,
    /// Days of history up to and including `end_date`; at least [`MIN_HISTORY_DAYS`].
    pub history_days: u32,
}

impl BrandConfig {
    pub fn new(seed: u64, end_date: NaiveDate) -> Self {
        Self {
            seed,
            end_date,
            history_days: 400,
        }
    }
}

/// The synthetic brand: an outdoor-gear DTC store advertising on several platforms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brand {
    pub name: String,
    pub seed: u64,
    /// ISO 4217 code every account bills in.
    pub currency: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub meta: MetaAdsAccount,
    /// Customer id [`google_ads::CUSTOMER_ID`]; carries the YouTube video campaign.
    pub google_ads: AdAccount,
    /// Advertiser id [`tiktok::ADVERTISER_ID`].
    pub tiktok: AdAccount,
    /// Sponsored account id [`linkedin::ACCOUNT_ID`].
    pub linkedin: AdAccount,
    /// Organic channel stats; YouTube ad spend is in `google_ads`.
    pub youtube: YouTubeChannel,
    /// Customers and orders; generated from the total ad spend of every ad platform.
    pub shopify: ShopifyStore,
    /// The Gear Club membership.
    pub stripe: StripeAccount,
    pub triplewhale: TripleWhaleAccount,
    pub ground_truth: GroundTruth,
    /// The wholesale CRM: retailers, their buyers and deals (portal
    /// `hubspot.portal_id`).
    pub hubspot: hubspot::HubSpotPortal,
    /// E-mail and SMS campaigns and flows (account `klaviyo.account_id`).
    pub klaviyo: klaviyo::KlaviyoAccount,
    /// The agency's older CRM (location `gohighlevel.location_id`).
    pub gohighlevel: gohighlevel::GoHighLevelLocation,
}

impl Brand {
    /// The seed `omnify serve` uses when no other is configured.
    pub const DEFAULT_SEED: u64 = 20_261_124;

    /// The brand for `config`, generated once per process and shared after that:
    /// generating hundreds of days of orders is the slow part of starting a sandbox.
    pub fn shared(config: BrandConfig) -> std::sync::Arc<Self> {
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex, OnceLock};
        type Cache = Mutex<HashMap<(u64, NaiveDate, u32), Arc<Brand>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let key = (config.seed, config.end_date, config.history_days);
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(brand) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return brand;
        }
        let brand = Arc::new(Self::generate(config));
        if let Ok(mut c) = cache.lock() {
            c.insert(key, brand.clone());
        }
        brand
    }

    pub fn generate(config: BrandConfig) -> Self {
        let history = i64::from(config.history_days.max(MIN_HISTORY_DAYS));
        let calendar = Calendar {
            start: config.end_date - Duration::days(history - 1),
            end: config.end_date,
        };
        let mut ground_truth = GroundTruth {
            weekday_spend_factors: WEEKDAY_SPEND_FACTORS,
            ..GroundTruth::default()
        };
        let mut meta_rng = SplitMix64::for_stream(config.seed, "meta");
        // Audiences draw from streams of their own, so they move no other number.
        let audience_rng =
            |platform: &str| SplitMix64::for_stream(config.seed, &format!("{platform}/audience"));
        let meta = meta_ads::generate(
            &calendar,
            &mut meta_rng,
            &mut audience_rng(meta_ads::PLATFORM),
            &mut ground_truth,
        );
        let mut stripe_rng = SplitMix64::for_stream(config.seed, "stripe");
        let stripe = stripe::generate(&calendar, &mut stripe_rng, &mut ground_truth);
        let mut google_rng = SplitMix64::for_stream(config.seed, google_ads::PLATFORM);
        let google_ads = google_ads::generate(
            &calendar,
            &mut google_rng,
            &mut audience_rng(google_ads::PLATFORM),
            &mut ground_truth,
        );
        let mut tiktok_rng = SplitMix64::for_stream(config.seed, tiktok::PLATFORM);
        let tiktok = tiktok::generate(
            &calendar,
            &mut tiktok_rng,
            &mut audience_rng(tiktok::PLATFORM),
            &mut ground_truth,
        );
        let mut linkedin_rng = SplitMix64::for_stream(config.seed, linkedin::PLATFORM);
        let linkedin = linkedin::generate(
            &calendar,
            &mut linkedin_rng,
            &mut audience_rng(linkedin::PLATFORM),
            &mut ground_truth,
        );
        let mut youtube_rng = SplitMix64::for_stream(config.seed, "youtube");
        let youtube = youtube::generate(&calendar, &mut youtube_rng);
        let mut brand = Self {
            name: "Trailhead Supply Co.".to_owned(),
            seed: config.seed,
            currency: "USD".to_owned(),
            start_date: calendar.start,
            end_date: calendar.end,
            meta,
            google_ads,
            tiktok,
            linkedin,
            youtube,
            shopify: ShopifyStore::default(),
            stripe,
            triplewhale: TripleWhaleAccount {
                shop_domain: "trailhead-supply.myshopify.com".to_owned(),
            },
            ground_truth,
            hubspot: hubspot::generate(
                &calendar,
                &mut SplitMix64::for_stream(config.seed, "hubspot"),
            ),
            klaviyo: klaviyo::generate(
                &calendar,
                &mut SplitMix64::for_stream(config.seed, "klaviyo"),
            ),
            gohighlevel: gohighlevel::generate(
                &calendar,
                &mut SplitMix64::for_stream(config.seed, "gohighlevel"),
            ),
        };
        // Commerce is generated after every ad platform: new customers follow the
        // brand's total ad spend (`ad_spend_by_day`).
        let mut shopify_rng = SplitMix64::for_stream(config.seed, "shopify");
        brand.shopify = shopify::generate(
            &calendar,
            &brand.ad_spend_by_campaign(),
            &mut shopify_rng,
            &mut brand.ground_truth,
        );
        brand
    }

    /// Ad spend per day in the brand currency's minor units, summed over every ad
    /// platform in [`Brand::ad_spend_by_campaign`] (add a new ad platform there, once,
    /// so the total, the Shopify customers it drives and TripleWhale's per-channel
    /// spend stay in step).
    pub fn ad_spend_by_day(&self) -> std::collections::BTreeMap<NaiveDate, i64> {
        let mut spend = std::collections::BTreeMap::new();
        for line in self.ad_spend_by_campaign() {
            *spend.entry(line.date).or_insert(0) += line.spend_minor;
        }
        spend
    }

    /// Spend per campaign per day on every ad platform, ordered by platform, campaign
    /// and date.
    pub fn ad_spend_by_campaign(&self) -> Vec<CampaignSpend> {
        let meta = self.meta.days.iter().map(|d| CampaignSpend {
            platform: meta_ads::PLATFORM,
            campaign_id: d.campaign_id.clone(),
            date: d.date,
            spend_minor: d.spend_minor,
        });
        // Each ad platform chains its rows here.
        let rows = meta
            .chain(ad_delivery::campaign_spend(
                google_ads::PLATFORM,
                &self.google_ads,
            ))
            .chain(ad_delivery::campaign_spend(tiktok::PLATFORM, &self.tiktok))
            .chain(ad_delivery::campaign_spend(
                linkedin::PLATFORM,
                &self.linkedin,
            ));
        let mut summed =
            std::collections::BTreeMap::<(&'static str, String, NaiveDate), i64>::new();
        for row in rows {
            *summed
                .entry((row.platform, row.campaign_id, row.date))
                .or_insert(0) += row.spend_minor;
        }
        summed
            .into_iter()
            .map(
                |((platform, campaign_id, date), spend_minor)| CampaignSpend {
                    platform,
                    campaign_id,
                    date,
                    spend_minor,
                },
            )
            .collect()
    }
}

/// One campaign's spend on one day, whatever the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignSpend {
    /// Registry key: "meta", "google_ads"…
    pub platform: &'static str,
    pub campaign_id: String,
    pub date: NaiveDate,
    pub spend_minor: i64,
}

/// The days a brand has data for, shared by every platform generator.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Calendar {
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let (start, end) = (self.start, self.end);
        start.iter_days().take_while(move |d| *d <= end)
    }

    /// `end` minus `days`, clamped to the calendar, for planting events "N days ago".
    pub fn days_before_end(&self, days: i64) -> NaiveDate {
        (self.end - Duration::days(days)).max(self.start)
    }
}

/// Spend multiplier by weekday, Monday first: this brand's shoppers buy at weekends,
/// so Advantage+ and the bid strategies push more spend then.
pub const WEEKDAY_SPEND_FACTORS: [f64; 7] = [0.94, 0.96, 0.98, 1.0, 1.04, 1.14, 1.12];

pub fn weekday_spend_factor(date: NaiveDate) -> f64 {
    WEEKDAY_SPEND_FACTORS[date.weekday().num_days_from_monday() as usize]
}

pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// What the generator planted, for scoring analytics against the truth.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub response_curves: Vec<ResponseCurve>,
    pub fatigue: Vec<CreativeFatigue>,
    /// Every ad's audience on the ad platforms (`audience.rs`).
    #[serde(default)]
    pub audiences: Vec<AdAudience>,
    pub anomalies: Vec<Anomaly>,
    /// Spend multiplier per weekday, Monday first.
    pub weekday_spend_factors: [f64; 7],
    /// The Shopify customers' buy-till-you-die parameters (BG/NBD and Gamma-Gamma).
    #[serde(default)]
    pub customer_lifetime: CustomerLifetimeTruth,
    /// Stripe membership churn hazards and who churned.
    #[serde(default)]
    pub subscriptions: SubscriptionTruth,
}

/// Daily revenue = `a * spend^b` (spend and revenue in major units, before weekend
/// lift and fatigue). `b < 1` is the diminishing return a budget tool should find.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseCurve {
    pub platform: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub a: f64,
    pub b: f64,
    /// Revenue multiplier on Saturdays and Sundays.
    pub weekend_lift: f64,
}

impl ResponseCurve {
    pub fn expected_revenue(&self, spend: f64) -> f64 {
        self.a * spend.max(0.0).powf(self.b)
    }
}

/// A creative whose CTR decays from `onset`: factor = floor + (1 - floor) * e^(-decay * days).
/// The onset is the day its lifetime frequency reaches `onset_frequency` (its audience
/// is back-solved for that, `audience.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeFatigue {
    pub platform: String,
    pub campaign_id: String,
    pub ad_id: String,
    pub creative_id: String,
    pub creative_name: String,
    pub onset: NaiveDate,
    pub daily_decay: f64,
    pub floor: f64,
    /// Lifetime frequency (impressions per person reached) at which fatigue set in;
    /// the ad's audience is in [`GroundTruth::audiences`].
    #[serde(default)]
    pub onset_frequency: f64,
}

impl CreativeFatigue {
    /// Multiplier on CTR (and on the ad's conversion volume) on `date`.
    pub fn factor(&self, date: NaiveDate) -> f64 {
        let days = (date - self.onset).num_days();
        if days < 0 {
            return 1.0;
        }
        self.floor + (1.0 - self.floor) * (-self.daily_decay * days as f64).exp()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// The pixel/CAPI stopped reporting: spend and clicks normal, purchases near zero.
    TrackingOutage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub platform: String,
    pub date: NaiveDate,
    pub kind: AnomalyKind,
    pub description: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn brand(seed: u64) -> Brand {
        Brand::generate(BrandConfig::new(seed, day("2026-11-23")))
    }

    #[test]
    fn same_seed_gives_the_same_brand_and_another_seed_does_not() {
        let a = brand(42);
        assert_eq!(a, brand(42));
        let b = brand(43);
        assert_eq!(a.meta.campaigns.len(), b.meta.campaigns.len());
        assert_ne!(a.meta.days, b.meta.days);
    }

    #[test]
    fn history_spans_at_least_180_days_and_ends_on_end_date() {
        let short = Brand::generate(BrandConfig {
            history_days: 30,
            ..BrandConfig::new(1, day("2026-11-23"))
        });
        assert_eq!(short.end_date, day("2026-11-23"));
        assert_eq!((short.end_date - short.start_date).num_days() + 1, 180);
        let b = brand(42);
        assert_eq!(
            b.meta.days.iter().map(|d| d.date).max(),
            Some(day("2026-11-23"))
        );
        assert_eq!(b.meta.days.iter().map(|d| d.date).min(), Some(b.start_date));
    }

    #[test]
    fn meta_structure_is_four_campaigns_two_ad_sets_each_two_or_three_ads() {
        let b = brand(42);
        assert_eq!(b.meta.account_id, "act_1234567890");
        assert_eq!(b.meta.campaigns.len(), 4);
        for c in &b.meta.campaigns {
            assert_eq!(c.ad_sets.len(), 2, "{}", c.name);
            assert!(c.daily_budget_minor > 0);
            for s in &c.ad_sets {
                assert!((2..=3).contains(&s.ads.len()), "{}", s.name);
            }
        }
        let names: Vec<_> = b.meta.campaigns.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"ASC - Evergreen"));
        assert!(names.contains(&"Retargeting - 7d"));
    }

    #[test]
    fn weekends_spend_more_than_weekdays() {
        let b = brand(42);
        let (mut weekend, mut weekday) = ((0_i64, 0_u32), (0_i64, 0_u32));
        let evergreen = &b.meta.campaigns[0].id;
        let mut per_day = std::collections::BTreeMap::<NaiveDate, i64>::new();
        for d in b.meta.days.iter().filter(|d| &d.campaign_id == evergreen) {
            *per_day.entry(d.date).or_default() += d.spend_minor;
        }
        for (date, spend) in per_day {
            let bucket = if is_weekend(date) {
                &mut weekend
            } else {
                &mut weekday
            };
            bucket.0 += spend;
            bucket.1 += 1;
        }
        let weekend_avg = weekend.0 as f64 / f64::from(weekend.1);
        let weekday_avg = weekday.0 as f64 / f64::from(weekday.1);
        assert!(
            weekend_avg > weekday_avg * 1.08,
            "{weekend_avg} vs {weekday_avg}"
        );
    }

    #[test]
    fn fatigued_creatives_lose_ctr_after_onset() {
        let b = brand(42);
        assert!(b.ground_truth.fatigue.len() >= 2);
        // Other platforms' fatigue is checked by their own generators' tests.
        for f in b
            .ground_truth
            .fatigue
            .iter()
            .filter(|f| f.platform == "meta")
        {
            let ctr = |from: i64, to: i64| {
                let (mut clicks, mut impressions) = (0_u64, 0_u64);
                for d in b.meta.days.iter().filter(|d| d.ad_id == f.ad_id) {
                    let offset = (d.date - f.onset).num_days();
                    if (from..to).contains(&offset) {
                        clicks += d.clicks;
                        impressions += d.impressions;
                    }
                }
                clicks as f64 / impressions as f64
            };
            let before = ctr(-14, 0);
            let after = ctr(14, 28);
            assert!(
                after < before * 0.8,
                "{}: {before} -> {after}",
                f.creative_name
            );
        }
    }

    #[test]
    fn the_tracking_outage_day_has_almost_no_purchases() {
        let b = brand(42);
        let outage = b
            .ground_truth
            .anomalies
            .iter()
            .find(|a| a.kind == AnomalyKind::TrackingOutage && a.platform == "meta")
            .unwrap();
        let purchases_on = |date: NaiveDate| -> u64 {
            b.meta
                .days
                .iter()
                .filter(|d| d.date == date)
                .map(|d| d.purchases)
                .sum()
        };
        let spend_on = |date: NaiveDate| -> i64 {
            b.meta
                .days
                .iter()
                .filter(|d| d.date == date)
                .map(|d| d.spend_minor)
                .sum()
        };
        let week_before = outage.date - Duration::days(7);
        assert!(
            purchases_on(week_before) > 20,
            "{}",
            purchases_on(week_before)
        );
        assert!(purchases_on(outage.date) * 10 <= purchases_on(week_before));
        // Spend keeps flowing during the outage: that is what makes it an anomaly.
        assert!(spend_on(outage.date) * 2 > spend_on(week_before));
    }

    #[test]
    fn response_curves_have_diminishing_returns() {
        let b = brand(42);
        let meta_curves = || {
            b.ground_truth
                .response_curves
                .iter()
                .filter(|c| c.platform == "meta")
        };
        assert_eq!(meta_curves().count(), 4);
        for c in meta_curves() {
            assert!(c.b > 0.0 && c.b < 1.0);
            let roas_low = c.expected_revenue(100.0) / 100.0;
            let roas_high = c.expected_revenue(1000.0) / 1000.0;
            assert!(roas_high < roas_low);
        }
    }
}
