//! A stand-in for `get_marketing_performance` that returns a small fixed result, for
//! benchmarks of the agent loop itself (`[bench] fixed_tool = true`). It keeps the
//! real tool's name and schema, so the model sees no difference; it never reaches a
//! platform. Never on in production: every answer would be the same numbers.

use async_trait::async_trait;
use omnify_core::{Provenance, Tool, ToolContext, ToolError, ToolOutput, ToolSpec};
use serde_json::{Value, json};

pub struct FixedResultTool {
    spec: ToolSpec,
}

impl FixedResultTool {
    /// Impersonate `real` (its name and schema).
    pub fn like(real: &dyn Tool) -> Self {
        Self { spec: real.spec() }
    }
}

#[async_trait]
impl Tool for FixedResultTool {
    fn spec(&self) -> ToolSpec {
        self.spec.clone()
    }

    async fn call(&self, _ctx: &ToolContext, _args: Value) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput {
            data: json!({"spend": 1234.56, "revenue": 4321.0, "roas": 3.5}),
            summary: "Spend $1,234.56, revenue $4,321.00, ROAS 3.50 (fixed benchmark result)."
                .into(),
            provenance: vec![Provenance {
                platform: "bench".into(),
                account: "fixed".into(),
                date_range: None,
                query: "none".into(),
            }],
            chart: None,
        })
    }
}
