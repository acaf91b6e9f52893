//! Jobs: references, classification, the priority matrix and the rules for
//! logging a new job.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::people::UserRef;

/// The human reference of a job, shown as `J-1042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct JobRef(pub u64);

impl JobRef {
    /// The number given to the first job of a new desk.
    pub const FIRST: u64 = 1001;

    /// Reads a reference given in a request, refusing it as an invalid
    /// `reference` field when it is not one.
    pub fn from_request(text: &str) -> Result<Self, super::error::DeskError> {
        text.parse()
            .map_err(|message: String| super::error::DeskError::invalid("reference", message))
    }
}

impl fmt::Display for JobRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "J-{}", self.0)
    }
}

impl FromStr for JobRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s
            .trim()
            .strip_prefix("J-")
            .or_else(|| s.trim().strip_prefix("j-"))
            .unwrap_or(s.trim());
        digits
            .parse::<u64>()
            .map(JobRef)
            .map_err(|_| format!("`{s}` is not a job reference; write it like J-1042"))
    }
}

impl From<JobRef> for String {
    fn from(r: JobRef) -> Self {
        r.to_string()
    }
}

impl TryFrom<String> for JobRef {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// How many people or how much of the business a job affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// A whole site, service or many people.
    High,
    /// A team or a department.
    Medium,
    /// One person.
    Low,
}

/// How soon the work must be done to avoid harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Work has stopped.
    High,
    /// Work goes on with difficulty.
    Medium,
    /// It can wait.
    Low,
}

/// The priority of a job, P1 (most urgent) to P4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Priority {
    /// Critical: drop everything.
    P1,
    /// High.
    P2,
    /// Normal.
    P3,
    /// Low.
    P4,
}

impl Priority {
    /// The priority matrix, impact × urgency:
    ///
    /// | impact \ urgency | high | medium | low |
    /// | ---------------- | ---- | ------ | --- |
    /// | high             | P1   | P2     | P3  |
    /// | medium           | P2   | P3     | P3  |
    /// | low              | P3   | P4     | P4  |
    ///
    /// Only the combination of a wide impact and stopped work is critical; one
    /// person's problem is never above P3.
    pub fn from_matrix(impact: Impact, urgency: Urgency) -> Self {
        use Impact as I;
        use Urgency as U;
        match (impact, urgency) {
            (I::High, U::High) => Priority::P1,
            (I::High, U::Medium) | (I::Medium, U::High) => Priority::P2,
            (I::High, U::Low) | (I::Medium, U::Medium) | (I::Medium, U::Low) => Priority::P3,
            (I::Low, U::High) => Priority::P3,
            (I::Low, U::Medium) | (I::Low, U::Low) => Priority::P4,
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Where a job is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Logged, nobody has taken it yet.
    New,
    /// A technician owns it.
    Assigned,
    /// Someone is working on it.
    InProgress,
    /// Waiting on the client.
    PendingClient,
    /// Waiting on a supplier or another outside party.
    PendingThirdParty,
    /// The fix is in; the client may still object.
    Resolved,
    /// Done for good (it can still be reopened).
    Closed,
}

impl Status {
    /// Whether the job still needs work and so belongs on the queues.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }

    /// The label people read.
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::Assigned => "Assigned",
            Status::InProgress => "In progress",
            Status::PendingClient => "Pending client",
            Status::PendingThirdParty => "Pending third party",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
        }
    }
}

/// How the client reached the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call.
    Phone,
    /// An email.
    Email,
    /// The client came to the desk.
    WalkIn,
    /// A chat conversation.
    Chat,
}

/// A client as shown on a job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientRef {
    /// The client's id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// The organisation the client belongs to.
    pub organisation: String,
}

/// A group as shown on a job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GroupRef {
    /// The group's id, such as `network`.
    pub id: String,
    /// Its display name, such as `Network`.
    pub name: String,
}

