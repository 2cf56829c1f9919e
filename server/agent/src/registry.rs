//! The tools the server knows, and which of them a given tenant and user may use.

use omnify_core::{Tool, ToolSpec};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;

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

#[derive(Default)]
pub struct ToolRegistry {
    entries: Vec<Entry>,
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
    }

    /// The tools offered in a turn for this tenant's connections and this user's role.
    pub fn available(&self, connected: &HashSet<String>, role: UserRole) -> Vec<Arc<dyn Tool>> {
        self.entries
            .iter()
            .filter(|e| role >= e.min_role)
            .filter(|e| e.platforms.is_empty() || e.platforms.iter().any(|p| connected.contains(p)))
            .map(|e| e.tool.clone())
            .collect()
    }

    pub fn specs(tools: &[Arc<dyn Tool>]) -> Vec<ToolSpec> {
        tools.iter().map(|t| t.spec()).collect()
    }
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
}
