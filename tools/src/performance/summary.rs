//! The paragraph a marketer reads: totals, change versus the previous period, and the
//! line that stands out.

use super::args::Level;
use super::metrics::{Metrics, pct_change};
use super::report::Breakdown;
use crate::money::{format_money, round_half_up};
use omnify_core::DateRange;
use rust_decimal::Decimal;

pub struct SummaryInput<'a> {
    /// "Meta Ads" or "All platforms (Meta Ads, Google Ads)".
    pub scope: &'a str,
    pub range: DateRange,
    pub compare: bool,
    pub totals: &'a Metrics,
    pub previous: &'a Metrics,
    pub currency: &'a str,
    pub level: Level,
    pub lines: &'a [Breakdown],
    /// Per-platform lines, shown when more than one platform answered.
    pub by_platform: &'a [Breakdown],
    /// (platform name, user-facing error) for platforms that failed.
    pub unavailable: &'a [(String, String)],
}

pub fn summarize(input: &SummaryInput<'_>) -> String {
    let SummaryInput {
        totals,
        previous,
        currency,
        ..
    } = *input;
    let mut text = format!("{}, {}", input.scope, input.range);
    if totals.is_empty() {
        text.push_str(": no ad delivery in this period.");
        append_unavailable(&mut text, input.unavailable);
        return text;
    }
    let money = |d: Decimal| format_money(d, currency);
    let change = |now: Option<Decimal>, before: Option<Decimal>| {
        if input.compare {
            signed_pct(pct_change(now, before))
        } else {
            String::new()
        }
    };
    let period = match input.range.days() {
        1 => "the previous day".to_owned(),
        n => format!("the previous {n} days"),
    };

    text.push_str(&format!(": spend {}", money(totals.spend)));
    if input.compare
        && let Some(pct) = pct_change(Some(totals.spend), Some(previous.spend))
    {
        text.push_str(&format!(" ({}% vs {period})", signed(pct, 1)));
    }
    text.push_str(&format!(
        ", revenue {}{}",
        money(totals.revenue),
        change(Some(totals.revenue), Some(previous.revenue))
    ));
    if let Some(roas) = totals.roas() {
        text.push_str(&format!(", ROAS {:.2}", round_half_up(roas, 2)));
        if input.compare
            && let Some(before) = previous.roas()
        {
            text.push_str(&format!(" ({})", signed(roas - before, 2)));
        }
    }
    text.push_str(&format!(", {} conversions", plain(totals.conversions)));
    if let Some(cpa) = totals.cpa() {
        text.push_str(&format!(
            " at CPA {}{}",
            money(cpa),
            change(Some(cpa), previous.cpa())
        ));
    }
    if let Some(ctr) = totals.ctr_pct() {
        text.push_str(&format!(", CTR {:.2}%", round_half_up(ctr, 2)));
    }
    if let Some(cpc) = totals.cpc() {
        text.push_str(&format!(", CPC {}", money(cpc)));
    }
    if let Some(cpm) = totals.cpm() {
        text.push_str(&format!(", CPM {}", money(cpm)));
    }
    text.push('.');

    if input.by_platform.len() > 1 {
        let parts: Vec<String> = input
            .by_platform
            .iter()
            .map(|p| {
                format!(
                    "{} {}{}",
                    p.name,
                    money(p.current.spend),
                    roas_note(&p.current)
                )
            })
            .collect();
        text.push_str(&format!(" By platform: {}.", parts.join("; ")));
    }
    if let Some(highlight) = highlight(input.level, input.lines, &money) {
        text.push(' ');
        text.push_str(&highlight);
    }
    append_unavailable(&mut text, input.unavailable);
    text
}

fn highlight(
    level: Level,
    lines: &[Breakdown],
    money: &dyn Fn(Decimal) -> String,
) -> Option<String> {
    let noun = match level {
        Level::Campaign => "campaign",
        Level::Ad => "ad",
        Level::Platform => "platform",
        Level::Day => {
            let best = lines.iter().max_by_key(|l| l.current.revenue)?;
            return Some(format!(
                "Best day by revenue: {} ({}).",
                best.name,
                money(best.current.revenue)
            ));
        }
    };
    let top = lines.first()?;
    let mut text = format!(
        "Top {noun} by spend: {} ({} spend{}).",
        top.name,
        money(top.current.spend),
        roas_note(&top.current)
    );
    // Worth naming only when it is a different line from the biggest spender.
    let best = lines
        .iter()
        .filter(|l| l.current.spend > Decimal::ZERO)
        .max_by_key(|l| l.current.roas().unwrap_or_default())?;
    if best.name != top.name {
        text.push_str(&format!(
            " Best ROAS: {} ({:.2}).",
            best.name,
            round_half_up(best.current.roas().unwrap_or_default(), 2)
        ));
    }
    Some(text)
}

fn roas_note(m: &Metrics) -> String {
    m.roas()
        .map(|r| format!(", ROAS {:.2}", round_half_up(r, 2)))
        .unwrap_or_default()
}

fn append_unavailable(text: &mut String, unavailable: &[(String, String)]) {
    for (name, message) in unavailable {
        text.push_str(&format!(" {name} could not be included: {message}."));
    }
}

/// " (+8.1%)", " (−3.0%)", or "" when there is nothing to compare against.
fn signed_pct(value: Option<Decimal>) -> String {
    value.map_or(String::new(), |v| format!(" ({}%)", signed(v, 1)))
}

/// "+0.12" / "−0.40", with a real minus sign as marketers' reports print it.
fn signed(value: Decimal, dp: u32) -> String {
    let rounded = round_half_up(value, dp);
    let digits = format!("{:.*}", dp as usize, rounded.abs());
    if rounded.is_sign_negative() && !rounded.is_zero() {
        format!("\u{2212}{digits}")
    } else {
        format!("+{digits}")
    }
}

/// 512 rather than 512.00; 12.5 stays 12.5.
fn plain(value: Decimal) -> String {
    round_half_up(value, 2).normalize().to_string()
}
