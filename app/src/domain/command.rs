//! Changes to an existing job: what a person asks for ([`Command`]), and the
//! pure rule ([`decide`]) that turns it into the job after the change and
//! the [`Change`] recorded in the log — or refuses it with a reason.
//!
//! Every command carries the version of the job the person saw; a command
//! made from an older version is refused as a conflict, never applied over
//! someone else's work.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::error::{DeskError, FieldError};
use super::event::{ActionKind, Change, FieldChange};
use super::job::{
    CATEGORIES, DESCRIPTION_MAX, Escalation, EscalationLevel, GroupRef, Impact, Job, JobRef,
    Priority, Resolution, Status, TITLE_MAX, Task, Touch, TouchSource, Urgency,
};
use super::lifecycle::{self, Move};
use super::links::{self, Link, LinkKind};
use super::people::{GroupWithMembers, Role, UserRef, Viewer};

/// The longest note, reply or reason accepted, in characters.
pub const TEXT_MAX: usize = 20_000;
/// The most time one action may record, in minutes (a working day and more).
pub const MINUTES_MAX: u32 = 24 * 60;
/// The most tasks one job may have.
pub const TASKS_MAX: usize = 200;

/// What a person asks to change on a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    /// Assign the job to me.
    Take,
    /// A lifecycle move other than resolving.
    Move {
        /// Which move.
        action: Move,
        /// Why; needed to reopen.
        #[serde(default)]
        reason: String,
    },
    /// Resolve with a resolution code and notes.
    Resolve {
        /// A code from the desk's list.
        code: String,
        /// What was done.
        notes: String,
        /// Why it may be resolved while tasks are open, if they are.
        #[serde(default)]
        open_tasks_reason: String,
    },
    /// Record a note, a reply or a phone call.
    Comment {
        /// Which kind.
        action: ActionKind,
        /// What was said or done.
        text: String,
        /// Time spent, in minutes.
        #[serde(default)]
        minutes: Option<u32>,
        /// For a reply on a parent: send it to the client of every open
        /// child too.
        #[serde(default)]
        to_children: bool,
    },
    /// Edit the job's description fields; the priority follows the matrix.
    Edit {
        /// One line that says what is wrong.
        title: String,
        /// The details.
        description: String,
        /// The category.
        category: String,
        /// Impact.
        impact: Impact,
        /// Urgency.
        urgency: Urgency,
    },
    /// Hand the job to a group, or to a technician of it.
    Reassign {
        /// The group; empty keeps it with the front line.
        #[serde(default)]
        group_id: String,
        /// A technician of that group; empty leaves it on the group's queue.
        #[serde(default)]
        technician_id: String,
        /// Why.
        reason: String,
    },
    /// Escalate to another group, or up to the group's team lead.
    Escalate {
        /// Which way.
        level: EscalationLevel,
        /// For a functional escalation: the group to send it to.
        #[serde(default)]
        group_id: String,
        /// Why.
        reason: String,
    },
    /// Set the priority by hand, overriding the matrix (team leads and
    /// admins).
    OverridePriority {
        /// The priority to set.
        priority: Priority,
        /// Why.
        reason: String,
    },
    /// Add an action item.
    AddTask {
        /// What is to be done.
        title: String,
        /// Who is to do it; empty for nobody yet.
        #[serde(default)]
        assignee_id: String,
    },
    /// Give a task to someone (or to nobody).
    AssignTask {
        /// The task's number.
        task: u32,
        /// Who; empty for nobody.
        #[serde(default)]
        assignee_id: String,
    },
    /// Tick a task off, or reopen it.
    SetTaskDone {
        /// The task's number.
        task: u32,
        /// Done or not.
        done: bool,
    },
    /// Link this job to another; the other job keeps the link too.
    Link {
        /// How this job relates to the other.
        link: LinkKind,
        /// The other job.
        other: JobRef,
    },
    /// Remove the link between this job and another, on both.
    Unlink {
        /// The other job.
        other: JobRef,
    },
}

impl Command {
    /// The second job this command changes, for commands that change two:
    /// it is decided with [`decide_link`], not [`decide`].
    pub fn other_job(&self) -> Option<JobRef> {
        match self {
            Command::Link { other, .. } | Command::Unlink { other } => Some(*other),
            _ => None,
        }
    }
}

/// A command with the version of the job it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCommand {
    /// The job version the person saw.
    pub version: u64,
    /// What they asked for.
    pub command: Command,
}

/// One job of a bulk change, with the version the person saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkTarget {
    /// Which job.
    pub reference: JobRef,
    /// The version the person saw.
    pub version: u64,
}

/// The same change to many jobs at once: the selected rows, or every job
/// that matches a queue query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkChange {
    /// The selected jobs.
    #[serde(default)]
    pub jobs: Vec<BulkTarget>,
    /// Instead of a selection: every job the query holds now.
    #[serde(default)]
    pub matching: Option<super::views::QueueQuery>,
    /// The change.
    pub command: Command,
}

/// What happened to one job of a bulk change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BulkOutcome {
    /// Changed; the job is now at `version`.
    Done {
        /// Which job.
        reference: JobRef,
        /// Its version after the change.
        version: u64,
    },
    /// Left as it was, and why.
    Refused {
        /// Which job.
        reference: JobRef,
        /// Why, in a sentence.
        reason: String,
    },
}

/// The most jobs one bulk change may touch.
pub const BULK_MAX: usize = 5_000;

/// What the rules need to know of the desk besides the job: its groups with
/// their people, and the resolution codes an admin keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// Every group with its technicians and team leads.
    pub groups: Vec<GroupWithMembers>,
    /// The resolution codes to choose from.
    pub resolution_codes: Vec<String>,
}

impl Directory {
    fn group(&self, id: &str) -> Result<&GroupWithMembers, DeskError> {
        self.groups
            .iter()
            .find(|g| g.group.id == id)
            .ok_or_else(|| {
                DeskError::invalid(
                    "group",
                    format!("There is no group `{id}`; pick one from the list."),
                )
            })
    }

