//! Creative fatigue: warn before a creative's CTR falls 20% below its peak.
//!
//! For each creative we compare its current CTR (the last 7 days' clicks over
//! impressions) with its peak (the best 28-day CTR in its history), and fit the recent
//! decline of its daily CTR as "flat, then decaying exponentially from a hinge day"
//! ([`fit`]). Projecting that decay forward gives the day the CTR will cross 80% of the
//! peak, and the fit's uncertainty gives the probability that it does so within the
//! horizon: that probability is the confidence. A creative whose CTR merely wobbles
//! (weekday swings, noise) has no significant decline and stays healthy.
//!
//! Where the platform reports frequency, it is the leading signal ([`frequency`]):
//! the account's fatigued creatives show at which lifetime frequency its creatives
//! start to decline, and a creative whose frequency is heading there is warned before
//! its CTR moves; one already past it needs less evidence of a decline.

mod csv_input;
mod fit;
pub mod frequency;

pub use csv_input::from_csv;
pub use frequency::{FrequencyModel, Observed};

use chrono::{Duration, NaiveDate};
use fit::{Point, fit_hinge, normal_cdf};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One day of one creative's delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeDay {
    pub date: NaiveDate,
    pub impressions: f64,
    pub clicks: f64,
    #[serde(default)]
    pub conversions: Option<f64>,
    #[serde(default)]
    pub spend: Option<f64>,
    /// Lifetime frequency as of this day, when the platform reports reach: the ad's
    /// impressions from its first day through this one over the people it reached in
    /// that time (Meta's `frequency` for that range; TikTok's likewise).
    #[serde(default)]
    pub frequency: Option<f64>,
}

/// A creative's daily history (any order; days may be missing or repeated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeSeries {
    pub creative: String,
    #[serde(default)]
    pub platform: Option<String>,
    pub days: Vec<CreativeDay>,
}

/// How cautious the prediction is. The defaults were chosen on the seeded brand
/// (`docs/analytics.md` has the trade-off).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FatigueSettings {
    /// A creative is fatigued when its CTR is this share below its peak (0.2 = 20%).
    pub drop: f64,
    /// Warn when the crossing is predicted within this many days.
    pub horizon_days: i64,
    /// Days in the "current CTR" window.
    pub current_days: i64,
    /// Days in the window whose best CTR is the peak: long enough that one lucky
    /// week does not set an unreachable peak.
    pub peak_days: i64,
    /// Days of recent history the decline is fitted on.
    pub fit_days: i64,
    /// Fewer days of data than this: not enough to judge.
    pub min_history_days: usize,
    /// Days of decline needed before it can be projected.
    pub min_decline_days: usize,
    /// How many standard errors below zero the decline must be to count.
    pub min_decline_t: f64,
    /// Least probability of crossing within the horizon for a warning.
    pub min_confidence: f64,
    /// `min_decline_t` for a creative whose frequency is more likely than not past
    /// the account's fatigue threshold: there a decline is expected, so less evidence
    /// is asked for.
    pub min_decline_t_past_threshold: f64,
    /// Days of frequency the rise per day is fitted on.
    pub frequency_days: usize,
    /// A warning from frequency alone comes once the median predicted crossing is
    /// this close. With the threshold known only as the account's typical one, the
    /// crossing date is uncertain by about a week either way; aiming at the middle of
    /// the 7–14-day window the warning is for makes an early warning as likely as a
    /// late one.
    pub frequency_warning_days: i64,
}

impl Default for FatigueSettings {
    fn default() -> Self {
        Self {
            drop: 0.2,
            horizon_days: 14,
            current_days: 7,
            peak_days: 28,
            fit_days: 42,
            min_history_days: 21,
            min_decline_days: 4,
            min_decline_t: 4.0,
            min_confidence: 0.5,
            min_decline_t_past_threshold: 3.0,
            frequency_days: 14,
            frequency_warning_days: 11,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FatigueStatus {
    /// CTR is already more than `drop` below its peak.
    Fatigued,
    /// Predicted to cross within the horizon.
    Warning,
    Healthy,
    /// Too little delivery to judge.
    NotEnoughData,
}

impl FatigueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fatigued => "fatigued",
            Self::Warning => "warning",
            Self::Healthy => "healthy",
            Self::NotEnoughData => "not_enough_data",
        }
    }
}

