//! Write actions walk through a decision before they run: the model's call becomes a
//! proposal (`tool`), the user confirms, an expert approves when the change is above
//! the tenant's thresholds (`thresholds`), and the desk executes it exactly once with
//! an idempotency key, writing every step to the audit log (`desk`).

pub mod desk;
pub mod thresholds;
pub mod tool;

pub use desk::{ApprovalDesk, ApprovalError};
pub use thresholds::{ApprovalThresholds, ThresholdConfig};
pub use tool::ProposalTool;
