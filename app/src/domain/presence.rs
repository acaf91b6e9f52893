//! Presence: who is looking at which job and who is typing on it.
//!
//! Presence is a set of leases, never locks: each live connection holds at
//! most one lease (the job its page shows), renews it by heartbeat, and
//! loses it when the connection closes or the lease runs out. Nothing here
//! stops anyone from working; it only shows who else is there. Time is
//! passed in, in milliseconds, so the rules are tested without waiting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::job::JobRef;
use super::people::UserRef;

/// How long a lease lasts without a heartbeat, in milliseconds. Browsers
/// renew every few seconds, so a tab that dies disappears within this.
pub const LEASE_MS: u64 = 10_000;

/// How often a browser renews its lease, in milliseconds.
pub const HEARTBEAT_MS: u64 = 3_000;

/// One person on a job, as shown to the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watcher {
    /// Who.
    pub user: UserRef,
    /// Whether they are typing on the job now.
    pub typing: bool,
}

#[derive(Debug, Clone)]
struct Lease {
    job: JobRef,
    user: UserRef,
    typing: bool,
    expires_ms: u64,
}

/// Every connection's lease, with the rules for renewing and expiring them.
#[derive(Debug, Default, Clone)]
pub struct PresenceBoard {
    leases: BTreeMap<u64, Lease>,
}

impl PresenceBoard {
    /// Records that `connection` (of `user`) shows `job`, typing or not, at
    /// `now_ms`; `None` means it shows no job. Returns the jobs whose
    /// watchers changed as others see them (a plain renewal changes none).
    pub fn watch(
        &mut self,
        connection: u64,
        user: &UserRef,
        job: Option<JobRef>,
        typing: bool,
        now_ms: u64,
    ) -> Vec<JobRef> {
        let before_old = self.leases.get(&connection).map(|l| l.job);
        let seen_before: Vec<(JobRef, Vec<Watcher>)> = before_old
            .into_iter()
            .chain(job)
            .map(|j| (j, self.watchers(j)))
            .collect();
        match job {
            Some(job) => {
                self.leases.insert(
                    connection,
                    Lease {
                        job,
                        user: user.clone(),
                        typing,
                        expires_ms: now_ms + LEASE_MS,
                    },
                );
            }
            None => {
                self.leases.remove(&connection);
            }
        }
        self.changed(seen_before)
    }

    /// Drops the lease of a connection that closed.
    pub fn leave(&mut self, connection: u64) -> Vec<JobRef> {
        match self.leases.get(&connection).map(|l| l.job) {
            Some(job) => {
                let before = vec![(job, self.watchers(job))];
                self.leases.remove(&connection);
                self.changed(before)
            }
            None => Vec::new(),
        }
    }

    /// Drops the leases not renewed in time.
    pub fn expire(&mut self, now_ms: u64) -> Vec<JobRef> {
        let stale: Vec<JobRef> = self
            .leases
            .values()
            .filter(|l| l.expires_ms <= now_ms)
            .map(|l| l.job)
            .collect();
        if stale.is_empty() {
            return Vec::new();
        }
        let before: Vec<(JobRef, Vec<Watcher>)> =
            stale.iter().map(|j| (*j, self.watchers(*j))).collect();
        self.leases.retain(|_, l| l.expires_ms > now_ms);
        self.changed(before)
    }

    /// The people on `job`, once each, by name; typing if any of their
    /// connections is typing.
    pub fn watchers(&self, job: JobRef) -> Vec<Watcher> {
        let mut people: BTreeMap<String, Watcher> = BTreeMap::new();
        for lease in self.leases.values().filter(|l| l.job == job) {
            people
                .entry(lease.user.id.clone())
                .and_modify(|w| w.typing |= lease.typing)
                .or_insert_with(|| Watcher {
                    user: lease.user.clone(),
                    typing: lease.typing,
                });
        }
        let mut watchers: Vec<Watcher> = people.into_values().collect();
        watchers.sort_by(|a, b| a.user.name.cmp(&b.user.name));
        watchers
    }

    /// Every job someone is on, with its watchers.
    pub fn all(&self) -> Vec<(JobRef, Vec<Watcher>)> {
        let mut jobs: Vec<JobRef> = self.leases.values().map(|l| l.job).collect();
        jobs.sort();
        jobs.dedup();
        jobs.into_iter().map(|j| (j, self.watchers(j))).collect()
    }

    fn changed(&self, before: Vec<(JobRef, Vec<Watcher>)>) -> Vec<JobRef> {
        let mut changed: Vec<JobRef> = before
            .into_iter()
            .filter(|(job, watchers)| self.watchers(*job) != *watchers)
            .map(|(job, _)| job)
            .collect();
        changed.sort();
        changed.dedup();
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserRef {
        UserRef {
            id: id.into(),
            name: id.into(),
        }
    }

    const J1: JobRef = JobRef(1001);
    const J2: JobRef = JobRef(1002);

    #[test]
    fn arriving_typing_and_leaving_are_changes_and_renewals_are_not() {
        let mut board = PresenceBoard::default();
        assert_eq!(board.watch(1, &user("tess"), Some(J1), false, 0), [J1]);
        assert_eq!(
            board.watch(1, &user("tess"), Some(J1), false, 2_000),
            [] as [JobRef; 0]
        );
        assert_eq!(board.watch(1, &user("tess"), Some(J1), true, 2_500), [J1]);
        assert!(board.watchers(J1)[0].typing);
        assert_eq!(
            board.watch(1, &user("tess"), Some(J2), false, 3_000),
            [J1, J2]
        );
        assert!(board.watchers(J1).is_empty());
        assert_eq!(board.leave(1), [J2]);
        assert!(board.all().is_empty());
        assert_eq!(board.leave(1), [] as [JobRef; 0]);
    }

    #[test]
    fn a_person_in_two_tabs_shows_once_and_stays_until_both_go() {
        let mut board = PresenceBoard::default();
        board.watch(1, &user("tom"), Some(J1), false, 0);
        assert_eq!(board.watch(2, &user("tom"), Some(J1), true, 0), [J1]);
        assert_eq!(board.watchers(J1).len(), 1);
        assert!(board.watchers(J1)[0].typing);
        assert_eq!(board.leave(2), [J1], "no longer typing");
        assert_eq!(board.watchers(J1).len(), 1);
        assert_eq!(board.leave(1), [J1]);
    }

    #[test]
    fn leases_not_renewed_run_out() {
        let mut board = PresenceBoard::default();
        board.watch(1, &user("tess"), Some(J1), false, 0);
        board.watch(2, &user("tom"), Some(J1), false, 5_000);
        assert_eq!(board.expire(LEASE_MS - 1), [] as [JobRef; 0]);
        assert_eq!(board.expire(LEASE_MS), [J1]);
        assert_eq!(
            board.watchers(J1),
            [Watcher {
                user: user("tom"),
                typing: false
            }]
        );
        board.watch(2, &user("tom"), Some(J1), false, LEASE_MS + 4_000);
        assert_eq!(
            board.expire(LEASE_MS + 5_000),
            [] as [JobRef; 0],
            "renewed in time"
        );
    }
}
