//! Events of the ordered log, and the messages of the live connection that
//! carries them to browsers.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::job::{Job, JobRef};
use super::people::{UserRef, Viewer};

/// What a command changed. Every change to a job is one of these, recorded
/// in the log with who made it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The job was logged.
    Logged,
    /// The job was brought in from elsewhere with its state as it was.
    Imported,
    /// A technician took the job for themselves.
    Taken {
        /// Who had it before, if anyone.
        previous: Option<UserRef>,
    },
}

impl Change {
    /// A short sentence for the job's history.
    pub fn describe(&self, actor: &UserRef) -> String {
        match self {
            Change::Logged => format!("{} logged the job", actor.name),
            Change::Imported => format!("{} imported the job", actor.name),
            Change::Taken { previous: None } => format!("{} took the job", actor.name),
            Change::Taken { previous: Some(p) } => {
                format!("{} took the job from {}", actor.name, p.name)
            }
        }
    }
}

/// One committed entry of the ordered log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Its place in the log: gap-free and increasing from 1.
    pub position: u64,
    /// When it was committed.
    pub at: Timestamp,
    /// Who made the change.
    pub actor: UserRef,
    /// What changed.
    pub change: Change,
    /// The job as it is after the change.
    pub job: Job,
    /// The job as it was before, when the change could have hidden it from
    /// someone who saw it: they must learn that it left their view.
    pub before: Option<Job>,
}

impl Event {
    /// The job this event is about.
    pub fn job_ref(&self) -> JobRef {
        self.job.reference
    }

    /// What `viewer` is told of this event: the change with the job when
    /// they may see it; that it left their sight when they could see it
    /// before but not after; nothing when they could see it neither before
    /// nor after.
    pub fn message_for(&self, viewer: &Viewer) -> Option<LiveMessage> {
        let now = viewer.can_see(&self.job);
        let before = self.before.as_ref().is_some_and(|job| viewer.can_see(job));
        (now || before).then(|| LiveMessage::Event {
            position: self.position,
            reference: self.job.reference,
            actor: self.actor.clone(),
            change: self.change.clone(),
            job: now.then(|| self.job.clone()),
        })
    }
}

/// What the live connection sends to a browser, as JSON text frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// A change this person may see. `job` is the job after the change, or
    /// `None` when the change took it out of their sight.
    Event {
        /// The event's position in the log.
        position: u64,
        /// Which job.
        reference: JobRef,
        /// Who made the change.
        actor: UserRef,
        /// What changed.
        change: Change,
        /// The job after the change, if still visible to this person.
        job: Option<Job>,
    },
    /// Everything up to `position` has been sent; what follows is live.
    CaughtUp {
        /// The log position the connection has caught up to.
        position: u64,
    },
    /// The connection is too far behind to catch up event by event: load the
    /// state afresh, then reconnect from its position.
    Reload {
        /// Why, for the log and the curious.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{job, viewer};
    use crate::domain::{GroupRef, Role};

    fn moved_to_desktop() -> Event {
        let before = job(1, 0, 0);
        let mut after = before.clone();
        after.group = Some(GroupRef {
            id: "desktop".into(),
            name: "Desktop".into(),
        });
        after.version += 1;
        Event {
            position: 7,
            at: after.updated_at,
            actor: after.logged_by.clone(),
            change: Change::Taken { previous: None },
            job: after,
            before: Some(before),
        }
    }

    #[test]
    fn each_viewer_is_told_what_they_may_know() {
        let event = moved_to_desktop();
        let dan = viewer("dan", Role::Technician, &["desktop"]);
        let tess = viewer("tess", Role::Technician, &["network"]);
        let sam = viewer("sam", Role::Technician, &["apps"]);
        match event.message_for(&dan) {
            Some(LiveMessage::Event {
                job: Some(job),
                position: 7,
                ..
            }) => assert_eq!(job, event.job),
            other => panic!("desktop sees the job arrive: {other:?}"),
        }
        match event.message_for(&tess) {
            Some(LiveMessage::Event {
                job: None,
                reference,
                ..
            }) => assert_eq!(reference, event.job.reference),
            other => panic!("network sees the job leave: {other:?}"),
        }
        assert_eq!(event.message_for(&sam), None, "apps never saw it");
    }
}