    fn person(&self, id: &str, field: &str) -> Result<UserRef, DeskError> {
        self.groups
            .iter()
            .flat_map(|g| g.members.iter().chain(&g.leads))
            .find(|m| m.id == id)
            .cloned()
            .ok_or_else(|| {
                DeskError::invalid(
                    field,
                    format!("There is no technician `{id}`; pick one from the list."),
                )
            })
    }
}

fn required_text(field: &str, value: &str, what: &str) -> Result<String, DeskError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DeskError::invalid(field, what.to_owned()));
    }
    if value.chars().count() > TEXT_MAX {
        return Err(DeskError::invalid(
            field,
            format!("Shorten this to {TEXT_MAX} characters at most."),
        ));
    }
    Ok(value.to_owned())
}

fn not_closed(job: &Job, doing: &str) -> Result<(), DeskError> {
    if job.status == Status::Closed {
        return Err(DeskError::forbidden(format!(
            "{} is closed; reopen it before you {doing}.",
            job.reference
        )));
    }
    Ok(())
}

fn second_line(viewer: &Viewer, doing: &str) -> Result<(), DeskError> {
    match viewer.role {
        Role::Technician | Role::TeamLead | Role::Admin => Ok(()),
        Role::FrontLine => Err(DeskError::forbidden(format!(
            "Only technicians, team leads or admins {doing}; assign the job to a group instead."
        ))),
    }
}

fn priority_label(priority: Priority) -> String {
    priority.to_string()
}

