//! What the commerce emulators (Shopify, Stripe, TripleWhale) share: a queue of faults
//! a test injects at run time, and a log of the requests received.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Faults waiting to fire, oldest first; each entry fires `remaining` more times.
#[derive(Debug)]
pub struct FaultQueue<F> {
    queue: Mutex<VecDeque<(F, u32)>>,
}

impl<F> Default for FaultQueue<F> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(VecDeque::new()),
        }
    }
}

impl<F: Copy> FaultQueue<F> {
    pub fn push(&self, fault: F, times: u32) {
        if times > 0 {
            self.lock().push_back((fault, times));
        }
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The fault for the next request, if any.
    pub fn take(&self) -> Option<F> {
        let mut queue = self.lock();
        let (fault, remaining) = queue.front_mut()?;
        let fault = *fault;
        *remaining -= 1;
        if *remaining == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<(F, u32)>> {
        // A panicking test thread must not wedge every later request.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A request an emulator received, for tests that assert on paging, retries and auth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query as received (under the emulator's prefix).
    pub path_and_query: String,
    /// The JSON or form body, as text.
    pub body: String,
    /// Names of the auth headers present (lower case), never their values.
    pub auth_headers: Vec<String>,
}

/// Request counts and the request log.
#[derive(Debug, Default)]
pub struct RequestLog {
    count: AtomicU64,
    log: Mutex<Vec<LoggedRequest>>,
}

impl RequestLog {
    /// Records a request; returns its 1-based number.
    pub fn record(&self, request: LoggedRequest) -> u64 {
        self.lock().push(request);
        self.count.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.lock().clone()
    }

    pub fn reset(&self) {
        self.count.store(0, Ordering::SeqCst);
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, Vec<LoggedRequest>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_in_order_the_requested_number_of_times() {
        let q = FaultQueue::default();
        q.push('a', 2);
        q.push('b', 1);
        q.push('c', 0);
        assert_eq!(q.take(), Some('a'));
        assert_eq!(q.take(), Some('a'));
        assert_eq!(q.take(), Some('b'));
        assert_eq!(q.take(), None);
    }
}
