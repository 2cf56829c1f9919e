//! Faults a test can make the HubSpot emulator return, queued at run time.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// One misbehaviour of the HubSpot API, as PLATFORMS.md §2 documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429, `errorType: RATE_LIMIT`, `policyName: SECONDLY` (no `Retry-After`).
    SecondlyLimit,
    /// 429 with `policyName: TEN_SECONDLY_ROLLING`.
    TenSecondlyLimit,
    /// 429 with `policyName: DAILY`: nothing to do until midnight.
    DailyLimit,
    /// 502 with HubSpot's error envelope.
    ServerError,
    /// 401 `EXPIRED_AUTHENTICATION`, whatever token was sent.
    TokenExpired,
    /// 403 `MISSING_SCOPES`.
    MissingScopes,
    /// Answers normally after this delay.
    Slow(Duration),
}

/// Faults waiting to fire, oldest first; each entry fires `remaining` more times.
#[derive(Debug, Default)]
pub(super) struct FaultQueue {
    queue: Mutex<VecDeque<(Fault, u32)>>,
}

impl FaultQueue {
    pub(super) fn push(&self, fault: Fault, times: u32) {
        if times > 0 {
            self.lock().push_back((fault, times));
        }
    }

    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    pub(super) fn take(&self) -> Option<Fault> {
        let mut queue = self.lock();
        let (fault, remaining) = queue.front_mut()?;
        let fault = *fault;
        *remaining -= 1;
        if *remaining == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(Fault, u32)>> {
        // A panicking test thread must not wedge every later request.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}
