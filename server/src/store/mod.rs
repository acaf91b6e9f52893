//! SurrealDB storage: connecting, the versioned schema, and every query the
//! desk makes. Rows are read and written as the domain's serde types through
//! JSON; nothing of SurrealDB leaves this module.

mod schema;

use std::time::Duration;

use app::domain::{
    ClientRef, Event, GroupRef, GroupWithMembers, Job, JobRef, Role, SavedView, UserRef,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::{self, Any};
use surrealdb::opt::auth::Root;

use crate::config::Config;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SurrealDB refused or failed the query.
    #[error("database: {0}")]
    Database(#[from] surrealdb::Error),
    /// A row did not have the expected shape.
    #[error("row shape: {0}")]
    Shape(#[from] serde_json::Error),
    /// The log moved on between reading and writing: someone else committed.
    #[error("the log moved on before this change could commit")]
    Moved,
    /// Something around the database failed (hashing, a worker thread).
    #[error("{0}")]
    Internal(String),
    /// A schema upgrade failed; the data folder is left at the last version.
    #[error("schema version {version} ({name}) failed: {cause}")]
    Migration {
        /// The version that failed.
        version: u32,
        /// Its name.
        name: &'static str,
        /// What SurrealDB said.
        cause: String,
    },
}

/// A user as stored, with the password hash.
#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    /// The sign-in name, also the user's id.
    pub username: String,
    /// Full name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Group ids.
    pub groups: Vec<String>,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Whether the user may sign in.
    pub active: bool,
}

impl UserRow {
    /// The user as shown on jobs.
    pub fn as_ref(&self) -> UserRef {
        UserRef {
            id: self.username.clone(),
            name: self.name.clone(),
        }
    }
}

/// The log counters, read together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// The position of the last committed event.
    pub position: u64,
    /// The number of the last job logged.
    pub last_job: u64,
}

/// What a command writes besides its event.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Create a job (its number is the next after the last).
    CreateJob(Box<Job>),
    /// Replace a job's state.
    ReplaceJob(Box<Job>),
}

/// The database handle.
#[derive(Clone)]
pub struct Store {
    db: Surreal<Any>,
}

/// Adds `sync=every` to an embedded SurrealKV URL that does not say how to
/// sync, so that an acknowledged write is on disk whatever the engine's
/// default becomes.
pub fn durable_url(url: &str) -> String {
    if url.starts_with("surrealkv://") && !url.contains("sync=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}sync=every")
    } else {
        url.to_owned()
    }
}

fn rows<T: DeserializeOwned>(value: Vec<Value>) -> Result<Vec<T>, StoreError> {
    value
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(StoreError::from))
        .collect()
}

fn as_u64(value: Option<Value>) -> u64 {
    value.and_then(|v| v.as_u64()).unwrap_or(0)
}

impl Store {
    /// Connects to the configured database and selects the namespace and
    /// database, signing in as root on a SurrealDB server.
    pub async fn connect(config: &Config) -> Result<Self, StoreError> {
        let db = any::connect(durable_url(&config.database_url)).await?;
        if let (Some(username), Some(password)) = (&config.database_user, &config.database_password)
        {
            db.signin(Root {
                username: username.clone(),
                password: password.clone(),
            })
            .await?;
        }
        db.use_ns(config.namespace.clone())
            .use_db(config.database.clone())
            .await?;
        Ok(Self { db })
    }

    /// Applies the schema versions this data has not seen yet, in order.
    /// Returns the version the data is at.
    pub async fn migrate(&self) -> Result<u32, StoreError> {
        schema::migrate(&self.db).await
    }

    /// The raw handle, for the log follower's live query.
    pub fn handle(&self) -> &Surreal<Any> {
        &self.db
    }