/// Decides `command` on `job` for `viewer` at `now`: the job after the change
/// and the change to record, or why not. The caller has checked that the
/// viewer may see the job and that `job` is at the version they saw.
pub fn decide(
    job: &Job,
    viewer: &Viewer,
    command: &Command,
    directory: &Directory,
    now: Timestamp,
) -> Result<(Job, Change), DeskError> {
    let mut after = job.clone();
    let change = match command {
        Command::Take => {
            viewer.can_take(job).map_err(DeskError::forbidden)?;
            after.technician = Some(viewer.user.clone());
            after.status = job.status.after_assignment(true);
            Change::Taken {
                previous: job.technician.clone(),
            }
        }
        Command::Move { action, reason } => {
            if *action == Move::Resolve {
                return Err(DeskError::invalid(
                    "action",
                    "Resolve with a resolution code and notes.",
                ));
            }
            lifecycle::check(*action, job.status, viewer.role).map_err(DeskError::forbidden)?;
            if *action == Move::Start && job.technician.is_none() {
                return Err(DeskError::forbidden(format!(
                    "Nobody has {} yet; take it or assign it first.",
                    job.reference
                )));
            }
            let reason = match action {
                Move::Reopen => Some(required_text(
                    "reason",
                    reason,
                    "Say why the job is reopened.",
                )?),
                _ => Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
            };
            after.status = action.target(job);
            if *action == Move::Reopen {
                after.resolution = None;
            }
            Change::StatusChanged {
                action: *action,
                from: job.status,
                to: after.status,
                reason,
            }
        }
        Command::Resolve {
            code,
            notes,
            open_tasks_reason,
        } => {
            lifecycle::check(Move::Resolve, job.status, viewer.role)
                .map_err(DeskError::forbidden)?;
            let mut errors = Vec::new();
            let code = code.trim();
            if !directory.resolution_codes.iter().any(|c| c == code) {
                errors.push(FieldError::new(
                    "code",
                    format!(
                        "Choose a resolution code: one of {}.",
                        directory.resolution_codes.join(", ")
                    ),
                ));
            }
            let notes = required_text("notes", notes, "Say what was done to resolve it.");
            if let Err(DeskError::Invalid { errors: more }) = &notes {
                errors.extend(more.iter().cloned());
            }
            let open: Vec<&Task> = job.open_tasks().collect();
            let open_tasks_reason =
                Some(open_tasks_reason.trim().to_owned()).filter(|r| !r.is_empty());
            if !open.is_empty() && open_tasks_reason.is_none() {
                let titles: Vec<&str> = open.iter().map(|t| t.title.as_str()).collect();
                errors.push(FieldError::new(
                    "open_tasks_reason",
                    format!(
                        "{} still open ({}); tick {} off, or say why the job can be resolved anyway.",
                        if open.len() == 1 { "1 task is".to_owned() } else { format!("{} tasks are", open.len()) },
                        titles.join("; "),
                        if open.len() == 1 { "it" } else { "them" },
                    ),
                ));
            }
            if !errors.is_empty() {
                return Err(DeskError::Invalid { errors });
            }
            let resolution = Resolution {
                code: code.to_owned(),
                notes: notes?,
            };
            after.status = Status::Resolved;
            after.resolution = Some(resolution.clone());
            Change::Resolved {
                from: job.status,
                resolution,
                open_tasks_reason: if open.is_empty() {
                    None
                } else {
                    open_tasks_reason
                },
                original: None,
            }
        }
        Command::Comment {
            action,
            text,
            minutes,
            to_children,
        } => {
            let text = required_text("text", text, "Write the note, reply or call summary.")?;
            if *to_children {
                if *action != ActionKind::Reply {
                    return Err(DeskError::invalid(
                        "to_children",
                        "Only a reply to the client goes to the children's clients; choose Reply.",
                    ));
                }
                if !job.links.iter().any(|l| l.kind == LinkKind::ParentOf) {
                    return Err(DeskError::invalid(
                        "to_children",
                        format!("{} has no children to send the reply to.", job.reference),
                    ));
                }
            }
            if let Some(m) = minutes
                && *m > MINUTES_MAX
            {
                return Err(DeskError::invalid(
                    "minutes",
                    format!(
                        "Record at most {MINUTES_MAX} minutes on one action; split longer work."
                    ),
                ));
            }
            let minutes = minutes.filter(|m| *m > 0);
            after.minutes_spent = job.minutes_spent.saturating_add(minutes.unwrap_or(0));
            Change::Commented {
                action: *action,
                text,
                minutes,
                parent: None,
            }
        }
        Command::Edit {
            title,
            description,
            category,
            impact,
            urgency,
        } => {
            not_closed(job, "edit it")?;
            let mut errors = Vec::new();
            let title = title.trim();
            if title.is_empty() || title.chars().count() > TITLE_MAX {
                errors.push(FieldError::new(
                    "title",
                    format!("Give the job a title of 1 to {TITLE_MAX} characters."),
                ));
            }
            let description = description.trim();
            if description.chars().count() > DESCRIPTION_MAX {
                errors.push(FieldError::new(
                    "description",
                    format!("Shorten the description to {DESCRIPTION_MAX} characters at most."),
                ));
            }
            let category = category.trim();
            if !CATEGORIES.contains(&category) && category != job.category {
                errors.push(FieldError::new(
                    "category",
                    format!("Choose a category: one of {}.", CATEGORIES.join(", ")),
                ));
            }
            if !errors.is_empty() {
                return Err(DeskError::Invalid { errors });
            }
            after.title = title.to_owned();
            after.description = description.to_owned();
            after.category = category.to_owned();
            after.impact = *impact;
            after.urgency = *urgency;
            // A priority set by hand stands until impact or urgency change.
            if (*impact, *urgency) != (job.impact, job.urgency) {
                after.priority = Priority::from_matrix(*impact, *urgency);
            }
            let mut fields = Vec::new();
            let mut note = |field: &str, from: String, to: String| {
                if from != to {
                    fields.push(FieldChange {
                        field: field.to_owned(),
                        from,
                        to,
                    });
                }
            };
            note("title", job.title.clone(), after.title.clone());
            note(
                "description",
                job.description.clone(),
                after.description.clone(),
            );
            note("category", job.category.clone(), after.category.clone());
            note(
                "impact",
                format!("{:?}", job.impact).to_lowercase(),
                format!("{:?}", after.impact).to_lowercase(),
            );
            note(
                "urgency",
                format!("{:?}", job.urgency).to_lowercase(),
                format!("{:?}", after.urgency).to_lowercase(),
            );
            note(
                "priority",
                priority_label(job.priority),
                priority_label(after.priority),
            );
            if fields.is_empty() {
                return Err(DeskError::invalid(
                    "title",
                    "Nothing changed; edit a field first.",
                ));
            }
            Change::Edited { fields }
        }
        Command::Reassign {
            group_id,
            technician_id,
            reason,
        } => {
            not_closed(job, "reassign it")?;
            let owner = job.technician.as_ref();
            let mine = owner.is_none_or(|t| t.id == viewer.user.id);
            if !mine && !matches!(viewer.role, Role::TeamLead | Role::Admin) {
                return Err(DeskError::forbidden(format!(
                    "{} is {}'s job; only they or a team lead can reassign it.",
                    job.reference,
                    owner.map_or("someone", |t| t.name.as_str())
                )));
            }
            if viewer.role == Role::TeamLead
                && !mine
                && let Some(group) = &job.group
                && !viewer.groups.contains(&group.id)
            {
                return Err(DeskError::forbidden(format!(
                    "{} belongs to {}, which you do not lead.",
                    job.reference, group.name
                )));
            }
            let reason = required_text("reason", reason, "Say why the job is reassigned.")?;
            let (group, technician) = assignment(directory, group_id, technician_id)?;
            if group == job.group && technician == job.technician {
                return Err(DeskError::invalid(
                    "group",
                    "The job is already there; choose another group or technician.",
                ));
            }
            after.group = group.clone();
            after.technician = technician.clone();
            after.status = job.status.after_assignment(technician.is_some());
            after.escalation = None;
            Change::Reassigned {
                from_group: job.group.clone(),
                to_group: group,
                from_technician: job.technician.clone(),
                to_technician: technician,
                reason,
            }
        }
        Command::Escalate {
            level,
            group_id,
            reason,
        } => {
            not_closed(job, "escalate it")?;
            second_line(viewer, "escalate jobs")?;
            if !job.status.is_open() {
                return Err(DeskError::forbidden(format!(
                    "{} is resolved; reopen it before you escalate it.",
                    job.reference
                )));
            }
            let reason = required_text("reason", reason, "Say why the job is escalated.")?;
            let (to_group, to_person) = match level {
                EscalationLevel::Functional => {
                    let group = directory.group(group_id.trim())?.group.clone();
                    if job.group.as_ref() == Some(&group) {
                        return Err(DeskError::invalid(
                            "group",
                            format!(
                                "The job is already with {}; choose another group.",
                                group.name
                            ),
                        ));
                    }
                    (Some(group), None)
                }
                EscalationLevel::Hierarchical => {
                    let Some(group) = &job.group else {
                        return Err(DeskError::invalid(
                            "group",
                            "The job has no group yet, so no team lead; assign it to a group first.",
                        ));
                    };
                    let lead = directory
                        .group(&group.id)?
                        .leads
                        .iter()
                        .find(|l| l.id != viewer.user.id)
                        .cloned();
                    let Some(lead) = lead else {
                        return Err(DeskError::forbidden(format!(
                            "{} has no other team lead to escalate to; escalate to another group instead.",
                            group.name
                        )));
                    };
                    (job.group.clone(), Some(lead))
                }
            };
            after.group = to_group.clone();
            after.technician = to_person.clone();
            after.status = job.status.after_assignment(to_person.is_some());
            after.escalation = Some(Escalation {
                level: *level,
                by: viewer.user.clone(),
                reason: reason.clone(),
            });
            Change::Escalated {
                level: *level,
                to_group,
                to_person,
                reason,
            }
        }
        Command::OverridePriority { priority, reason } => {
            not_closed(job, "change its priority")?;
            let leads_it = match &job.group {
                Some(group) => viewer.groups.contains(&group.id),
                None => true,
            };
            match viewer.role {
                Role::Admin => {}
                Role::TeamLead if leads_it => {}
                Role::TeamLead => {
                    return Err(DeskError::forbidden(format!(
                        "{} belongs to a group you do not lead; ask its team lead.",
                        job.reference
                    )));
                }
                _ => {
                    return Err(DeskError::forbidden(
                        "Only team leads and admins override the priority; change impact or urgency instead.",
                    ));
                }
            }
            let reason = required_text("reason", reason, "Say why the priority is overridden.")?;
            if *priority == job.priority {
                return Err(DeskError::invalid(
                    "priority",
                    format!("{} is already {priority}.", job.reference),
                ));
            }
            after.priority = *priority;
            Change::PriorityOverridden {
                from: job.priority,
                to: *priority,
                reason,
            }
        }
        Command::AddTask { title, assignee_id } => {
            not_closed(job, "add tasks")?;
            let title = required_text("task", title, "Say what the task is.")?;
            if title.chars().count() > TITLE_MAX {
                return Err(DeskError::invalid(
                    "task",
                    format!("Shorten the task to {TITLE_MAX} characters at most."),
                ));
            }
            if job.tasks.len() >= TASKS_MAX {
                return Err(DeskError::invalid(
                    "task",
                    format!(
                        "A job can have at most {TASKS_MAX} tasks; split the work into another job."
                    ),
                ));
            }
            let assignee = optional_person(directory, assignee_id)?;
            let task = Task {
                id: job.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1,
                title,
                assignee,
                done: false,
            };
            after.tasks.push(task.clone());
            Change::TaskAdded { task }
        }
        Command::AssignTask { task, assignee_id } => {
            not_closed(job, "change its tasks")?;
            let assignee = optional_person(directory, assignee_id)?;
            let found = task_mut(&mut after, *task)?;
            if found.assignee == assignee {
                return Err(DeskError::invalid(
                    "assignee",
                    "The task is already theirs.",
                ));
            }
            found.assignee = assignee.clone();
            Change::TaskAssigned {
                task: *task,
                title: found.title.clone(),
                to: assignee,
            }
        }
        Command::SetTaskDone { task, done } => {
            not_closed(job, "change its tasks")?;
            let found = task_mut(&mut after, *task)?;
            if found.done == *done {
                return Err(DeskError::invalid(
                    "task",
                    if *done {
                        "The task is already done."
                    } else {
                        "The task is already open."
                    },
                ));
            }
            found.done = *done;
            Change::TaskDone {
                task: *task,
                title: found.title.clone(),
                done: *done,
            }
        }
        // Reached only by a mistake in the calling code, which decides
        // links on both jobs with `decide_link`: nothing the person can fix.
        Command::Link { .. } | Command::Unlink { .. } => return Err(DeskError::Unavailable),
    };
    stamp(&mut after, job.version, viewer, now);
    Ok((after, change))
}

