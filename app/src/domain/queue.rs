//! Queues: which jobs a person's queue shows and in which order.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::job::{Job, JobRef};
use super::people::{UserRef, Viewer};

/// A queue as loaded: its rows and the log position they reflect, from which
/// the live connection continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSnapshot {
    /// The last log position included in `jobs`.
    pub position: u64,
    /// Whose queue it is, for the "whose move" column.
    pub viewer: UserRef,
    /// The rows, in queue order.
    pub jobs: Vec<Job>,
}

/// The order of the open-jobs queue: most urgent priority first, then the
/// oldest job first, then by reference so that the order is total.
pub fn queue_order(a: &Job, b: &Job) -> Ordering {
    a.priority
        .cmp(&b.priority)
        .then(a.created_at.cmp(&b.created_at))
        .then(a.reference.cmp(&b.reference))
}

/// Whether `job` belongs on `viewer`'s open-jobs queue.
pub fn on_open_queue(viewer: &Viewer, job: &Job) -> bool {
    job.status.is_open() && viewer.can_see(job)
}

/// Applies one pushed change to a queue kept in order: `job` replaces the row
/// of the same reference or is inserted in its place; `None`, or a job that
/// is no longer open, removes the row. Visibility was already decided by the
/// server when it chose to send `job`.
pub fn apply_to_queue(rows: &mut Vec<Job>, reference: JobRef, job: Option<Job>) {
    rows.retain(|row| row.reference != reference);
    if let Some(job) = job.filter(|job| job.status.is_open()) {
        let at = rows.partition_point(|row| queue_order(row, &job) == Ordering::Less);
        rows.insert(at, job);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::Status;
    use crate::domain::fixtures::job;

    proptest! {
        /// Applying changes one by one gives the same rows as sorting the
        /// final set from scratch.
        #[test]
        fn incremental_application_matches_a_full_sort(
            changes in proptest::collection::vec((0u64..40, 0u8..4, 0i64..500, any::<bool>()), 1..120)
        ) {
            let mut rows = Vec::new();
            let mut truth = std::collections::BTreeMap::new();
            for (n, priority, age, open) in changes {
                let mut j = job(n, priority, age);
                if !open {
                    j.status = Status::Resolved;
                }
                apply_to_queue(&mut rows, j.reference, Some(j.clone()));
                if open { truth.insert(n, j); } else { truth.remove(&n); }
            }
            let mut expected: Vec<Job> = truth.into_values().collect();
            expected.sort_by(queue_order);
            prop_assert_eq!(rows, expected);
        }
    }

    #[test]
    fn none_removes_the_row() {
        let mut rows = vec![job(1, 0, 0), job(2, 1, 0)];
        apply_to_queue(&mut rows, JobRef(JobRef::FIRST + 1), None);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].reference, JobRef(JobRef::FIRST + 2));
    }

    #[test]
    fn most_urgent_first_then_oldest() {
        let mut rows = Vec::new();
        for j in [job(1, 2, 10), job(2, 0, 5), job(3, 2, 50), job(4, 0, 60)] {
            apply_to_queue(&mut rows, j.reference, Some(j));
        }
        let order: Vec<String> = rows.iter().map(|j| j.reference.to_string()).collect();
        assert_eq!(order, ["J-1005", "J-1003", "J-1004", "J-1002"]);
    }
}