    /// The current log position and last job number.
    pub async fn counters(&self) -> Result<Counters, StoreError> {
        let mut response = self
            .db
            .query(
                "SELECT VALUE position FROM ONLY meta:log; SELECT VALUE last FROM ONLY meta:jobs;",
            )
            .await?
            .check()?;
        let position: Option<Value> = response.take(0)?;
        let last: Option<Value> = response.take(1)?;
        Ok(Counters {
            position: as_u64(position),
            last_job: as_u64(last),
        })
    }

    /// Commits every mutation with its event in one transaction, if the log
    /// is still at `expected` (the position the changes were decided at).
    /// The events' positions must follow `expected` one by one.
    pub async fn append(
        &self,
        expected: u64,
        changes: &[(Mutation, Event)],
    ) -> Result<(), StoreError> {
        let Some((_, last)) = changes.last() else {
            return Ok(());
        };
        let mut last_job = 0;
        let mut items = Vec::with_capacity(changes.len());
        for (mutation, event) in changes {
            let (create, job) = match mutation {
                Mutation::CreateJob(job) => (true, job),
                Mutation::ReplaceJob(job) => (false, job),
            };
            if create {
                last_job = last_job.max(job.reference.0);
            }
            items.push(json!({
                "create": create,
                "number": job.reference.0,
                "reference": job.reference.to_string(),
                "position": event.position,
                "job": serde_json::to_value(job)?,
                "event": serde_json::to_value(event)?,
            }));
        }
        let sql = "BEGIN TRANSACTION;
             IF (SELECT VALUE position FROM ONLY meta:log) != $expected { THROW 'log moved' };
             FOR $item IN $items {
                 IF $item.create {
                     CREATE type::record('job', $item.number) CONTENT $item.job;
                 } ELSE {
                     UPDATE type::record('job', $item.number) CONTENT $item.job;
                 };
                 CREATE type::record('event', $item.position)
                     SET position = $item.position, job = $item.reference, data = $item.event;
             };
             UPDATE meta:log SET position = $last;
             UPDATE meta:jobs SET last = math::max([last, $last_job]);
             COMMIT TRANSACTION;";
        let mut response = self
            .db
            .query(sql)
            .bind(("expected", json!(expected)))
            .bind(("items", Value::Array(items)))
            .bind(("last", json!(last.position)))
            .bind(("last_job", json!(last_job)))
            .await?;
        let errors = response.take_errors();
        if errors.is_empty() {
            return Ok(());
        }
        let moved = errors.values().any(|e| {
            let text = e.message();
            text.contains("log moved")
                || text.contains("Transaction conflict")
                || text.contains("can be retried")
        });
        if moved {
            return Err(StoreError::Moved);
        }
        Err(first_cause(errors).map_or(StoreError::Moved, StoreError::from))
    }

