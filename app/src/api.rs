//! Server functions: the browser's calls into the desk. Each one finds the
//! signed-in person from the session cookie, calls the `Desk` service (in
//! `crate::desk`, server build only) and translates its answer; no rule is
//! decided here.
//!
//! The server function macro turns each function's parameters into the
//! fields of a generated struct; the functions' docs describe them.
#![expect(
    missing_docs,
    reason = "the generated argument structs' fields are the documented parameters"
)]

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, JsonEncoding};

use crate::domain::{
    BulkChange, BulkOutcome, ClientRef, DeskError, Directory, GroupWithMembers, Job, JobCommand,
    JobSnapshot, NewJob, QueuePage, QueueQuery, QueueSnapshot, SavedView, Viewer,
};

/// The name of the cookie that carries the session.
pub const SESSION_COOKIE: &str = "sb_session";

impl FromServerFnError for DeskError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        DeskError::Transport {
            message: value.to_string(),
        }
    }
}

#[cfg(feature = "ssr")]
mod serve {
    //! What every server function does around its call to the desk.

    use axum::http::{HeaderMap, StatusCode, header};
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use super::SESSION_COOKIE;
    use crate::desk::{SessionToken, SharedDesk};
    use crate::domain::{DeskError, Viewer};

    /// The desk provided by the server.
    pub fn desk() -> Result<SharedDesk, DeskError> {
        use_context::<SharedDesk>().ok_or(DeskError::Unavailable)
    }

    /// The session token in the request's cookie, if any.
    pub fn session_token(headers: &HeaderMap) -> Option<SessionToken> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == SESSION_COOKIE)
            .map(|(_, value)| SessionToken(value.to_owned()))
    }

    /// The request's headers.
    pub async fn headers() -> Result<HeaderMap, DeskError> {
        leptos_axum::extract::<HeaderMap>()
            .await
            .map_err(|e| DeskError::Transport {
                message: e.to_string(),
            })
    }

    /// The signed-in person, or `NotSignedIn`.
    pub async fn viewer() -> Result<(SharedDesk, Viewer), DeskError> {
        let desk = desk()?;
        let token = session_token(&headers().await?).ok_or(DeskError::NotSignedIn)?;
        let viewer = desk.viewer(&token).await?;
        Ok((desk, viewer))
    }

    /// Sets the HTTP status of the response to match `result`.
    pub fn answer<T>(result: Result<T, DeskError>) -> Result<T, DeskError> {
        if let Err(error) = &result
            && let Some(response) = use_context::<ResponseOptions>()
        {
            response.set_status(
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
        result
    }

    /// The `Set-Cookie` value that stores `token`, or clears the cookie.
    pub fn session_cookie(token: Option<&SessionToken>) -> String {
        match token {
            Some(token) => format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200",
                token.0
            ),
            None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        }
    }

    /// Adds a `Set-Cookie` header to the response.
    pub fn set_cookie(value: String) {
        if let Some(response) = use_context::<ResponseOptions>()
            && let Ok(value) = axum::http::HeaderValue::from_str(&value)
        {
            response.append_header(header::SET_COOKIE, value);
        }
    }
}

#[cfg(feature = "ssr")]
pub use serve::{session_cookie, session_token};

/// Signs in and sets the session cookie.
#[server(endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<Viewer, DeskError> {
    use axum::extract::ConnectInfo;
    serve::answer(
        async {
            let desk = serve::desk()?;
            let from = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
                .await
                .ok()
                .map(|c| c.0.ip());
            let (viewer, token) = desk.sign_in(&username, &password, from).await?;
            serve::set_cookie(serve::session_cookie(Some(&token)));
            Ok(viewer)
        }
        .await,
    )
}

/// Ends the session and clears the cookie.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), DeskError> {
    serve::answer(
        async {
            let desk = serve::desk()?;
            if let Some(token) = serve::session_token(&serve::headers().await?) {
                desk.sign_out(&token).await?;
            }
            serve::set_cookie(serve::session_cookie(None));
            Ok(())
        }
        .await,
    )
}

