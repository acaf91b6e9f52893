//! Events of the ordered log, and the messages of the live connection that
//! carries them to browsers.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::job::{EscalationLevel, GroupRef, Job, JobRef, Priority, Resolution, Status, Task};
use super::lifecycle::Move;
use super::links::Link;
use super::people::{UserRef, Viewer};
use super::presence::Watcher;

/// What a command changed. Every change to a job is one of these, recorded
/// in the log with who made it and when; the job's history is the list of
/// its changes.
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
    /// A progress note, a reply to the client or a phone call.
    Commented {
        /// Which kind of action.
        action: ActionKind,
        /// What was said or done.
        text: String,
        /// Time spent, in minutes.
        minutes: Option<u32>,
        /// The parent this reply was sent from, when it was written there
        /// for the clients of all its children.
        #[serde(default)]
        parent: Option<JobRef>,
    },
    /// The status moved through the lifecycle.
    StatusChanged {
        /// The move made.
        action: Move,
        /// The status before.
        from: Status,
        /// The status after.
        to: Status,
        /// Why, when the move asks for a reason (reopening).
        reason: Option<String>,
    },
    /// The job was resolved.
    Resolved {
        /// The status before.
        from: Status,
        /// The resolution recorded.
        resolution: Resolution,
        /// Why it was resolved with tasks still open, if it was.
        open_tasks_reason: Option<String>,
        /// The original this duplicate was resolved with, when resolving
        /// the original resolved it.
        #[serde(default)]
        original: Option<JobRef>,
    },
    /// Fields of the job were edited.
    Edited {
        /// Each field that changed.
        fields: Vec<FieldChange>,
    },
    /// The job was handed to another group or technician.
    Reassigned {
        /// The group before.
        from_group: Option<GroupRef>,
        /// The group after.
        to_group: Option<GroupRef>,
        /// The technician before.
        from_technician: Option<UserRef>,
        /// The technician after.
        to_technician: Option<UserRef>,
        /// Why.
        reason: String,
    },
    /// The job was escalated to another group or to the team lead.
    Escalated {
        /// Which way.
        level: EscalationLevel,
        /// The group it went to.
        to_group: Option<GroupRef>,
        /// The person who has it now.
        to_person: Option<UserRef>,
        /// Why.
        reason: String,
    },
    /// A task was added.
    TaskAdded {
        /// The task as added.
        task: Task,
    },
    /// A task was given to someone else.
    TaskAssigned {
        /// Which task.
        task: u32,
        /// Its title.
        title: String,
        /// Who has it now.
        to: Option<UserRef>,
    },
    /// A team lead set the priority by hand instead of by the matrix.
    PriorityOverridden {
        /// The priority before.
        from: Priority,
        /// The priority now.
        to: Priority,
        /// Why.
        reason: String,
    },
    /// Links to other jobs were made; each is also kept on the other job.
    Linked {
        /// The links added, as this job keeps them.
        links: Vec<Link>,
    },
    /// Links to other jobs were removed, on both sides.
    Unlinked {
        /// The links removed, as this job kept them.
        links: Vec<Link>,
    },
    /// A task was ticked off or reopened.
    TaskDone {
        /// Which task.
        task: u32,
        /// Its title.
        title: String,
        /// Done (true) or reopened (false).
        done: bool,
    },
}

/// One field of a job before and after an edit, as people read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name: `title`, `category`, `priority`, …
    pub field: String,
    /// Its value before.
    pub from: String,
    /// Its value after.
    pub to: String,
}

fn name_or(person: &Option<UserRef>, nobody: &str) -> String {
    person
        .as_ref()
        .map_or_else(|| nobody.to_owned(), |p| p.name.clone())
}

/// How many links a history sentence names before it counts the rest.
const LINKS_NAMED: usize = 5;

/// Links as a history sentence reads them: "parent of J-1003, J-1004 and 12
/// more" when they are all of one kind.
fn list_links(links: &[Link]) -> String {
    let named: Vec<String> = match links.first() {
        Some(first) if links.iter().all(|l| l.kind == first.kind) => {
            let refs: Vec<String> = links
                .iter()
                .take(LINKS_NAMED)
                .map(|l| l.other.to_string())
                .collect();
            vec![format!("{} {}", first.kind.label(), refs.join(", "))]
        }
        _ => links
            .iter()
            .take(LINKS_NAMED)
            .map(Link::to_string)
            .collect(),
    };
    match links.len().saturating_sub(LINKS_NAMED) {
        0 => named.join(", "),
        more => format!("{} and {more} more", named.join(", ")),
    }
}

