//! The domain: pure types and rules shared by the browser and the server.
//!
//! Nothing here does I/O. Rules that decide what is allowed (the priority
//! matrix, validation, who may see a job) live in these modules so that the
//! server enforces them and the browser can explain them with the same code.

pub mod command;
pub mod error;
pub mod event;
pub mod history;
pub mod index;
pub mod job;
pub mod lifecycle;
pub mod links;
pub mod people;
pub mod presence;
pub mod queue;
pub mod similar;
pub mod views;

pub use command::{BulkChange, BulkOutcome, BulkTarget, Command, Directory, JobCommand};
pub use error::{DeskError, FieldError};
pub use event::{ActionKind, Change, Event, FieldChange, LiveMessage, LiveRequest};
pub use history::{HistoryEntry, JobSnapshot};
pub use index::{QueueIndex, QueuePage, ViewCount};
pub use job::{
    Channel, ClientRef, Escalation, EscalationLevel, GroupRef, Impact, Job, JobRef, NewJob,
    Priority, Resolution, Status, Task, Touch, TouchSource, Urgency, ValidNewJob, WhoseMove,
};
pub use lifecycle::Move;
pub use links::{Link, LinkKind, LinkedJob};
pub use people::{GroupWithMembers, Role, UserRef, Viewer};
pub use presence::Watcher;
pub use queue::QueueSnapshot;
pub use similar::SimilarJob;
pub use views::{BuiltInView, Column, QueueFilter, QueueQuery, SavedView, SortKey};

/// Jobs built for tests of the rules.
#[cfg(test)]
pub(crate) mod fixtures {
    use jiff::Timestamp;

    use super::*;

    /// Job number `n` (`J-1001 + n`) of priority `P1 + priority`, logged
    /// `age_minutes` ago, in the Network group, logged by `fran`.
    pub fn job(n: u64, priority: u8, age_minutes: i64) -> Job {
        let now: Timestamp = "2026-06-01T09:00:00Z".parse().expect("time");
        let created = Timestamp::from_second(now.as_second() - age_minutes * 60).expect("time");
        Job {
            reference: JobRef(JobRef::FIRST + n),
            title: format!("Job {n}"),
            description: String::new(),
            client: ClientRef {
                id: "c1".into(),
                name: "Cleo Client".into(),
                organisation: "Acme".into(),
            },
            category: "Network".into(),
            impact: Impact::Medium,
            urgency: Urgency::Medium,
            priority: [Priority::P1, Priority::P2, Priority::P3, Priority::P4]
                [usize::from(priority % 4)],
            status: Status::New,
            channel: Channel::Phone,
            group: Some(GroupRef {
                id: "network".into(),
                name: "Network".into(),
            }),
            technician: None,
            logged_by: UserRef {
                id: "fran".into(),
                name: "Fran Front".into(),
            },
            created_at: created,
            updated_at: created,
            version: 1,
            tasks: Vec::new(),
            resolution: None,
            escalation: None,
            last_touch: None,
            minutes_spent: 0,
            links: Vec::new(),
        }
    }

    /// A person of `role` in `groups`.
    pub fn viewer(id: &str, role: Role, groups: &[&str]) -> Viewer {
        Viewer {
            user: UserRef {
                id: id.into(),
                name: id.into(),
            },
            role,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }
}
