//! A channel's totals over a period, their change against the period before, and
//! the sentence a marketer reads.

use crate::model::{ChannelDay, VideoResult};
use crate::money::round_half_up;
use crate::range_args::{change_pct, describe_change};
use omnify_core::DateRange;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

/// Views, watch time, likes and subscribers gained, summed over days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelTotals {
    pub views: u64,
    pub minutes_watched: u64,
    pub likes: u64,
    pub subscribers_gained: u64,
}

impl ChannelTotals {
    pub fn from_days<'a>(days: impl IntoIterator<Item = &'a ChannelDay>) -> Self {
        days.into_iter().fold(Self::default(), |t, d| Self {
            views: t.views + d.views,
            minutes_watched: t.minutes_watched + d.minutes_watched,
            likes: t.likes + d.likes,
            subscribers_gained: t.subscribers_gained + d.subscribers_gained,
        })
    }

    /// Watch time in hours, to one decimal place.
    pub fn watch_hours(&self) -> Decimal {
        hours(self.minutes_watched)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "views": self.views,
            "watch_time_hours": self.watch_hours().to_f64().unwrap_or(0.0),
            "likes": self.likes,
            "subscribers_gained": self.subscribers_gained,
        })
    }

    /// Percent change per metric; `null` where the previous period had none.
    pub fn changes_pct(&self, previous: &Self) -> Value {
        let pct = |now: u64, before: u64| {
            change_pct(Decimal::from(now), Decimal::from(before)).and_then(|c| c.to_f64())
        };
        json!({
            "views": pct(self.views, previous.views),
            "watch_time_hours": pct(self.minutes_watched, previous.minutes_watched),
            "likes": pct(self.likes, previous.likes),
            "subscribers_gained": pct(self.subscribers_gained, previous.subscribers_gained),
        })
    }
}

pub fn hours(minutes: u64) -> Decimal {
    round_half_up(Decimal::from(minutes) / Decimal::from(60), 1)
}

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The answer in a marketer's words.
pub struct SummaryInput<'a> {
    pub channel: &'a str,
    pub range: DateRange,
    pub compare: bool,
    pub totals: &'a ChannelTotals,
    pub previous: &'a ChannelTotals,
    pub top_videos: &'a [VideoResult],
    /// The last day YouTube had data for, when that is before the range's end.
    pub data_ends: Option<Option<chrono::NaiveDate>>,
}

pub fn summarize(input: &SummaryInput<'_>) -> String {
    let (t, p) = (input.totals, input.previous);
    let change = |now: u64, before: u64| {
        if input.compare {
            format!(
                " ({})",
                describe_change(change_pct(Decimal::from(now), Decimal::from(before)))
            )
        } else {
            String::new()
        }
    };
    let mut text = format!(
        "YouTube channel {}, {}: {} views{}",
        input.channel,
        input.range,
        thousands(t.views),
        if input.compare {
            format!(
                " ({} vs the previous {} days)",
                describe_change(change_pct(Decimal::from(t.views), Decimal::from(p.views))),
                input.range.days()
            )
        } else {
            String::new()
        }
    );
    text.push_str(&format!(
        ", {} hours of watch time{}, {} likes{}, {} subscribers gained{}.",
        t.watch_hours(),
        change(t.minutes_watched, p.minutes_watched),
        thousands(t.likes),
        change(t.likes, p.likes),
        thousands(t.subscribers_gained),
        change(t.subscribers_gained, p.subscribers_gained),
    ));
    if !input.top_videos.is_empty() {
        let videos: Vec<String> = input
            .top_videos
            .iter()
            .map(|v| {
                format!(
                    "\"{}\" ({} views)",
                    v.title.as_deref().unwrap_or(&v.video_id),
                    thousands(v.views)
                )
            })
            .collect();
        text.push_str(&format!(" Top videos by views: {}.", videos.join(", ")));
    }
    match input.data_ends {
        Some(Some(last)) => text.push_str(&format!(
            " YouTube has no data yet after {last} (its analytics lag by a few days), so the latest days are not counted."
        )),
        Some(None) => text.push_str(
            " YouTube has no data yet for this period (its analytics lag by a few days).",
        ),
        None => {}
    }
    text.push_str(
        " These are organic channel numbers: YouTube ad spend is reported by Google Ads \
         (video campaigns), so for spend use get_marketing_performance with platform google_ads.",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(hours(90).to_string(), "1.5");
        assert_eq!(hours(100).to_string(), "1.7");
    }
}
