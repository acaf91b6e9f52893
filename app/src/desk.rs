//! What the desk can do: the service that server functions, the REST API and
//! the live connection call, so that each rule is enforced in one place. The
//! server crate implements it over SurrealDB; it exists only in the server
//! build.

use std::net::IpAddr;
use std::sync::Arc;

use crate::domain::{
    ClientRef, DeskError, GroupWithMembers, Job, JobRef, NewJob, QueueSnapshot, Viewer,
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

    /// Assigns a job to the viewer, if the job is still at `version`.
    async fn take_job(&self, viewer: &Viewer, job: JobRef, version: u64) -> Result<Job, DeskError>;

    /// One job, if the viewer may see it.
    async fn job(&self, viewer: &Viewer, job: JobRef) -> Result<Job, DeskError>;

    /// The open jobs the viewer may see, in queue order, with the log
    /// position they reflect.
    async fn open_queue(&self, viewer: &Viewer) -> Result<QueueSnapshot, DeskError>;

    /// Clients whose name, email or organisation contains `text`.
    async fn find_clients(&self, viewer: &Viewer, text: &str) -> Result<Vec<ClientRef>, DeskError>;

    /// Every group with its members, for assigning jobs.
    async fn groups(&self, viewer: &Viewer) -> Result<Vec<GroupWithMembers>, DeskError>;
}

/// The shared handle to the desk that routes hold.
pub type SharedDesk = Arc<dyn Desk>;
