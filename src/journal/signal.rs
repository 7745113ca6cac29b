//! `CommitSignal`: a coalescing wake-up (a counter plus a condvar). The writer
//! bumps it after each commit and the tailer's file watcher bumps it on file
//! changes; the tailer sleeps on it. Any number of bumps while the waiter is
//! busy collapse into one wake-up.

use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
pub struct CommitSignal {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    seq: Mutex<u64>,
    cv: Condvar,
}

impl std::fmt::Debug for CommitSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitSignal")
            .field("seq", &self.seq())
            .finish()
    }
}

impl CommitSignal {
    pub fn new() -> CommitSignal {
        CommitSignal::default()
    }

    /// Wake every waiter.
    pub fn notify(&self) {
        // A panic elsewhere while holding this lock cannot leave a counter
        // inconsistent, so a poisoned lock is simply used.
        let mut seq = self
            .inner
            .seq
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *seq = seq.wrapping_add(1);
        self.inner.cv.notify_all();
    }

    /// How many notifications so far; pass it to [`CommitSignal::wait_past`].
    pub fn seq(&self) -> u64 {
        *self
            .inner
            .seq
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Block until a notification newer than `seen` arrives or `timeout`
    /// passes. Returns the current sequence number either way.
    pub fn wait_past(&self, seen: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        let mut seq = self
            .inner
            .seq
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *seq == seen {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            seq = self
                .inner
                .cv
                .wait_timeout(seq, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *seq
    }

    pub(super) fn downgrade(&self) -> WeakSignal {
        WeakSignal(Arc::downgrade(&self.inner))
    }
}

/// The writer's hold on a subscriber: it must not keep a dropped tailer's
/// signal alive.
pub(super) struct WeakSignal(Weak<Inner>);

impl WeakSignal {
    pub(super) fn upgrade(&self) -> Option<CommitSignal> {
        self.0.upgrade().map(|inner| CommitSignal { inner })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_returns_early_on_notify_and_coalesces() {
        let s = CommitSignal::new();
        let seen = s.seq();
        let s2 = s.clone();
        let t = std::thread::spawn(move || {
            s2.notify();
            s2.notify();
        });
        let start = Instant::now();
        let now = s.wait_past(seen, Duration::from_secs(10));
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(now > seen);
        t.join().unwrap();
        // Both bumps are already counted: the next wait has nothing new and times out.
        let after = s.wait_past(s.seq(), Duration::from_millis(50));
        assert_eq!(after, s.seq());
    }

    #[test]
    fn wait_times_out_without_notify() {
        let s = CommitSignal::new();
        let start = Instant::now();
        assert_eq!(s.wait_past(s.seq(), Duration::from_millis(30)), 0);
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn weak_handle_does_not_keep_the_signal_alive() {
        let s = CommitSignal::new();
        let w = s.downgrade();
        assert!(w.upgrade().is_some());
        drop(s);
        assert!(w.upgrade().is_none());
    }
}
