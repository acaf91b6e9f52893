//! The HTTP surface: pages and server functions (Leptos), the live
//! websocket, the REST API, health, and the guards around them.

use std::sync::Arc;
use std::time::Duration;

use app::api::session_token;
use app::desk::SharedDesk;
use app::domain::{
    BulkChange, Command, DeskError, JobCommand, JobRef, LiveMessage, LiveRequest, NewJob,
    QueueQuery, Viewer,
};
use app::{App, shell};
use axum::Json;
use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{
    ConnectInfo, FromRef, FromRequestParts, MatchedPath, Path, Query, Request, State,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use serde::Deserialize;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::hub::{Hub, Subscription};
use crate::store::Store;

/// What every route can reach.
#[derive(Clone)]
pub struct AppState {
    /// Where the compiled site is and what it is called.
    pub leptos_options: LeptosOptions,
    /// The desk service.
    pub desk: SharedDesk,
    /// The live hub.
    pub hub: Arc<Hub>,
    /// The database, for health checks.
    pub store: Store,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The whole application as a router, ready to serve or to call in tests.
pub fn router(state: AppState) -> Router {
    let desk = state.desk.clone();
    let context = move || provide_context(desk.clone());
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    Router::new()
        .route("/live", get(live))
        .route("/health", get(health))
        .route("/api/v1/session", post(rest_sign_in).delete(rest_sign_out))
        .route("/api/v1/jobs", post(rest_log_job).get(rest_open_queue))
        .route("/api/v1/jobs/{reference}", get(rest_job))
        .route("/api/v1/jobs/{reference}/take", post(rest_take_job))
        .route("/api/v1/jobs/{reference}/changes", post(rest_change_job))
        .route("/api/v1/jobs/{reference}/page", get(rest_job_snapshot))
        .route(
            "/api/v1/settings/resolution-codes",
            axum::routing::put(rest_set_resolution_codes),
        )
        .route("/api/v1/queue", get(rest_queue))
        .route("/api/v1/queue/take-next", post(rest_take_next))
        .route("/api/v1/jobs/bulk", post(rest_bulk_change))
        .route(
            "/api/v1/views/{name}",
            axum::routing::put(rest_save_view).delete(rest_delete_view),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        .layer(middleware::from_fn(same_origin_only))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let route = request.extensions().get::<MatchedPath>().map_or_else(
                        || request.uri().path().to_owned(),
                        |p| p.as_str().to_owned(),
                    );
                    tracing::info_span!(
                        "request",
                        http.method = %request.method(),
                        http.route = %route,
                        http.status = tracing::field::Empty,
                        duration_ms = tracing::field::Empty,
                    )
                })
                .on_request(())
                .on_response(|response: &Response, latency: Duration, span: &Span| {
                    span.record("http.status", response.status().as_u16());
                    span.record("duration_ms", latency.as_millis() as u64);
                    if response.status().is_server_error() {
                        tracing::warn!("answered with a server error");
                    } else {
                        tracing::debug!("answered");
                    }
                })
                .on_failure(()),
        )
        .with_state(state)
}

/// Refuses requests that change something, and websocket upgrades, when
/// they come from another site's page: the browser names that page in
/// `Origin`, and it must be this desk. Clients that are not browsers send no
/// `Origin` and are judged by their session alone.
async fn same_origin_only(request: Request, next: Next) -> Response {
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let upgrade = request.headers().contains_key(header::UPGRADE);
    if (changes || upgrade) && !same_origin(request.headers()) {
        tracing::warn!(http.method = %request.method(), http.path = %request.uri().path(), "cross-site request refused");
        return error_response(&DeskError::forbidden(
            "Cross-site request refused: this desk accepts changes only from its own pages.",
        ));
    }
    next.run(request).await
}

/// Whether a request's `Origin` (if any) names the host it was sent to.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site == Some("cross-site") {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let authority = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest);
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

fn error_response(error: &DeskError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({ "error": error, "message": error.to_string() });
    (status, Json(body)).into_response()
}

/// A REST answer: the value as JSON, or the error with its status.
fn answer<T: serde::Serialize>(result: Result<T, DeskError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(error) => error_response(&error),
    }
}

async fn signed_in(desk: &SharedDesk, headers: &HeaderMap) -> Result<Viewer, DeskError> {
    let token = session_token(headers).ok_or(DeskError::NotSignedIn)?;
    desk.viewer(&token).await
}

