//! `search_crm`: find contacts, companies or deals in HubSpot or GoHighLevel by text,
//! stage, status, owner or date.

use super::args::{RawRange, parse_range, range_schema};
use super::query::{CrmObjectKind, CrmQuery, DateField, Found};
use super::source::{CrmSource, KNOWN_CRMS};
use crate::connections::ClientDirectory;
use crate::model::{DealStatus, Pipeline};
use crate::money::format_money;
use async_trait::async_trait;
use omnify_core::{Provenance, Tool, ToolContext, ToolError, ToolOutput, ToolSpec, parse_args};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "search_crm";

/// Rows listed in the answer at most; the model gets the count of the rest.
pub const MAX_LIMIT: usize = 25;
/// Deals fetched to add up amounts, beyond the rows shown.
const MAX_DEALS_TOTALLED: usize = 1_000;

#[derive(Clone)]
pub struct SearchCrmTool {
    directory: Arc<dyn ClientDirectory>,
}

impl SearchCrmTool {
    pub fn new(directory: Arc<dyn ClientDirectory>) -> Self {
        Self { directory }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default = "default_platform")]
    platform: String,
    #[serde(default)]
    object: CrmObjectKind,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    status: Option<DealStatus>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    date_range: Option<RawRange>,
    #[serde(default)]
    date_field: DateField,
    #[serde(default)]
    limit: Option<usize>,
}

fn default_platform() -> String {
    "hubspot".to_owned()
}

const DESCRIPTION: &str = "\
Search the connected CRM (HubSpot, or GoHighLevel) for contacts, companies or deals \
(GoHighLevel calls deals opportunities) by free text (a name, email or company), pipeline \
stage, deal status (open, won, lost, abandoned), owner id, or a created/closed date range. \
Returns how many records match, the most recent ones, and for deals the total amount. Use \
it for \"which retailers are in Line review?\", \"find the Summit Outfitters deal\", \"deals \
we lost in October\". Dates are inclusive ISO dates (YYYY-MM-DD).";

const KEYWORDS: &[&str] = &[
    "crm",
    "hubspot",
    "gohighlevel",
    "highlevel",
    "ghl",
    "contact",
    "contacts",
    "company",
    "companies",
    "deal",
    "deals",
    "opportunity",
    "opportunities",
    "lead",
    "leads",
    "retailer",
    "retailers",
    "wholesale",
    "find",
    "search",
    "lookup",
    "who",
];

#[async_trait]
impl Tool for SearchCrmTool {
    fn spec(&self) -> ToolSpec {
        let platforms: Vec<&str> = KNOWN_CRMS.iter().map(|(k, _)| *k).collect();
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "platform": {"type": "string", "enum": platforms, "default": "hubspot", "description": "Which CRM to search."},
                    "object": {"type": "string", "enum": ["contacts", "companies", "deals"], "default": "deals", "description": "What to look for; deals are GoHighLevel opportunities."},
                    "text": {"type": "string", "description": "Free text: a name, email, company or deal name."},
                    "stage": {"type": "string", "description": "A pipeline stage (its name or id) for deals; a lifecycle stage (HubSpot) or tag (GoHighLevel) for contacts."},
                    "status": {"type": "string", "enum": ["open", "won", "lost", "abandoned"], "description": "Deals only."},
                    "owner": {"type": "string", "description": "Owner (sales rep) id."},
                    "date_range": range_schema("Only records created (or, with date_field=closed, closed) in this range."),
                    "date_field": {"type": "string", "enum": ["created", "closed"], "default": "created"},
                    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10, "description": "Records to list."}
                },
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let range = args
            .date_range
            .as_ref()
            .map(|r| parse_range(r, ctx.today))
            .transpose()?;
        let limit = args.limit.unwrap_or(10);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ToolError::BadArguments(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {limit}"
            )));
        }
        if args.status.is_some() && args.object != CrmObjectKind::Deals {
            return Err(ToolError::BadArguments(
                "status applies to deals only; leave it out for contacts and companies".to_owned(),
            ));
        }
        let clients = self.directory.clients(&ctx.tenant_id).await?;
        let source = CrmSource::resolve(&clients, &args.platform)?;
        if args.status == Some(DealStatus::Abandoned) && source.key() == "hubspot" {
            return Err(ToolError::BadArguments(
                "HubSpot deals are open, won or lost; \"abandoned\" is a GoHighLevel status"
                    .to_owned(),
            ));
        }
        let mut provenance = Vec::new();
        let pipelines = if args.object == CrmObjectKind::Deals {
            let (pipelines, query) = source.pipelines().await?;
            provenance.push(Provenance {
                platform: source.key().to_owned(),
                account: source.account(),
                date_range: None,
                query,
            });
            pipelines
        } else {
            Vec::new()
        };
        let stage_id = match (&args.stage, args.object) {
            (Some(stage), CrmObjectKind::Deals) => Some(resolve_stage(&pipelines, stage)?),
            (Some(stage), _) => Some(stage.trim().to_ascii_lowercase()),
            (None, _) => None,
        };
        let query = CrmQuery {
            object: args.object,
            text: args.text.clone().filter(|t| !t.trim().is_empty()),
            stage_id,
            status: args.status,
            owner_id: args.owner.clone(),
            range,
            date_field: args.date_field,
            pipeline_id: None,
            max_results: if args.object == CrmObjectKind::Deals {
                MAX_DEALS_TOTALLED
            } else {
                limit
            },
        };
        let found = source.search(&query, &pipelines).await?;
        provenance.push(Provenance {
            platform: source.key().to_owned(),
            account: source.account(),
            date_range: range,
            query: found.query.clone(),
        });
        Ok(render(&source, &args, &query, &found, limit, provenance))
    }
}

