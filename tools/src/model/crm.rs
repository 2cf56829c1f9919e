//! CRM records (HubSpot, GoHighLevel) in one shape: who the people and companies are,
//! and which deals are where in which pipeline.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A person in the CRM: a buyer at a retailer, a lead from a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Registry key: "hubspot" or "gohighlevel".
    pub platform: String,
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// HubSpot lifecycle stage, or the GoHighLevel tags joined.
    pub stage: Option<String>,
    pub owner_id: Option<String>,
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An organisation: for this brand, a retailer that stocks (or might stock) the gear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub platform: String,
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub industry: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Where a deal stands, whatever the CRM calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    Open,
    Won,
    Lost,
    /// GoHighLevel's "abandoned": dropped without a decision.
    Abandoned,
}

impl DealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Won => "won",
            Self::Lost => "lost",
            Self::Abandoned => "abandoned",
        }
    }

    pub fn is_closed(self) -> bool {
        self != Self::Open
    }
}

/// A deal (HubSpot) or opportunity (GoHighLevel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    pub platform: String,
    pub id: String,
    pub name: String,
    pub pipeline_id: String,
    pub stage_id: String,
    /// The stage's label from the pipeline, when the pipeline was read.
    pub stage_label: Option<String>,
    pub status: DealStatus,
    /// Exact; `None` when the deal has no amount yet.
    pub amount: Option<Decimal>,
    pub currency: String,
    pub owner_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// HubSpot `closedate` (expected or actual); GoHighLevel's last status change for
    /// closed opportunities.
    pub close_date: Option<DateTime<Utc>>,
    /// The contact or company the deal is with, by name when the CRM sends it.
    pub counterpart: Option<String>,
}

/// A sales pipeline and its stages, in display order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub platform: String,
    pub id: String,
    pub label: String,
    pub stages: Vec<Stage>,
}

impl Pipeline {
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub id: String,
    pub label: String,
    pub display_order: i64,
    /// What reaching this stage means: HubSpot's closed-won/closed-lost stages are
    /// `Won`/`Lost`; every other stage is `Open`.
    pub outcome: DealStatus,
}
