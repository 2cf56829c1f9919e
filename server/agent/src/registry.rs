//! The tools the server knows, and which of them a given tenant and user may use.

use omnify_core::{Tool, ToolSpec, ToolSpecs};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// What a person may do; ordered from least to most trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// A web-chat visitor: knowledge questions only.
    Visitor,
    /// A marketer on the team.
    Member,
    Admin,
}

struct Entry {
    tool: Arc<dyn Tool>,
    /// The platform the tool reads; `None` for tools that need no connection.
    platforms: Vec<String>,
    min_role: UserRole,
}

/// The tools one turn offers, with everything derived from them that every turn with
/// the same offer would otherwise rebuild: specs, lookup by name, the system prompt's
/// tool lines and the schemas' token count.
pub struct ToolSet {
    pub specs: ToolSpecs,
    pub by_name: HashMap<String, Arc<dyn Tool>>,
    /// "name: first sentence of its description", one per tool, for the system prompt.
    pub lines: Vec<String>,
    /// Tokens the schemas take, counted by the agent on first use.
    pub(crate) schema_tokens: OnceLock<usize>,
}

impl ToolSet {
    fn new(tools: Vec<Arc<dyn Tool>>) -> Self {
        let specs: Vec<ToolSpec> = tools.iter().map(|t| t.spec()).collect();
        let lines = specs
            .iter()
            .map(|s| format!("{}: {}", s.name, first_sentence(&s.description)))
            .collect();
        let by_name = specs.iter().map(|s| s.name.clone()).zip(tools).collect();
        Self {
            specs: specs.into(),
            by_name,
            lines,
            schema_tokens: OnceLock::new(),
        }
    }
}

fn first_sentence(s: &str) -> &str {
    s.split_once(". ").map(|(a, _)| a).unwrap_or(s)
}

/// Distinct offers are few (roles × sets of connected platforms in use); past this
/// many the cache starts again rather than growing without bound.
const TOOL_SETS_CAPACITY: usize = 1024;

#[derive(Default)]
pub struct ToolRegistry {
    entries: Vec<Entry>,
    /// Tool sets by the indices of the entries they hold.
    sets: Mutex<HashMap<Vec<u16>, Arc<ToolSet>>>,
}

impl ToolRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Register a tool. `platforms` lists the platforms it can read; it is offered when
    /// the tenant has connected at least one of them (or always, when empty).
    pub fn register(&mut self, tool: Arc<dyn Tool>, platforms: &[&str], min_role: UserRole) {
        self.entries.push(Entry {
            tool,
            platforms: platforms.iter().map(|p| p.to_string()).collect(),
            min_role,
        });
        if let Ok(mut sets) = self.sets.lock() {
            sets.clear();
        }
    }

    /// [`ToolRegistry::available`] as a shared [`ToolSet`], built once per distinct offer.
    pub fn offer(&self, connected: &HashSet<String>, role: UserRole) -> Arc<ToolSet> {
        let key: Vec<u16> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| offered(e, connected, role))
            .map(|(i, _)| i as u16)
            .collect();
        if let Some(set) = self.sets.lock().ok().and_then(|s| s.get(&key).cloned()) {
            return set;
        }
        let tools = key
            .iter()
            .map(|&i| self.entries[usize::from(i)].tool.clone())
            .collect();
        let set = Arc::new(ToolSet::new(tools));
        if let Ok(mut sets) = self.sets.lock() {
            if sets.len() >= TOOL_SETS_CAPACITY {
                sets.clear();
            }
            sets.insert(key, set.clone());
        }
        set
    }

    /// The tools offered in a turn for this tenant's connections and this user's role.
    pub fn available(&self, connected: &HashSet<String>, role: UserRole) -> Vec<Arc<dyn Tool>> {
        self.entries
            .iter()
            .filter(|e| offered(e, connected, role))
            .map(|e| e.tool.clone())
            .collect()
    }
}

fn offered(entry: &Entry, connected: &HashSet<String>, role: UserRole) -> bool {
    role >= entry.min_role
        && (entry.platforms.is_empty() || entry.platforms.iter().any(|p| connected.contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use omnify_core::{ToolContext, ToolError, ToolOutput};

    struct Named(&'static str);

    #[async_trait]
    impl Tool for Named {
        fn spec(&self) -> ToolSpec {
            ToolSpec {
                name: self.0.into(),
                description: String::new(),
                parameters: serde_json::json!({}),
                keywords: vec![],
            }
        }
        async fn call(
            &self,
            _: &ToolContext,
            _: serde_json::Value,
        ) -> Result<ToolOutput, ToolError> {
            Err(ToolError::Failed("unused".into()))
        }
    }

    #[test]
    fn tools_are_filtered_by_connection_and_role() {
        let mut r = ToolRegistry::new();
        r.register(Arc::new(Named("meta_perf")), &["meta"], UserRole::Member);
        r.register(Arc::new(Named("knowledge")), &[], UserRole::Visitor);
        let names =
            |tools: Vec<Arc<dyn Tool>>| tools.iter().map(|t| t.spec().name).collect::<Vec<_>>();
        let meta = HashSet::from(["meta".to_string()]);
        assert_eq!(
            names(r.available(&meta, UserRole::Member)),
            ["meta_perf", "knowledge"]
        );
        assert_eq!(names(r.available(&meta, UserRole::Visitor)), ["knowledge"]);
        assert_eq!(
            names(r.available(&HashSet::new(), UserRole::Admin)),
            ["knowledge"]
        );
    }

    #[test]
    fn each_distinct_offer_is_built_once_and_shared() {
        let mut r = ToolRegistry::new();
        r.register(Arc::new(Named("meta_perf")), &["meta"], UserRole::Member);
        r.register(Arc::new(Named("knowledge")), &[], UserRole::Visitor);
        let meta = HashSet::from(["meta".to_string(), "klaviyo".to_string()]);
        let member = r.offer(&meta, UserRole::Member);
        assert_eq!(
            member
                .specs
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["meta_perf", "knowledge"]
        );
        assert!(member.by_name.contains_key("meta_perf"));
        assert_eq!(member.lines, ["meta_perf: ", "knowledge: "]);
        // Another tenant with the same offer (klaviyo has no tool here) shares the set.
        let same = r.offer(&HashSet::from(["meta".to_string()]), UserRole::Admin);
        assert!(Arc::ptr_eq(&member, &same));
        let visitor = r.offer(&meta, UserRole::Visitor);
        assert_eq!(visitor.specs.len(), 1);
        assert!(!Arc::ptr_eq(&member, &visitor));
        // Registering a tool changes what is offered: the cache starts again.
        r.register(Arc::new(Named("meta_fatigue")), &["meta"], UserRole::Member);
        assert_eq!(r.offer(&meta, UserRole::Member).specs.len(), 3);
    }
}
