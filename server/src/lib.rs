//! The Switchboard server: it implements the desk over SurrealDB and serves
//! the pages, the live connection and the REST API.
//!
//! # Layout
//! - [`config`]: typed settings from defaults, file, environment and flags.
//! - [`store`]: SurrealDB: connection, versioned schema, queries.
//! - [`log`]: following the ordered log into the hub.
//! - [`hub`]: open jobs, recent events and live subscriptions in memory.
//! - [`desk`]: the service that every route calls; rules come from the
//!   domain in the `app` crate.
//! - [`auth`]: passwords, session secrets, the sign-in brake.
//! - [`routes`]: HTTP, REST, websocket, health and the same-origin guard.
//! - [`seed`]: demo data.
//!
//! Errors: [`store::StoreError`] inside, `app::domain::DeskError` at every
//! boundary; a [`StartError`] stops the start.

pub mod auth;
pub mod config;
pub mod desk;
pub mod hub;
pub mod log;
pub mod routes;
pub mod seed;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::desk::DeskService;
use crate::hub::Hub;
use crate::log::LogSync;
use crate::routes::AppState;
use crate::store::{Store, StoreError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or upgraded.
    #[error("database {url}: {source}")]
    Database {
        /// The configured URL.
        url: String,
        /// What failed.
        source: StoreError,
    },
    /// The address could not be listened on.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The configured address.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
}

/// A started server.
pub struct Running {
    /// The address it listens on (with the real port when 0 was asked).
    pub addr: SocketAddr,
    /// The desk, for tests and tools that act without HTTP.
    pub desk: Arc<DeskService>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    background_stop: tokio::sync::watch::Sender<bool>,
    background: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting requests, lets open ones finish, and waits.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
        let _ = self.background_stop.send(true);
        for task in self.background {
            let _ = task.await;
        }
    }
}

/// The parts of a desk opened on a database: the store, the hub loaded
/// from the log, the log follower and the service.
struct Opened {
    store: Store,
    hub: Arc<Hub>,
    log: Arc<LogSync>,
    desk: Arc<DeskService>,
}

/// Opens the database, upgrades its schema and loads the hub from the log.
async fn open(config: &Config) -> Result<Opened, StartError> {
    let database = |source| StartError::Database {
        url: config.database_url.clone(),
        source,
    };
    let store = Store::connect(config).await.map_err(database)?;
    let version = store.migrate().await.map_err(database)?;
    tracing::info!(schema.version = version, db.url = %config.database_url, "database ready");

    let since = jiff::Timestamp::from_second(
        jiff::Timestamp::now().as_second() - app::domain::views::RECENT_SECONDS,
    )
    .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let (position, open_jobs) = store.queue_jobs(since).await.map_err(database)?;
    let window = config.replay_window;
    let recent = store
        .events_after(position.saturating_sub(window as u64), window)
        .await
        .map_err(database)?
        .into_iter()
        .filter(|e| e.position <= position)
        .collect();
    let hub = Arc::new(Hub::new(position, open_jobs, recent, window));
    let log = Arc::new(LogSync::new(store.clone(), hub.clone()));
    let desk = Arc::new(DeskService::new(store.clone(), hub.clone(), log.clone()));
    Ok(Opened {
        store,
        hub,
        log,
        desk,
    })
}

/// Fills the configured database with `jobs` sample jobs (and the demo
/// people, groups and clients when it is empty), `open_share` of them open,
/// through the log like any change. Returns how many were added.
pub async fn generate(
    config: &Config,
    jobs: usize,
    open_share: f64,
    seed: u64,
) -> Result<usize, StartError> {
    let database = |source| StartError::Database {
        url: config.database_url.clone(),
        source,
    };
    let Opened { store, desk, .. } = open(config).await?;
    seed::seed_people(&desk).await.map_err(database)?;
    let last_job = store.counters().await.map_err(database)?.last_job;
    let fran = app::domain::UserRef {
        id: "fran".into(),
        name: "Fran Frontline".into(),
    };
    let made = seed::sample_jobs(jobs, last_job, open_share, seed);
    desk.import_jobs(&fran, made)
        .await
        .map_err(|e| database(StoreError::Internal(e.to_string())))
}

/// Adds a person who can sign in (the first admin of a new desk, say). Says
/// what to fix when a value will not do; adds nothing then.
pub async fn add_user(
    config: &Config,
    username: &str,
    name: &str,
    role: &str,
    groups: &[String],
    password: &str,
) -> Result<(), String> {
    let role: app::domain::Role =
        serde_json::from_value(serde_json::json!(role)).map_err(|_| {
            format!("`{role}` is not a role; use front_line, technician, team_lead or admin")
        })?;
    let username = username.trim();
    if username.is_empty()
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err("the user name must be letters, digits, '.', '_' or '-'".into());
    }
    if name.trim().is_empty() {
        return Err("give the person's full name with --name".into());
    }
    if password.chars().count() < 10 {
        return Err("set SWITCHBOARD_NEW_PASSWORD to a password of 10 characters or more".into());
    }
    let Opened { store, desk, .. } = open(config).await.map_err(|e| e.to_string())?;
    let known = store.groups().await.map_err(|e| e.to_string())?;
    if let Some(unknown) = groups
        .iter()
        .find(|g| !known.iter().any(|k| &k.group.id == *g))
    {
        let ids: Vec<&str> = known.iter().map(|k| k.group.id.as_str()).collect();
        return Err(format!(
            "there is no group `{unknown}`; the groups are {}",
            ids.join(", ")
        ));
    }
    if store
        .user(username)
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Err(format!("`{username}` exists already"));
    }
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    desk.create_user(username, name.trim(), role, &groups, password)
        .await
        .map_err(|e| e.to_string())
}

/// Opens the database, upgrades its schema, seeds demo data when asked,
/// loads the hub from the log and starts serving.
pub async fn start(config: &Config) -> Result<Running, StartError> {
    let database = |source| StartError::Database {
        url: config.database_url.clone(),
        source,
    };
    let Opened {
        store,
        hub,
        log,
        desk,
    } = open(config).await?;

    if config.demo && seed::seed_demo(&desk).await.map_err(database)? {
        tracing::info!(jobs = seed::DEMO_JOBS, "demo data added");
    }
    let (background_stop, stopping) = tokio::sync::watch::channel(false);
    let background = vec![
        tokio::spawn(log.clone().run(stopping.clone())),
        tokio::spawn(expire_presence(hub.clone(), stopping)),
    ];

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    let leptos_options = LeptosOptions::builder()
        .output_name("switchboard")
        .site_root(config.site_root.to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let state = AppState {
        leptos_options,
        desk: desk.clone(),
        hub,
        store,
    };
    let app = routes::router(state);
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });
    tracing::info!(http.addr = %addr, "listening");
    Ok(Running {
        addr,
        desk,
        shutdown,
        task,
        background_stop,
        background,
    })
}

/// Drops presence leases that were not renewed, every second, and resolved
/// jobs that left the queues, every minute, until told to stop.
async fn expire_presence(hub: Arc<Hub>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {
                hub.expire_presence();
                ticks += 1;
                if ticks.is_multiple_of(60) {
                    hub.prune();
                }
            }
        }
    }
}

/// Waits for Ctrl-C or SIGTERM, then stops `running`.
pub async fn serve_until_signal(running: Running) {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
    running.stop().await;
}
