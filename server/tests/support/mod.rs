//! A real Switchboard on a free port for integration tests, and clients that
//! talk to it the way browsers and scripts do.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the support"
)]

use std::time::Duration;

use app::domain::LiveMessage;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard::Running;
use switchboard::config::Config;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// How long a test waits for something that should arrive at once.
const PATIENCE: Duration = Duration::from_secs(10);

pub struct Desk {
    running: Running,
    http: reqwest::Client,
}

impl Desk {
    /// A fresh desk on the in-memory engine with the demo data, and a replay
    /// window small enough that the demo's own events overflow it.
    pub async fn start() -> Self {
        Self::start_with("mem://").await
    }

    pub async fn start_with(url: &str) -> Self {
        // Failures are logged by the server; the test writer shows them with
        // the failing test's output only.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("warn")
            .try_init();
        let config = Config {
            listen: "127.0.0.1:0".parse().expect("address"),
            database_url: url.to_owned(),
            demo: true,
            replay_window: 50,
            log_level: "warn".into(),
            ..Config::default()
        };
        // Dropping an embedded database releases its folder's lock in the
        // background, so a restart in the same process may wait for it.
        let mut attempts = 0;
        let running = loop {
            match switchboard::start(&config).await {
                Ok(running) => break running,
                Err(error) if error.to_string().contains("locked") && attempts < 100 => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("the server starts: {error}"),
            }
        };
        Self {
            running,
            http: reqwest::Client::new(),
        }
    }

    pub async fn stop(self) {
        self.running.stop().await;
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    pub async fn position(&self) -> u64 {
        let health: Value = self
            .http
            .get(format!("{}/health", self.origin()))
            .send()
            .await
            .expect("health")
            .json()
            .await
            .expect("json");
        health["log_position"].as_u64().expect("position")
    }

    pub fn anonymous(&self) -> Person {
        Person {
            origin: self.origin(),
            addr: self.running.addr,
            http: self.http.clone(),
            cookie: None,
        }
    }

    pub async fn try_sign_in(&self, username: &str, password: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/api/v1/session", self.origin()))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("sign in");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// Signs in a demo person (password `<name>-demo-pass`).
    pub async fn sign_in(&self, username: &str) -> Person {
        let response = self
            .http
            .post(format!("{}/api/v1/session", self.origin()))
            .json(&json!({ "username": username, "password": format!("{username}-demo-pass") }))
            .send()
            .await
            .expect("sign in");
        assert_eq!(response.status(), 200, "{username} signs in");
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("sb_session="))
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned();
        Person {
            origin: self.origin(),
            addr: self.running.addr,
            http: self.http.clone(),
            cookie: Some(cookie),
        }
    }
}

/// A job for the Network group, from the demo's first client.
pub fn network_job(title: &str) -> Value {
    json!({
        "client_id": "c001",
        "title": title,
        "description": "Seen by several people.",
        "category": "Network",
        "impact": "high",
        "urgency": "medium",
        "channel": "phone",
        "group_id": "network",
    })
}

pub struct Person {
    origin: String,
    addr: std::net::SocketAddr,
    http: reqwest::Client,
    cookie: Option<String>,
}

impl Person {
    fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        }
    }

    pub async fn get(&self, path: &str) -> Value {
        let response = self
            .with_cookie(self.http.get(format!("{}{path}", self.origin)))
            .send()
            .await
            .expect("get");
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.expect("json")
    }

    pub async fn get_status(&self, path: &str) -> u16 {
        self.with_cookie(self.http.get(format!("{}{path}", self.origin)))
            .send()
            .await
            .expect("get")
            .status()
            .as_u16()
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .with_cookie(self.http.post(format!("{}{path}", self.origin)))
            .json(&body)
            .send()
            .await
            .expect("post");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .with_cookie(self.http.put(format!("{}{path}", self.origin)))
            .json(&body)
            .send()
            .await
            .expect("put");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let response = self
            .with_cookie(self.http.delete(format!("{}{path}", self.origin)))
            .send()
            .await
            .expect("delete");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn post_with_origin(&self, path: &str, body: Value, origin: &str) -> (u16, Value) {
        let response = self
            .with_cookie(self.http.post(format!("{}{path}", self.origin)))
            .header("origin", origin)
            .json(&body)
            .send()
            .await
            .expect("post");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn post_form_with_origin(
        &self,
        path: &str,
        body: &str,
        origin: &str,
    ) -> (u16, String) {
        let response = self
            .with_cookie(self.http.post(format!("{}{path}", self.origin)))
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .expect("post");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }

    pub async fn log_job(&self, job: Value) -> Value {
        let (status, body) = self.post("/api/v1/jobs", job).await;
        assert_eq!(status, 200, "the job is logged: {body}");
        body
    }

    fn live_request(
        &self,
        after: Option<u64>,
        origin: Option<&str>,
    ) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        let query = after.map(|a| format!("?after={a}")).unwrap_or_default();
        let mut request = format!("ws://{}/live{query}", self.addr)
            .into_client_request()
            .expect("request");
        if let Some(cookie) = &self.cookie {
            request
                .headers_mut()
                .insert("cookie", cookie.parse().expect("header"));
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", origin.parse().expect("header"));
        }
        request
    }

    /// Opens the live connection from `after` (or from now).
    pub async fn live(&self, after: Option<u64>) -> Live {
        let (socket, _) = tokio_tungstenite::connect_async(self.live_request(after, None))
            .await
            .expect("websocket opens");
        Live { socket }
    }

    /// Tries to open the live connection and returns the HTTP status it was
    /// refused with.
    pub async fn live_refused(&self, origin: Option<&str>) -> u16 {
        match tokio_tungstenite::connect_async(self.live_request(None, origin)).await {
            Ok(_) => panic!("the live connection should have been refused"),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                response.status().as_u16()
            }
            Err(other) => panic!("unexpected failure: {other}"),
        }
    }
}

