//! The desk service: every command and query of [`app::desk::Desk`], checked
//! by the domain's rules and committed through the ordered log.
//!
//! A command reads the state it decides on, decides with pure rules, then
//! commits its change together with its event only if the log has not moved
//! since that read. Commands of one instance take turns; an instance that
//! loses a race with another reads again and decides again.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::desk::{Desk, SessionToken};
use app::domain::command::{
    BULK_MAX, decide, decide_link, mirror_links, pass_to_child, resolve_with_original,
};
use app::domain::links;
use app::domain::views::SAVED_NAME_MAX;
use app::domain::{
    BulkChange, BulkOutcome, Change, ClientRef, Command, DeskError, Directory, Event,
    GroupWithMembers, HistoryEntry, Job, JobCommand, JobRef, JobSnapshot, LinkKind, LinkedJob,
    Move, NewJob, QueuePage, QueueQuery, QueueSnapshot, Role, SavedView, Viewer,
};
use jiff::Timestamp;
use tokio::sync::Mutex;

use crate::auth::{self, SignInBrake};
use crate::hub::Hub;
use crate::log::LogSync;
use crate::store::{Counters, Mutation, Store, StoreError};

/// How long a session lasts after sign-in.
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// How many times a command is decided again after losing a race.
const ATTEMPTS: usize = 8;

/// The desk over SurrealDB.
pub struct DeskService {
    store: Store,
    hub: Arc<Hub>,
    log: Arc<LogSync>,
    brake: SignInBrake,
    writer: Mutex<()>,
}

/// The write and the event of a decided change to an existing job.
fn replacement(
    position: u64,
    at: Timestamp,
    viewer: &Viewer,
    change: Change,
    after: Job,
    before: Job,
) -> (Mutation, Event) {
    let event = Event {
        position,
        at,
        actor: viewer.user.clone(),
        change,
        job: after.clone(),
        before: Some(before),
    };
    (Mutation::ReplaceJob(Box::new(after)), event)
}

/// A decided change to an existing job: the job before, after, and the
/// change to record.
struct Decided {
    before: Job,
    after: Job,
    change: Change,
}

/// The writes and events of decided changes, at consecutive positions from
/// `position`.
fn replacements(
    position: u64,
    at: Timestamp,
    viewer: &Viewer,
    decided: Vec<Decided>,
) -> Vec<(Mutation, Event)> {
    decided
        .into_iter()
        .enumerate()
        .map(|(n, d)| replacement(position + n as u64, at, viewer, d.change, d.after, d.before))
        .collect()
}

/// The asking job's side of a link command on `job` and `other`: the job
/// linked or unlinked (then resolved, when it just became the duplicate of
/// a resolved original), and the link `other` gains or loses with it.
fn link_side(
    job: &Job,
    other: &Job,
    viewer: &Viewer,
    command: &Command,
    now: Timestamp,
) -> Result<(Vec<Decided>, app::domain::Link), DeskError> {
    let (after, change, mirrored) = decide_link(job, other, viewer, command, now)?;
    let settled = match command {
        Command::Link {
            link: LinkKind::DuplicateOf,
            ..
        } => settle_duplicate(&after, other, viewer, now),
        _ => None,
    };
    let mut decided = vec![Decided {
        before: job.clone(),
        after,
        change,
    }];
    decided.extend(settled);
    Ok((decided, mirrored))
}

/// A job just marked a duplicate of an original that is resolved already is
/// resolved with it at once, as resolving the original would have done.
fn settle_duplicate(
    duplicate: &Job,
    original: &Job,
    viewer: &Viewer,
    now: Timestamp,
) -> Option<Decided> {
    resolve_with_original(duplicate, original, viewer, now).map(|(after, change)| Decided {
        before: duplicate.clone(),
        after,
        change,
    })
}

/// Logs an internal failure once, with what was being done, and answers with
/// the generic error that the person sees.
fn internal(doing: &'static str) -> impl FnOnce(StoreError) -> DeskError {
    move |error| {
        tracing::error!(error = %error, doing, "storage failed");
        DeskError::Unavailable
    }
}