impl Change {
    /// The kind of change, as named in the API (`logged`, `taken`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Change::Logged => "logged",
            Change::Imported => "imported",
            Change::Taken { .. } => "taken",
            Change::Commented { .. } => "commented",
            Change::StatusChanged { .. } => "status_changed",
            Change::Resolved { .. } => "resolved",
            Change::Edited { .. } => "edited",
            Change::Reassigned { .. } => "reassigned",
            Change::Escalated { .. } => "escalated",
            Change::TaskAdded { .. } => "task_added",
            Change::TaskAssigned { .. } => "task_assigned",
            Change::TaskDone { .. } => "task_done",
            Change::PriorityOverridden { .. } => "priority_overridden",
            Change::Linked { .. } => "linked",
            Change::Unlinked { .. } => "unlinked",
        }
    }

    /// A short sentence for the job's history.
    pub fn describe(&self, actor: &UserRef) -> String {
        let who = &actor.name;
        match self {
            Change::Logged => format!("{who} logged the job"),
            Change::Imported => format!("{who} imported the job"),
            Change::Taken { previous: None } => format!("{who} took the job"),
            Change::Taken { previous: Some(p) } => {
                format!("{who} took the job from {}", p.name)
            }
            Change::Commented {
                action,
                parent: None,
                ..
            } => format!("{who} {}", action.past_tense()),
            Change::Commented {
                action,
                parent: Some(parent),
                ..
            } => format!("{who} {}, from the parent {parent}", action.past_tense()),
            Change::StatusChanged { to, reason, .. } => match reason {
                Some(reason) => format!("{who} set the status to {} ({reason})", to.label()),
                None => format!("{who} set the status to {}", to.label()),
            },
            Change::Resolved {
                resolution,
                original: None,
                ..
            } => format!("{who} resolved the job as {}", resolution.code),
            Change::Resolved {
                resolution,
                original: Some(original),
                ..
            } => format!(
                "{who} resolved the job as {}, with its original {original}",
                resolution.code
            ),
            Change::Edited { fields } => {
                let changes: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{} from “{}” to “{}”", f.field, f.from, f.to))
                    .collect();
                format!("{who} changed {}", changes.join(", "))
            }
            Change::Reassigned {
                to_group,
                to_technician,
                reason,
                ..
            } => {
                let group = to_group.as_ref().map_or("no group", |g| g.name.as_str());
                match to_technician {
                    Some(t) => format!(
                        "{who} reassigned the job to {} in {group} ({reason})",
                        t.name
                    ),
                    None => format!("{who} reassigned the job to {group}'s queue ({reason})"),
                }
            }
            Change::Escalated {
                level: EscalationLevel::Functional,
                to_group,
                reason,
                ..
            } => format!(
                "{who} escalated the job to {} ({reason})",
                to_group
                    .as_ref()
                    .map_or("another group", |g| g.name.as_str())
            ),
            Change::Escalated {
                level: EscalationLevel::Hierarchical,
                to_person,
                reason,
                ..
            } => format!(
                "{who} escalated the job to the team lead, {} ({reason})",
                name_or(to_person, "nobody yet")
            ),
            Change::TaskAdded { task } => format!("{who} added the task “{}”", task.title),
            Change::TaskAssigned { title, to, .. } => {
                format!("{who} gave the task “{title}” to {}", name_or(to, "nobody"))
            }
            Change::PriorityOverridden { from, to, reason } => {
                format!("{who} changed the priority from {from} to {to} ({reason})")
            }
            Change::Linked { links } => format!("{who} linked the job: {}", list_links(links)),
            Change::Unlinked { links } => {
                format!("{who} removed the link: {}", list_links(links))
            }
            Change::TaskDone {
                title, done: true, ..
            } => format!("{who} ticked off the task “{title}”"),
            Change::TaskDone {
                title, done: false, ..
            } => format!("{who} reopened the task “{title}”"),
        }
    }
}

/// A kind of action a person records on a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// An internal progress note: never shown to the client.
    Note,
    /// A reply to the client: public.
    Reply,
    /// A phone call with the client or someone else.
    Call,
}

impl ActionKind {
    /// Whether the client may see it.
    pub fn is_public(self) -> bool {
        self == ActionKind::Reply
    }

    /// The label on the job page.
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Note => "Internal note",
            ActionKind::Reply => "Reply to client",
            ActionKind::Call => "Phone call",
        }
    }

    fn past_tense(self) -> &'static str {
        match self {
            ActionKind::Note => "added an internal note",
            ActionKind::Reply => "replied to the client",
            ActionKind::Call => "logged a phone call",
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
            at: self.at,
            reference: self.job.reference,
            actor: self.actor.clone(),
            change: self.change.clone(),
            job: now.then(|| self.job.clone()),
            before: self.before.clone().filter(|_| before),
        })
    }
}

/// What the live connection sends to a browser, as JSON text frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[expect(
    clippy::large_enum_variant,
    reason = "a message lives only from the broadcast to its frame; boxing the job would cost an allocation per event"
)]
pub enum LiveMessage {
    /// A change this person may see. `job` is the job after the change, or
    /// `None` when the change took it out of their sight.
    Event {
        /// The event's position in the log.
        position: u64,
        /// When it was committed.
        at: Timestamp,
        /// Which job.
        reference: JobRef,
        /// Who made the change.
        actor: UserRef,
        /// What changed.
        change: Change,
        /// The job after the change, if still visible to this person.
        job: Option<Job>,
        /// The job before the change, when this person could see it then:
        /// with both, a screen knows which views the job entered or left.
        #[serde(default)]
        before: Option<Job>,
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
    /// Who is on a job now. Sent when it changes, and for every watched job
    /// when the connection opens.
    Presence {
        /// Which job.
        reference: JobRef,
        /// The people on it; empty when everyone left.
        watchers: Vec<Watcher>,
    },
}

/// What a browser sends on the live connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveRequest {
    /// "I am on this job (or on none), typing or not." Sent on every change
    /// and as a heartbeat that renews the lease.
    Watch {
        /// The job the page shows, if any.
        reference: Option<JobRef>,
        /// Whether the person is typing on it.
        typing: bool,
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
