//! The schema, as numbered SurrealQL files applied in order on start. Each
//! version runs once, in one transaction with the record that says it ran,
//! so a data folder upgrades step by step and never half-way.

use serde_json::json;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::StoreError;

/// Every schema version: number, name, SurrealQL.
const VERSIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "people, jobs and the event log",
        include_str!("../../schema/001_foundation.surql"),
    ),
    (
        2,
        "settings and resolution codes",
        include_str!("../../schema/002_working_jobs.surql"),
    ),
    (
        3,
        "saved queue views",
        include_str!("../../schema/003_saved_views.surql"),
    ),
];

/// The newest schema version this build knows.
pub const LATEST: u32 = VERSIONS[VERSIONS.len() - 1].0;

pub(super) async fn migrate(db: &Surreal<Any>) -> Result<u32, StoreError> {
    db.query(
        "DEFINE TABLE IF NOT EXISTS schema_version SCHEMAFULL;
         DEFINE FIELD IF NOT EXISTS version ON schema_version TYPE int;
         DEFINE FIELD IF NOT EXISTS name ON schema_version TYPE string;
         DEFINE FIELD IF NOT EXISTS applied_at ON schema_version TYPE datetime;",
    )
    .await?
    .check()?;
    let mut response = db
        .query("SELECT VALUE version FROM schema_version")
        .await?
        .check()?;
    let applied: Vec<serde_json::Value> = response.take(0)?;
    let applied: Vec<u64> = applied.iter().filter_map(|v| v.as_u64()).collect();
    let mut current = applied.iter().copied().max().unwrap_or(0) as u32;
    if current > LATEST {
        return Err(StoreError::Migration {
            version: current,
            name: "newer than this build",
            cause: format!(
                "the data is at schema version {current}, this build knows up to {LATEST}; run a newer Switchboard"
            ),
        });
    }
    let pending: Vec<_> = VERSIONS.iter().filter(|(v, _, _)| *v > current).collect();
    for (version, name, sql) in pending {
        let script = format!(
            "BEGIN TRANSACTION;
             {sql}
             CREATE type::record('schema_version', $version) SET version = $version, name = $name, applied_at = time::now();
             COMMIT TRANSACTION;"
        );
        let mut response = db
            .query(script)
            .bind(("version", json!(version)))
            .bind(("name", json!(name)))
            .await?;
        if let Some(error) = super::first_cause(response.take_errors()) {
            return Err(StoreError::Migration {
                version: *version,
                name,
                cause: error.to_string(),
            });
        }
        tracing::info!(
            schema.version = version,
            schema.name = name,
            "schema upgraded"
        );
        current = *version;
    }
    Ok(current)
}
