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
    CreativeDay, CreativeSeries, FatigueSettings, FatigueStatus, FrequencyModel, assess_with,
    learn_threshold,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Days of history replayed, ending on the brand's last day.
pub const REPLAY_DAYS: i64 = 120;

/// Platforms whose real API reports reach and frequency per ad per day, so the
/// predictor gets the lifetime frequency; the others get none.
pub const WITH_FREQUENCY: &[&str] = &["meta", "tiktok"];

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
    /// The same figures for creatives with frequency (Meta, TikTok) and without.
    pub by_signal: Vec<SignalFigures>,
    /// Each fatiguing creative: its planted threshold and how it was warned.
    pub creatives: Vec<FatiguingCreative>,
    /// Each seed's and platform's learned model on the last day.
    pub learned: Vec<LearnedModel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignalFigures {
    pub frequency: bool,
    pub fatiguing: usize,
    pub warned_7_to_14: f64,
    pub warned_ahead: f64,
    pub flagged_by_one_week_after: f64,
    pub steady: usize,
    pub false_alarm_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FatiguingCreative {
    pub seed: u64,
    pub platform: String,
    pub creative: String,
    /// Planted lifetime frequency at onset, and the audience size.
    pub onset_frequency: f64,
    pub audience: f64,
    pub onset_to_crossing: i64,
    pub lead: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LearnedModel {
    pub seed: u64,
    pub platform: String,
    pub model: FrequencyModel,
}

/// One creative's replay outcome.
struct Outcome {
    platform: String,
    /// `Some(lead)` for fatiguing creatives (`None` inside: never flagged).
    lead: Option<Option<i64>>,
    flagged: bool,
}

/// Replays every creative of the brands generated from `seeds` (end date 2026-11-23):
/// on each replayed day every platform's frequency model is learned from its
/// creatives' data up to that day, then each creative is assessed with it.
pub fn evaluate_on_brand(seeds: &[u64], settings: &FatigueSettings) -> FatigueEvaluation {
    evaluate(seeds, settings, false)
}

/// A diagnostic, not a result: the same replay, but each fatiguing creative with
/// frequency is assessed with its planted threshold and decline time as if they were
/// known (spread 0.05 and 1 day). It shows how much of the lead is lost to not knowing
/// each creative's threshold.
pub fn evaluate_with_known_thresholds(
    seeds: &[u64],
    settings: &FatigueSettings,
) -> FatigueEvaluation {
    evaluate(seeds, settings, true)
}

fn evaluate(seeds: &[u64], settings: &FatigueSettings, known: bool) -> FatigueEvaluation {
    let end = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or(NaiveDate::MIN);
    let mut outcomes = Vec::new();
    let mut onset_to_crossing = Vec::new();
    let mut creatives = Vec::new();
    let mut learned = Vec::new();
    for &seed in seeds {
        let brand = Brand::generate(BrandConfig::new(seed, end));
        let all = brand_creatives(&brand);
        let oracle: BTreeMap<(String, String), FrequencyModel> = brand
            .ground_truth
            .fatigue
            .iter()
            .filter(|_| known)
            .map(|f| {
                let crossing = true_crossing(f, 1.0 - settings.drop);
                let model = FrequencyModel {
                    threshold_mean: f.onset_frequency,
                    threshold_sd: 0.05,
                    decline_days_mean: (crossing - f.onset).num_days() as f64,
                    decline_days_sd: 1.0,
                    learned_from: 0,
                };
                ((f.platform.clone(), f.ad_id.clone()), model)
            })
            .collect();
        let flags = first_flags(&all, end, settings, &oracle, |platform, model| {
            learned.push(LearnedModel {
                seed,
                platform: platform.to_owned(),
                model,
            });
        });
        for (key, series) in &all {
            let truth = brand
                .ground_truth
                .fatigue
                .iter()
                .find(|f| f.platform == key.0 && f.ad_id == key.1);
            let first_flag = flags.get(key).copied();
            let lead = truth.map(|f| {
                let crossing = true_crossing(f, 1.0 - settings.drop);
                let lead = first_flag.map(|d| (crossing - d).num_days());
                onset_to_crossing.push((crossing - f.onset).num_days());
                creatives.push(FatiguingCreative {
                    seed,
                    platform: key.0.clone(),
                    creative: series.creative.clone(),
                    onset_frequency: (f.onset_frequency * 100.0).round() / 100.0,
                    audience: brand
                        .ground_truth
                        .audiences
                        .iter()
                        .find(|a| a.platform == f.platform && a.ad_id == f.ad_id)
                        .map_or(0.0, |a| a.size),
                    onset_to_crossing: (crossing - f.onset).num_days(),
                    lead,
                });
                lead
            });
            outcomes.push(Outcome {
                platform: key.0.clone(),
                lead,
                flagged: first_flag.is_some(),
            });
        }
    }
    let all = figures(&outcomes.iter().collect::<Vec<_>>(), true);
    let by_signal = [true, false]
        .into_iter()
        .map(|frequency| {
            let part: Vec<&Outcome> = outcomes
                .iter()
                .filter(|o| WITH_FREQUENCY.contains(&o.platform.as_str()) == frequency)
                .collect();
            figures(&part, frequency)
        })
        .collect();
    FatigueEvaluation {
        seeds: seeds.to_vec(),
        fatiguing: all.fatiguing,
        lead_times: outcomes.iter().filter_map(|o| o.lead).collect(),
        onset_to_crossing,
        warned_7_to_14: all.warned_7_to_14,
        warned_ahead: all.warned_ahead,
        flagged_by_one_week_after: all.flagged_by_one_week_after,
        steady: all.steady,
        false_alarm_share: all.false_alarm_share,
        by_signal,
        creatives,
        learned,
    }
}

fn figures(outcomes: &[&Outcome], frequency: bool) -> SignalFigures {
    let leads: Vec<Option<i64>> = outcomes.iter().filter_map(|o| o.lead).collect();
    let n = leads.len().max(1) as f64;
    let share =
        |f: &dyn Fn(i64) -> bool| leads.iter().flatten().filter(|l| f(**l)).count() as f64 / n;
    let steady: Vec<&&Outcome> = outcomes.iter().filter(|o| o.lead.is_none()).collect();
    SignalFigures {
        frequency,
        fatiguing: leads.len(),
        warned_7_to_14: share(&|l| (7..=14).contains(&l)),
        warned_ahead: share(&|l| l >= 1),
        flagged_by_one_week_after: share(&|l| l >= -7),
        steady: steady.len(),
        false_alarm_share: steady.iter().filter(|o| o.flagged).count() as f64
            / steady.len().max(1) as f64,
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

/// The first replayed "as of" day on which each creative was flagged; `known`
/// overrides the learned model per creative (the diagnostic); `on_last` gets each
/// platform's learned model on the last day.
fn first_flags(
    all: &BTreeMap<(String, String), CreativeSeries>,
    end: NaiveDate,
    settings: &FatigueSettings,
    known: &BTreeMap<(String, String), FrequencyModel>,
    mut on_last: impl FnMut(&str, FrequencyModel),
) -> BTreeMap<(String, String), NaiveDate> {
    let start = end - Duration::days(REPLAY_DAYS - 1);
    let mut sorted: BTreeMap<&(String, String), Vec<CreativeDay>> = BTreeMap::new();
    for (key, series) in all {
        let mut days = series.days.clone();
        days.sort_by_key(|d| d.date);
        sorted.insert(key, days);
    }
    let platforms: Vec<&str> = {
        let mut p: Vec<&str> = all.keys().map(|k| k.0.as_str()).collect();
        p.dedup();
        p
    };
    let mut flags = BTreeMap::new();
    for as_of in start.iter_days().take_while(|d| *d <= end) {
        for platform in &platforms {
            let visible: Vec<(&(String, String), CreativeSeries)> = all
                .iter()
                .filter(|(key, _)| key.0 == *platform)
                .map(|(key, series)| {
                    let days = &sorted[key];
                    let upto = days.partition_point(|d| d.date <= as_of);
                    let series = CreativeSeries {
                        creative: series.creative.clone(),
                        platform: series.platform.clone(),
                        days: days[..upto].to_vec(),
                    };
                    (key, series)
                })
                .collect();
            let refs: Vec<&CreativeSeries> = visible.iter().map(|(_, s)| s).collect();
            let model = learn_threshold(&refs, settings);
            if as_of == end {
                on_last(platform, model);
            }
            for (key, series) in &visible {
                if flags.contains_key(*key) {
                    continue;
                }
                let model = known.get(*key).unwrap_or(&model);
                let status = assess_with(series, settings, model).status;
                if matches!(status, FatigueStatus::Warning | FatigueStatus::Fatigued) {
                    flags.insert((*key).clone(), as_of);
                }
            }
        }
    }
    flags
}

/// Every ad of every ad platform as a creative series, keyed by (platform, ad id);
/// Meta and TikTok rows carry the lifetime frequency (impressions so far over
/// lifetime reach), as their APIs report it.
pub fn brand_creatives(brand: &Brand) -> BTreeMap<(String, String), CreativeSeries> {
    let mut out: BTreeMap<(String, String), CreativeSeries> = BTreeMap::new();
    let mut served: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut push = |platform: &str,
                    ad_id: &str,
                    name: &str,
                    row: (NaiveDate, u64, u64, i64),
                    lifetime_reach: u64| {
        let key = (platform.to_owned(), ad_id.to_owned());
        let total = served.entry(key.clone()).or_insert(0.0);
        *total += row.1 as f64;
        let frequency = (WITH_FREQUENCY.contains(&platform) && lifetime_reach > 0)
            .then(|| *total / lifetime_reach as f64);
        out.entry(key)
            .or_insert_with(|| CreativeSeries {
                creative: name.to_owned(),
                platform: Some(platform.to_owned()),
                days: Vec::new(),
            })
            .days
            .push(creative_day(row, frequency));
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
            (d.date, d.impressions, d.clicks, d.spend_minor),
            d.lifetime_reach,
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
                (d.date, d.impressions, d.clicks, d.spend_minor),
                d.lifetime_reach,
            );
        }
    }
    out
}

fn creative_day(
    (date, impressions, clicks, spend_minor): (NaiveDate, u64, u64, i64),
    frequency: Option<f64>,
) -> CreativeDay {
    CreativeDay {
        date,
        impressions: impressions as f64,
        clicks: clicks as f64,
        conversions: None,
        spend: Some(spend_minor as f64 / 100.0),
        frequency,
    }
}