    /// Events after `after`, in order, at most `limit`.
    pub async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
        // A range of record ids reads only the events asked for, however
        // long the log; both bounds are numbers this code computed.
        let first = after.saturating_add(1);
        let last = after.saturating_add(limit.max(1) as u64);
        let mut response = self
            .db
            .query(format!(
                "SELECT position, data FROM event:{first}..={last} ORDER BY position"
            ))
            .await?
            .check()?;
        let found: Vec<Value> = response.take(0)?;
        found.into_iter().map(event_from_row).collect()
    }

    /// The jobs a queue can show — the open ones and those resolved since
    /// `since` — and the log position they reflect, read in one transaction
    /// so that they agree.
    pub async fn queue_jobs(&self, since: jiff::Timestamp) -> Result<(u64, Vec<Job>), StoreError> {
        // Times are stored as RFC 3339 text in UTC, which sorts in time order
        // to the second.
        let since = since.to_string();
        let mut response = self
            .db
            .query(
                "BEGIN TRANSACTION;
                 SELECT VALUE position FROM ONLY meta:log;
                 SELECT * OMIT id FROM job
                    WHERE status NOT IN ['resolved', 'closed'] OR updated_at >= $since;
                 COMMIT TRANSACTION;",
            )
            .bind(("since", json!(since)))
            .await?
            .check()?;
        let position: Option<Value> = response.take(1)?;
        let jobs: Vec<Value> = response.take(2)?;
        Ok((as_u64(position), rows(jobs)?))
    }

    /// One job by reference.
    pub async fn job(&self, reference: JobRef) -> Result<Option<Job>, StoreError> {
        let mut response = self
            .db
            .query("SELECT * OMIT id FROM ONLY type::record('job', $number)")
            .bind(("number", json!(reference.0)))
            .await?
            .check()?;
        let found: Option<Value> = response.take(0)?;
        Ok(found
            .filter(|v| !v.is_null())
            .map(serde_json::from_value)
            .transpose()?)
    }

    /// A person's saved views, by name.
    pub async fn saved_views(&self, username: &str) -> Result<Vec<SavedView>, StoreError> {
        let mut response = self
            .db
            .query("SELECT name, query FROM saved_view WHERE user = $user ORDER BY name")
            .bind(("user", json!(username)))
            .await?
            .check()?;
        let found: Vec<Value> = response.take(0)?;
        rows(found)
    }

    /// Saves a person's view under its name, replacing one of the same name.
    pub async fn save_view(&self, username: &str, view: &SavedView) -> Result<(), StoreError> {
        self.db
            .query(
                "DELETE saved_view WHERE user = $user AND name = $name;
                 CREATE saved_view SET user = $user, name = $name, query = $query;",
            )
            .bind(("user", json!(username)))
            .bind(("name", json!(view.name)))
            .bind(("query", serde_json::to_value(&view.query)?))
            .await?
            .check()?;
        Ok(())
    }

    /// Deletes a person's saved view.
    pub async fn delete_view(&self, username: &str, name: &str) -> Result<(), StoreError> {
        self.db
            .query("DELETE saved_view WHERE user = $user AND name = $name")
            .bind(("user", json!(username)))
            .bind(("name", json!(name)))
            .await?
            .check()?;
        Ok(())
    }

    /// Many jobs by reference, read together.
    pub async fn jobs(
        &self,
        references: impl IntoIterator<Item = JobRef>,
    ) -> Result<std::collections::HashMap<JobRef, Job>, StoreError> {
        let numbers: Vec<u64> = references.into_iter().map(|r| r.0).collect();
        let mut response = self
            .db
            .query("SELECT * OMIT id FROM array::map($numbers, |$n| type::record('job', $n))")
            .bind(("numbers", json!(numbers)))
            .await?
            .check()?;
        let found: Vec<Value> = response.take(0)?;
        Ok(rows::<Job>(found)?
            .into_iter()
            .map(|job| (job.reference, job))
            .collect())
    }

    /// A user by user name.
    pub async fn user(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let mut response = self
            .db
            .query("SELECT * OMIT id FROM user WHERE username = $username LIMIT 1")
            .bind(("username", json!(username)))
            .await?
            .check()?;
        let found: Vec<Value> = response.take(0)?;
        Ok(rows(found)?.into_iter().next())
    }

    /// Creates a user; the user name must be new.
    pub async fn create_user(&self, user: &UserRow) -> Result<(), StoreError> {
        self.db
            .query("CREATE type::record('user', $username) CONTENT $user")
            .bind(("username", json!(user.username)))
            .bind((
                "user",
                json!({
                    "username": user.username, "name": user.name, "role": user.role,
                    "groups": user.groups, "password_hash": user.password_hash, "active": user.active,
                }),
            ))
            .await?
            .check()?;
        Ok(())
    }

    /// Creates a group.
    pub async fn create_group(&self, group: &GroupRef) -> Result<(), StoreError> {
        self.db
            .query("CREATE type::record('workgroup', $id) SET name = $name")
            .bind(("id", json!(group.id)))
            .bind(("name", json!(group.name)))
            .await?
            .check()?;
        Ok(())
    }

    /// Creates a client.
    pub async fn create_client(
        &self,
        client: &ClientRef,
        email: &str,
        site: &str,
    ) -> Result<(), StoreError> {
        self.db
            .query("CREATE type::record('client', $id) SET name = $name, email = $email, organisation = $organisation, site = $site")
            .bind(("id", json!(client.id)))
            .bind(("name", json!(client.name)))
            .bind(("email", json!(email)))
            .bind(("organisation", json!(client.organisation)))
            .bind(("site", json!(site)))
            .await?
            .check()?;
        Ok(())
    }

    /// A group by id.
    pub async fn group(&self, id: &str) -> Result<Option<GroupRef>, StoreError> {
        Ok(self
            .groups()
            .await?
            .into_iter()
            .map(|g| g.group)
            .find(|g| g.id == id))
    }

    /// Every group with its active technicians and team leads.
    pub async fn groups(&self) -> Result<Vec<GroupWithMembers>, StoreError> {
        let mut response = self
            .db
            .query(
                "SELECT record::id(id) AS id, name FROM workgroup ORDER BY name;
                 SELECT username, name, groups, role FROM user
                    WHERE active = true AND role IN ['technician', 'team_lead'] ORDER BY name;",
            )
            .await?
            .check()?;
        let groups: Vec<Value> = response.take(0)?;
        let members: Vec<Value> = response.take(1)?;
        #[derive(Deserialize)]
        struct Member {
            username: String,
            name: String,
            groups: Vec<String>,
            role: Role,
        }
        let members: Vec<Member> = rows(members)?;
        let of = |group: &GroupRef, role: Role| -> Vec<UserRef> {
            members
                .iter()
                .filter(|m| m.role == role && m.groups.contains(&group.id))
                .map(|m| UserRef {
                    id: m.username.clone(),
                    name: m.name.clone(),
                })
                .collect()
        };
        Ok(rows::<GroupRef>(groups)?
            .into_iter()
            .map(|group| GroupWithMembers {
                members: of(&group, Role::Technician),
                leads: of(&group, Role::TeamLead),
                group,
            })
            .collect())
    }

    /// Every event of one job, oldest first.
    pub async fn job_events(&self, reference: JobRef) -> Result<Vec<Event>, StoreError> {
        let mut response = self
            .db
            .query("SELECT position, data FROM event WHERE job = $reference ORDER BY position")
            .bind(("reference", json!(reference.to_string())))
            .await?
            .check()?;
        let found: Vec<Value> = response.take(0)?;
        found.into_iter().map(event_from_row).collect()
    }

    /// The resolution codes people choose from when they resolve a job.
    pub async fn resolution_codes(&self) -> Result<Vec<String>, StoreError> {
        let mut response = self
            .db
            .query("SELECT codes FROM ONLY setting:resolution_codes")
            .await?
            .check()?;
        let row: Option<Value> = response.take(0)?;
        Ok(row
            .and_then(|mut row| row.get_mut("codes").map(Value::take))
            .map(serde_json::from_value)
            .transpose()?
            .unwrap_or_default())
    }

    /// Replaces the resolution codes.
    pub async fn set_resolution_codes(&self, codes: &[String]) -> Result<(), StoreError> {
        self.db
            .query("UPSERT setting:resolution_codes SET codes = $codes")
            .bind(("codes", json!(codes)))
            .await?
            .check()?;
        Ok(())
    }

    /// A client by id.
    pub async fn client(&self, id: &str) -> Result<Option<ClientRef>, StoreError> {
        let mut response = self
            .db
            .query("SELECT record::id(id) AS id, name, organisation FROM ONLY type::record('client', $id)")
            .bind(("id", json!(id)))
            .await?
            .check()?;
        let found: Option<Value> = response.take(0)?;
        Ok(found
            .filter(|v| !v.is_null())
            .map(serde_json::from_value)
            .transpose()?)
    }

    /// Up to `limit` clients whose name, email or organisation contains
    /// `text`, ignoring case.
    pub async fn find_clients(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<ClientRef>, StoreError> {
        let mut response = self
            .db
            .query(
                "SELECT record::id(id) AS id, name, organisation FROM client
                 WHERE string::contains(string::lowercase(name), $text)
                    OR string::contains(string::lowercase(email), $text)
                    OR string::contains(string::lowercase(organisation), $text)
                 ORDER BY name LIMIT $limit",
            )
            .bind(("text", json!(text.to_lowercase())))
            .bind(("limit", json!(limit)))
            .await?
            .check()?;
        let found: Vec<Value> = response.take(0)?;
        rows(found)
    }

    /// Whether any user exists: an empty desk gets demo data when asked.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let mut response = self
            .db
            .query("SELECT VALUE username FROM user LIMIT 1")
            .await?
            .check()?;
        let found: Vec<Value> = response.take(0)?;
        Ok(found.is_empty())
    }

    /// Stores a session under the hash of its secret.
    pub async fn create_session(
        &self,
        key: &str,
        username: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.db
            .query("CREATE type::record('session', $key) SET user = $user, expires_at = $expires")
            .bind(("key", json!(key)))
            .bind(("user", json!(username)))
            .bind(("expires", json!(expires_at)))
            .await?
            .check()?;
        Ok(())
    }

    /// The user name and expiry of a session.
    pub async fn session(&self, key: &str) -> Result<Option<(String, i64)>, StoreError> {
        let mut response = self
            .db
            .query("SELECT user, expires_at FROM ONLY type::record('session', $key)")
            .bind(("key", json!(key)))
            .await?
            .check()?;
        let found: Option<Value> = response.take(0)?;
        #[derive(Deserialize)]
        struct Row {
            user: String,
            expires_at: i64,
        }
        Ok(found
            .filter(|v| !v.is_null())
            .map(serde_json::from_value::<Row>)
            .transpose()?
            .map(|row| (row.user, row.expires_at)))
    }

    /// Deletes a session.
    pub async fn delete_session(&self, key: &str) -> Result<(), StoreError> {
        self.db
            .query("DELETE type::record('session', $key)")
            .bind(("key", json!(key)))
            .await?
            .check()?;
        Ok(())
    }

    /// Waits until the database answers, for start-up against a server that
    /// is still coming up.
    pub async fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        tokio::time::timeout(timeout, self.db.query("RETURN 1"))
            .await
            .map_err(|_| StoreError::Internal("the database did not answer in time".into()))??;
        Ok(())
    }
}