/// A stage the user named, by id or (part of) its label.
fn resolve_stage(pipelines: &[Pipeline], wanted: &str) -> Result<String, ToolError> {
    let wanted_lower = wanted.trim().to_lowercase();
    let stages: Vec<_> = pipelines.iter().flat_map(|p| &p.stages).collect();
    if let Some(s) = stages
        .iter()
        .find(|s| s.id.to_lowercase() == wanted_lower || s.label.to_lowercase() == wanted_lower)
    {
        return Ok(s.id.clone());
    }
    if let Some(s) = stages
        .iter()
        .find(|s| s.label.to_lowercase().contains(&wanted_lower))
    {
        return Ok(s.id.clone());
    }
    let labels: Vec<&str> = stages.iter().map(|s| s.label.as_str()).collect();
    Err(ToolError::BadArguments(format!(
        "no pipeline stage called {wanted:?}; the stages are: {}",
        labels.join(", ")
    )))
}

fn render(
    source: &CrmSource,
    args: &Args,
    query: &CrmQuery,
    found: &Found,
    limit: usize,
    provenance: Vec<Provenance>,
) -> ToolOutput {
    let name = source.display_name();
    let noun = match (args.object, source.key()) {
        (CrmObjectKind::Deals, "gohighlevel") => "opportunities",
        (object, _) => object.as_str(),
    };
    let mut criteria = Vec::new();
    if let Some(t) = &query.text {
        criteria.push(format!("matching \"{t}\""));
    }
    if let Some(s) = &args.stage {
        criteria.push(format!("in stage {s}"));
    }
    if let Some(s) = args.status {
        criteria.push(format!("status {}", s.as_str()));
    }
    if let Some(o) = &args.owner {
        criteria.push(format!("owned by {o}"));
    }
    if let Some(r) = query.range {
        let verb = if query.date_field == DateField::Closed {
            "closing"
        } else {
            "created"
        };
        criteria.push(format!("{verb} {r}"));
    }
    let criteria = if criteria.is_empty() {
        String::new()
    } else {
        format!(" {}", criteria.join(", "))
    };
    let mut data = json!({
        "platform": source.key(),
        "object": args.object.as_str(),
        "total": found.total,
    });
    let summary;
    match args.object {
        CrmObjectKind::Deals => {
            let fetched = found.deals.len();
            let total_amount: Decimal = found.deals.iter().filter_map(|d| d.amount).sum();
            let currency = found.deals.first().map_or("USD", |d| d.currency.as_str());
            let count = |s: DealStatus| found.deals.iter().filter(|d| d.status == s).count();
            let rows: Vec<Value> = found
                .deals
                .iter()
                .take(limit)
                .map(|d| {
                    json!({
                        "id": d.id, "name": d.name, "stage": d.stage_label.clone().unwrap_or_else(|| d.stage_id.clone()),
                        "status": d.status.as_str(), "amount": d.amount.map(|a| a.to_string()),
                        "currency": d.currency, "owner_id": d.owner_id, "created": d.created_at.date_naive(),
                        "close_date": d.close_date.map(|c| c.date_naive()), "counterpart": d.counterpart,
                    })
                })
                .collect();
            data["rows"] = json!(rows);
            data["total_amount"] = json!(total_amount.to_string());
            data["currency"] = json!(currency);
            data["amounts_cover"] = json!(fetched);
            data["by_status"] = json!({
                "open": count(DealStatus::Open), "won": count(DealStatus::Won),
                "lost": count(DealStatus::Lost), "abandoned": count(DealStatus::Abandoned),
            });
            let listed: Vec<String> = found
                .deals
                .iter()
                .take(limit.min(5))
                .map(|d| {
                    format!(
                        "{} ({}, {})",
                        d.name,
                        d.amount.map_or_else(
                            || "no amount".to_owned(),
                            |a| format_money(a, &d.currency)
                        ),
                        d.stage_label.as_deref().unwrap_or(d.stage_id.as_str())
                    )
                })
                .collect();
            let partial = if (fetched as u64) < found.total {
                format!(" (amount over the first {fetched})")
            } else {
                String::new()
            };
            summary = if found.total == 0 {
                format!("{name}: no {noun}{criteria}.")
            } else {
                format!(
                    "{name}: {} {noun}{criteria}, worth {}{partial} ({} open, {} won, {} lost). Most recent: {}.",
                    found.total,
                    format_money(total_amount, currency),
                    count(DealStatus::Open),
                    count(DealStatus::Won),
                    count(DealStatus::Lost) + count(DealStatus::Abandoned),
                    listed.join("; ")
                )
            };
        }
        CrmObjectKind::Contacts => {
            let rows: Vec<Value> = found
                .contacts
                .iter()
                .take(limit)
                .map(|c| json!({"id": c.id, "name": c.name, "email": c.email, "phone": c.phone, "company": c.company, "stage": c.stage, "owner_id": c.owner_id, "source": c.source, "created": c.created_at.date_naive()}))
                .collect();
            data["rows"] = json!(rows);
            let listed: Vec<String> = found
                .contacts
                .iter()
                .take(limit.min(5))
                .map(|c| match (&c.email, &c.company) {
                    (Some(e), Some(co)) => format!("{} <{e}>, {co}", c.name),
                    (Some(e), None) => format!("{} <{e}>", c.name),
                    _ => c.name.clone(),
                })
                .collect();
            summary = if found.total == 0 {
                format!("{name}: no {noun}{criteria}.")
            } else {
                format!(
                    "{name}: {} {noun}{criteria}. Most recent: {}.",
                    found.total,
                    listed.join("; ")
                )
            };
        }
        CrmObjectKind::Companies => {
            let rows: Vec<Value> = found
                .companies
                .iter()
                .take(limit)
                .map(|c| json!({"id": c.id, "name": c.name, "domain": c.domain, "city": c.city, "state": c.state, "industry": c.industry, "owner_id": c.owner_id, "created": c.created_at.date_naive()}))
                .collect();
            data["rows"] = json!(rows);
            let listed: Vec<String> = found
                .companies
                .iter()
                .take(limit.min(5))
                .map(|c| match (&c.city, &c.state) {
                    (Some(city), Some(state)) => format!("{} ({city}, {state})", c.name),
                    _ => c.name.clone(),
                })
                .collect();
            summary = if found.total == 0 {
                format!("{name}: no {noun}{criteria}.")
            } else {
                format!(
                    "{name}: {} {noun}{criteria}. Most recent: {}.",
                    found.total,
                    listed.join("; ")
                )
            };
        }
    }
    let shown = data["rows"].as_array().map_or(0, Vec::len);
    data["shown"] = json!(shown);
    ToolOutput {
        data,
        summary,
        provenance,
        chart: None,
    }
}