/// Marks `after` as changed by `viewer` at `now`, one version past `version`.
fn stamp(after: &mut Job, version: u64, viewer: &Viewer, now: Timestamp) {
    after.version = version + 1;
    after.updated_at = now;
    after.last_touch = Some(Touch {
        by: viewer.user.clone(),
        source: TouchSource::Desk,
    });
}

/// Decides a [`Command::Link`] or [`Command::Unlink`] on `job`, whose other
/// job is `other` as it is now: `job` after the change, its change, and the
/// link that `other` gains or loses with it (see [`mirror_links`]). The
/// caller has checked that the viewer may see `job`, and for a new link
/// `other` too, and that `job` is at the version they saw.
pub fn decide_link(
    job: &Job,
    other: &Job,
    viewer: &Viewer,
    command: &Command,
    now: Timestamp,
) -> Result<(Job, Change, Link), DeskError> {
    second_line(viewer, "link jobs")?;
    let mut after = job.clone();
    let (change, mirrored) = match command {
        Command::Link { link, other: _ } => {
            not_closed(job, "link it")?;
            links::check_link(job, other, *link)?;
            let link = Link {
                kind: *link,
                other: other.reference,
            };
            after.links.push(link);
            (
                Change::Linked { links: vec![link] },
                link.seen_from_other(job.reference),
            )
        }
        Command::Unlink { other: _ } => {
            not_closed(job, "change its links")?;
            let Some(link) = job.link_to(other.reference) else {
                return Err(DeskError::invalid(
                    "other",
                    format!("{} is not linked to {}.", job.reference, other.reference),
                ));
            };
            after.links.retain(|l| l.other != other.reference);
            (
                Change::Unlinked { links: vec![link] },
                link.seen_from_other(job.reference),
            )
        }
        _ => {
            return Err(DeskError::invalid(
                "other",
                "Only linking and unlinking concern a second job.",
            ));
        }
    };
    stamp(&mut after, job.version, viewer, now);
    Ok((after, change, mirrored))
}

/// A reply on `parent` passed on to one of its children, for that child's
/// client; nothing when the child is resolved or closed, or out of the
/// viewer's sight (their reply does not reach clients they may not see).
pub fn pass_to_child(
    child: &Job,
    parent: JobRef,
    text: &str,
    viewer: &Viewer,
    now: Timestamp,
) -> Option<(Job, Change)> {
    if !child.status.is_open() || !viewer.can_see(child) {
        return None;
    }
    let mut after = child.clone();
    stamp(&mut after, child.version, viewer, now);
    Some((
        after,
        Change::Commented {
            action: ActionKind::Reply,
            text: text.trim().to_owned(),
            minutes: None,
            parent: Some(parent),
        },
    ))
}

/// What a resolved `original` does to one of its duplicates: resolves it
/// with the same resolution, open tasks or not. Nothing when the original is
/// open, when the duplicate is resolved or closed already, or when `viewer`
/// could not resolve the duplicate themselves (it is out of their sight, or
/// their role may not resolve it in its status): it then stays open for
/// someone who can.
pub fn resolve_with_original(
    duplicate: &Job,
    original: &Job,
    viewer: &Viewer,
    now: Timestamp,
) -> Option<(Job, Change)> {
    if original.status.is_open() || !duplicate.status.is_open() || !viewer.can_see(duplicate) {
        return None;
    }
    let resolution = original.resolution.clone()?;
    lifecycle::check(Move::Resolve, duplicate.status, viewer.role).ok()?;
    let mut after = duplicate.clone();
    after.status = Status::Resolved;
    after.resolution = Some(resolution.clone());
    stamp(&mut after, duplicate.version, viewer, now);
    Some((
        after,
        Change::Resolved {
            from: duplicate.status,
            resolution,
            open_tasks_reason: None,
            original: Some(original.reference),
        },
    ))
}

