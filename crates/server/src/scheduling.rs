//! Limits on background analysis work: how many analyses run at once, which
//! documents go first, and which documents keep a syntax tree between edits.
//!
//! Analyses run in two lanes, each with its own semaphore of one permit per
//! CPU, so at most twice as many analyses as CPUs run at once, and only when
//! both lanes are busy. Documents edited recently use the edit lane, and
//! every other document (first analyses after `didOpen`, re-analyses after a
//! policy change) uses the background lane. So opening many files at once queues their analyses,
//! instead of running all of them at once and holding all their trees. An
//! edit waits only for other edit-lane analyses, never behind that queue.
//!
//! A tree-sitter tree takes tens of times the memory of its text, so only
//! the [`RecentEdits`] documents keep their trees. Other documents parse on
//! demand inside each analysis and drop the tree when it ends.

use std::collections::VecDeque;
use std::num::NonZeroUsize;

use tokio::sync::{AcquireError, Notify, Semaphore, SemaphorePermit};
use tower_lsp_server::ls_types::Uri;

/// The number of recently edited documents that keep their syntax trees and use the edit lane.
///
/// A person edits a handful of files within a short time. Eight keeps the
/// trees of those files while bounding tree memory for a session with many
/// open files.
pub const RECENT_EDITS_CAPACITY: usize = 8;

/// The last [`RECENT_EDITS_CAPACITY`] distinct documents that were edited, least recent first.
#[derive(Debug, Default)]
pub struct RecentEdits {
    uris: VecDeque<Uri>,
}

/// The effect of [`RecentEdits::record`].
#[derive(Debug, PartialEq, Eq)]
pub struct RecordedEdit {
    /// The document was not among the recent edits before.
    pub is_new: bool,
    /// The least recently edited document, dropped to make room.
    pub evicted: Option<Uri>,
}

impl RecentEdits {
    /// Marks a document as the most recently edited one.
    pub fn record(&mut self, uri: &Uri) -> RecordedEdit {
        let position = self.uris.iter().position(|recent| recent == uri);
        let is_new = position.is_none();
        if let Some(index) = position {
            self.uris.remove(index);
        }
        self.uris.push_back(uri.clone());

        let evicted = if self.uris.len() > RECENT_EDITS_CAPACITY { self.uris.pop_front() } else { None };
        RecordedEdit { is_new, evicted }
    }

    pub fn remove(&mut self, uri: &Uri) {
        self.uris.retain(|recent| recent != uri);
    }

    pub fn contains(&self, uri: &Uri) -> bool {
        self.uris.contains(uri)
    }
}

/// The lane an analysis waits in for a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// A recently edited document, whose diagnostics the user is waiting for.
    Edit,
    /// Any other document.
    Background,
}

/// One semaphore per [`Lane`], plus a signal for background waiters whose document gets edited.
#[derive(Debug)]
pub struct AnalysisLanes {
    edit: Semaphore,
    background: Semaphore,
    /// Notified when a document joins the recent edits, so its waiting analysis moves to the edit lane.
    lane_changed: Notify,
}

impl AnalysisLanes {
    /// Creates lanes that each run at most `permits_per_lane` analyses at a time.
    pub fn new(permits_per_lane: NonZeroUsize) -> Self {
        Self {
            edit: Semaphore::new(permits_per_lane.get()),
            background: Semaphore::new(permits_per_lane.get()),
            lane_changed: Notify::new(),
        }
    }

    /// Creates lanes with one permit per CPU that this process may use.
    pub fn for_available_cpus() -> Self {
        let cpus = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
        Self::new(cpus)
    }

    /// Wakes the analyses waiting in the background lane so they check their lane again.
    pub fn notify_lane_changed(&self) {
        self.lane_changed.notify_waiters();
    }

    /// Waits for a permit in the lane that `current_lane` returns.
    ///
    /// A background waiter whose document is edited meanwhile gives up its
    /// place in the background queue and waits in the edit lane instead.
    /// Errors only when a semaphore is closed, which this type never does.
    pub async fn acquire(&self, current_lane: impl Fn() -> Lane) -> Result<SemaphorePermit<'_>, AcquireError> {
        loop {
            // Register for the signal before checking the lane, so an edit between the two is not missed.
            let lane_changed = self.lane_changed.notified();
            tokio::pin!(lane_changed);
            lane_changed.as_mut().enable();

            if current_lane() == Lane::Edit {
                return self.edit.acquire().await;
            }
            tokio::select! {
                permit = self.background.acquire() => return permit,
                () = &mut lane_changed => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    fn uri(name: &str) -> Uri {
        format!("file:///nonexistent-guardian-test/{name}.py").parse().expect("test URI is valid")
    }

    #[test]
    fn recent_edits_evict_least_recent() {
        let mut recent = RecentEdits::default();
        for index in 0..RECENT_EDITS_CAPACITY {
            let recorded = recent.record(&uri(&format!("file{index}")));
            assert_eq!(recorded, RecordedEdit { is_new: true, evicted: None }, "file{index}");
        }

        let again = recent.record(&uri("file0"));
        assert_eq!(again, RecordedEdit { is_new: false, evicted: None }, "a repeated edit moves file0 to the end");

        let overflow = recent.record(&uri("new"));
        assert_eq!(overflow, RecordedEdit { is_new: true, evicted: Some(uri("file1")) });
        assert!(recent.contains(&uri("file0")));
        assert!(!recent.contains(&uri("file1")));
    }

    #[test]
    fn recent_edits_remove() {
        let mut recent = RecentEdits::default();
        recent.record(&uri("a"));
        recent.remove(&uri("a"));
        assert!(!recent.contains(&uri("a")));
    }

    #[tokio::test]
    async fn background_waiter_moves_to_edit_lane() {
        let lanes = AnalysisLanes::new(NonZeroUsize::MIN);
        let busy = lanes.acquire(|| Lane::Background).await.expect("lanes are never closed");

        let edited = AtomicBool::new(false);
        let current_lane = || if edited.load(Ordering::SeqCst) { Lane::Edit } else { Lane::Background };
        let waiter = lanes.acquire(current_lane);
        tokio::pin!(waiter);

        let first_poll = futures::poll!(waiter.as_mut());
        assert!(first_poll.is_pending(), "the only background permit is taken");

        edited.store(true, Ordering::SeqCst);
        lanes.notify_lane_changed();
        let permit = waiter.await.expect("lanes are never closed");

        assert_eq!(lanes.edit.available_permits(), 0, "the waiter holds the edit permit");
        assert_eq!(lanes.background.available_permits(), 0, "the background permit is still busy");
        drop(permit);
        drop(busy);
    }
}
