//! The live hub: the in-memory end of the ordered log.
//!
//! The hub applies committed events strictly in log order. From them it keeps
//! the projection of open jobs that queues are read from, a window of recent
//! events for screens that reconnect, and a broadcast channel that live
//! connections subscribe to. All three change under one lock, so a queue
//! snapshot and a subscription always agree on the log position: a screen
//! never misses an event and never gets one twice.
//!
//! Beside the log, the hub keeps the presence board of this instance: who
//! is on which job, by leases that live connections renew.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use app::domain::presence::PresenceBoard;
use app::domain::queue::{on_open_queue, queue_order};
use app::domain::{
    Event, Job, JobRef, QueueIndex, QueuePage, QueueQuery, QueueSnapshot, UserRef, Viewer, Watcher,
};
use jiff::Timestamp;
use tokio::sync::broadcast;

/// How many events a slow connection may fall behind the live stream before
/// it is told to reload.
const BROADCAST_CAPACITY: usize = 4096;

/// The in-memory state fed by the log, and the presence of people on jobs.
pub struct Hub {
    state: Mutex<HubState>,
    replay_window: usize,
    presence: Mutex<PresenceBoard>,
    presence_sender: broadcast::Sender<PresenceChange>,
    connections: AtomicU64,
    started: Instant,
}

/// Who is on a job after a change of presence.
#[derive(Debug, Clone)]
pub struct PresenceChange {
    /// The job.
    pub reference: JobRef,
    /// Everyone on it now.
    pub watchers: Arc<Vec<Watcher>>,
}

struct HubState {
    /// The position of the last event applied.
    position: u64,
    /// The most recent events, oldest first, at most `replay_window`.
    recent: VecDeque<Arc<Event>>,
    /// Every job a queue can show: the open ones and the recently resolved.
    index: QueueIndex,
    sender: broadcast::Sender<Arc<Event>>,
}

/// What a connection that asks to follow the log from a position gets.
pub enum Subscription {
    /// The events after the asked position, then live events from `receiver`.
    Follow {
        /// Events the connection missed, in order.
        missed: Vec<Arc<Event>>,
        /// The position the missed events reach.
        position: u64,
        /// Every event after `position`, as it is applied.
        receiver: broadcast::Receiver<Arc<Event>>,
    },
    /// The position is older than the replay window (or newer than the log):
    /// the connection must reload its state.
    Reload {
        /// Why, in words.
        reason: String,
    },
}

/// An event arrived that does not follow the last one applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("event {got} does not follow {expected_after}")]
pub struct OutOfOrder {
    /// The hub's position.
    pub expected_after: u64,
    /// The event's position.
    pub got: u64,
}