/// One job as everyone sees it: the shape stored, pushed and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Its reference, `J-1042`.
    pub reference: JobRef,
    /// One line that says what is wrong.
    pub title: String,
    /// The details the client gave.
    pub description: String,
    /// Who the job is for.
    pub client: ClientRef,
    /// The category chosen at triage, such as `Network / Wi-Fi`.
    pub category: String,
    /// Impact chosen at triage.
    pub impact: Impact,
    /// Urgency chosen at triage.
    pub urgency: Urgency,
    /// The priority that impact and urgency give.
    pub priority: Priority,
    /// Lifecycle state.
    pub status: Status,
    /// How the job came in.
    pub channel: Channel,
    /// The group that owns the job, if any yet.
    pub group: Option<GroupRef>,
    /// The technician who owns the job, if any yet.
    pub technician: Option<UserRef>,
    /// Who logged it.
    pub logged_by: UserRef,
    /// When it was logged.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Incremented by every change; a change made from an older version is
    /// refused instead of overwriting someone else's work.
    pub version: u64,
    /// The job's action items.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// How it was resolved, while it is resolved or closed.
    #[serde(default)]
    pub resolution: Option<Resolution>,
    /// The last escalation, while it stands.
    #[serde(default)]
    pub escalation: Option<Escalation>,
    /// Who made the last change after the job was logged, for "whose move".
    #[serde(default)]
    pub last_touch: Option<Touch>,
    /// The time spent on the job so far, summed over its actions.
    #[serde(default)]
    pub minutes_spent: u32,
    /// How this job relates to other jobs; each link is kept on both.
    #[serde(default)]
    pub links: Vec<super::links::Link>,
}

/// An action item on a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Its number within the job, from 1.
    pub id: u32,
    /// What is to be done.
    pub title: String,
    /// Who is to do it, if anyone yet.
    pub assignee: Option<UserRef>,
    /// Whether it is done.
    pub done: bool,
}

/// How a job was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// A code from the desk's list, such as `Fixed`.
    pub code: String,
    /// What was done, for the client and for the next person.
    pub notes: String,
}

/// Which way a job was escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationLevel {
    /// To another group with the skills the job needs.
    Functional,
    /// Up to the team lead.
    Hierarchical,
}

/// An escalation that stands on a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// Functional or hierarchical.
    pub level: EscalationLevel,
    /// Who escalated it.
    pub by: UserRef,
    /// Why.
    pub reason: String,
}

/// Where a change came from, for "whose move".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchSource {
    /// A person at the desk.
    Desk,
    /// The client (a reply from the portal or by email).
    Client,
    /// A rule of the desk (SLA escalation, an import).
    Automation,
}

/// The last change to a job after it was logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Touch {
    /// Who made it.
    pub by: UserRef,
    /// From where.
    pub source: TouchSource,
}

/// Whose move it is on a job, as one person sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WhoseMove {
    /// Nobody has touched it since it was logged.
    New,
    /// The viewer made the last change.
    UpdatedByMe,
    /// Another person at the desk made the last change.
    UpdatedBy {
        /// Their name.
        name: String,
    },
    /// The client made the last change.
    Client,
    /// A rule of the desk made the last change.
    Automation,
}

impl WhoseMove {
    /// Whose move `job` is for the person `user_id`.
    pub fn of(job: &Job, user_id: &str) -> Self {
        match &job.last_touch {
            None => WhoseMove::New,
            Some(Touch {
                source: TouchSource::Client,
                ..
            }) => WhoseMove::Client,
            Some(Touch {
                source: TouchSource::Automation,
                ..
            }) => WhoseMove::Automation,
            Some(Touch { by, .. }) if by.id == user_id => WhoseMove::UpdatedByMe,
            Some(Touch { by, .. }) => WhoseMove::UpdatedBy {
                name: by.name.clone(),
            },
        }
    }

    /// The short label of the queue column.
    pub fn label(&self) -> String {
        match self {
            WhoseMove::New => "New".to_owned(),
            WhoseMove::UpdatedByMe => "Updated by me".to_owned(),
            WhoseMove::UpdatedBy { name } => format!("Updated by {name}"),
            WhoseMove::Client => "Client responded".to_owned(),
            WhoseMove::Automation => "Updated by the desk".to_owned(),
        }
    }
}

impl Job {
    /// The tasks not yet done.
    pub fn open_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(|t| !t.done)
    }
}

/// What a front-line agent fills in to log a job, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewJob {
    /// The client's id.
    pub client_id: String,
    /// One line that says what is wrong.
    pub title: String,
    /// Details.
    #[serde(default)]
    pub description: String,
    /// Category, free text from the desk's list.
    pub category: String,
    /// `high`, `medium` or `low`.
    pub impact: String,
    /// `high`, `medium` or `low`.
    pub urgency: String,
    /// `phone`, `email`, `walk_in` or `chat`.
    pub channel: String,
    /// The group to hand the job to; empty leaves it with the front line.
    #[serde(default)]
    pub group_id: String,
    /// A technician of that group; empty leaves it on the group's queue.
    #[serde(default)]
    pub technician_id: String,
}