/// The error that caused a failed transaction: the first one that is not
/// merely "not executed because the transaction failed".
pub(crate) fn first_cause(
    errors: std::collections::HashMap<usize, surrealdb::Error>,
) -> Option<surrealdb::Error> {
    let mut errors: Vec<(usize, surrealdb::Error)> = errors.into_iter().collect();
    errors.sort_by_key(|(index, _)| *index);
    let cause = errors
        .iter()
        .position(|(_, e)| !e.message().contains("not executed"));
    match cause {
        Some(at) => Some(errors.swap_remove(at).1),
        None => errors.into_iter().next().map(|(_, e)| e),
    }
}

fn event_from_row(row: Value) -> Result<Event, StoreError> {
    #[derive(Deserialize)]
    struct Row {
        position: u64,
        data: Value,
    }
    let row: Row = serde_json::from_value(row)?;
    let mut event: Event = serde_json::from_value(row.data)?;
    event.position = row.position;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::durable_url;

    #[test]
    fn embedded_urls_sync_on_every_commit_unless_told_otherwise() {
        assert_eq!(
            durable_url("surrealkv://data"),
            "surrealkv://data?sync=every"
        );
        assert_eq!(
            durable_url("surrealkv://data?versioned=true"),
            "surrealkv://data?versioned=true&sync=every"
        );
        assert_eq!(
            durable_url("surrealkv://data?sync=1s"),
            "surrealkv://data?sync=1s"
        );
        assert_eq!(durable_url("mem://"), "mem://");
        assert_eq!(durable_url("ws://db:8000"), "ws://db:8000");
    }
}