impl DeskService {
    /// A desk over `store`, feeding `hub` through `log`.
    pub fn new(store: Store, hub: Arc<Hub>, log: Arc<LogSync>) -> Self {
        Self {
            store,
            hub,
            log,
            brake: SignInBrake::default(),
            writer: Mutex::new(()),
        }
    }

    /// Decides a change with `plan` at the current log position and commits
    /// it, deciding again if another instance committed first. Returns the
    /// committed event once this instance's hub has applied it.
    async fn commit<F, Fut>(&self, mut plan: F) -> Result<Event, DeskError>
    where
        F: FnMut(Counters) -> Fut,
        Fut: Future<Output = Result<(Mutation, Event), DeskError>>,
    {
        let mut events = self
            .commit_all(|counters| {
                let planned = plan(counters);
                async move { planned.await.map(|change| vec![change]) }
            })
            .await?;
        events.pop().ok_or(DeskError::Unavailable)
    }

    /// Like [`Self::commit`] for changes that commit together in one
    /// transaction, their events at consecutive positions. An empty plan
    /// commits nothing.
    async fn commit_all<F, Fut>(&self, mut plan: F) -> Result<Vec<Event>, DeskError>
    where
        F: FnMut(Counters) -> Fut,
        Fut: Future<Output = Result<Vec<(Mutation, Event)>, DeskError>>,
    {
        let _turn = self.writer.lock().await;
        for attempt in 0..ATTEMPTS {
            let counters = self
                .store
                .counters()
                .await
                .map_err(internal("reading the log position"))?;
            let changes = plan(counters).await?;
            if changes.is_empty() {
                return Ok(Vec::new());
            }
            match self.store.append(counters.position, &changes).await {
                Ok(()) => {
                    self.log
                        .catch_up()
                        .await
                        .map_err(internal("applying a committed event"))?;
                    for (_, event) in changes.iter().take(20) {
                        tracing::info!(
                            log.position = event.position,
                            job.reference = %event.job.reference,
                            user.id = %event.actor.id,
                            change = event.change.name(),
                            "committed"
                        );
                    }
                    if changes.len() > 20 {
                        tracing::info!(events = changes.len(), "committed together");
                    }
                    return Ok(changes.into_iter().map(|(_, event)| event).collect());
                }
                Err(StoreError::Moved) => {
                    tracing::debug!(attempt, "the log moved on; deciding again");
                    tokio::time::sleep(Duration::from_millis(5 << attempt.min(5))).await;
                }
                Err(other) => return Err(internal("committing a change")(other)),
            }
        }
        tracing::error!(
            attempts = ATTEMPTS,
            "gave up committing: the log kept moving"
        );
        Err(DeskError::Unavailable)
    }

    /// Creates a user with a hashed password (for seeding and set-up).
    pub async fn create_user(
        &self,
        username: &str,
        name: &str,
        role: app::domain::Role,
        groups: &[&str],
        password: &str,
    ) -> Result<(), StoreError> {
        let password = password.to_owned();
        let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(|e| StoreError::Internal(format!("hashing a password: {e}")))?
            .map_err(|e| StoreError::Internal(format!("hashing a password: {e}")))?;
        self.store
            .create_user(&crate::store::UserRow {
                username: username.to_owned(),
                name: name.to_owned(),
                role,
                groups: groups.iter().map(|g| g.to_string()).collect(),
                password_hash,
                active: true,
            })
            .await
    }

    /// Records jobs brought in from elsewhere (demo data, an import, the
    /// data generator) as they are, through the log like any change: numbered
    /// after the last job, committed a thousand at a time.
    pub async fn import_jobs(
        &self,
        actor: &app::domain::UserRef,
        jobs: Vec<Job>,
    ) -> Result<usize, DeskError> {
        let mut imported = 0;
        for chunk in jobs.chunks(1000) {
            let events = self
                .commit_all(|counters| {
                    let changes = chunk
                        .iter()
                        .enumerate()
                        .map(|(n, job)| {
                            let mut job = job.clone();
                            job.reference =
                                JobRef(counters.last_job.max(JobRef::FIRST - 1) + 1 + n as u64);
                            job.version = 1;
                            let event = Event {
                                position: counters.position + 1 + n as u64,
                                at: Timestamp::now(),
                                actor: actor.clone(),
                                change: Change::Imported,
                                job: job.clone(),
                                before: None,
                            };
                            (Mutation::CreateJob(Box::new(job)), event)
                        })
                        .collect();
                    async move { Ok(changes) }
                })
                .await?;
            imported += events.len();
        }
        Ok(imported)
    }

