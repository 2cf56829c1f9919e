//! Omnify's analytics: the maths behind the analytic tools, with no I/O.
//!
//! Each module takes plain inputs (daily rows, orders, customers, ad text), returns a
//! result with its uncertainty, and can read its input from a CSV export
//! (`table.rs` names the missing or malformed column and line). The tools that fetch a
//! tenant's data and call these live in `omnify-tools` (`tools/src/analytics/`);
//! `omnify analyze` runs them on CSV files.

pub mod aida;
pub mod anomalies;
pub mod budget;
pub mod chart;
pub mod churn;
pub mod fatigue;
pub mod ltv;
pub mod nab;
pub mod table;
