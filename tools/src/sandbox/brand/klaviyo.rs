//! The brand's Klaviyo account: e-mail and SMS campaigns (one send each) and four
//! flows (welcome, abandoned cart, post-purchase, win-back) sending every day, with a
//! weekly rhythm: carts are abandoned (and flows fire) most on Sundays and Mondays.
//!
//! Revenue is integer cents so sums compare to the cent.

use super::Calendar;
use crate::sandbox::prng::SplitMix64;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KlaviyoAccount {
    /// The account's public id ("site id").
    pub account_id: String,
    pub currency: String,
    /// Metrics by (id, name); "Placed Order" is the conversion metric.
    pub metrics: Vec<(String, String)>,
    pub conversion_metric_id: String,
    /// Ordered by send time.
    pub campaigns: Vec<KlaviyoCampaign>,
    pub flows: Vec<KlaviyoFlow>,
    /// One row per flow message per day it sent.
    pub flow_days: Vec<FlowMessageDay>,
}

impl KlaviyoAccount {
    pub fn flow(&self, id: &str) -> Option<&KlaviyoFlow> {
        self.flows.iter().find(|f| f.id == id)
    }
}

/// What one send (or one day of a flow message) did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SendStats {
    pub recipients: u64,
    pub delivered: u64,
    pub opens_unique: u64,
    pub clicks_unique: u64,
    pub conversions: u64,
    pub conversion_value_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KlaviyoCampaign {
    /// ULID-style, as Klaviyo's campaign ids are.
    pub id: String,
    pub message_id: String,
    pub name: String,
    /// "email" or "sms".
    pub channel: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub send_time: DateTime<Utc>,
    pub stats: SendStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KlaviyoFlow {
    /// Six characters, as Klaviyo's flow ids are.
    pub id: String,
    pub name: String,
    /// draft, manual or live.
    pub status: String,
    /// Klaviyo's `trigger_type`: "Added to List", "Metric"…
    pub trigger_type: String,
    pub created_at: DateTime<Utc>,
    pub messages: Vec<KlaviyoFlowMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KlaviyoFlowMessage {
    pub id: String,
    pub name: String,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowMessageDay {
    pub date: NaiveDate,
    pub flow_id: String,
    pub message_id: String,
    pub channel: String,
    pub stats: SendStats,
}

/// Rates of one kind of send: (open, click, conversion per delivered, average order $).
struct Response {
    open: f64,
    click: f64,
    conversion: f64,
    order_value: f64,
}

struct FlowPlan {
    name: &'static str,
    trigger: &'static str,
    /// Entrants on an ordinary day.
    daily: f64,
    /// Multiplier Monday first.
    weekday: [f64; 7],
    messages: &'static [(&'static str, &'static str, f64)],
    response: Response,
}

const FLOWS: [FlowPlan; 4] = [
    FlowPlan {
        name: "Welcome Series",
        trigger: "Added to List",
        daily: 60.0,
        weekday: [1.05, 1.0, 0.95, 0.95, 1.0, 1.0, 1.05],
        messages: &[
            ("Welcome 1 - Your 10% code", "email", 1.0),
            ("Welcome 2 - Our story", "email", 0.86),
            ("Welcome 3 - Best sellers", "email", 0.78),
        ],
        response: Response {
            open: 0.56,
            click: 0.061,
            conversion: 0.013,
            order_value: 104.0,
        },
    },
    FlowPlan {
        name: "Abandoned Cart",
        trigger: "Metric",
        daily: 42.0,
        weekday: [1.3, 1.0, 0.9, 0.9, 0.95, 1.05, 1.4],
        messages: &[
            ("Cart 1 - You left something", "email", 1.0),
            ("Cart SMS - Still thinking?", "sms", 0.35),
            ("Cart 2 - Free shipping ends", "email", 0.7),
        ],
        response: Response {
            open: 0.52,
            click: 0.083,
            conversion: 0.036,
            order_value: 128.0,
        },
    },
    FlowPlan {
        name: "Post-Purchase",
        trigger: "Metric",
        daily: 70.0,
        weekday: [1.15, 1.0, 0.95, 0.95, 1.0, 1.0, 1.1],
        messages: &[
            ("Thanks - Care guide", "email", 1.0),
            ("Review request", "email", 0.92),
        ],
        response: Response {
            open: 0.61,
            click: 0.042,
            conversion: 0.009,
            order_value: 86.0,
        },
    },
    FlowPlan {
        name: "Win-Back",
        trigger: "Date Based",
        daily: 26.0,
        weekday: [1.0; 7],
        messages: &[
            ("We miss you - 15% off", "email", 1.0),
            ("Last chance - 15% off", "email", 0.88),
        ],
        response: Response {
            open: 0.34,
            click: 0.021,
            conversion: 0.007,
            order_value: 97.0,
        },
    },
];

const EMAIL_THEMES: [&str; 12] = [
    "New Arrivals",
    "Trail Guide",
    "Staff Picks",
    "Weekend Sale",
    "Gear Care Tips",
    "Customer Favorites",
    "Back in Stock",
    "Trip Report",
    "Limited Edition",
    "Layering 101",
    "Members Early Access",
    "Last Call",
];

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn id(rng: &mut SplitMix64, len: usize) -> String {
    (0..len)
        .map(|_| char::from(CROCKFORD[(rng.next_u64() % 32) as usize]))
        .collect()
}

/// Black Friday to Cyber Monday, and the run-up to Christmas, lift every number.
fn season(date: NaiveDate) -> f64 {
    let (m, d) = (date.month(), date.day());
    match (m, d) {
        (11, 20..=30) | (12, 1..=2) => 1.8,
        (12, 3..=20) => 1.35,
        (1, _) | (2, _) => 0.85,
        (6..=8, _) => 1.1,
        _ => 1.0,
    }
}

fn sample(
    rng: &mut SplitMix64,
    recipients: u64,
    channel: &str,
    r: &Response,
    lift: f64,
) -> SendStats {
    let delivered_share = if channel == "sms" { 0.97 } else { 0.985 };
    let n = rng.noise(0.004);
    let delivered = rng.round_count(recipients as f64 * delivered_share * n);
    let opens = if channel == "sms" {
        0
    } else {
        let n = rng.noise(0.06);
        rng.round_count(delivered as f64 * r.open * n)
    };
    let click = if channel == "sms" {
        r.click * 1.6
    } else {
        r.click
    };
    let n = rng.noise(0.12);
    let clicks = rng.round_count(delivered as f64 * click * lift.sqrt() * n);
    let n = rng.noise(0.2);
    let conversions = rng.round_count(delivered as f64 * r.conversion * lift * n);
    let value = (0..conversions)
        .map(|_| (r.order_value * rng.uniform(0.55, 1.6) * 100.0).round() as i64)
        .sum();
    SendStats {
        recipients,
        delivered,
        opens_unique: opens,
        clicks_unique: clicks,
        conversions,
        conversion_value_cents: value,
    }
}

pub fn generate(calendar: &Calendar, rng: &mut SplitMix64) -> KlaviyoAccount {
    let history = (calendar.end - calendar.start).num_days().max(1) as f64;
    let start_time = calendar.start.and_time(NaiveTime::MIN).and_utc();
    let flows: Vec<KlaviyoFlow> = FLOWS
        .iter()
        .map(|plan| KlaviyoFlow {
            id: id(rng, 6),
            name: plan.name.to_owned(),
            status: "live".to_owned(),
            trigger_type: plan.trigger.to_owned(),
            created_at: start_time - Duration::days(200),
            messages: plan
                .messages
                .iter()
                .map(|(name, channel, _)| KlaviyoFlowMessage {
                    id: id(rng, 6),
                    name: (*name).to_owned(),
                    channel: (*channel).to_owned(),
                })
                .collect(),
        })
        .collect();

    let mut campaigns = Vec::new();
    let mut flow_days = Vec::new();
    for date in calendar.days() {
        let progress = (date - calendar.start).num_days() as f64 / history;
        let lift = season(date);
        for (flow, plan) in flows.iter().zip(&FLOWS) {
            let weekday = plan.weekday[date.weekday().num_days_from_monday() as usize];
            let entrants =
                plan.daily * weekday * (0.9 + 0.2 * progress) * lift.sqrt() * rng.noise(0.15);
            for (message, (_, _, share)) in flow.messages.iter().zip(plan.messages) {
                let recipients = rng.round_count(entrants * share);
                if recipients == 0 {
                    continue;
                }
                flow_days.push(FlowMessageDay {
                    date,
                    flow_id: flow.id.clone(),
                    message_id: message.id.clone(),
                    channel: message.channel.clone(),
                    stats: sample(rng, recipients, &message.channel, &plan.response, lift),
                });
            }
        }
        // E-mail campaigns go out Tuesdays and Thursdays (plus Saturdays in the holiday
        // push); SMS every other Friday.
        let email_day = matches!(date.weekday(), Weekday::Tue | Weekday::Thu)
            || (lift > 1.3 && date.weekday() == Weekday::Sat);
        let sms_day = date.weekday() == Weekday::Fri && date.iso_week().week() % 2 == 0;
        for (channel, sends) in [("email", email_day), ("sms", sms_day)] {
            if !sends {
                continue;
            }
            let list = if channel == "email" {
                38_000.0 + 14_000.0 * progress
            } else {
                6_000.0 + 5_000.0 * progress
            };
            let recipients = (list * rng.noise(0.03)).round() as u64;
            let response = if channel == "email" {
                Response {
                    open: 0.43,
                    click: 0.019,
                    conversion: 0.0016,
                    order_value: 118.0,
                }
            } else {
                Response {
                    open: 0.0,
                    click: 0.048,
                    conversion: 0.0042,
                    order_value: 109.0,
                }
            };
            let theme = EMAIL_THEMES[campaigns.len() % EMAIL_THEMES.len()];
            let name = match (channel, lift > 1.5) {
                ("sms", true) => format!("SMS - Black Friday {}", date.format("%b %-d")),
                ("sms", false) => format!("SMS - {theme} {}", date.format("%b %-d")),
                (_, true) => format!("Black Friday - {theme} ({})", date.format("%b %-d")),
                _ => format!("{theme} - {}", date.format("%b %-d %Y")),
            };
            let hour = if channel == "sms" { 17 } else { 14 };
            let send_time = date
                .and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
                .and_utc();
            campaigns.push(KlaviyoCampaign {
                id: format!("01{}", id(rng, 24)),
                message_id: format!("01{}", id(rng, 24)),
                name,
                channel: channel.to_owned(),
                status: "Sent".to_owned(),
                created_at: send_time - Duration::days(3),
                send_time,
                stats: sample(rng, recipients, channel, &response, lift),
            });
        }
    }
    KlaviyoAccount {
        account_id: "TrlHd7".to_owned(),
        currency: "USD".to_owned(),
        metrics: vec![
            ("RESQ6t".to_owned(), "Placed Order".to_owned()),
            ("VevE7N".to_owned(), "Started Checkout".to_owned()),
            ("Xk29Pa".to_owned(), "Opened Email".to_owned()),
            ("Ub4rWm".to_owned(), "Clicked Email".to_owned()),
        ],
        conversion_metric_id: "RESQ6t".to_owned(),
        campaigns,
        flows,
        flow_days,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn campaigns_and_flows_are_plausible_with_a_weekly_rhythm() {
        let end = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let calendar = Calendar {
            start: end - Duration::days(399),
            end,
        };
        let k = generate(&calendar, &mut SplitMix64::for_stream(42, "klaviyo"));
        let email = k.campaigns.iter().filter(|c| c.channel == "email").count();
        let sms = k.campaigns.len() - email;
        assert!(email > 100 && sms > 20, "{email} {sms}");
        for c in &k.campaigns {
            let s = &c.stats;
            assert!(
                s.delivered <= s.recipients
                    && s.opens_unique <= s.delivered
                    && s.clicks_unique <= s.delivered
            );
        }
        let cart = k.flows.iter().find(|f| f.name == "Abandoned Cart").unwrap();
        let by_weekday = |w: Weekday| -> u64 {
            k.flow_days
                .iter()
                .filter(|d| d.flow_id == cart.id && d.date.weekday() == w)
                .map(|d| d.stats.recipients)
                .sum()
        };
        assert!(by_weekday(Weekday::Sun) as f64 > by_weekday(Weekday::Wed) as f64 * 1.3);
        assert!(k.flow_days.iter().any(|d| d.channel == "sms"));
    }
}