    /// The store, for seeding.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The job, if it exists and `viewer` may see it.
    async fn visible_job(&self, viewer: &Viewer, reference: JobRef) -> Result<Job, DeskError> {
        self.store
            .job(reference)
            .await
            .map_err(internal("reading a job"))?
            .filter(|job| viewer.can_see(job))
            .ok_or_else(|| {
                DeskError::not_found(format!("There is no job {reference} that you can see."))
            })
    }

    /// The jobs that `job` links to as `kind`: as this commit has already
    /// changed them (`changed`), or as stored.
    async fn linked_jobs(
        &self,
        job: &Job,
        kind: LinkKind,
        changed: &HashMap<JobRef, Job>,
    ) -> Result<Vec<Job>, DeskError> {
        let wanted: Vec<JobRef> = job
            .links
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.other)
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut stored = self
            .store
            .jobs(wanted.iter().filter(|r| !changed.contains_key(r)).copied())
            .await
            .map_err(internal("reading linked jobs"))?;
        Ok(wanted
            .iter()
            .filter_map(|r| changed.get(r).cloned().or_else(|| stored.remove(r)))
            .collect())
    }

    /// Decides `command` on `job` with what it means for the jobs linked to
    /// it: a link's other side keeps the link too, a parent does not close
    /// while a child is open (nor a child reopen under a closed parent), a
    /// reply on a parent can go to every open child's client, and resolving
    /// an original resolves its open duplicates. The asked job's change
    /// comes first. `changed` holds the jobs this commit has changed already.
    async fn decide_with_links(
        &self,
        viewer: &Viewer,
        job: &Job,
        command: &Command,
        directory: &Directory,
        now: Timestamp,
        changed: &HashMap<JobRef, Job>,
    ) -> Result<Vec<Decided>, DeskError> {
        if let Some(other) = command.other_job() {
            let other = match changed.get(&other) {
                Some(other) => other.clone(),
                None => self.linked_job(viewer, command, other).await?,
            };
            let (mut decided, mirrored) = link_side(job, &other, viewer, command, now)?;
            let removed = matches!(command, Command::Unlink { .. });
            let other_now = match mirror_links(&other, vec![mirrored], removed, viewer, now) {
                Some((other_after, other_change)) => {
                    decided.push(Decided {
                        before: other,
                        after: other_after.clone(),
                        change: other_change,
                    });
                    other_after
                }
                None => other,
            };
            // This job as an original: the other, its new duplicate, may be
            // resolved with it.
            if let Command::Link {
                link: LinkKind::DuplicatedBy,
                ..
            } = command
            {
                let job_now = decided[0].after.clone();
                decided.extend(settle_duplicate(&other_now, &job_now, viewer, now));
            }
            return Ok(decided);
        }
        if matches!(
            command,
            Command::Move {
                action: Move::Close,
                ..
            }
        ) {
            let children = self.linked_jobs(job, LinkKind::ParentOf, changed).await?;
            links::check_close(job, &children)?;
        }
        if matches!(
            command,
            Command::Move {
                action: Move::Reopen,
                ..
            }
        ) {
            for parent in self.linked_jobs(job, LinkKind::ChildOf, changed).await? {
                links::check_reopen(job, &parent)?;
            }
        }
        let (after, change) = decide(job, viewer, command, directory, now)?;
        let mut decided = Vec::new();
        if let Command::Comment {
            text,
            to_children: true,
            ..
        } = command
        {
            for child in self.linked_jobs(job, LinkKind::ParentOf, changed).await? {
                if let Some((replied, change)) =
                    pass_to_child(&child, job.reference, text, viewer, now)
                {
                    decided.push(Decided {
                        before: child,
                        after: replied,
                        change,
                    });
                }
            }
            if decided.is_empty() {
                return Err(DeskError::invalid(
                    "to_children",
                    format!(
                        "None of {}'s children is open and yours to see; send the reply on this job only.",
                        job.reference
                    ),
                ));
            }
        }
        if matches!(command, Command::Resolve { .. }) {
            for duplicate in self
                .linked_jobs(job, LinkKind::DuplicatedBy, changed)
                .await?
            {
                if let Some((resolved, change)) =
                    resolve_with_original(&duplicate, &after, viewer, now)
                {
                    decided.push(Decided {
                        before: duplicate,
                        after: resolved,
                        change,
                    });
                }
            }
        }
        decided.insert(
            0,
            Decided {
                before: job.clone(),
                after,
                change,
            },
        );
        Ok(decided)
    }

    /// The other job of a link command. A new link needs a job the person
    /// can see; a link is removed even from a job that has since moved out
    /// of their sight, so that nobody is stuck with it.
    async fn linked_job(
        &self,
        viewer: &Viewer,
        command: &Command,
        other: JobRef,
    ) -> Result<Job, DeskError> {
        let unseen = || {
            DeskError::invalid(
                "other",
                format!("There is no job {other} that you can see."),
            )
        };
        let job = self
            .store
            .job(other)
            .await
            .map_err(internal("reading a linked job"))?
            .ok_or_else(unseen)?;
        match command {
            Command::Unlink { .. } => Ok(job),
            _ if viewer.can_see(&job) => Ok(job),
            _ => Err(unseen()),
        }
    }

    /// The refusal for a change made from version `seen` of `job`: who
    /// changed what since.
    async fn conflict(&self, job: &Job, seen: u64) -> DeskError {
        let changes: Vec<String> = match self.store.job_events(job.reference).await {
            Ok(events) => events
                .iter()
                .filter(|e| e.job.version > seen)
                .map(|e| e.change.describe(&e.actor))
                .collect(),
            Err(error) => {
                tracing::warn!(error = %error, job.reference = %job.reference, "could not list the changes behind a conflict");
                Vec::new()
            }
        };
        let message = match changes.as_slice() {
            [] => format!(
                "{} changed since you saw it; look at it again before you change it.",
                job.reference
            ),
            [one] => format!(
                "{} changed since you saw it: {one}. Look at it again; what you typed is kept.",
                job.reference
            ),
            many => format!(
                "{} changed {} times since you saw it. Look at it again; what you typed is kept.",
                job.reference,
                many.len()
            ),
        };
        DeskError::Conflict { message, changes }
    }
}

