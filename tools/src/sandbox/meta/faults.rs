//! Faults a test can make the Meta emulator return, queued at run time.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// One misbehaviour of the Graph API, as PLATFORMS.md §6 documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 400, code 17 "(#17) User request limit reached", `is_transient: true`.
    UserRequestLimit,
    /// HTTP 400, code 4 (app limit), insights subcode 1504022.
    AppRequestLimit,
    /// HTTP 400, code 613 (ad-account call limit), subcode 1487742.
    AdAccountRequestLimit,
    /// HTTP 429 with `Retry-After: 1`.
    TooManyRequests,
    /// HTTP 500 with a Graph error body (code 2, transient).
    ServerError,
    /// Answers normally after this delay.
    Slow(Duration),
    /// HTTP 400, code 190 subcode 463: the session expired.
    TokenExpired,
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

    /// The fault for the next request, if any.
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
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_in_order_the_requested_number_of_times() {
        let q = FaultQueue::default();
        q.push(Fault::ServerError, 2);
        q.push(Fault::TooManyRequests, 1);
        q.push(Fault::TokenExpired, 0);
        assert_eq!(q.take(), Some(Fault::ServerError));
        assert_eq!(q.take(), Some(Fault::ServerError));
        assert_eq!(q.take(), Some(Fault::TooManyRequests));
        assert_eq!(q.take(), None);
    }
}