/// The other job's side of links made (or, when `removed`, undone) from one
/// or many jobs at once: the job after, and its one change that lists them;
/// nothing when there is nothing to change (a link to remove that the other
/// job does not hold).
pub fn mirror_links(
    other: &Job,
    mirrored: Vec<Link>,
    removed: bool,
    viewer: &Viewer,
    now: Timestamp,
) -> Option<(Job, Change)> {
    let mut after = other.clone();
    let change = if removed {
        let (gone, kept): (Vec<Link>, Vec<Link>) = after
            .links
            .iter()
            .partition(|l| mirrored.iter().any(|m| m.other == l.other));
        after.links = kept;
        Change::Unlinked { links: gone }
    } else {
        after.links.extend(mirrored.iter().copied());
        Change::Linked { links: mirrored }
    };
    if matches!(&change, Change::Linked { links } | Change::Unlinked { links } if links.is_empty())
    {
        return None;
    }
    stamp(&mut after, other.version, viewer, now);
    Some((after, change))
}

fn task_mut(job: &mut Job, id: u32) -> Result<&mut Task, DeskError> {
    let reference = job.reference;
    job.tasks
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or_else(|| DeskError::not_found(format!("{reference} has no task {id}.")))
}

fn optional_person(directory: &Directory, id: &str) -> Result<Option<UserRef>, DeskError> {
    match id.trim() {
        "" => Ok(None),
        id => directory.person(id, "assignee").map(Some),
    }
}

