//! `search_knowledge`: the model's way into the tenant's knowledge base. Results are
//! numbered so the answer can cite them inline as [1], [2].

use crate::base::{Citation, KnowledgeBase, SearchMode};
use crate::links::DocumentLinks;
use async_trait::async_trait;
use omnify_core::{
    KnowledgeError, Provenance, Tool, ToolContext, ToolError, ToolOutput, ToolSpec, parse_args,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub const TOOL_NAME: &str = "search_knowledge";
pub const DEFAULT_LIMIT: usize = 5;
pub const MAX_LIMIT: usize = 20;
/// Separator shown between the headings of a section path.
pub const SECTION_SEPARATOR: &str = " › ";

const DESCRIPTION: &str = "\
Search the team's knowledge base (playbooks, guides, brand and campaign documents) for \
passages relevant to a question: how we do things, definitions, policies, benchmarks, \
best practices. Returns numbered passages with their document title, section and source. \
Cite the passages you use inline as [n]. Use it for \"how often should we refresh TikTok \
creatives?\", \"what is our attribution window?\", \"what does the playbook say about \
budget pacing?\". It does not read live platform data.";

// Specific words only: the offline planner sends how-to and definition questions here
// by their form (`omnify_llm::offline`), and generic words ("how", "should") would pull
// this tool into every data question.
const KEYWORDS: &[&str] = &[
    "knowledge base",
    "playbook",
    "playbooks",
    "guide",
    "docs",
    "documentation",
    "best practice",
    "best practices",
    "define",
    "definition",
    "guideline",
    "guidelines",
];

pub struct SearchKnowledgeTool {
    knowledge: Arc<KnowledgeBase>,
    mode: SearchMode,
    links: Option<Arc<DocumentLinks>>,
}

impl SearchKnowledgeTool {
    /// Searches in hybrid mode.
    pub fn new(knowledge: Arc<KnowledgeBase>) -> Self {
        Self {
            knowledge,
            mode: SearchMode::Hybrid,
            links: None,
        }
    }

    /// Gives each result a link to the cited section of its document.
    pub fn with_links(mut self, links: Arc<DocumentLinks>) -> Self {
        self.links = Some(links);
        self
    }

    pub fn with_mode(mut self, mode: SearchMode) -> Self {
        self.mode = mode;
        self
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    query: String,
    #[serde(default)]
    limit: Option<usize>,
}

#[async_trait]
impl Tool for SearchKnowledgeTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: TOOL_NAME.to_owned(),
            description: DESCRIPTION.to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "What to look for, in plain words (a question works)."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT, "description": "Passages to return."}
                },
                "required": ["query"],
                "additionalProperties": false
            }),
            keywords: KEYWORDS.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    async fn call(&self, ctx: &ToolContext, args: Value) -> Result<ToolOutput, ToolError> {
        let args: Args = parse_args(args)?;
        let query = args.query.trim();
        if query.is_empty() {
            return Err(ToolError::BadArguments(
                "query must not be empty".to_owned(),
            ));
        }
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ToolError::BadArguments(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {limit}"
            )));
        }
        let found = self
            .knowledge
            .search(&ctx.tenant_id, query, limit, self.mode)
            .await
            .map_err(|e| match e {
                KnowledgeError::Invalid(m) => ToolError::BadArguments(m),
                other => ToolError::Failed(other.to_string()),
            })?;
        let link = |c: &Citation| {
            self.links
                .as_ref()
                .and_then(|l| l.url(&ctx.tenant_id, &c.document_id, &c.section))
        };
        Ok(render(query, &found, link))
    }
}

/// The tool's output for a query and its results; `link` gives a result's URL, when
/// there is one to give.
pub fn render(
    query: &str,
    found: &[Citation],
    link: impl Fn(&Citation) -> Option<String>,
) -> ToolOutput {
    let results: Vec<Value> = found
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut result = json!({
                "n": i + 1,
                "title": c.title,
                "section": c.section.join(SECTION_SEPARATOR),
                "source": c.source,
                "text": c.text,
            });
            if let Some(url) = link(c) {
                result["url"] = Value::String(url);
            }
            result
        })
        .collect();
    let summary = if found.is_empty() {
        format!(
            "The knowledge base has nothing on \"{query}\". Say so rather than guessing, or try other words."
        )
    } else {
        let titles: Vec<String> = found
            .iter()
            .enumerate()
            .map(|(i, c)| format!("[{}] {}", i + 1, cited_place(c)))
            .collect();
        let linked = results.iter().any(|r| r.get("url").is_some());
        format!(
            "{} passage(s) from the knowledge base for \"{query}\": {}. Answer from these passages and cite each one you use inline as [n].{}",
            found.len(),
            titles.join("; "),
            if linked {
                " Under the answer, list each source you cited as \"[n] [title](url)\" with its url, so the reader can open it."
            } else {
                ""
            }
        )
    };
    let mut sources: Vec<&str> = found.iter().map(|c| c.source.as_str()).collect();
    sources.dedup();
    let mut seen = std::collections::HashSet::new();
    let provenance = sources
        .into_iter()
        .filter(|s| seen.insert(*s))
        .map(|source| Provenance {
            platform: "knowledge base".to_owned(),
            account: source.to_owned(),
            date_range: None,
            query: query.to_owned(),
        })
        .collect();
    ToolOutput {
        data: json!({ "query": query, "results": results }),
        summary,
        provenance,
        chart: None,
    }
}

/// "Creative playbook › Refresh cadence".
fn cited_place(c: &Citation) -> String {
    let mut place = c.title.clone();
    for part in &c.section {
        if *part != c.title {
            place.push_str(SECTION_SEPARATOR);
            place.push_str(part);
        }
    }
    place
}