/// The fitted decline: CTR flat until `since`, then changing by `daily_change_pct`
/// a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecayTrend {
    /// The last day before the decline started.
    pub since: NaiveDate,
    /// Percent change of CTR per day after `since` (negative: declining).
    pub daily_change_pct: f64,
    /// Standard error of `daily_change_pct`.
    pub daily_change_se_pct: f64,
    /// Day-to-day scatter of CTR around the trend, as a fraction (0.06 = 6%).
    pub day_to_day_scatter: f64,
    /// Days of data since the decline started.
    pub days_declining: usize,
}

/// Where a creative's frequency stands against the account's fatigue threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyOutlook {
    /// Lifetime frequency on the last day.
    pub lifetime_frequency: f64,
    /// Its rise per day over the last `frequency_days`.
    pub daily_rise: f64,
    /// The account's learned threshold (mean, spread) and how many fatigued
    /// creatives it was learned from (0: the industry prior).
    pub threshold_mean: f64,
    pub threshold_sd: f64,
    pub learned_from: usize,
    /// Probability this creative's threshold is already behind it.
    pub share_past_threshold: f64,
    /// Probability, from frequency alone, of crossing within the horizon.
    pub crossing_probability: f64,
    /// Median days to the crossing from frequency alone.
    pub days_left: Option<f64>,
}

/// What we conclude about one creative as of its last day of data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FatigueAssessment {
    pub creative: String,
    pub platform: Option<String>,
    /// The last day of data used.
    pub as_of: NaiveDate,
    pub status: FatigueStatus,
    /// CTR over the last `current_days` days, as a fraction (0.012 = 1.2%).
    pub current_ctr: f64,
    /// Best CTR over any `peak_days` window.
    pub peak_ctr: f64,
    /// Last day of the peak window.
    pub peak_date: Option<NaiveDate>,
    /// `(1 - drop) * peak_ctr`: the line a fatigued creative has crossed.
    pub threshold_ctr: f64,
    /// Warning: the predicted crossing day. Fatigued: the day the current CTR first
    /// fell below the threshold.
    pub predicted_date: Option<NaiveDate>,
    /// Warning: days from `as_of` to the predicted crossing.
    pub days_left: Option<i64>,
    /// Warning: probability the crossing happens within the horizon, from the fit's
    /// uncertainty. Fatigued: 1. Healthy: the same probability (low).
    pub confidence: f64,
    pub trend: Option<DecayTrend>,
    /// Frequency's view, when the platform reports it.
    #[serde(default)]
    pub frequency: Option<FrequencyOutlook>,
    /// One sentence on why, for people.
    pub reason: String,
}

