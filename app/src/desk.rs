//! What the desk can do: the service that server functions, the REST API and
//! the live connection call, so that each rule is enforced in one place. The
//! server crate implements it over SurrealDB; it exists only in the server
//! build.

use std::net::IpAddr;
use std::sync::Arc;

use crate::domain::{
    BulkChange, BulkOutcome, ClientRef, DeskError, Directory, GroupWithMembers, Job, JobCommand,
    JobRef, JobSnapshot, NewJob, QueuePage, QueueQuery, QueueSnapshot, SavedView, Viewer,
};

/// A signed-in session: the secret that the session cookie carries.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// The service behind every route. Each method checks who calls it.
#[async_trait::async_trait]
pub trait Desk: Send + Sync + 'static {
    /// Checks a user name and password; on success opens a session.
    /// Repeated failures for one user from one address are slowed down.
    async fn sign_in(
        &self,
        username: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<(Viewer, SessionToken), DeskError>;

    /// Ends a session; unknown tokens are ignored.
    async fn sign_out(&self, token: &SessionToken) -> Result<(), DeskError>;

    /// The person a session belongs to, or `NotSignedIn` when it is unknown
    /// or expired.
    async fn viewer(&self, token: &SessionToken) -> Result<Viewer, DeskError>;

    /// Logs a new job for a client.
    async fn log_job(&self, viewer: &Viewer, job: NewJob) -> Result<Job, DeskError>;

    /// Changes a job, if it is still at the version the command was made
    /// from and the rules allow it; returns the job after the change.
    async fn change_job(
        &self,
        viewer: &Viewer,
        job: JobRef,
        command: JobCommand,
    ) -> Result<Job, DeskError>;

    /// One job, if the viewer may see it.
    async fn job(&self, viewer: &Viewer, job: JobRef) -> Result<Job, DeskError>;

    /// Everything the job page shows, at one log position.
    async fn job_snapshot(&self, viewer: &Viewer, job: JobRef) -> Result<JobSnapshot, DeskError>;

    /// Replaces the list of resolution codes (admins only); returns it.
    async fn set_resolution_codes(
        &self,
        viewer: &Viewer,
        codes: Vec<String>,
    ) -> Result<Vec<String>, DeskError>;

    /// One page of a queue view with every view's count.
    async fn queue(
        &self,
        viewer: &Viewer,
        query: QueueQuery,
        offset: usize,
        limit: usize,
    ) -> Result<QueuePage, DeskError>;

    /// Saves `query` as the viewer's view `name`, replacing one of that
    /// name; returns their saved views.
    async fn save_view(
        &self,
        viewer: &Viewer,
        name: String,
        query: QueueQuery,
    ) -> Result<Vec<SavedView>, DeskError>;

    /// Deletes the viewer's saved view `name`; returns the rest.
    async fn delete_view(&self, viewer: &Viewer, name: String)
    -> Result<Vec<SavedView>, DeskError>;

    /// Assigns the most urgent unassigned job of the viewer's groups to
    /// them. Two people asking at once get two different jobs.
    async fn take_next(&self, viewer: &Viewer) -> Result<Job, DeskError>;

    /// Makes one change to many jobs in one transaction; says for each job
    /// whether it was done or why not.
    async fn bulk_change(
        &self,
        viewer: &Viewer,
        change: BulkChange,
    ) -> Result<Vec<BulkOutcome>, DeskError>;

    /// The open jobs the viewer may see, in queue order, with the log
    /// position they reflect.
    async fn open_queue(&self, viewer: &Viewer) -> Result<QueueSnapshot, DeskError>;

    /// Clients whose name, email or organisation contains `text`.
    async fn find_clients(&self, viewer: &Viewer, text: &str) -> Result<Vec<ClientRef>, DeskError>;

    /// Every group with its members, for assigning jobs.
    async fn groups(&self, viewer: &Viewer) -> Result<Vec<GroupWithMembers>, DeskError>;

    /// The groups with their people and the resolution codes.
    async fn directory(&self, viewer: &Viewer) -> Result<Directory, DeskError>;
}

/// The shared handle to the desk that routes hold.
pub type SharedDesk = Arc<dyn Desk>;