impl Hub {
    /// A hub that starts at `position` with the open jobs and the recent
    /// events (oldest first) read from the database at that position.
    pub fn new(
        position: u64,
        open_jobs: Vec<Job>,
        recent: Vec<Event>,
        replay_window: usize,
    ) -> Self {
        let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        let mut recent: VecDeque<Arc<Event>> = recent.into_iter().map(Arc::new).collect();
        while recent.len() > replay_window {
            recent.pop_front();
        }
        let (presence_sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        Self {
            presence: Mutex::new(PresenceBoard::default()),
            presence_sender,
            connections: AtomicU64::new(1),
            started: Instant::now(),
            state: Mutex::new(HubState {
                position,
                recent,
                index: QueueIndex::new(open_jobs, Timestamp::now()),
                sender,
            }),
            replay_window,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        // A panic while holding the lock cannot leave the state half-changed
        // (every update below is a handful of infallible steps), so a
        // poisoned lock is safe to keep using.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The position of the last event applied.
    pub fn position(&self) -> u64 {
        self.lock().position
    }

    /// Applies the next event of the log and pushes it to every subscriber.
    /// Events at or before the current position are ignored (they were
    /// already applied); an event that skips a position is refused.
    pub fn apply(&self, event: Event) -> Result<(), OutOfOrder> {
        let mut state = self.lock();
        if event.position <= state.position {
            return Ok(());
        }
        if event.position != state.position + 1 {
            return Err(OutOfOrder {
                expected_after: state.position,
                got: event.position,
            });
        }
        state.position = event.position;
        state.index.apply(event.job.clone(), Timestamp::now());
        let event = Arc::new(event);
        state.recent.push_back(event.clone());
        if state.recent.len() > self.replay_window {
            state.recent.pop_front();
        }
        // No receiver is not an error: nobody is watching right now.
        let _ = state.sender.send(event);
        Ok(())
    }

    /// Follows the log from just after `after`.
    pub fn subscribe(&self, after: u64) -> Subscription {
        let state = self.lock();
        if after > state.position {
            return Subscription::Reload {
                reason: format!("position {after} is ahead of the log ({})", state.position),
            };
        }
        let oldest_kept = state
            .recent
            .front()
            .map_or(state.position + 1, |e| e.position);
        if after + 1 < oldest_kept {
            return Subscription::Reload {
                reason: format!(
                    "position {after} is more than {} events behind",
                    self.replay_window
                ),
            };
        }
        let missed = state
            .recent
            .iter()
            .filter(|e| e.position > after)
            .cloned()
            .collect();
        Subscription::Follow {
            missed,
            position: state.position,
            receiver: state.sender.subscribe(),
        }
    }

    /// The open jobs `viewer` may see, in queue order, at the current position.
    pub fn open_queue(&self, viewer: &Viewer) -> QueueSnapshot {
        let state = self.lock();
        let mut jobs: Vec<Job> = state
            .index
            .jobs()
            .filter(|job| on_open_queue(viewer, job))
            .cloned()
            .collect();
        let position = state.position;
        drop(state);
        jobs.sort_by(queue_order);
        QueueSnapshot {
            position,
            viewer: viewer.user.clone(),
            jobs,
        }
    }

    /// One page of `query` for `viewer`, with every view's count, at the
    /// current position.
    pub fn queue_page(
        &self,
        viewer: &Viewer,
        query: QueueQuery,
        offset: usize,
        limit: usize,
    ) -> QueuePage {
        let now = Timestamp::now();
        let state = self.lock();
        let (total, rows, counts) = state.index.page(viewer, &query, offset, limit, now);
        QueuePage {
            position: state.position,
            viewer: viewer.clone(),
            query,
            total,
            offset,
            rows,
            counts,
            saved: Vec::new(),
        }
    }

    /// The job "take next" would give `viewer`, leaving out `except`.
    pub fn next_for(&self, viewer: &Viewer, except: &[JobRef]) -> Option<JobRef> {
        self.lock()
            .index
            .next_for(viewer, except, Timestamp::now())
            .map(|job| job.reference)
    }

    /// The references of every job `query` holds for `viewer` now, in order.
    pub fn matching(&self, viewer: &Viewer, query: &QueueQuery, limit: usize) -> Vec<JobRef> {
        self.lock()
            .index
            .references(viewer, query, limit, Timestamp::now())
    }

    /// Forgets resolved jobs that left "Recently resolved".
    pub fn prune(&self) {
        self.lock().index.prune(Timestamp::now());
    }

    /// The open jobs most like `job` that `viewer` may see, best first.
    pub fn similar(&self, viewer: &Viewer, job: &Job) -> Vec<app::domain::SimilarJob> {
        self.lock().index.similar(viewer, job)
    }

    /// A job the queues hold (open or recently resolved).
    pub fn open_job(&self, reference: JobRef) -> Option<Job> {
        self.lock().index.get(reference).cloned()
    }

    /// Whether `viewer` may see the job `reference` that the queues hold;
    /// false when they hold no such job.
    pub fn can_see_open(&self, viewer: &Viewer, reference: JobRef) -> bool {
        self.lock()
            .index
            .get(reference)
            .is_some_and(|job| viewer.can_see(job))
    }

    fn board(&self) -> MutexGuard<'_, PresenceBoard> {
        // Every board update is a few map operations: a panic cannot leave
        // it half-changed.
        self.presence
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn announce(&self, board: &PresenceBoard, changed: Vec<JobRef>) {
        for reference in changed {
            // No receiver is not an error: nobody is watching right now.
            let _ = self.presence_sender.send(PresenceChange {
                reference,
                watchers: Arc::new(board.watchers(reference)),
            });
        }
    }

    /// A new number for a live connection's presence lease.
    pub fn new_connection(&self) -> u64 {
        self.connections.fetch_add(1, Ordering::Relaxed)
    }

    /// Records what `connection` shows and whether its person types, and
    /// tells everyone when that changes who is on a job.
    pub fn watch(&self, connection: u64, user: &UserRef, job: Option<JobRef>, typing: bool) {
        let now = self.now_ms();
        let mut board = self.board();
        let changed = board.watch(connection, user, job, typing, now);
        self.announce(&board, changed);
    }

    /// Drops the lease of a closed connection.
    pub fn leave(&self, connection: u64) {
        let mut board = self.board();
        let changed = board.leave(connection);
        self.announce(&board, changed);
    }

    /// Drops leases that were not renewed in time.
    pub fn expire_presence(&self) {
        let now = self.now_ms();
        let mut board = self.board();
        let changed = board.expire(now);
        self.announce(&board, changed);
    }

    /// Who is on `job` now.
    pub fn watchers(&self, job: JobRef) -> Vec<Watcher> {
        self.board().watchers(job)
    }

    /// Everyone on every job now, and the changes from here on.
    pub fn presence(
        &self,
    ) -> (
        Vec<(JobRef, Vec<Watcher>)>,
        broadcast::Receiver<PresenceChange>,
    ) {
        let board = self.board();
        (board.all(), self.presence_sender.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use app::domain::{
        Change, Channel, ClientRef, GroupRef, Impact, Priority, Role, Status, Urgency, UserRef,
    };
    use jiff::Timestamp;

    use super::*;

    fn event(position: u64, number: u64, status: Status) -> Event {
        let someone = UserRef {
            id: "fran".into(),
            name: "Fran".into(),
        };
        let job = Job {
            reference: JobRef(number),
            title: format!("Job {number}"),
            description: String::new(),
            client: ClientRef {
                id: "c1".into(),
                name: "Cleo".into(),
                organisation: "Acme".into(),
            },
            category: "Network".into(),
            impact: Impact::Medium,
            urgency: Urgency::Medium,
            priority: Priority::P3,
            status,
            channel: Channel::Phone,
            group: Some(GroupRef {
                id: "network".into(),
                name: "Network".into(),
            }),
            technician: None,
            logged_by: someone.clone(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
            version: 1,
            tasks: Vec::new(),
            resolution: None,
            escalation: None,
            last_touch: None,
            minutes_spent: 0,
            links: Vec::new(),
        };
        Event {
            position,
            at: Timestamp::UNIX_EPOCH,
            actor: someone,
            change: Change::Logged,
            job,
            before: None,
        }
    }

    fn admin() -> Viewer {
        Viewer {
            user: UserRef {
                id: "ada".into(),
                name: "Ada".into(),
            },
            role: Role::Admin,
            groups: vec![],
        }
    }

    #[test]
    fn applies_in_order_ignores_repeats_and_refuses_gaps() {
        let hub = Hub::new(0, vec![], vec![], 10);
        hub.apply(event(1, 1001, Status::New)).expect("next");
        hub.apply(event(1, 1001, Status::New))
            .expect("a repeat is ignored");
        assert_eq!(
            hub.apply(event(3, 1003, Status::New)),
            Err(OutOfOrder {
                expected_after: 1,
                got: 3
            })
        );
        assert_eq!(hub.position(), 1);
        hub.apply(event(2, 1001, Status::Resolved)).expect("next");
        assert!(
            hub.open_queue(&admin()).jobs.is_empty(),
            "a resolved job leaves the open queue"
        );
        assert_eq!(hub.open_queue(&admin()).position, 2);
    }

    #[test]
    fn subscribers_get_what_they_missed_then_live_events_once() {
        let hub = Hub::new(0, vec![], vec![], 10);
        for p in 1..=5 {
            hub.apply(event(p, 1000 + p, Status::New))
                .expect("in order");
        }
        let Subscription::Follow {
            missed,
            position,
            mut receiver,
        } = hub.subscribe(2)
        else {
            panic!("within the window");
        };
        assert_eq!(
            missed.iter().map(|e| e.position).collect::<Vec<_>>(),
            [3, 4, 5]
        );
        assert_eq!(position, 5);
        hub.apply(event(6, 1006, Status::New)).expect("in order");
        assert_eq!(receiver.try_recv().expect("live").position, 6);
        assert!(receiver.try_recv().is_err(), "nothing twice");
    }

    #[test]
    fn too_old_or_future_positions_reload() {
        let hub = Hub::new(0, vec![], vec![], 3);
        for p in 1..=10 {
            hub.apply(event(p, 1000 + p, Status::New))
                .expect("in order");
        }
        assert!(
            matches!(hub.subscribe(7), Subscription::Follow { .. }),
            "7 is the edge of the window (8, 9, 10)"
        );
        assert!(matches!(hub.subscribe(6), Subscription::Reload { .. }));
        assert!(matches!(hub.subscribe(11), Subscription::Reload { .. }));
        let Subscription::Follow { missed, .. } = hub.subscribe(10) else {
            panic!("up to date")
        };
        assert!(missed.is_empty());
    }
}
