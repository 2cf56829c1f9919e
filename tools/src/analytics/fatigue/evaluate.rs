//! How well the fatigue prediction does on the seeded brand, replaying history: for
//! every creative and every "as of" day, predict on the data up to that day only.
//!
//! For a creative that truly fatigues, its true crossing day T is the first day its
//! planted CTR factor is at or below 0.8 (the brand's CTR is flat before onset, so the
//! peak is the pre-onset level); the lead time is T minus the first day it was flagged
//! (warning or fatigued). For the others, any flag is a false alarm.

use crate::sandbox::brand::{AdAccount, Brand, BrandConfig, CreativeFatigue};
use chrono::{Duration, NaiveDate};
use omnify_analytics::fatigue::{
    CreativeDay, CreativeSeries, FatigueSettings, FatigueStatus, assess,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Days of history replayed, ending on the brand's last day.
pub const REPLAY_DAYS: i64 = 120;

#[derive(Debug, Clone, Serialize)]
pub struct FatigueEvaluation {
    pub seeds: Vec<u64>,
    /// Creatives with planted fatigue whose crossing falls in the replay.
    pub fatiguing: usize,
    /// Lead time in days (T − first flag) per fatiguing creative; `None`: never flagged.
    pub lead_times: Vec<Option<i64>>,
    /// Days from onset to T per fatiguing creative: the most lead a predictor that
    /// cannot see the onset coming could have.
    pub onset_to_crossing: Vec<i64>,
    /// Share of fatiguing creatives first flagged 7–14 days before T.
    pub warned_7_to_14: f64,
    /// Share first flagged at least 1 day before T (any useful warning).
    pub warned_ahead: f64,
    /// Share flagged at all by T + 7.
    pub flagged_by_one_week_after: f64,
    /// Creatives without planted fatigue, and the share ever flagged in the replay.
    pub steady: usize,
    pub false_alarm_share: f64,
}

/// Replays every creative of the brands generated from `seeds` (end date 2026-11-23).
pub fn evaluate_on_brand(seeds: &[u64], settings: &FatigueSettings) -> FatigueEvaluation {
    let end = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or(NaiveDate::MIN);
    let mut lead_times = Vec::new();
    let mut onset_to_crossing = Vec::new();
    let (mut steady, mut false_alarms) = (0, 0);
    for &seed in seeds {
        let brand = Brand::generate(BrandConfig::new(seed, end));
        for (key, series) in brand_creatives(&brand) {
            let truth = brand
                .ground_truth
                .fatigue
                .iter()
                .find(|f| f.platform == key.0 && f.ad_id == key.1);
            let first_flag = first_flag(&series, end, settings);
            match truth {
                Some(f) => {
                    let crossing = true_crossing(f, 1.0 - settings.drop);
                    lead_times.push(first_flag.map(|d| (crossing - d).num_days()));
                    onset_to_crossing.push((crossing - f.onset).num_days());
                }
                None => {
                    steady += 1;
                    false_alarms += usize::from(first_flag.is_some());
                }
            }
        }
    }
    let n = lead_times.len().max(1) as f64;
    let share =
        |f: &dyn Fn(i64) -> bool| lead_times.iter().flatten().filter(|l| f(**l)).count() as f64 / n;
    FatigueEvaluation {
        seeds: seeds.to_vec(),
        fatiguing: lead_times.len(),
        warned_7_to_14: share(&|l| (7..=14).contains(&l)),
        warned_ahead: share(&|l| l >= 1),
        flagged_by_one_week_after: share(&|l| l >= -7),
        lead_times,
        onset_to_crossing,
        steady,
        false_alarm_share: false_alarms as f64 / steady.max(1) as f64,
    }
}

/// The first day `factor` is at or below `level`.
fn true_crossing(f: &CreativeFatigue, level: f64) -> NaiveDate {
    let mut day = f.onset;
    while f.factor(day) > level && day < f.onset + Duration::days(3650) {
        day += Duration::days(1);
    }
    day
}

/// The first replayed "as of" day on which the creative was flagged.
fn first_flag(
    series: &CreativeSeries,
    end: NaiveDate,
    settings: &FatigueSettings,
) -> Option<NaiveDate> {
    let start = end - Duration::days(REPLAY_DAYS - 1);
    let mut days = series.days.clone();
    days.sort_by_key(|d| d.date);
    start.iter_days().take_while(|d| *d <= end).find(|as_of| {
        let upto = days.partition_point(|d| d.date <= *as_of);
        let visible = CreativeSeries {
            creative: series.creative.clone(),
            platform: series.platform.clone(),
            days: days[..upto].to_vec(),
        };
        matches!(
            assess(&visible, settings).status,
            FatigueStatus::Warning | FatigueStatus::Fatigued
        )
    })
}

/// Every ad of every ad platform as a creative series, keyed by (platform, ad id).
pub fn brand_creatives(brand: &Brand) -> BTreeMap<(String, String), CreativeSeries> {
    let mut out: BTreeMap<(String, String), CreativeSeries> = BTreeMap::new();
    let mut push = |platform: &str, ad_id: &str, name: &str, day: CreativeDay| {
        out.entry((platform.to_owned(), ad_id.to_owned()))
            .or_insert_with(|| CreativeSeries {
                creative: name.to_owned(),
                platform: Some(platform.to_owned()),
                days: Vec::new(),
            })
            .days
            .push(day);
    };
    for d in &brand.meta.days {
        let name = brand
            .meta
            .ad(&d.ad_id)
            .map_or(d.ad_id.as_str(), |a| a.creative.name.as_str());
        push(
            "meta",
            &d.ad_id,
            name,
            creative_day(d.date, d.impressions, d.clicks, d.spend_minor),
        );
    }
    let accounts: [(&str, &AdAccount); 3] = [
        ("google_ads", &brand.google_ads),
        ("tiktok", &brand.tiktok),
        ("linkedin", &brand.linkedin),
    ];
    for (platform, account) in accounts {
        for d in &account.days {
            let name = account
                .ad(&d.ad_id)
                .map_or(d.ad_id.as_str(), |a| a.creative.name.as_str());
            push(
                platform,
                &d.ad_id,
                name,
                creative_day(d.date, d.impressions, d.clicks, d.spend_minor),
            );
        }
    }
    out
}

fn creative_day(date: NaiveDate, impressions: u64, clicks: u64, spend_minor: i64) -> CreativeDay {
    CreativeDay {
        date,
        impressions: impressions as f64,
        clicks: clicks as f64,
        conversions: None,
        spend: Some(spend_minor as f64 / 100.0),
        frequency: None,
    }
}
