//! Faults a test can make the GoHighLevel emulator return, queued at run time.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// One misbehaviour of the GoHighLevel API, as PLATFORMS.md §4 documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 `{"statusCode":429,"message":"Too many requests"}` with the burst headers.
    TooManyRequests,
    /// 502 with GoHighLevel's error body.
    ServerError,
    /// 401 "Invalid token: access token is invalid", whatever token was sent.
    TokenExpired,
    /// 403: the token is not allowed on this location.
    Forbidden,
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