/// A new job whose fields have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidNewJob {
    /// The client's id.
    pub client_id: String,
    /// Trimmed title.
    pub title: String,
    /// Trimmed description.
    pub description: String,
    /// Trimmed category.
    pub category: String,
    /// Impact.
    pub impact: Impact,
    /// Urgency.
    pub urgency: Urgency,
    /// Channel.
    pub channel: Channel,
    /// The chosen group, if any.
    pub group_id: Option<String>,
    /// The chosen technician, if any.
    pub technician_id: Option<String>,
}

impl ValidNewJob {
    /// The priority that the matrix gives this job.
    pub fn priority(&self) -> Priority {
        Priority::from_matrix(self.impact, self.urgency)
    }

    /// The status a job starts in: assigned when a technician was chosen.
    pub fn initial_status(&self) -> Status {
        if self.technician_id.is_some() {
            Status::Assigned
        } else {
            Status::New
        }
    }
}

/// The categories the job form offers.
pub const CATEGORIES: [&str; 8] = [
    "Access & accounts",
    "Email",
    "Hardware",
    "Network",
    "Printing",
    "Software",
    "Telephony",
    "Other",
];

/// The longest title accepted, in characters.
pub const TITLE_MAX: usize = 200;
/// The longest description accepted, in characters.
pub const DESCRIPTION_MAX: usize = 20_000;

fn parse_choice<T: Copy>(
    field: &'static str,
    value: &str,
    choices: &[(&str, T)],
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let value = value.trim();
    if let Some((_, v)) = choices.iter().find(|(name, _)| *name == value) {
        return Some(*v);
    }
    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
    let message = if value.is_empty() {
        format!("Choose the {field}: one of {}.", names.join(", "))
    } else {
        format!(
            "`{value}` is not a {field}; choose one of {}.",
            names.join(", ")
        )
    };
    errors.push(FieldError::new(field, message));
    None
}