/// The group and technician a reassignment names, checked against the
/// directory: the technician must belong to the group.
fn assignment(
    directory: &Directory,
    group_id: &str,
    technician_id: &str,
) -> Result<(Option<GroupRef>, Option<UserRef>), DeskError> {
    let group_id = group_id.trim();
    let technician_id = technician_id.trim();
    if group_id.is_empty() {
        if !technician_id.is_empty() {
            return Err(DeskError::invalid(
                "technician",
                "Choose the technician's group too, or leave the technician empty.",
            ));
        }
        return Ok((None, None));
    }
    let group = directory.group(group_id)?;
    if technician_id.is_empty() {
        return Ok((Some(group.group.clone()), None));
    }
    let technician = group
        .members
        .iter()
        .chain(&group.leads)
        .find(|m| m.id == technician_id)
        .cloned()
        .ok_or_else(|| {
            DeskError::invalid(
                "technician",
                format!(
                    "`{technician_id}` is not in {}; pick one of its members.",
                    group.group.name
                ),
            )
        })?;
    Ok((Some(group.group.clone()), Some(technician)))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::fixtures::{job, viewer};

    fn person(id: &str) -> UserRef {
        UserRef {
            id: id.into(),
            name: format!("{}{}", id[..1].to_uppercase(), &id[1..]),
        }
    }

    fn directory() -> Directory {
        let group = |id: &str, name: &str, members: &[&str], leads: &[&str]| GroupWithMembers {
            group: GroupRef {
                id: id.into(),
                name: name.into(),
            },
            members: members.iter().map(|m| person(m)).collect(),
            leads: leads.iter().map(|m| person(m)).collect(),
        };
        Directory {
            groups: vec![
                group("network", "Network", &["tess", "nina"], &["lee"]),
                group("desktop", "Desktop", &["tom"], &["lee"]),
            ],
            resolution_codes: vec!["Fixed".into(), "Workaround".into()],
        }
    }

    fn now() -> Timestamp {
        "2026-06-01T10:00:00Z".parse().expect("time")
    }

    fn run(j: &Job, who: &Viewer, command: Command) -> Result<(Job, Change), DeskError> {
        decide(j, who, &command, &directory(), now())
    }

    fn tess() -> Viewer {
        viewer("tess", Role::Technician, &["network"])
    }

    fn assigned_to_tess() -> Job {
        let mut j = job(1, 1, 30);
        j.technician = Some(person("tess"));
        j.status = Status::Assigned;
        j
    }

    #[test]
    fn every_change_bumps_the_version_and_records_who() {
        let (after, change) = run(
            &assigned_to_tess(),
            &tess(),
            Command::Move {
                action: Move::Start,
                reason: String::new(),
            },
        )
        .expect("allowed");
        assert_eq!(after.status, Status::InProgress);
        assert_eq!(after.version, 2);
        assert_eq!(after.updated_at, now());
        assert_eq!(after.last_touch.expect("touched").by.id, "tess");
        assert!(matches!(
            change,
            Change::StatusChanged {
                from: Status::Assigned,
                to: Status::InProgress,
                ..
            }
        ));
    }

    #[test]
    fn a_forbidden_move_says_why() {
        let error = run(
            &job(1, 1, 30),
            &tess(),
            Command::Move {
                action: Move::Start,
                reason: String::new(),
            },
        )
        .expect_err("a new job is taken first");
        assert_eq!(error.status(), 403);
        assert!(
            error.to_string().contains("Take it or assign it first"),
            "{error}"
        );
    }

    #[test]
    fn reopening_needs_a_reason_and_clears_the_resolution() {
        let mut closed = assigned_to_tess();
        closed.status = Status::Closed;
        closed.resolution = Some(Resolution {
            code: "Fixed".into(),
            notes: "Rebooted".into(),
        });
        let refused = run(
            &closed,
            &tess(),
            Command::Move {
                action: Move::Reopen,
                reason: "  ".into(),
            },
        )
        .expect_err("no reason");
        assert_eq!(
            refused.field_message("reason"),
            Some("Say why the job is reopened.")
        );
        let (after, _) = run(
            &closed,
            &tess(),
            Command::Move {
                action: Move::Reopen,
                reason: "It is back".into(),
            },
        )
        .expect("reopened");
        assert_eq!(after.status, Status::Assigned, "back to its technician");
        assert_eq!(after.resolution, None);
    }

    #[test]
    fn resolving_needs_a_known_code_notes_and_a_reason_for_open_tasks() {
        let mut j = assigned_to_tess();
        j.tasks.push(Task {
            id: 1,
            title: "Replace the cable".into(),
            assignee: None,
            done: false,
        });
        let error = run(
            &j,
            &tess(),
            Command::Resolve {
                code: "Magic".into(),
                notes: String::new(),
                open_tasks_reason: String::new(),
            },
        )
        .expect_err("invalid");
        assert!(
            error
                .field_message("code")
                .expect("code")
                .contains("Fixed, Workaround")
        );
        assert!(error.field_message("notes").is_some());
        let tasks = error
            .field_message("open_tasks_reason")
            .expect("open tasks");
        assert!(tasks.contains("Replace the cable"), "{tasks}");

        let (after, change) = run(
            &j,
            &tess(),
            Command::Resolve {
                code: "Fixed".into(),
                notes: "Swapped the port".into(),
                open_tasks_reason: "The cable is on order; the port swap fixed it".into(),
            },
        )
        .expect("resolved with a reason");
        assert_eq!(after.status, Status::Resolved);
        assert_eq!(after.resolution.as_ref().expect("resolution").code, "Fixed");
        assert!(matches!(
            change,
            Change::Resolved {
                open_tasks_reason: Some(_),
                ..
            }
        ));

        j.tasks[0].done = true;
        let (_, change) = run(
            &j,
            &tess(),
            Command::Resolve {
                code: "Fixed".into(),
                notes: "Swapped the port".into(),
                open_tasks_reason: "ignored".into(),
            },
        )
        .expect("resolved");
        assert!(
            matches!(
                change,
                Change::Resolved {
                    open_tasks_reason: None,
                    ..
                }
            ),
            "no reason is recorded when no task was open"
        );
    }

    #[test]
    fn only_the_owner_or_a_lead_reassigns_someone_s_job() {
        let mut toms = assigned_to_tess();
        toms.technician = Some(person("nina"));
        let refusal = run(
            &toms,
            &tess(),
            Command::Reassign {
                group_id: "desktop".into(),
                technician_id: String::new(),
                reason: "Hardware".into(),
            },
        )
        .expect_err("not hers");
        assert!(refusal.to_string().contains("Nina"), "{refusal}");
        let lee = viewer("lee", Role::TeamLead, &["network", "desktop"]);
        let (after, change) = run(
            &toms,
            &lee,
            Command::Reassign {
                group_id: "desktop".into(),
                technician_id: "tom".into(),
                reason: "Hardware".into(),
            },
        )
        .expect("a lead may");
        assert_eq!(after.group.expect("group").id, "desktop");
        assert_eq!(after.technician.expect("tech").id, "tom");
        assert!(matches!(change, Change::Reassigned { .. }));

        let wrong = run(
            &assigned_to_tess(),
            &tess(),
            Command::Reassign {
                group_id: "desktop".into(),
                technician_id: "nina".into(),
                reason: "x".into(),
            },
        )
        .expect_err("nina is not in desktop");
        assert!(
            wrong
                .field_message("technician")
                .expect("field")
                .contains("Desktop")
        );
    }

    #[test]
    fn handing_a_job_to_a_group_puts_it_back_on_the_queue() {
        let (after, _) = run(
            &assigned_to_tess(),
            &tess(),
            Command::Reassign {
                group_id: "desktop".into(),
                technician_id: String::new(),
                reason: "Hardware fault".into(),
            },
        )
        .expect("hers to hand on");
        assert_eq!(after.technician, None);
        assert_eq!(after.status, Status::New);
    }

    #[test]
    fn escalating_to_the_lead_hands_it_to_the_lead() {
        let (after, change) = run(
            &assigned_to_tess(),
            &tess(),
            Command::Escalate {
                level: EscalationLevel::Hierarchical,
                group_id: String::new(),
                reason: "Needs a budget decision".into(),
            },
        )
        .expect("escalated");
        assert_eq!(after.technician.expect("lead").id, "lee");
        assert_eq!(
            after.escalation.expect("stands").level,
            EscalationLevel::Hierarchical
        );
        assert!(change.describe(&person("tess")).contains("team lead, Lee"));
        let fran = viewer("fran", Role::FrontLine, &[]);
        assert!(
            run(
                &assigned_to_tess(),
                &fran,
                Command::Escalate {
                    level: EscalationLevel::Functional,
                    group_id: "desktop".into(),
                    reason: "x".into(),
                }
            )
            .is_err()
        );
    }

    #[test]
    fn tasks_are_added_given_and_ticked_off() {
        let (j, _) = run(
            &assigned_to_tess(),
            &tess(),
            Command::AddTask {
                title: "Order a cable".into(),
                assignee_id: "nina".into(),
            },
        )
        .expect("added");
        assert_eq!(j.tasks[0].id, 1);
        assert_eq!(j.tasks[0].assignee.as_ref().expect("nina").id, "nina");
        let (j, _) = run(
            &j,
            &tess(),
            Command::SetTaskDone {
                task: 1,
                done: true,
            },
        )
        .expect("done");
        assert!(j.tasks[0].done);
        assert!(
            run(
                &j,
                &tess(),
                Command::SetTaskDone {
                    task: 1,
                    done: true
                }
            )
            .is_err()
        );
        let (j, _) = run(
            &j,
            &tess(),
            Command::SetTaskDone {
                task: 1,
                done: false,
            },
        )
        .expect("reopened");
        assert!(!j.tasks[0].done);
        assert_eq!(
            run(
                &j,
                &tess(),
                Command::SetTaskDone {
                    task: 9,
                    done: true
                }
            )
            .expect_err("none")
            .status(),
            404
        );
        let mut closed = j;
        closed.status = Status::Closed;
        assert!(
            run(
                &closed,
                &tess(),
                Command::AddTask {
                    title: "x".into(),
                    assignee_id: String::new()
                }
            )
            .expect_err("closed")
            .to_string()
            .contains("reopen")
        );
    }

    #[test]
    fn comments_add_up_the_time_spent() {
        let (j, _) = run(
            &assigned_to_tess(),
            &tess(),
            Command::Comment {
                action: ActionKind::Call,
                text: "Called the client".into(),
                minutes: Some(15),
                to_children: false,
            },
        )
        .expect("logged");
        let (j, _) = run(
            &j,
            &tess(),
            Command::Comment {
                action: ActionKind::Note,
                text: "Checked the switch".into(),
                minutes: Some(20),
                to_children: false,
            },
        )
        .expect("logged");
        assert_eq!(j.minutes_spent, 35);
        assert!(
            run(
                &j,
                &tess(),
                Command::Comment {
                    action: ActionKind::Note,
                    text: "   ".into(),
                    minutes: None,
                    to_children: false,
                }
            )
            .is_err()
        );
    }

    #[test]
    fn an_edit_that_leaves_impact_and_urgency_keeps_an_overridden_priority() {
        let lee = viewer("lee", Role::TeamLead, &["network"]);
        let (overridden, _) = run(
            &assigned_to_tess(),
            &lee,
            Command::OverridePriority {
                priority: Priority::P1,
                reason: "The CEO's laptop".into(),
            },
        )
        .expect("a lead may");
        let (after, _) = run(
            &overridden,
            &tess(),
            Command::Edit {
                title: "Fixed typo".into(),
                description: overridden.description.clone(),
                category: overridden.category.clone(),
                impact: overridden.impact,
                urgency: overridden.urgency,
            },
        )
        .expect("edited");
        assert_eq!(after.priority, Priority::P1);
        let refused = run(
            &assigned_to_tess(),
            &tess(),
            Command::OverridePriority {
                priority: Priority::P1,
                reason: "Please".into(),
            },
        )
        .expect_err("technicians do not override");
        assert_eq!(refused.status(), 403);
    }

    #[test]
    fn editing_impact_recomputes_the_priority_and_lists_the_changes() {
        let j = assigned_to_tess();
        let (after, change) = run(
            &j,
            &tess(),
            Command::Edit {
                title: j.title.clone(),
                description: j.description.clone(),
                category: j.category.clone(),
                impact: Impact::High,
                urgency: Urgency::High,
            },
        )
        .expect("edited");
        assert_eq!(after.priority, Priority::P1);
        let Change::Edited { fields } = change else {
            panic!("an edit")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["impact", "urgency", "priority"]);
    }

    fn any_command() -> impl Strategy<Value = Command> {
        let text = prop_oneof![
            Just(String::new()),
            Just("Because".to_owned()),
            "[a-z ]{0,12}"
        ];
        prop_oneof![
            Just(Command::Take),
            (proptest::sample::select(Move::ALL.to_vec()), text.clone())
                .prop_map(|(action, reason)| Command::Move { action, reason }),
            (
                proptest::sample::select(vec!["Fixed", "Nope", ""]),
                text.clone(),
                text.clone()
            )
                .prop_map(|(code, notes, open_tasks_reason)| Command::Resolve {
                    code: code.into(),
                    notes,
                    open_tasks_reason
                }),
            (text.clone(), proptest::option::of(0u32..2000)).prop_map(|(text, minutes)| {
                Command::Comment {
                    action: ActionKind::Note,
                    text,
                    minutes,
                    to_children: false,
                }
            }),
            (
                proptest::sample::select(vec!["", "network", "desktop", "nope"]),
                proptest::sample::select(vec!["", "tess", "tom", "lee"]),
                text.clone()
            )
                .prop_map(|(g, t, reason)| Command::Reassign {
                    group_id: g.into(),
                    technician_id: t.into(),
                    reason
                }),
            (
                text.clone(),
                proptest::sample::select(vec!["", "tom", "zed"])
            )
                .prop_map(|(title, a)| Command::AddTask {
                    title,
                    assignee_id: a.into()
                }),
            (1u32..4, any::<bool>()).prop_map(|(task, done)| Command::SetTaskDone { task, done }),
        ]
    }

    fn any_viewer() -> impl Strategy<Value = Viewer> {
        proptest::sample::select(vec![
            viewer("tess", Role::Technician, &["network"]),
            viewer("tom", Role::Technician, &["desktop"]),
            viewer("lee", Role::TeamLead, &["network", "desktop"]),
            viewer("fran", Role::FrontLine, &[]),
            viewer("ada", Role::Admin, &[]),
        ])
    }

    proptest! {
        /// Whatever sequence of commands people send, every accepted one
        /// bumps the version by one, a resolved or closed job has a
        /// resolution and an open one has none, task numbers stay unique,
        /// and an assigned or started job always has a technician.
        #[test]
        fn invariants_hold_over_any_sequence_of_commands(
            steps in proptest::collection::vec((any_viewer(), any_command()), 1..60)
        ) {
            let mut j = job(1, 2, 60);
            for (who, command) in steps {
                match decide(&j, &who, &command, &directory(), now()) {
                    Ok((after, change)) => {
                        prop_assert_eq!(after.version, j.version + 1);
                        prop_assert!(!change.describe(&who.user).is_empty());
                        j = after;
                    }
                    Err(error) => {
                        prop_assert!(!error.to_string().is_empty());
                        prop_assert!(error.status() >= 400 && error.status() < 500);
                    }
                }
                prop_assert_eq!(j.status.is_open(), j.resolution.is_none());
                let mut ids: Vec<u32> = j.tasks.iter().map(|t| t.id).collect();
                ids.dedup();
                prop_assert_eq!(ids.len(), j.tasks.len());
                if matches!(j.status, Status::Assigned | Status::InProgress) {
                    prop_assert!(j.technician.is_some(), "{:?} without a technician", j.status);
                }
            }
        }
    }

    fn link(j: &Job, other: &Job, kind: LinkKind) -> Result<(Job, Change, Link), DeskError> {
        let command = Command::Link {
            link: kind,
            other: other.reference,
        };
        decide_link(j, other, &tess(), &command, now())
    }

    #[test]
    fn a_link_is_kept_on_both_jobs_and_undone_on_both() {
        let (child, parent) = (assigned_to_tess(), job(2, 0, 10));
        let (child_after, change, mirrored) =
            link(&child, &parent, LinkKind::ChildOf).expect("allowed");
        assert_eq!(child_after.version, child.version + 1);
        assert_eq!(
            child_after.link_to(parent.reference).map(|l| l.kind),
            Some(LinkKind::ChildOf)
        );
        assert_eq!(
            change.describe(&person("tess")),
            "Tess linked the job: child of J-1003"
        );
        assert_eq!(
            mirrored,
            Link {
                kind: LinkKind::ParentOf,
                other: child.reference
            }
        );
        let (parent_after, parent_change) =
            mirror_links(&parent, vec![mirrored], false, &tess(), now()).expect("mirrored");
        assert_eq!(parent_after.version, parent.version + 1);
        assert_eq!(parent_after.links, vec![mirrored]);
        assert_eq!(parent_change.name(), "linked");

        let unlink = Command::Unlink {
            other: parent.reference,
        };
        let (child_done, change, mirrored) =
            decide_link(&child_after, &parent_after, &tess(), &unlink, now()).expect("allowed");
        assert!(child_done.links.is_empty());
        assert_eq!(
            change.describe(&person("tess")),
            "Tess removed the link: child of J-1003"
        );
        let (parent_done, _) =
            mirror_links(&parent_after, vec![mirrored], true, &tess(), now()).expect("mirrored");
        assert!(
            mirror_links(&parent_done, vec![mirrored], true, &tess(), now()).is_none(),
            "nothing to remove, nothing recorded"
        );
        assert!(parent_done.links.is_empty());
        // Unlinking what is not linked says so.
        let error =
            decide_link(&child_done, &parent_done, &tess(), &unlink, now()).expect_err("refused");
        assert!(
            error.to_string().contains("is not linked to J-1003"),
            "{error}"
        );
    }

    #[test]
    fn links_are_for_the_second_line_on_jobs_that_are_not_closed() {
        let (a, b) = (job(1, 1, 0), job(2, 1, 0));
        let command = Command::Link {
            link: LinkKind::Related,
            other: b.reference,
        };
        let front = viewer("fran", Role::FrontLine, &[]);
        assert!(matches!(
            decide_link(&a, &b, &front, &command, now()),
            Err(DeskError::Forbidden { .. })
        ));
        let mut closed = a.clone();
        closed.status = Status::Closed;
        let error = link(&closed, &b, LinkKind::Related).expect_err("refused");
        assert!(error.to_string().contains("reopen it before you link it"));
        // Linking goes through decide_link only.
        assert!(run(&a, &tess(), command).is_err());
    }

    #[test]
    fn many_links_to_one_job_are_one_change_there() {
        let parent = job(1, 0, 0);
        let mirrored: Vec<Link> = (2..10)
            .map(|n| Link {
                kind: LinkKind::ParentOf,
                other: JobRef(JobRef::FIRST + n),
            })
            .collect();
        let (after, change) =
            mirror_links(&parent, mirrored.clone(), false, &tess(), now()).expect("mirrored");
        assert_eq!(after.links, mirrored);
        assert_eq!(after.version, parent.version + 1);
        assert_eq!(
            change.describe(&person("tess")),
            "Tess linked the job: parent of J-1003, J-1004, J-1005, J-1006, J-1007 and 3 more"
        );
    }

    #[test]
    fn resolving_an_original_resolves_its_open_duplicates_the_same_way() {
        let mut original = assigned_to_tess();
        original.links.push(Link {
            kind: LinkKind::DuplicatedBy,
            other: JobRef(JobRef::FIRST + 2),
        });
        let (resolved, _) = run(
            &original,
            &tess(),
            Command::Resolve {
                code: "Fixed".into(),
                notes: "Replaced the access point".into(),
                open_tasks_reason: String::new(),
            },
        )
        .expect("resolved");
        let mut duplicate = job(2, 2, 5);
        duplicate.tasks.push(Task {
            id: 1,
            title: "Call back".into(),
            assignee: None,
            done: false,
        });
        let (after, change) =
            resolve_with_original(&duplicate, &resolved, &tess(), now()).expect("resolved too");
        assert_eq!(after.status, Status::Resolved);
        assert_eq!(after.resolution, resolved.resolution);
        assert_eq!(after.version, duplicate.version + 1);
        assert_eq!(
            change.describe(&person("tess")),
            "Tess resolved the job as Fixed, with its original J-1002"
        );
        // Not what the resolver could not resolve themselves.
        let front = viewer("fran", Role::FrontLine, &[]);
        let mut in_progress = duplicate.clone();
        in_progress.status = Status::InProgress;
        assert!(resolve_with_original(&in_progress, &resolved, &front, now()).is_none());
        assert!(resolve_with_original(&duplicate, &resolved, &front, now()).is_some());
        let tom = viewer("tom", Role::Technician, &["desktop"]);
        assert!(resolve_with_original(&duplicate, &resolved, &tom, now()).is_none());
        let mut closed = duplicate;
        closed.status = Status::Closed;
        assert!(resolve_with_original(&closed, &resolved, &tess(), now()).is_none());
        assert!(
            resolve_with_original(&after, &original, &tess(), now()).is_none(),
            "an original that is not resolved resolves nothing"
        );
    }

    #[test]
    fn a_reply_on_a_parent_goes_to_its_open_children() {
        let reply = |to_children: bool, action: ActionKind| Command::Comment {
            action,
            text: " Power is back on floor 3 ".into(),
            minutes: None,
            to_children,
        };
        let lonely = job(1, 0, 0);
        let error = run(&lonely, &tess(), reply(true, ActionKind::Reply)).expect_err("refused");
        assert_eq!(
            error.field_message("to_children"),
            Some("J-1002 has no children to send the reply to.")
        );
        let mut parent = lonely;
        parent.links.push(Link {
            kind: LinkKind::ParentOf,
            other: JobRef(JobRef::FIRST + 2),
        });
        assert!(run(&parent, &tess(), reply(true, ActionKind::Note)).is_err());
        assert!(run(&parent, &tess(), reply(true, ActionKind::Reply)).is_ok());

        let child = job(2, 2, 0);
        let (after, change) =
            pass_to_child(&child, parent.reference, " Power is back ", &tess(), now())
                .expect("passed on");
        assert_eq!(after.version, child.version + 1);
        assert_eq!(
            change,
            Change::Commented {
                action: ActionKind::Reply,
                text: "Power is back".into(),
                minutes: None,
                parent: Some(parent.reference),
            }
        );
        assert_eq!(
            change.describe(&person("tess")),
            "Tess replied to the client, from the parent J-1002"
        );
        let mut resolved = child.clone();
        resolved.status = Status::Resolved;
        assert!(pass_to_child(&resolved, parent.reference, "x", &tess(), now()).is_none());
        let tom = viewer("tom", Role::Technician, &["desktop"]);
        assert!(
            pass_to_child(&child, parent.reference, "x", &tom, now()).is_none(),
            "not to a client out of the replier's sight"
        );
    }
}