/// The signed-in person, or `None`.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Viewer>, DeskError> {
    match serve::viewer().await {
        Ok((_, viewer)) => Ok(Some(viewer)),
        Err(DeskError::NotSignedIn) => Ok(None),
        Err(other) => serve::answer(Err(other)),
    }
}

/// The open jobs the signed-in person may see, and the log position.
#[server(endpoint = "open_queue")]
pub async fn open_queue() -> Result<QueueSnapshot, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.open_queue(&viewer).await
        }
        .await,
    )
}

/// One page of a queue view, with every view's count.
#[server(endpoint = "queue", input = Json)]
pub async fn queue(query: QueueQuery, offset: usize, limit: usize) -> Result<QueuePage, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.queue(&viewer, query, offset, limit).await
        }
        .await,
    )
}

/// Saves the current query as one of the person's views.
#[server(endpoint = "save_view", input = Json)]
pub async fn save_view(name: String, query: QueueQuery) -> Result<Vec<SavedView>, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.save_view(&viewer, name, query).await
        }
        .await,
    )
}

/// Deletes one of the person's saved views.
#[server(endpoint = "delete_view")]
pub async fn delete_view(name: String) -> Result<Vec<SavedView>, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.delete_view(&viewer, name).await
        }
        .await,
    )
}

/// Assigns the most urgent unassigned job of the person's groups to them.
#[server(endpoint = "take_next")]
pub async fn take_next() -> Result<Job, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.take_next(&viewer).await
        }
        .await,
    )
}

/// Makes one change to many jobs at once.
#[server(endpoint = "change_many", input = Json)]
pub async fn change_many(change: BulkChange) -> Result<Vec<BulkOutcome>, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.bulk_change(&viewer, change).await
        }
        .await,
    )
}

/// Logs a new job.
#[server(endpoint = "log_job")]
pub async fn log_job(job: NewJob) -> Result<Job, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.log_job(&viewer, job).await
        }
        .await,
    )
}

/// Takes a job for the signed-in technician, if it is still at `version`.
#[server(endpoint = "take_job")]
pub async fn take_job(reference: String, version: u64) -> Result<Job, DeskError> {
    change_job(
        reference,
        JobCommand {
            version,
            command: crate::domain::Command::Take,
        },
    )
    .await
}

/// Changes a job: any command of the job page, made from the version of
/// the job the person saw.
#[server(endpoint = "change_job", input = Json)]
pub async fn change_job(reference: String, command: JobCommand) -> Result<Job, DeskError> {
    serve::answer(
        async {
            let reference = crate::domain::JobRef::from_request(&reference)?;
            let (desk, viewer) = serve::viewer().await?;
            desk.change_job(&viewer, reference, command).await
        }
        .await,
    )
}

/// Everything the job page shows.
#[server(endpoint = "job_snapshot")]
pub async fn load_job(reference: String) -> Result<JobSnapshot, DeskError> {
    serve::answer(
        async {
            let reference = crate::domain::JobRef::from_request(&reference)?;
            let (desk, viewer) = serve::viewer().await?;
            desk.job_snapshot(&viewer, reference).await
        }
        .await,
    )
}

/// The groups, people and resolution codes.
#[server(endpoint = "directory")]
pub async fn load_directory() -> Result<Directory, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.directory(&viewer).await
        }
        .await,
    )
}

/// Replaces the resolution codes (admins only).
#[server(endpoint = "set_resolution_codes", input = Json)]
pub async fn set_resolution_codes(codes: Vec<String>) -> Result<Vec<String>, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.set_resolution_codes(&viewer, codes).await
        }
        .await,
    )
}

/// Clients matching `text`, for the client search of the job form.
#[server(endpoint = "find_clients")]
pub async fn find_clients(text: String) -> Result<Vec<ClientRef>, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.find_clients(&viewer, &text).await
        }
        .await,
    )
}

/// The groups and their members, for assigning jobs.
#[server(endpoint = "groups")]
pub async fn groups() -> Result<Vec<GroupWithMembers>, DeskError> {
    serve::answer(
        async {
            let (desk, viewer) = serve::viewer().await?;
            desk.groups(&viewer).await
        }
        .await,
    )
}
