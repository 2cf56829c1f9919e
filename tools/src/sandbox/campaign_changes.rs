//! Budget and status changes made through an emulator's write endpoints: applied on
//! top of the brand (which never changes) so later reads reflect them, and logged so
//! tests can check exactly what a client sent.

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// One accepted write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignChange {
    pub campaign_id: String,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The platform's own status word: PAUSED, ENABLED, DISABLE, ENABLE…
    Status(String),
    /// Daily budget in the account currency's major units.
    DailyBudget(Decimal),
}

#[derive(Debug, Default)]
pub struct CampaignChanges {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    status: BTreeMap<String, String>,
    budget: BTreeMap<String, Decimal>,
    log: Vec<CampaignChange>,
}

impl CampaignChanges {
    pub fn apply(&self, campaign_id: &str, change: Change) {
        let mut inner = self.lock();
        match &change {
            Change::Status(s) => {
                inner.status.insert(campaign_id.to_owned(), s.clone());
            }
            Change::DailyBudget(b) => {
                inner.budget.insert(campaign_id.to_owned(), *b);
            }
        }
        inner.log.push(CampaignChange {
            campaign_id: campaign_id.to_owned(),
            change,
        });
    }

    /// The status set through the API, if any.
    pub fn status(&self, campaign_id: &str) -> Option<String> {
        self.lock().status.get(campaign_id).cloned()
    }

    /// The daily budget set through the API, if any.
    pub fn daily_budget(&self, campaign_id: &str) -> Option<Decimal> {
        self.lock().budget.get(campaign_id).copied()
    }

    /// Every accepted write, oldest first.
    pub fn log(&self) -> Vec<CampaignChange> {
        self.lock().log.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