pub struct Live {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Live {
    pub async fn next(&mut self) -> LiveMessage {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a message within the patience")
                .expect("the connection is open")
                .expect("a frame");
            if let Message::Text(text) = frame {
                return serde_json::from_str(&text).expect("a live message");
            }
        }
    }

    /// Waits for the caught-up marker and returns its position.
    pub async fn caught_up(&mut self) -> u64 {
        match self.next().await {
            LiveMessage::CaughtUp { position } => position,
            other => panic!("expected caught-up, got {other:?}"),
        }
    }

    /// The next event, as its position and the job (as JSON).
    pub async fn next_job(&mut self) -> (u64, Value) {
        match self.next().await {
            LiveMessage::Event {
                position,
                job: Some(job),
                ..
            } => (position, serde_json::to_value(job).expect("json")),
            other => panic!("expected an event with a job, got {other:?}"),
        }
    }

    /// Asserts that nothing more arrives for a moment.
    pub async fn assert_quiet(&mut self) {
        loop {
            match tokio::time::timeout(Duration::from_millis(300), self.socket.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Text(text)))) => panic!("unexpected message: {text}"),
                Ok(_) => {}
            }
        }
    }

    /// Tells the server which job this screen shows, and whether its person
    /// types.
    pub async fn watch(&mut self, reference: Option<app::domain::JobRef>, typing: bool) {
        let request = app::domain::LiveRequest::Watch { reference, typing };
        self.socket
            .send(Message::Text(
                serde_json::to_string(&request).expect("json").into(),
            ))
            .await
            .expect("sent");
    }

    /// The next presence message about `reference`, skipping events.
    pub async fn next_presence(
        &mut self,
        reference: app::domain::JobRef,
    ) -> Vec<app::domain::Watcher> {
        loop {
            if let LiveMessage::Presence {
                reference: of,
                watchers,
            } = self.next().await
                && of == reference
            {
                return watchers;
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.send(Message::Close(None)).await;
    }
}
