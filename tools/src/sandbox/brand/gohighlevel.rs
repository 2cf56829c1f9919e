//! The brand's GoHighLevel sub-account: the agency's older CRM, kept for backward
//! compatibility. Most of its contacts and opportunities date from before the move to
//! HubSpot; a trickle still arrives from old forms and trade-show lists.
//!
//! Monetary values are integer cents so sums compare to the cent.

use super::Calendar;
use crate::sandbox::prng::SplitMix64;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoHighLevelLocation {
    /// The sub-account ("location") id every request is scoped to.
    pub location_id: String,
    pub company_id: String,
    pub currency: String,
    /// (id, name) of the users opportunities are assigned to.
    pub users: Vec<(String, String)>,
    pub pipelines: Vec<GhlPipeline>,
    pub contacts: Vec<GhlContact>,
    pub opportunities: Vec<GhlOpportunity>,
}

impl GoHighLevelLocation {
    pub fn contact(&self, id: &str) -> Option<&GhlContact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    pub fn opportunity(&self, id: &str) -> Option<&GhlOpportunity> {
        self.opportunities.iter().find(|o| o.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GhlPipeline {
    pub id: String,
    pub name: String,
    pub stages: Vec<GhlStage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GhlStage {
    /// A UUID, as GoHighLevel's stage ids are.
    pub id: String,
    pub name: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GhlContact {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub company_name: String,
    pub source: String,
    pub tags: Vec<String>,
    pub date_added: DateTime<Utc>,
    pub utm_source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GhlOpportunity {
    pub id: String,
    pub name: String,
    pub monetary_value_cents: i64,
    pub pipeline_id: String,
    pub stage_id: String,
    /// open, won, lost or abandoned.
    pub status: String,
    pub source: String,
    pub assigned_to: String,
    pub contact_id: String,
    pub created_at: DateTime<Utc>,
    pub last_status_change_at: DateTime<Utc>,
}

const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn ghl_id(rng: &mut SplitMix64) -> String {
    (0..20)
        .map(|_| char::from(ID_CHARS[(rng.next_u64() % ID_CHARS.len() as u64) as usize]))
        .collect()
}

fn uuid(rng: &mut SplitMix64) -> String {
    let hex = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

const PIPELINES: [(&str, &[&str]); 2] = [
    (
        "Wholesale Inquiries",
        &["New inquiry", "Contacted", "Quote sent", "Negotiation"],
    ),
    ("Events & Sponsorships", &["Lead", "Proposal", "Confirmed"]),
];

const FIRST: [&str; 12] = [
    "Logan", "Harper", "Micah", "Sage", "Blake", "Parker", "Skyler", "Remy", "Dakota", "Cameron",
    "Finley", "Marlow",
];
const LAST: [&str; 12] = [
    "Whitaker",
    "Osei",
    "Lindgren",
    "Pereira",
    "Tanaka",
    "Holloway",
    "Baptiste",
    "Keller",
    "Nguyen",
    "Rasmussen",
    "Caruso",
    "Abernathy",
];
const SHOPS: [&str; 10] = [
    "Peak Performance",
    "Wild Trails",
    "Canyon Outfitters",
    "Lakeside Sports",
    "Pine & Peak",
    "Trailside Co-op",
    "Evergreen Outdoors",
    "Highline Hiking",
    "Riverbend Supply",
    "Glacier Gear",
];
const SOURCES: [&str; 4] = ["fb form", "website", "trade show", "referral"];

pub fn generate(calendar: &Calendar, rng: &mut SplitMix64) -> GoHighLevelLocation {
    let history = (calendar.end - calendar.start).num_days().max(1);
    let users = vec![
        (ghl_id(rng), "Jess Moreno (agency)".to_owned()),
        (ghl_id(rng), "Dana Whitfield".to_owned()),
    ];
    let pipelines: Vec<GhlPipeline> = PIPELINES
        .iter()
        .map(|(name, stages)| GhlPipeline {
            id: ghl_id(rng),
            name: (*name).to_owned(),
            stages: stages
                .iter()
                .enumerate()
                .map(|(i, s)| GhlStage {
                    id: uuid(rng),
                    name: (*s).to_owned(),
                    position: i as i64,
                })
                .collect(),
        })
        .collect();

    let mut contacts = Vec::new();
    let mut opportunities = Vec::new();
    for i in 0..220_usize {
        // Front-loaded: the CRM was the main one in the first part of the history.
        let u = rng.next_f64();
        let day = (u * u * history as f64) as i64;
        let seconds = rng.uniform(13.0 * 3600.0, 23.0 * 3600.0) as u32;
        let date_added = (calendar.start + Duration::days(day))
            .and_time(NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or_default())
            .and_utc();
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i * 7 / 3) % LAST.len()];
        let wholesale = i % 3 != 2;
        let shop = SHOPS[i % SHOPS.len()];
        let source = SOURCES[(rng.next_u64() % SOURCES.len() as u64) as usize];
        let tags = if wholesale {
            vec!["wholesale".to_owned(), "lead".to_owned()]
        } else {
            vec!["retail".to_owned(), "newsletter".to_owned()]
        };
        let domain = if wholesale {
            format!(
                "{}.com",
                shop.to_ascii_lowercase().replace(['&', ' ', '-'], "")
            )
        } else {
            "gmail.com".to_owned()
        };
        let contact = GhlContact {
            id: ghl_id(rng),
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email: format!(
                "{}.{}{}@{domain}",
                first.to_ascii_lowercase(),
                last.to_ascii_lowercase(),
                i
            ),
            phone: format!("+1720555{:04}", 1000 + i),
            company_name: if wholesale {
                shop.to_owned()
            } else {
                String::new()
            },
            source: source.to_owned(),
            tags,
            date_added,
            utm_source: if source == "fb form" {
                "facebook".to_owned()
            } else {
                String::new()
            },
        };
        // Two in three wholesale contacts became an opportunity; some event ones too.
        let make_opp =
            (wholesale && rng.next_f64() < 0.66) || (!wholesale && rng.next_f64() < 0.15);
        if make_opp {
            let pipeline = if wholesale {
                &pipelines[0]
            } else {
                &pipelines[1]
            };
            let cents = if wholesale {
                (rng.uniform(1_500.0, 18_000.0) / 25.0).round() as i64 * 2_500
            } else {
                (rng.uniform(500.0, 4_000.0) * 100.0).round() as i64
            };
            let created_at = date_added + Duration::hours(rng.uniform(1.0, 72.0) as i64);
            let age = (calendar.end.and_time(NaiveTime::MIN).and_utc() - created_at).num_days();
            let cycle = rng.uniform(7.0, 70.0) as i64;
            let roll = rng.next_f64();
            let (status, stage) = if cycle < age {
                let status = if roll < 0.38 {
                    "won"
                } else if roll < 0.78 {
                    "lost"
                } else {
                    "abandoned"
                };
                (status, pipeline.stages.len() - 1)
            } else {
                (
                    "open",
                    ((age.max(0) as f64 / cycle as f64) * pipeline.stages.len() as f64) as usize,
                )
            };
            let stage = stage.min(pipeline.stages.len() - 1);
            let last_status_change_at = if status == "open" {
                created_at + Duration::hours(2)
            } else {
                created_at + Duration::days(cycle)
            };
            opportunities.push(GhlOpportunity {
                id: ghl_id(rng),
                name: if wholesale {
                    format!("{shop} - wholesale account")
                } else {
                    format!("{first} {last} - event booth")
                },
                monetary_value_cents: cents,
                pipeline_id: pipeline.id.clone(),
                stage_id: pipeline.stages[stage].id.clone(),
                status: status.to_owned(),
                source: source.to_owned(),
                assigned_to: users[(i / 5) % users.len()].0.clone(),
                contact_id: contact.id.clone(),
                created_at,
                last_status_change_at,
            });
        }
        contacts.push(contact);
    }
    contacts.sort_by_key(|c| c.date_added);
    opportunities.sort_by_key(|o| o.created_at);
    GoHighLevelLocation {
        location_id: "ve9EPM428h8vShlRW1KT".to_owned(),
        company_id: "5DP4iH6HLkQsiKESj6rh".to_owned(),
        currency: "USD".to_owned(),
        users,
        pipelines,
        contacts,
        opportunities,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_older_crm_with_closed_and_open_opportunities() {
        let end = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let calendar = Calendar {
            start: end - Duration::days(399),
            end,
        };
        let l = generate(&calendar, &mut SplitMix64::for_stream(42, "gohighlevel"));
        assert_eq!(l.contacts.len(), 220);
        assert!(l.opportunities.len() > 80, "{}", l.opportunities.len());
        for status in ["open", "won", "lost", "abandoned"] {
            assert!(
                l.opportunities.iter().any(|o| o.status == status),
                "{status}"
            );
        }
        let half = calendar.start + Duration::days(200);
        let early = l
            .contacts
            .iter()
            .filter(|c| c.date_added.date_naive() < half)
            .count();
        assert!(early > l.contacts.len() * 6 / 10, "front-loaded: {early}");
        for o in &l.opportunities {
            assert!(o.status == "open" || o.last_status_change_at.date_naive() <= end);
            assert!(l.contact(&o.contact_id).is_some());
        }
    }
}