#[derive(Deserialize)]
struct LiveQuery {
    after: Option<u64>,
}

/// Opens the live connection for a signed-in person.
async fn live(
    State(state): State<AppState>,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let viewer = match signed_in(&state.desk, &headers).await {
        Ok(viewer) => viewer,
        Err(error) => return error_response(&error),
    };
    let token = session_token(&headers);
    let after = query.after.unwrap_or_else(|| state.hub.position());
    upgrade.on_upgrade(move |socket| follow(socket, state, viewer, token, after))
}

/// How often an idle live connection is pinged, and its session re-checked.
const HEARTBEAT: Duration = Duration::from_secs(20);

async fn send(socket: &mut WebSocket, message: &LiveMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

/// Sends a connection the events it missed, then every event it may see as
/// it is committed, and the presence of people on the jobs it may see,
/// until it closes or its session ends. What the browser sends (the job it
/// shows, whether its person types) renews its presence lease.
async fn follow(
    mut socket: WebSocket,
    state: AppState,
    viewer: Viewer,
    token: Option<app::desk::SessionToken>,
    after: u64,
) {
    let (missed, mut last, mut receiver) = match state.hub.subscribe(after) {
        Subscription::Follow {
            missed,
            position,
            receiver,
        } => (missed, position, receiver),
        Subscription::Reload { reason } => {
            tracing::debug!(user.id = %viewer.user.id, reason, "live connection told to reload");
            let _ = send(&mut socket, &LiveMessage::Reload { reason }).await;
            return;
        }
    };
    for event in &missed {
        if let Some(message) = event.message_for(&viewer)
            && !send(&mut socket, &message).await
        {
            return;
        }
    }
    if !send(&mut socket, &LiveMessage::CaughtUp { position: last }).await {
        return;
    }
    let connection = state.hub.new_connection();
    let (present, mut presence) = state.hub.presence();
    for (reference, watchers) in present {
        if state.hub.can_see_open(&viewer, reference)
            && !send(
                &mut socket,
                &LiveMessage::Presence {
                    reference,
                    watchers,
                },
            )
            .await
        {
            return;
        }
    }
    let mut watching: Option<JobRef> = None;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        tokio::select! {
            received = receiver.recv() => match received {
                Ok(event) => {
                    if event.position <= last {
                        continue;
                    }
                    last = event.position;
                    if let Some(message) = event.message_for(&viewer)
                        && !send(&mut socket, &message).await
                    {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(skipped)) => {
                    let reason = format!("the connection fell {skipped} events behind");
                    let _ = send(&mut socket, &LiveMessage::Reload { reason }).await;
                    break;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            change = presence.recv() => match change {
                Ok(change) => {
                    let visible = state.hub.can_see_open(&viewer, change.reference)
                        || (watching == Some(change.reference)
                            && state.hub.open_job(change.reference).is_none());
                    let message = LiveMessage::Presence {
                        reference: change.reference,
                        watchers: change.watchers.as_ref().clone(),
                    };
                    if visible && !send(&mut socket, &message).await {
                        break;
                    }
                }
                // Presence is a picture of now: a skipped change is
                // repaired by the next one, so a lag is not fatal.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(Message::Text(text))) => {
                    let Ok(LiveRequest::Watch { reference, typing }) = serde_json::from_str(text.as_str()) else {
                        tracing::debug!(user.id = %viewer.user.id, "ignored a live message that is not a watch");
                        continue;
                    };
                    // Checked on every renewal, so that someone a job was
                    // taken away from stops showing on it within seconds.
                    let allowed = match reference {
                        Some(reference) if state.hub.open_job(reference).is_some() => {
                            state.hub.can_see_open(&viewer, reference)
                        }
                        Some(reference) => state.desk.job(&viewer, reference).await.is_ok(),
                        None => true,
                    };
                    watching = if allowed { reference } else { None };
                    state.hub.watch(connection, &viewer.user, watching, typing && allowed);
                }
                Some(Ok(_)) => {}
            },
            _ = heartbeat.tick() => {
                let still_signed_in = match &token {
                    Some(token) => state.desk.viewer(token).await.is_ok(),
                    None => false,
                };
                if !still_signed_in || socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            }
        }
    }
    state.hub.leave(connection);
}

/// Reports whether the server and its database answer, and the log position.
async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping(Duration::from_secs(2)).await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "log_position": state.hub.position() }))
            .into_response(),
        Err(error) => {
            tracing::error!(error = %error, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn rest_sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Json(credentials): Json<Credentials>,
) -> Response {
    let from = Some(peer.ip());
    match state
        .desk
        .sign_in(&credentials.username, &credentials.password, from)
        .await
    {
        Ok((viewer, token)) => {
            let mut response = Json(viewer).into_response();
            if let Ok(cookie) = HeaderValue::from_str(&app::api::session_cookie(Some(&token))) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => error_response(&error),
    }
}

async fn rest_sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(error) = state.desk.sign_out(&token).await
    {
        return error_response(&error);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(cookie) = HeaderValue::from_str(&app::api::session_cookie(None)) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The person a REST request is made for, from its session cookie; a
/// request without a live session is answered 401 before the handler runs.
struct SignedIn(Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        signed_in(&state.desk, &parts.headers)
            .await
            .map(SignedIn)
            .map_err(|error| error_response(&error))
    }
}

async fn rest_log_job(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Json(job): Json<NewJob>,
) -> Response {
    answer(state.desk.log_job(&viewer, job).await)
}

async fn rest_open_queue(State(state): State<AppState>, SignedIn(viewer): SignedIn) -> Response {
    answer(state.desk.open_queue(&viewer).await)
}

async fn rest_job(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(reference): Path<String>,
) -> Response {
    answer(match JobRef::from_request(&reference) {
        Ok(reference) => state.desk.job(&viewer, reference).await,
        Err(error) => Err(error),
    })
}

#[derive(Deserialize)]
struct Take {
    version: u64,
}

async fn rest_take_job(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(reference): Path<String>,
    Json(take): Json<Take>,
) -> Response {
    let command = JobCommand {
        version: take.version,
        command: Command::Take,
    };
    change_job(&state, &viewer, &reference, command).await
}

async fn rest_change_job(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(reference): Path<String>,
    Json(command): Json<JobCommand>,
) -> Response {
    change_job(&state, &viewer, &reference, command).await
}

async fn change_job(
    state: &AppState,
    viewer: &Viewer,
    reference: &str,
    command: JobCommand,
) -> Response {
    answer(match JobRef::from_request(reference) {
        Ok(reference) => state.desk.change_job(viewer, reference, command).await,
        Err(error) => Err(error),
    })
}

async fn rest_job_snapshot(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(reference): Path<String>,
) -> Response {
    answer(match JobRef::from_request(&reference) {
        Ok(reference) => state.desk.job_snapshot(&viewer, reference).await,
        Err(error) => Err(error),
    })
}

#[derive(Deserialize)]
struct Page {
    offset: Option<usize>,
    limit: Option<usize>,
}

/// `GET /api/v1/queue?view=unassigned&status=new&q=vpn&sort=due&offset=0&limit=50`:
/// the page address's query, as the queue page writes it.
async fn rest_queue(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(page): Query<Page>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let pairs: Vec<(String, String)> = raw.as_deref().map(query_pairs).unwrap_or_default();
    let query = QueueQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (offset, limit) = (page.offset.unwrap_or(0), page.limit.unwrap_or(50));
    answer(state.desk.queue(&viewer, query, offset, limit).await)
}

/// The `name=value` pairs of a query string, decoded.
fn query_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn rest_save_view(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(name): Path<String>,
    Json(query): Json<QueueQuery>,
) -> Response {
    answer(state.desk.save_view(&viewer, name, query).await)
}

async fn rest_delete_view(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(name): Path<String>,
) -> Response {
    answer(state.desk.delete_view(&viewer, name).await)
}

async fn rest_take_next(State(state): State<AppState>, SignedIn(viewer): SignedIn) -> Response {
    answer(state.desk.take_next(&viewer).await)
}

async fn rest_bulk_change(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Json(change): Json<BulkChange>,
) -> Response {
    answer(state.desk.bulk_change(&viewer, change).await)
}

async fn rest_set_resolution_codes(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Json(codes): Json<Vec<String>>,
) -> Response {
    answer(state.desk.set_resolution_codes(&viewer, codes).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn origins_must_name_this_host() {
        assert!(
            same_origin(&headers(&[("host", "desk.local:3000")])),
            "no Origin: not a browser"
        );
        assert!(same_origin(&headers(&[
            ("host", "desk.local:3000"),
            ("origin", "http://desk.local:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "desk.local:3000"),
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "desk.local:3000"),
            ("origin", "null")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "desk.local:3000"),
            ("sec-fetch-site", "cross-site")
        ])));
    }
}