#[async_trait::async_trait]
impl Desk for DeskService {
    async fn sign_in(
        &self,
        username: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<(Viewer, SessionToken), DeskError> {
        let username = username.trim();
        if let Some(wait) = self.brake.must_wait(username, from, Instant::now()) {
            tracing::warn!(user.name = username, client.ip = ?from, "sign-in refused: too many failures");
            return Err(DeskError::TooManyAttempts {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let user = self
            .store
            .user(username)
            .await
            .map_err(internal("finding a user"))?;
        let hash = user
            .as_ref()
            .map_or_else(|| auth::DECOY_HASH.clone(), |u| u.password_hash.clone());
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        let user = match user {
            Some(user) if matches && user.active => user,
            _ => {
                self.brake.failed(username, from, Instant::now());
                tracing::info!(user.name = username, client.ip = ?from, "sign-in failed");
                return Err(DeskError::BadCredentials);
            }
        };
        self.brake.succeeded(username, from);
        let secret = auth::new_session_secret();
        let expires = Timestamp::now().as_second() + SESSION_LIFETIME.as_secs() as i64;
        self.store
            .create_session(&auth::session_key(&secret), &user.username, expires)
            .await
            .map_err(internal("opening a session"))?;
        tracing::info!(user.id = %user.username, "signed in");
        Ok((
            Viewer {
                user: user.as_ref(),
                role: user.role,
                groups: user.groups,
            },
            SessionToken(secret),
        ))
    }

    async fn sign_out(&self, token: &SessionToken) -> Result<(), DeskError> {
        self.store
            .delete_session(&auth::session_key(&token.0))
            .await
            .map_err(internal("closing a session"))
    }

    async fn viewer(&self, token: &SessionToken) -> Result<Viewer, DeskError> {
        let key = auth::session_key(&token.0);
        let Some((username, expires)) = self
            .store
            .session(&key)
            .await
            .map_err(internal("reading a session"))?
        else {
            return Err(DeskError::NotSignedIn);
        };
        if expires <= Timestamp::now().as_second() {
            self.store
                .delete_session(&key)
                .await
                .map_err(internal("closing an expired session"))?;
            return Err(DeskError::NotSignedIn);
        }
        match self
            .store
            .user(&username)
            .await
            .map_err(internal("finding a user"))?
        {
            Some(user) if user.active => Ok(Viewer {
                user: user.as_ref(),
                role: user.role,
                groups: user.groups,
            }),
            _ => Err(DeskError::NotSignedIn),
        }
    }

    async fn log_job(&self, viewer: &Viewer, job: NewJob) -> Result<Job, DeskError> {
        if !viewer.can_log_jobs() {
            return Err(DeskError::forbidden("Your role does not log jobs."));
        }
        let valid = job
            .validate()
            .map_err(|errors| DeskError::Invalid { errors })?;
        let client = self
            .store
            .client(&valid.client_id)
            .await
            .map_err(internal("finding a client"))?
            .ok_or_else(|| {
                DeskError::invalid(
                    "client",
                    "That client does not exist; search for the client and pick one from the list.",
                )
            })?;
        let group = match &valid.group_id {
            Some(id) => Some(
                self.store
                    .group(id)
                    .await
                    .map_err(internal("finding a group"))?
                    .ok_or_else(|| {
                        DeskError::invalid(
                            "group",
                            format!("There is no group `{id}`; pick one from the list."),
                        )
                    })?,
            ),
            None => None,
        };
        let technician = match (&valid.technician_id, &group) {
            (Some(id), Some(group)) => {
                let members = self
                    .store
                    .groups()
                    .await
                    .map_err(internal("listing groups"))?;
                let member = members
                    .into_iter()
                    .find(|g| g.group.id == group.id)
                    .and_then(|g| g.members.into_iter().chain(g.leads).find(|m| &m.id == id));
                Some(member.ok_or_else(|| {
                    DeskError::invalid(
                        "technician",
                        format!(
                            "`{id}` is not a technician of {}; pick one of its members.",
                            group.name
                        ),
                    )
                })?)
            }
            _ => None,
        };
        let event = self
            .commit(|counters| {
                let now = Timestamp::now();
                let job = Job {
                    reference: JobRef(counters.last_job.max(JobRef::FIRST - 1) + 1),
                    title: valid.title.clone(),
                    description: valid.description.clone(),
                    client: client.clone(),
                    category: valid.category.clone(),
                    impact: valid.impact,
                    urgency: valid.urgency,
                    priority: valid.priority(),
                    status: valid.initial_status(),
                    channel: valid.channel,
                    group: group.clone(),
                    technician: technician.clone(),
                    logged_by: viewer.user.clone(),
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    tasks: Vec::new(),
                    resolution: None,
                    escalation: None,
                    last_touch: None,
                    minutes_spent: 0,
                    links: Vec::new(),
                };
                let event = Event {
                    position: counters.position + 1,
                    at: now,
                    actor: viewer.user.clone(),
                    change: Change::Logged,
                    job: job.clone(),
                    before: None,
                };
                async move { Ok((Mutation::CreateJob(Box::new(job)), event)) }
            })
            .await?;
        Ok(event.job)
    }

    async fn change_job(
        &self,
        viewer: &Viewer,
        reference: JobRef,
        command: JobCommand,
    ) -> Result<Job, DeskError> {
        let directory = self.directory(viewer).await?;
        let events = self
            .commit_all(|counters| {
                let directory = &directory;
                let command = &command;
                async move {
                    let job = self.visible_job(viewer, reference).await?;
                    if job.version != command.version {
                        return Err(self.conflict(&job, command.version).await);
                    }
                    let now = Timestamp::now();
                    let decided = self
                        .decide_with_links(
                            viewer,
                            &job,
                            &command.command,
                            directory,
                            now,
                            &HashMap::new(),
                        )
                        .await?;
                    Ok(replacements(counters.position + 1, now, viewer, decided))
                }
            })
            .await?;
        // The asked job as the commit leaves it: a new duplicate of a
        // resolved original is resolved after it is linked.
        events
            .into_iter()
            .rev()
            .find(|event| event.job.reference == reference)
            .map(|event| event.job)
            .ok_or(DeskError::Unavailable)
    }

    async fn job(&self, viewer: &Viewer, reference: JobRef) -> Result<Job, DeskError> {
        self.visible_job(viewer, reference).await
    }

    async fn job_snapshot(
        &self,
        viewer: &Viewer,
        reference: JobRef,
    ) -> Result<JobSnapshot, DeskError> {
        let directory = self.directory(viewer).await?;
        // The position is read first: the job and its history are at least
        // as new, and the live connection skips what the page already has.
        let position = self.hub.position();
        let job = self.visible_job(viewer, reference).await?;
        let history = self
            .store
            .job_events(reference)
            .await
            .map_err(internal("reading a job's history"))?
            .iter()
            .map(HistoryEntry::from)
            .collect();
        let linked = if job.links.is_empty() {
            Vec::new()
        } else {
            self.store
                .jobs(job.links.iter().map(|l| l.other))
                .await
                .map_err(internal("reading linked jobs"))?
                .values()
                .filter(|other| viewer.can_see(other))
                .map(LinkedJob::from)
                .collect()
        };
        Ok(JobSnapshot {
            viewer: viewer.clone(),
            position,
            history,
            directory,
            watchers: self.hub.watchers(reference),
            linked,
            similar: if job.status.is_open() {
                self.hub.similar(viewer, &job)
            } else {
                Vec::new()
            },
            job,
        })
    }

    async fn set_resolution_codes(
        &self,
        viewer: &Viewer,
        codes: Vec<String>,
    ) -> Result<Vec<String>, DeskError> {
        if viewer.role != Role::Admin {
            return Err(DeskError::forbidden(
                "Only admins edit the resolution codes.",
            ));
        }
        let mut clean: Vec<String> = Vec::new();
        for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            if code.chars().count() > 60 {
                return Err(DeskError::invalid(
                    "codes",
                    format!("Shorten “{code}” to 60 characters at most."),
                ));
            }
            if !clean.iter().any(|c| c.eq_ignore_ascii_case(code)) {
                clean.push(code.to_owned());
            }
        }
        if clean.is_empty() {
            return Err(DeskError::invalid(
                "codes",
                "Keep at least one resolution code, one per line.",
            ));
        }
        self.store
            .set_resolution_codes(&clean)
            .await
            .map_err(internal("saving the resolution codes"))?;
        tracing::info!(user.id = %viewer.user.id, codes = clean.len(), "resolution codes changed");
        Ok(clean)
    }

    async fn queue(
        &self,
        viewer: &Viewer,
        query: QueueQuery,
        offset: usize,
        limit: usize,
    ) -> Result<QueuePage, DeskError> {
        let mut page = self.hub.queue_page(viewer, query, offset, limit);
        page.saved = self
            .store
            .saved_views(&viewer.user.id)
            .await
            .map_err(internal("reading saved views"))?;
        Ok(page)
    }

    async fn save_view(
        &self,
        viewer: &Viewer,
        name: String,
        query: QueueQuery,
    ) -> Result<Vec<SavedView>, DeskError> {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > SAVED_NAME_MAX {
            return Err(DeskError::invalid(
                "name",
                format!("Name the view in 1 to {SAVED_NAME_MAX} characters."),
            ));
        }
        self.store
            .save_view(&viewer.user.id, &SavedView { name, query })
            .await
            .map_err(internal("saving a view"))?;
        self.store
            .saved_views(&viewer.user.id)
            .await
            .map_err(internal("reading saved views"))
    }

    async fn delete_view(
        &self,
        viewer: &Viewer,
        name: String,
    ) -> Result<Vec<SavedView>, DeskError> {
        self.store
            .delete_view(&viewer.user.id, name.trim())
            .await
            .map_err(internal("deleting a view"))?;
        self.store
            .saved_views(&viewer.user.id)
            .await
            .map_err(internal("reading saved views"))
    }

    async fn take_next(&self, viewer: &Viewer) -> Result<Job, DeskError> {
        if !matches!(viewer.role, Role::Technician | Role::TeamLead) {
            return Err(DeskError::forbidden(
                "Take next is for technicians and team leads, from their groups' queues.",
            ));
        }
        let directory = self.directory(viewer).await?;
        let event = self
            .commit(|counters| {
                let directory = &directory;
                async move {
                    // The hub may lag another instance's commit by a moment:
                    // each candidate is checked against the stored job.
                    let mut passed = Vec::new();
                    while let Some(reference) = self.hub.next_for(viewer, &passed) {
                        passed.push(reference);
                        let Ok(job) = self.visible_job(viewer, reference).await else {
                            continue;
                        };
                        if job.technician.is_some() || !job.status.is_open() {
                            continue;
                        }
                        let now = Timestamp::now();
                        let Ok((after, change)) =
                            decide(&job, viewer, &Command::Take, directory, now)
                        else {
                            continue;
                        };
                        return Ok(replacement(
                            counters.position + 1,
                            now,
                            viewer,
                            change,
                            after,
                            job,
                        ));
                    }
                    Err(DeskError::not_found(
                        "Nothing is waiting in your groups' queues: every open job there has someone.",
                    ))
                }
            })
            .await?;
        Ok(event.job)
    }

    async fn bulk_change(
        &self,
        viewer: &Viewer,
        change: BulkChange,
    ) -> Result<Vec<BulkOutcome>, DeskError> {
        let directory = self.directory(viewer).await?;
        // A selection carries the versions people saw; "all that match"
        // means the jobs as they are now.
        let targets: Vec<(JobRef, Option<u64>)> = match &change.matching {
            Some(query) => self
                .hub
                .matching(viewer, query, BULK_MAX + 1)
                .into_iter()
                .map(|r| (r, None))
                .collect(),
            None => {
                let mut seen = std::collections::HashSet::new();
                change
                    .jobs
                    .iter()
                    .filter(|t| seen.insert(t.reference))
                    .map(|t| (t.reference, Some(t.version)))
                    .collect()
            }
        };
        let needle = change
            .matching
            .as_ref()
            .map(|q| q.filter.needle())
            .unwrap_or_default();
        if targets.is_empty() {
            return Err(DeskError::invalid("jobs", "Select at least one job."));
        }
        if matches!(
            change.command,
            Command::Comment {
                to_children: true,
                ..
            }
        ) {
            return Err(DeskError::invalid(
                "to_children",
                "A reply for the children's clients is sent from one parent at a time; reply on the parent's page.",
            ));
        }
        if targets.len() > BULK_MAX {
            return Err(DeskError::invalid(
                "jobs",
                format!("Change at most {BULK_MAX} jobs at once; narrow the filter."),
            ));
        }
        // Filled by the last (the committed) decision.
        let outcomes = std::sync::Mutex::new(Vec::new());
        let events = self
            .commit_all(|counters| {
                let directory = &directory;
                let targets = &targets;
                let command = &change.command;
                let change = &change;
                let needle = needle.as_str();
                let outcomes = &outcomes;
                async move {
                    let mut decided = Vec::new();
                    let now = Timestamp::now();
                    // Every change of this commit in order, and each job
                    // it changed as it leaves it.
                    let mut changes: Vec<Decided> = Vec::new();
                    let mut changed: HashMap<JobRef, Job> = HashMap::new();
                    let jobs = self
                        .store
                        .jobs(targets.iter().map(|(r, _)| *r))
                        .await
                        .map_err(internal("reading jobs for a bulk change"))?;
                    // Linking many jobs to one: that job as the links leave
                    // it so far, and the links it gains or loses.
                    let mut linked = match command.other_job() {
                        Some(other) => {
                            let before = self.linked_job(viewer, command, other).await?;
                            Some((before.clone(), before, Vec::new()))
                        }
                        None => None,
                    };
                    let removed = matches!(command, Command::Unlink { .. });
                    for (reference, seen) in targets {
                        let refuse = |reason: String| BulkOutcome::Refused {
                            reference: *reference,
                            reason,
                        };
                        let Some(job) = jobs.get(reference).filter(|j| viewer.can_see(j)) else {
                            decided.push(refuse(format!(
                                "There is no job {reference} that you can see."
                            )));
                            continue;
                        };
                        // Changed already, earlier in this request, through
                        // a job linked to it: resolved with its original,
                        // or given a reply from its parent.
                        if let Some(now_is) = changed.get(reference) {
                            decided.push(match command {
                                Command::Resolve { .. } => BulkOutcome::Done {
                                    reference: *reference,
                                    version: now_is.version,
                                },
                                _ => refuse(format!(
                                    "{reference} was changed already by this request, through a job linked to it."
                                )),
                            });
                            continue;
                        }
                        // "All that match" is decided on the jobs as they
                        // are when the change commits, not when it was asked.
                        if let Some(query) = &change.matching
                            && !query.holds(viewer, job, needle, now)
                        {
                            decided.push(refuse(format!(
                                "{reference} no longer matches the view; look at it again."
                            )));
                            continue;
                        }
                        if let Some(seen) = seen
                            && *seen != job.version
                        {
                            decided.push(refuse(format!(
                                "{reference} changed since you saw it; look at it again."
                            )));
                            continue;
                        }
                        let decided_here = match &mut linked {
                            Some((_, other, mirrored)) => {
                                link_side(job, other, viewer, command, now).map(|(list, link)| {
                                    if removed {
                                        other.links.retain(|l| l.other != link.other);
                                    } else {
                                        other.links.push(link);
                                    }
                                    mirrored.push(link);
                                    list
                                })
                            }
                            None => {
                                self.decide_with_links(
                                    viewer, job, command, directory, now, &changed,
                                )
                                .await
                            }
                        };
                        match decided_here {
                            Ok(list) => {
                                let version = list
                                    .iter()
                                    .rev()
                                    .find(|d| d.after.reference == *reference)
                                    .map_or(job.version, |d| d.after.version);
                                decided.push(BulkOutcome::Done {
                                    reference: *reference,
                                    version,
                                });
                                for one in list {
                                    changed.insert(one.after.reference, one.after.clone());
                                    changes.push(one);
                                }
                            }
                            Err(error) => decided.push(refuse(error.to_string())),
                        }
                    }
                    if let Some((before, _, mirrored)) = linked
                        && let Some((after, change)) =
                            mirror_links(&before, mirrored, removed, viewer, now)
                    {
                        // Made the duplicate of a resolved original: the
                        // one job is resolved with it, as it would be alone.
                        let settled = match command {
                            Command::Link {
                                link: LinkKind::DuplicatedBy,
                                ..
                            } => after
                                .links
                                .iter()
                                .find(|l| l.kind == LinkKind::DuplicateOf)
                                .and_then(|l| changed.get(&l.other))
                                .and_then(|original| {
                                    settle_duplicate(&after, original, viewer, now)
                                }),
                            _ => None,
                        };
                        changes.push(Decided {
                            before,
                            after,
                            change,
                        });
                        changes.extend(settled);
                    }
                    *outcomes.lock().unwrap_or_else(|p| p.into_inner()) = decided;
                    Ok(replacements(counters.position + 1, now, viewer, changes))
                }
            })
            .await?;
        tracing::info!(
            user.id = %viewer.user.id,
            jobs = targets.len(),
            done = events.len(),
            "bulk change"
        );
        Ok(outcomes.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    async fn open_queue(&self, viewer: &Viewer) -> Result<QueueSnapshot, DeskError> {
        Ok(self.hub.open_queue(viewer))
    }

    async fn find_clients(
        &self,
        _viewer: &Viewer,
        text: &str,
    ) -> Result<Vec<ClientRef>, DeskError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        self.store
            .find_clients(text, 20)
            .await
            .map_err(internal("searching clients"))
    }

    async fn groups(&self, _viewer: &Viewer) -> Result<Vec<GroupWithMembers>, DeskError> {
        self.store
            .groups()
            .await
            .map_err(internal("listing groups"))
    }

    async fn directory(&self, viewer: &Viewer) -> Result<Directory, DeskError> {
        Ok(Directory {
            groups: self.groups(viewer).await?,
            resolution_codes: self
                .store
                .resolution_codes()
                .await
                .map_err(internal("reading the resolution codes"))?,
        })
    }
}
