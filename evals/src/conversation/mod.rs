//! The conversation-quality eval: scenarios (`evals/scenarios/*.yaml`) run against a
//! real server on the emulators, checked turn by turn, summed into metrics, reported
//! and compared with a stored baseline. The format is described in `evals/README.md`.

pub mod check;
pub mod dates;
pub mod metrics;
pub mod report;
pub mod run;
pub mod scenario;