impl NewJob {
    /// Checks every field and returns all the problems at once, each saying
    /// what to fix.
    pub fn validate(&self) -> Result<ValidNewJob, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = self.title.trim();
        if title.is_empty() {
            errors.push(FieldError::new(
                "title",
                "Give the job a title: one line that says what is wrong.",
            ));
        } else if title.chars().count() > TITLE_MAX {
            errors.push(FieldError::new(
                "title",
                format!("Shorten the title to {TITLE_MAX} characters at most; put details in the description."),
            ));
        }
        let description = self.description.trim();
        if description.chars().count() > DESCRIPTION_MAX {
            errors.push(FieldError::new(
                "description",
                format!("Shorten the description to {DESCRIPTION_MAX} characters at most."),
            ));
        }
        let client_id = self.client_id.trim();
        if client_id.is_empty() {
            errors.push(FieldError::new(
                "client",
                "Choose the client the job is for: search by name or organisation.",
            ));
        }
        let category = self.category.trim();
        if category.is_empty() {
            errors.push(FieldError::new("category", "Choose a category."));
        }
        let impact = parse_choice(
            "impact",
            &self.impact,
            &[
                ("high", Impact::High),
                ("medium", Impact::Medium),
                ("low", Impact::Low),
            ],
            &mut errors,
        );
        let urgency = parse_choice(
            "urgency",
            &self.urgency,
            &[
                ("high", Urgency::High),
                ("medium", Urgency::Medium),
                ("low", Urgency::Low),
            ],
            &mut errors,
        );
        let channel = parse_choice(
            "channel",
            &self.channel,
            &[
                ("phone", Channel::Phone),
                ("email", Channel::Email),
                ("walk_in", Channel::WalkIn),
                ("chat", Channel::Chat),
            ],
            &mut errors,
        );
        let group_id = Some(self.group_id.trim()).filter(|g| !g.is_empty());
        let technician_id = Some(self.technician_id.trim()).filter(|t| !t.is_empty());
        if technician_id.is_some() && group_id.is_none() {
            errors.push(FieldError::new(
                "technician",
                "Choose the technician's group too, or leave the technician empty.",
            ));
        }
        match (impact, urgency, channel) {
            (Some(impact), Some(urgency), Some(channel)) if errors.is_empty() => Ok(ValidNewJob {
                client_id: client_id.to_owned(),
                title: title.to_owned(),
                description: description.to_owned(),
                category: category.to_owned(),
                impact,
                urgency,
                channel,
                group_id: group_id.map(str::to_owned),
                technician_id: technician_id.map(str::to_owned),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> NewJob {
        NewJob {
            client_id: "c1".into(),
            title: "Printer on floor 2 jams".into(),
            description: "Every page since this morning".into(),
            category: "Hardware / Printer".into(),
            impact: "medium".into(),
            urgency: "high".into(),
            channel: "phone".into(),
            group_id: "desktop".into(),
            technician_id: String::new(),
        }
    }

    #[test]
    fn matrix_covers_every_cell_as_documented() {
        use Impact as I;
        use Priority::*;
        use Urgency as U;
        let expected = [
            (I::High, U::High, P1),
            (I::High, U::Medium, P2),
            (I::High, U::Low, P3),
            (I::Medium, U::High, P2),
            (I::Medium, U::Medium, P3),
            (I::Medium, U::Low, P3),
            (I::Low, U::High, P3),
            (I::Low, U::Medium, P4),
            (I::Low, U::Low, P4),
        ];
        for (impact, urgency, priority) in expected {
            assert_eq!(
                Priority::from_matrix(impact, urgency),
                priority,
                "{impact:?} × {urgency:?}"
            );
        }
    }

    #[test]
    fn priority_never_drops_when_impact_or_urgency_rises() {
        let impacts = [Impact::Low, Impact::Medium, Impact::High];
        let urgencies = [Urgency::Low, Urgency::Medium, Urgency::High];
        for i in 0..3 {
            for u in 0..3 {
                let here = Priority::from_matrix(impacts[i], urgencies[u]);
                if i + 1 < 3 {
                    assert!(Priority::from_matrix(impacts[i + 1], urgencies[u]) <= here);
                }
                if u + 1 < 3 {
                    assert!(Priority::from_matrix(impacts[i], urgencies[u + 1]) <= here);
                }
            }
        }
    }

    #[test]
    fn a_filled_form_is_valid_and_trimmed() {
        let mut form = filled();
        form.title = "  Printer on floor 2 jams  ".into();
        let valid = form.validate().expect("valid");
        assert_eq!(valid.title, "Printer on floor 2 jams");
        assert_eq!(valid.priority(), Priority::P2);
        assert_eq!(valid.initial_status(), Status::New);
        assert_eq!(valid.group_id.as_deref(), Some("desktop"));
        assert_eq!(valid.technician_id, None);
    }

    #[test]
    fn an_empty_form_lists_every_missing_field() {
        let errors = NewJob::default().validate().expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title", "client", "category", "impact", "urgency", "channel"
            ]
        );
        assert!(errors[0].message.contains("title"));
    }

    #[test]
    fn unknown_choices_name_the_accepted_values() {
        let mut form = filled();
        form.impact = "huge".into();
        let errors = form.validate().expect_err("invalid");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "impact");
        assert!(
            errors[0].message.contains("high, medium, low"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn overlong_title_is_refused() {
        let mut form = filled();
        form.title = "x".repeat(TITLE_MAX + 1);
        let errors = form.validate().expect_err("invalid");
        assert_eq!(errors[0].field, "title");
        form.title = "é".repeat(TITLE_MAX);
        assert!(
            form.validate().is_ok(),
            "the limit counts characters, not bytes"
        );
    }

    #[test]
    fn technician_needs_a_group() {
        let mut form = filled();
        form.group_id = String::new();
        form.technician_id = "tess".into();
        let errors = form.validate().expect_err("invalid");
        assert_eq!(errors[0].field, "technician");
        form.group_id = "network".into();
        assert_eq!(
            form.validate().expect("valid").initial_status(),
            Status::Assigned
        );
    }

    #[test]
    fn job_refs_print_and_parse() {
        assert_eq!(JobRef(1042).to_string(), "J-1042");
        assert_eq!("J-1042".parse::<JobRef>(), Ok(JobRef(1042)));
        assert_eq!(" 1042 ".parse::<JobRef>(), Ok(JobRef(1042)));
        assert!(
            "J-x"
                .parse::<JobRef>()
                .expect_err("not a reference")
                .contains("J-1042")
        );
    }

    proptest::proptest! {
        #[test]
        fn validation_never_panics_and_accepts_only_known_choices(
            title in ".{0,250}", impact in "[a-z]{0,7}", urgency in "[a-z]{0,7}", channel in "[a-z_]{0,8}",
        ) {
            let form = NewJob { title, impact, urgency, channel, ..filled() };
            if let Ok(valid) = form.validate() {
                proptest::prop_assert!(!valid.title.is_empty());
                proptest::prop_assert!(["high", "medium", "low"].contains(&form.impact.as_str()));
                proptest::prop_assert!(["phone", "email", "walk_in", "chat"].contains(&form.channel.as_str()));
            }
        }
    }
}
