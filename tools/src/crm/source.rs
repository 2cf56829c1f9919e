//! Which CRM a tool talks to, resolved from the tenant's connections.

use super::gohighlevel as ghl;
use super::hubspot as hs;
use super::query::{CrmQuery, Found};
use crate::connections::PlatformClients;
use crate::connectors::gohighlevel::{self, GoHighLevelClient};
use crate::connectors::hubspot::{self, HubSpotClient};
use crate::model::Pipeline;
use omnify_core::{DateRange, ToolError};
use std::sync::Arc;

/// CRMs Omnify reads, by registry key, with the names marketers use.
pub const KNOWN_CRMS: &[(&str, &str)] = &[
    (hubspot::PLATFORM, "HubSpot"),
    (gohighlevel::PLATFORM, "GoHighLevel"),
];

/// One connected CRM.
#[derive(Clone)]
pub enum CrmSource {
    HubSpot(Arc<HubSpotClient>),
    GoHighLevel(Arc<GoHighLevelClient>),
}

impl CrmSource {
    /// The tenant's client for `platform`, or a message saying how to connect it.
    pub fn resolve(clients: &PlatformClients, platform: &str) -> Result<Self, ToolError> {
        let key = platform.trim().to_ascii_lowercase();
        let not_connected = |name: &str, key: &str| {
            ToolError::NotConnected(format!(
                "{name} is not connected: connect it with `/omnify connect {key}`"
            ))
        };
        match key.as_str() {
            hubspot::PLATFORM => clients
                .get::<HubSpotClient>(hubspot::PLATFORM)
                .map(Self::HubSpot)
                .ok_or_else(|| not_connected("HubSpot", hubspot::PLATFORM)),
            gohighlevel::PLATFORM | "highlevel" | "ghl" => clients
                .get::<GoHighLevelClient>(gohighlevel::PLATFORM)
                .map(Self::GoHighLevel)
                .ok_or_else(|| not_connected("GoHighLevel", gohighlevel::PLATFORM)),
            _ => Err(ToolError::BadArguments(format!(
                "unknown CRM {platform:?}; use one of: {}",
                KNOWN_CRMS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    pub fn key(&self) -> &'static str {
        match self {
            Self::HubSpot(_) => hubspot::PLATFORM,
            Self::GoHighLevel(_) => gohighlevel::PLATFORM,
        }
    }

    pub fn display_name(&self) -> &'static str {
        match self {
            Self::HubSpot(_) => "HubSpot",
            Self::GoHighLevel(_) => "GoHighLevel",
        }
    }

    /// The account the numbers come from, for provenance.
    pub fn account(&self) -> String {
        match self {
            Self::HubSpot(c) => c.portal_id().to_owned(),
            Self::GoHighLevel(c) => c.location_id().to_owned(),
        }
    }

    /// Deal pipelines and the request that read them.
    pub async fn pipelines(&self) -> Result<(Vec<Pipeline>, String), ToolError> {
        match self {
            Self::HubSpot(c) => Ok((
                c.deal_pipelines().await?,
                format!("GET /crm/{}/pipelines/deals", c.config().api_version),
            )),
            Self::GoHighLevel(c) => Ok((
                c.pipelines().await?,
                format!(
                    "GET /opportunities/pipelines?locationId={}",
                    c.location_id()
                ),
            )),
        }
    }

    pub async fn search(
        &self,
        query: &CrmQuery,
        pipelines: &[Pipeline],
    ) -> Result<Found, ToolError> {
        match self {
            Self::HubSpot(c) => hs::search(c, query, pipelines).await,
            Self::GoHighLevel(c) => ghl::search(c, query, pipelines).await,
        }
    }

    /// Deals open now, or created or closed within `window`.
    pub async fn deals_touching(
        &self,
        window: DateRange,
        pipeline_id: Option<&str>,
        pipelines: &[Pipeline],
    ) -> Result<Found, ToolError> {
        match self {
            Self::HubSpot(c) => hs::deals_touching(c, window, pipeline_id, pipelines).await,
            Self::GoHighLevel(c) => ghl::deals_touching(c, window, pipeline_id, pipelines).await,
        }
    }
}