/// The creative's days merged by date and sorted.
fn daily(series: &CreativeSeries) -> Vec<CreativeDay> {
    let mut days: Vec<CreativeDay> = Vec::new();
    let mut sorted = series.days.clone();
    sorted.sort_by_key(|d| d.date);
    for day in sorted {
        match days.last_mut() {
            Some(last) if last.date == day.date => {
                last.impressions += day.impressions;
                last.clicks += day.clicks;
                last.frequency = match (last.frequency, day.frequency) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            _ => days.push(day),
        }
    }
    days
}

/// CTR over the `window` calendar days ending on each day (`None` until the window
/// has at least half its days with impressions).
pub fn trailing_ctr(days: &[CreativeDay], window: i64) -> Vec<(NaiveDate, Option<f64>)> {
    let mut out = Vec::with_capacity(days.len());
    let mut start = 0;
    let (mut clicks, mut impressions, mut count) = (0.0, 0.0, 0_i64);
    for day in days {
        clicks += day.clicks;
        impressions += day.impressions;
        count += 1;
        while days[start].date <= day.date - Duration::days(window) {
            clicks -= days[start].clicks;
            impressions -= days[start].impressions;
            count -= 1;
            start += 1;
        }
        let enough = count * 2 >= window && impressions > 0.0;
        out.push((day.date, enough.then(|| clicks / impressions)));
    }
    out
}

/// Assess every creative; each platform's frequency threshold is learned from its own
/// creatives ([`learn_threshold`]).
pub fn assess_all(series: &[CreativeSeries], settings: &FatigueSettings) -> Vec<FatigueAssessment> {
    let mut by_platform: BTreeMap<&Option<String>, Vec<&CreativeSeries>> = BTreeMap::new();
    for s in series {
        by_platform.entry(&s.platform).or_default().push(s);
    }
    let models: BTreeMap<&Option<String>, FrequencyModel> = by_platform
        .into_iter()
        .map(|(platform, same)| (platform, learn_threshold(&same, settings)))
        .collect();
    series
        .iter()
        .map(|s| assess_with(s, settings, &models[&s.platform]))
        .collect()
}

/// The account's frequency model: the prior updated with every creative that has
/// fatigued and reports frequency ([`observe`]).
pub fn learn_threshold(series: &[&CreativeSeries], settings: &FatigueSettings) -> FrequencyModel {
    let observed: Vec<Observed> = series.iter().filter_map(|s| observe(s, settings)).collect();
    FrequencyModel::learn(&observed)
}

/// For a creative whose 7-day CTR has fallen 20% below its peak: its lifetime frequency
/// on the day its decline began (the hinge of a flat-then-decay fit around the
/// crossing) and the days the decline takes to cost 20% at the fitted rate.
pub fn observe(series: &CreativeSeries, settings: &FatigueSettings) -> Option<Observed> {
    // Without frequency there is nothing to learn: skip the fits (the chat tool's rows
    // carry none).
    if series.days.iter().all(|d| d.frequency.is_none()) {
        return None;
    }
    let days = daily(series);
    let peaks = trailing_ctr(&days, settings.peak_days);
    let (peak_date, peak_ctr) = peaks
        .iter()
        .filter_map(|(d, c)| c.map(|c| (*d, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let threshold = (1.0 - settings.drop) * peak_ctr;
    let current = trailing_ctr(&days, settings.current_days);
    let crossed = current
        .iter()
        .filter(|(d, _)| *d > peak_date)
        .find(|(_, c)| c.is_some_and(|c| c <= threshold))
        .map(|(d, _)| *d)?;
    let start = crossed - Duration::days(35);
    let end = days.partition_point(|d| d.date <= crossed + Duration::days(3));
    let (fit, start) = hinge_fit(&days[..end], start, settings)?;
    if fit.slope >= 0.0 || fit.slope > -settings.min_decline_t * fit.slope_se {
        return None;
    }
    let onset = start + Duration::days(fit.hinge.round() as i64);
    let at_onset = days
        .iter()
        .rev()
        .filter(|d| d.date <= onset)
        .find_map(|d| d.frequency)?;
    Some(Observed {
        threshold: at_onset,
        decline_days: ((1.0 - settings.drop).ln() / fit.slope).clamp(1.0, 30.0),
    })
}

/// Assess one creative as of its last day of data, against the industry prior for
/// frequency ([`assess_all`] learns it from the account instead).
pub fn assess(series: &CreativeSeries, settings: &FatigueSettings) -> FatigueAssessment {
    assess_with(series, settings, &FrequencyModel::prior())
}

/// The frequency outlook of `days` (sorted, merged) under `model`.
fn frequency_outlook(
    days: &[CreativeDay],
    model: &FrequencyModel,
    settings: &FatigueSettings,
) -> Option<FrequencyOutlook> {
    let last = days.last()?;
    let now = last.frequency?;
    let points: Vec<(f64, f64)> = days
        .iter()
        .rev()
        .take(settings.frequency_days)
        .filter_map(|d| {
            d.frequency
                .map(|f| ((d.date - last.date).num_days() as f64, f))
        })
        .collect();
    let rise = frequency::slope(&points)?;
    // A decline that began more than `min_decline_days` ago would show by now.
    let floor = now - rise.max(0.0) * settings.min_decline_days as f64;
    let projection = frequency::project(model, now, rise, floor, settings.horizon_days as f64);
    Some(FrequencyOutlook {
        lifetime_frequency: now,
        daily_rise: rise,
        threshold_mean: model.threshold_mean,
        threshold_sd: model.threshold_sd,
        learned_from: model.learned_from,
        share_past_threshold: model.share_fatigued_by(now),
        crossing_probability: projection.map_or(0.0, |p| p.probability),
        days_left: projection.map(|p| p.days_left),
    })
}

/// Assess one creative as of its last day of data, with this account's frequency
/// model.
pub fn assess_with(
    series: &CreativeSeries,
    settings: &FatigueSettings,
    model: &FrequencyModel,
) -> FatigueAssessment {
    let days = daily(series);
    let as_of = days.last().map_or(NaiveDate::MIN, |d| d.date);
    let mut out = FatigueAssessment {
        creative: series.creative.clone(),
        platform: series.platform.clone(),
        as_of,
        status: FatigueStatus::NotEnoughData,
        current_ctr: 0.0,
        peak_ctr: 0.0,
        peak_date: None,
        threshold_ctr: 0.0,
        predicted_date: None,
        days_left: None,
        confidence: 0.0,
        trend: None,
        frequency: None,
        reason: String::new(),
    };
    let delivering = days.iter().filter(|d| d.impressions > 0.0).count();
    if delivering < settings.min_history_days {
        out.reason = format!(
            "only {delivering} days with impressions; at least {} are needed",
            settings.min_history_days
        );
        return out;
    }
    let current = trailing_ctr(&days, settings.current_days);
    let peaks = trailing_ctr(&days, settings.peak_days);
    let Some(current_ctr) = current.last().and_then(|(_, c)| *c) else {
        out.reason = format!("no impressions in the last {} days", settings.current_days);
        return out;
    };
    let Some((peak_date, peak_ctr)) = peaks
        .iter()
        .filter_map(|(d, c)| c.map(|c| (*d, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return out;
    };
    let threshold = (1.0 - settings.drop) * peak_ctr;
    out.current_ctr = current_ctr;
    out.peak_ctr = peak_ctr;
    out.peak_date = Some(peak_date);
    out.threshold_ctr = threshold;

    let fitted = fit_recent(&days, as_of, settings);
    out.trend = fitted.map(|(fit, start)| DecayTrend {
        since: start + Duration::days(fit.hinge.round() as i64),
        daily_change_pct: fit.slope.exp_m1() * 100.0,
        daily_change_se_pct: fit.slope_se * 100.0,
        day_to_day_scatter: fit.residual_sd,
        days_declining: fit.days_declining,
    });

    if current_ctr <= threshold {
        out.status = FatigueStatus::Fatigued;
        out.confidence = 1.0;
        out.predicted_date = current
            .iter()
            .filter(|(d, _)| *d > peak_date)
            .find(|(_, c)| c.is_some_and(|c| c <= threshold))
            .map(|(d, _)| *d);
        out.days_left = Some(0);
        out.reason = format!(
            "CTR {:.2}% over the last {} days is {:.0}% below its peak of {:.2}%",
            current_ctr * 100.0,
            settings.current_days,
            (1.0 - current_ctr / peak_ctr) * 100.0,
            peak_ctr * 100.0
        );
        return out;
    }
    out.status = FatigueStatus::Healthy;
    out.frequency = frequency_outlook(&days, model, settings);
    // Past the likely threshold a decline is expected: ask for less evidence of one.
    let min_t = match &out.frequency {
        Some(f) if f.share_past_threshold >= 0.5 => settings.min_decline_t_past_threshold,
        _ => settings.min_decline_t,
    };
    let significant = fitted.as_ref().is_some_and(|(fit, _)| {
        fit.slope < 0.0
            && fit.slope <= -min_t * fit.slope_se
            && fit.days_declining >= settings.min_decline_days
    });
    let Some((fit, _)) = fitted.filter(|_| significant) else {
        out.reason = "no significant decline in CTR".to_owned();
        if let Some(f) = out.frequency.clone() {
            frequency_warning(&mut out, settings, f);
        }
        return out;
    };
    // Days until the projected log CTR reaches the threshold, and the probability it
    // does so within the horizon given the uncertainty of the level and the slope.
    let now = fit.at(fit.last_t);
    let gap = threshold.ln() - now;
    let days_to_cross = (gap / fit.slope).max(0.0);
    let horizon = settings.horizon_days as f64;
    let margin = now + fit.slope * horizon - threshold.ln();
    let spread = (fit.end_se.powi(2) + (horizon * fit.slope_se).powi(2)).sqrt();
    out.confidence = if spread > 0.0 {
        normal_cdf(-margin / spread)
    } else if margin <= 0.0 {
        1.0
    } else {
        0.0
    };
    let days_left = days_to_cross.ceil() as i64;
    let predicted = as_of + Duration::days(days_left);
    if days_left <= settings.horizon_days && out.confidence >= settings.min_confidence {
        out.status = FatigueStatus::Warning;
        out.predicted_date = Some(predicted);
        out.days_left = Some(days_left);
        out.reason = format!(
            "CTR has fallen {:.1}% a day for {} days; at that rate it crosses {:.2}% (80% of its peak) around {predicted}",
            -fit.slope.exp_m1() * 100.0,
            fit.days_declining,
            threshold * 100.0
        );
    } else {
        out.reason = format!(
            "CTR is declining {:.1}% a day but is not projected to cross {:.2}% within {} days",
            -fit.slope.exp_m1() * 100.0,
            threshold * 100.0,
            settings.horizon_days
        );
    }
    out
}

/// A warning from frequency alone, when CTR shows no decline yet.
fn frequency_warning(out: &mut FatigueAssessment, settings: &FatigueSettings, f: FrequencyOutlook) {
    out.confidence = f.crossing_probability;
    out.reason = format!(
        "no significant decline in CTR; lifetime frequency {:.2} is rising {:.3} a day towards {:.1}, where this account's creatives start to fatigue",
        f.lifetime_frequency, f.daily_rise, f.threshold_mean
    );
    let Some(days) = f.days_left else {
        return;
    };
    let days_left = days.ceil() as i64;
    if days_left <= settings.frequency_warning_days
        && f.crossing_probability >= settings.min_confidence
    {
        let predicted = out.as_of + Duration::days(days_left);
        out.status = FatigueStatus::Warning;
        out.predicted_date = Some(predicted);
        out.days_left = Some(days_left);
        out.reason = format!(
            "lifetime frequency {:.2} is rising {:.3} a day; this account's creatives start to fatigue around {:.1} (learned from {}), so CTR should cross {:.2}% around {predicted}",
            f.lifetime_frequency,
            f.daily_rise,
            f.threshold_mean,
            if f.learned_from == 0 {
                "the industry prior".to_owned()
            } else {
                format!("{} fatigued creatives", f.learned_from)
            },
            out.threshold_ctr * 100.0
        );
    }
}

/// The hinge fit over the last `fit_days`, with the date its day 0 stands for.
fn fit_recent(
    days: &[CreativeDay],
    as_of: NaiveDate,
    settings: &FatigueSettings,
) -> Option<(fit::HingeFit, NaiveDate)> {
    let start = as_of - Duration::days(settings.fit_days - 1);
    hinge_fit(days, start, settings)
}

/// The hinge fit of `days` (on or after `start`), with the date its day 0 stands for.
fn hinge_fit(
    days: &[CreativeDay],
    start: NaiveDate,
    settings: &FatigueSettings,
) -> Option<(fit::HingeFit, NaiveDate)> {
    let recent: Vec<&CreativeDay> = days
        .iter()
        .filter(|d| d.date >= start && d.impressions > 0.0)
        .collect();
    let mean_impressions =
        recent.iter().map(|d| d.impressions).sum::<f64>() / recent.len().max(1) as f64;
    if mean_impressions <= 0.0 {
        return None;
    }
    let points: Vec<Point> = recent
        .iter()
        .map(|d| Point {
            t: (d.date - start).num_days() as f64,
            // Half a click keeps a zero-click day finite without moving busy days.
            y: ((d.clicks + 0.5) / d.impressions).ln(),
            // Busier days are measured better; capped so one huge day cannot decide.
            w: (d.impressions / mean_impressions).min(3.0),
        })
        .collect();
    let min_before = (settings.min_history_days / 3).max(5);
    fit_hinge(&points, min_before, settings.min_decline_days.max(2)).map(|f| (f, start))
}
