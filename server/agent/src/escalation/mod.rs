//! Handing conversations to human experts: the rules that call for one (`policy`), the
//! choice of expert (`routing`), the desk that opens, routes and re-routes escalations
//! (`desk`), and the `escalate_to_expert` tool the model may call (`tool`).

pub mod desk;
pub mod policy;
pub mod routing;
pub mod tool;

pub use desk::{DeskEvent, EscalationDesk, SlaPolicy};
pub use policy::{PolicyConfig, TenantPolicy, Trigger};
pub use tool::EscalateTool;
