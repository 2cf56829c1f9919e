//! Faults a test can make the Klaviyo emulator return, queued at run time.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// One misbehaviour of the Klaviyo API, as PLATFORMS.md §3 documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 `throttled` with `Retry-After: 1` (and no `RateLimit-*` headers).
    Throttled,
    /// 503 with a JSON:API error.
    ServerError,
    /// 401 `not_authenticated`.
    InvalidKey,
    /// 403 `permission_denied`: the key lacks a scope.
    MissingScope,
    /// Answers normally after this delay.
    Slow(Duration),
}

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
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}
