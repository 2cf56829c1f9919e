//! The brand's HubSpot portal: the wholesale (B2B) side of the business. Retailers are
//! companies, their buyers are contacts, and every opening order or re-order is a deal
//! moving through one wholesale pipeline.
//!
//! Amounts are integer cents so the emulator prints HubSpot's strings exactly and tests
//! compare sums to the cent.

use super::Calendar;
use crate::sandbox::prng::SplitMix64;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSpotPortal {
    /// The HubSpot account ("Hub ID").
    pub portal_id: String,
    pub currency: String,
    pub owners: Vec<HubSpotOwner>,
    pub pipeline: HubSpotPipeline,
    pub companies: Vec<HubSpotCompany>,
    pub contacts: Vec<HubSpotContact>,
    /// Ordered by creation time.
    pub deals: Vec<HubSpotDeal>,
}

impl HubSpotPortal {
    pub fn company(&self, id: &str) -> Option<&HubSpotCompany> {
        self.companies.iter().find(|c| c.id == id)
    }

    pub fn deal(&self, id: &str) -> Option<&HubSpotDeal> {
        self.deals.iter().find(|d| d.id == id)
    }
}

/// A sales rep deals and companies are assigned to (`hubspot_owner_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSpotOwner {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSpotPipeline {
    pub id: String,
    pub label: String,
    pub stages: Vec<HubSpotStage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSpotStage {
    /// HubSpot's internal stage id, e.g. "closedwon".
    pub id: String,
    pub label: String,
    pub display_order: i64,
    /// HubSpot's `metadata.probability`: "1.0" for won, "0.0" for lost.
    pub probability: String,
    pub is_closed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSpotCompany {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub city: String,
    pub state: String,
    pub industry: String,
    pub owner_id: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSpotContact {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub job_title: String,
    pub company_id: String,
    /// lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer.
    pub lifecycle_stage: String,
    pub owner_id: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSpotDeal {
    pub id: String,
    pub name: String,
    pub pipeline_id: String,
    pub stage_id: String,
    pub amount_cents: i64,
    pub owner_id: String,
    pub company_id: String,
    pub contact_id: String,
    pub created_at: DateTime<Utc>,
    /// The actual close for closed deals; the rep's expected close for open ones
    /// (possibly after the brand's last day).
    pub close_date: DateTime<Utc>,
}

impl HubSpotDeal {
    pub fn is_won(&self) -> bool {
        self.stage_id == WON_STAGE
    }

    pub fn is_lost(&self) -> bool {
        self.stage_id == LOST_STAGE
    }
}

pub const PIPELINE_ID: &str = "default";
pub const WON_STAGE: &str = "closedwon";
pub const LOST_STAGE: &str = "closedlost";

/// HubSpot's default stage ids, relabelled the way this brand's wholesale team talks.
const STAGES: [(&str, &str, &str); 7] = [
    ("appointmentscheduled", "Intro call booked", "0.2"),
    ("qualifiedtobuy", "Samples sent", "0.4"),
    ("presentationscheduled", "Line review", "0.6"),
    ("decisionmakerboughtin", "Buyer approved", "0.8"),
    ("contractsent", "PO sent", "0.9"),
    (WON_STAGE, "Closed won", "1.0"),
    (LOST_STAGE, "Closed lost", "0.0"),
];

const OWNERS: [(&str, &str, &str, &str); 3] = [
    ("51234561", "Dana", "Whitfield", "dana@trailheadsupply.com"),
    (
        "51234562",
        "Marcus",
        "Oyelaran",
        "marcus@trailheadsupply.com",
    ),
    ("51234563", "Priya", "Raman", "priya@trailheadsupply.com"),
];

const RETAILER_FIRST: [&str; 12] = [
    "Summit",
    "Ridgeline",
    "Basecamp",
    "Cascade",
    "Granite",
    "Timberline",
    "Alpine",
    "Switchback",
    "Backcountry",
    "Red Rock",
    "Northwoods",
    "Blue Ridge",
];
const RETAILER_SECOND: [&str; 5] = [
    "Outfitters",
    "Mountain Shop",
    "Trading Co.",
    "Outdoor Supply",
    "Adventure Gear",
];
const CITIES: [(&str, &str); 12] = [
    ("Boulder", "CO"),
    ("Bend", "OR"),
    ("Asheville", "NC"),
    ("Bozeman", "MT"),
    ("Flagstaff", "AZ"),
    ("Burlington", "VT"),
    ("Missoula", "MT"),
    ("Moab", "UT"),
    ("Duluth", "MN"),
    ("Chattanooga", "TN"),
    ("Truckee", "CA"),
    ("Bellingham", "WA"),
];
const FIRST_NAMES: [&str; 16] = [
    "Avery", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie", "Quinn", "Hayden", "Rowan",
    "Elliot", "Sasha", "Drew", "Kendall", "Reese", "Emerson",
];
const LAST_NAMES: [&str; 16] = [
    "Nakamura",
    "Alvarez",
    "Bennett",
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Moreau",
    "Kowalski",
    "Delgado",
    "Fitzgerald",
    "Brennan",
    "Castillo",
    "Novak",
    "Sato",
    "Marsh",
    "Ibarra",
];
const JOB_TITLES: [&str; 4] = ["Buyer", "Owner", "Purchasing Manager", "Store Manager"];
const DEAL_KINDS: [&str; 4] = ["opening order", "re-order", "preorder", "holiday order"];

/// Retailers in the portal.
const COMPANY_COUNT: usize = 48;

pub fn generate(calendar: &Calendar, rng: &mut SplitMix64) -> HubSpotPortal {
    let owners: Vec<HubSpotOwner> = OWNERS
        .iter()
        .map(|(id, first, last, email)| HubSpotOwner {
            id: (*id).to_owned(),
            first_name: (*first).to_owned(),
            last_name: (*last).to_owned(),
            email: (*email).to_owned(),
        })
        .collect();
    let pipeline = HubSpotPipeline {
        id: PIPELINE_ID.to_owned(),
        label: "Wholesale".to_owned(),
        stages: STAGES
            .iter()
            .enumerate()
            .map(|(i, (id, label, probability))| HubSpotStage {
                id: (*id).to_owned(),
                label: (*label).to_owned(),
                display_order: i as i64,
                probability: (*probability).to_owned(),
                is_closed: *id == WON_STAGE || *id == LOST_STAGE,
            })
            .collect(),
    };
    let history_days = (calendar.end - calendar.start).num_days();
    let mut companies = Vec::new();
    let mut contacts = Vec::new();
    for i in 0..COMPANY_COUNT {
        let name = format!(
            "{} {}",
            RETAILER_FIRST[i % RETAILER_FIRST.len()],
            RETAILER_SECOND[(i / RETAILER_FIRST.len() + i) % RETAILER_SECOND.len()]
        );
        let (city, state) = CITIES[(i * 7) % CITIES.len()];
        // Two thirds of the retailers were in the CRM before the history starts'
        // first quarter ended; the rest trickle in.
        let created_day = if i < COMPANY_COUNT * 2 / 3 {
            rng.uniform(0.0, 60.0)
        } else {
            rng.uniform(60.0, history_days as f64 - 20.0)
        } as i64;
        let created_at = at(calendar.start + Duration::days(created_day), rng);
        let slug: String = name
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let company_id = (9_120_000_101_u64 + i as u64 * 37).to_string();
        let owner_id = owners[i % owners.len()].id.clone();
        companies.push(HubSpotCompany {
            id: company_id.clone(),
            name,
            domain: format!("{slug}.com"),
            city: city.to_owned(),
            state: state.to_owned(),
            industry: "RETAIL".to_owned(),
            owner_id: owner_id.clone(),
            created_at,
        });
        let buyers = 1 + (rng.next_u64() % 3) as usize;
        for b in 0..buyers {
            let first = FIRST_NAMES[(i * 3 + b * 5) % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i * 5 + b * 3) % LAST_NAMES.len()];
            contacts.push(HubSpotContact {
                id: (301_000_u64 + (contacts.len() as u64) * 11).to_string(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                email: format!("{}.{}@{slug}.com", first, last).to_ascii_lowercase(),
                phone: format!("+1 555 {:03} {:04}", 100 + i, 1000 + b * 17 + i),
                job_title: JOB_TITLES[(i + b) % JOB_TITLES.len()].to_owned(),
                company_id: company_id.clone(),
                lifecycle_stage: "lead".to_owned(),
                owner_id: owner_id.clone(),
                created_at: created_at + Duration::minutes(10 + 30 * b as i64),
            });
        }
    }

    let deals = generate_deals(calendar, rng, &companies, &contacts);
    // A buyer whose retailer has won business is a customer; one with an open deal an
    // opportunity.
    for contact in &mut contacts {
        let company_deals = deals.iter().filter(|d| d.company_id == contact.company_id);
        let mut stage = "lead";
        for deal in company_deals {
            if deal.is_won() {
                stage = "customer";
            } else if !deal.is_lost() && stage != "customer" {
                stage = "opportunity";
            }
        }
        contact.lifecycle_stage = stage.to_owned();
    }
    HubSpotPortal {
        portal_id: "24681357".to_owned(),
        currency: "USD".to_owned(),
        owners,
        pipeline,
        companies,
        contacts,
        deals,
    }
}

fn generate_deals(
    calendar: &Calendar,
    rng: &mut SplitMix64,
    companies: &[HubSpotCompany],
    contacts: &[HubSpotContact],
) -> Vec<HubSpotDeal> {
    let end_of_data = at_midnight(calendar.end) + Duration::days(1);
    let mut deals = Vec::new();
    for date in calendar.days() {
        // Retail buyers plan in two waves: spring lines (Jan-Mar) and holiday
        // (Aug-Oct). About 0.7 new deals on an ordinary day.
        let season = match date.month() {
            1..=3 => 1.5,
            8..=10 => 1.4,
            6 | 7 | 12 => 0.6,
            _ => 1.0,
        };
        let weekday = if date.weekday().number_from_monday() >= 6 {
            0.15
        } else {
            1.0
        };
        let new_deals = rng.round_count(0.7 * season * weekday);
        for _ in 0..new_deals {
            let eligible: Vec<&HubSpotCompany> = companies
                .iter()
                .filter(|c| c.created_at.date_naive() <= date)
                .collect();
            if eligible.is_empty() {
                continue;
            }
            let company = eligible[(rng.next_u64() % eligible.len() as u64) as usize];
            let buyers: Vec<&HubSpotContact> = contacts
                .iter()
                .filter(|c| c.company_id == company.id)
                .collect();
            let Some(buyer) = buyers.first() else {
                continue;
            };
            let kind = DEAL_KINDS[(rng.next_u64() % DEAL_KINDS.len() as u64) as usize];
            // Log-uniform between $2,500 and $40,000; half of them to the cent.
            let dollars = (2_500.0_f64.ln() + rng.next_f64() * (16.0_f64).ln()).exp();
            let amount_cents = if rng.next_f64() < 0.5 {
                (dollars / 50.0).round() as i64 * 5_000
            } else {
                (dollars * 100.0).round() as i64
            };
            let created_at = at(date, rng);
            let cycle_days = rng.uniform(12.0, 65.0) as i64;
            let close_date = at_midnight(date + Duration::days(cycle_days));
            let won_chance = if amount_cents > 2_000_000 { 0.3 } else { 0.45 };
            let stage_id = if close_date < end_of_data {
                if rng.next_f64() < won_chance {
                    WON_STAGE
                } else {
                    LOST_STAGE
                }
            } else {
                // Open: as far along as the time elapsed suggests.
                let elapsed = (end_of_data - created_at).num_days() as f64 / cycle_days as f64;
                let index = ((elapsed * 5.0) as usize).min(4);
                STAGES[index].0
            };
            let id = (18_400_000_000_u64 + deals.len() as u64 * 1_013).to_string();
            deals.push(HubSpotDeal {
                id,
                name: format!(
                    "{} - {} {}",
                    company.name,
                    season_label(date + Duration::days(cycle_days)),
                    kind
                ),
                pipeline_id: PIPELINE_ID.to_owned(),
                stage_id: stage_id.to_owned(),
                amount_cents,
                owner_id: company.owner_id.clone(),
                company_id: company.id.clone(),
                contact_id: buyer.id.clone(),
                created_at,
                close_date,
            });
        }
    }
    deals
}

/// "Spring 2026", "Holiday 2026"… the season an order ships for.
fn season_label(date: NaiveDate) -> String {
    let season = match date.month() {
        1..=5 => "Spring",
        6..=8 => "Fall",
        _ => "Holiday",
    };
    format!("{season} {}", date.year())
}

/// A working-hours time on `date`, to the second.
fn at(date: NaiveDate, rng: &mut SplitMix64) -> DateTime<Utc> {
    let seconds = rng.uniform(14.0 * 3600.0, 23.0 * 3600.0) as u32;
    let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or_default();
    date.and_time(time).and_utc()
}

fn at_midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn portal() -> (Calendar, HubSpotPortal) {
        let end = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let calendar = Calendar {
            start: end - Duration::days(399),
            end,
        };
        let mut rng = SplitMix64::for_stream(42, "hubspot");
        (calendar, generate(&calendar, &mut rng))
    }

    #[test]
    fn deals_span_the_history_with_wins_losses_and_open_deals() {
        let (calendar, p) = portal();
        assert!(p.deals.len() > 150, "{}", p.deals.len());
        let won = p.deals.iter().filter(|d| d.is_won()).count();
        let lost = p.deals.iter().filter(|d| d.is_lost()).count();
        let open = p.deals.len() - won - lost;
        assert!(won > 40 && lost > 40 && open > 5, "{won} {lost} {open}");
        for d in &p.deals {
            assert!(d.created_at.date_naive() >= calendar.start);
            assert!(d.created_at.date_naive() <= calendar.end);
            assert!(d.close_date > d.created_at);
            if d.is_won() || d.is_lost() {
                assert!(d.close_date.date_naive() <= calendar.end);
            }
            assert!(
                (250_000..=4_000_000).contains(&d.amount_cents),
                "{}",
                d.amount_cents
            );
            assert!(p.company(&d.company_id).is_some());
        }
        assert!(p.contacts.iter().any(|c| c.lifecycle_stage == "customer"));
    }
}
