//! The analytic tools: each fetches the tenant's data through the `ClientDirectory`
//! and runs the maths in `omnify-analytics` on it.

/// Daily ad rows for the ad-platform analytics (fatigue, anomalies, budget).
pub(crate) mod ad_data;
pub mod aida;
pub mod anomalies;
pub mod budget;
pub mod churn;
pub mod fatigue;
pub mod ltv;
