//! The live path end to end, against the real server on a free port with a
//! real SurrealDB engine: log a job and see it arrive over the websocket,
//! catch up after a disconnect, reload when too far behind, and the guards
//! around it.

mod support;

use std::time::Duration;

use app::domain::LiveMessage;
use serde_json::json;
use support::{Desk, network_job};

#[tokio::test]
async fn a_logged_job_reaches_its_group_live_and_no_one_else() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let sam = desk.sign_in("sam").await;
    let mut tess_live = tess.live(None).await;
    let mut sam_live = sam.live(None).await;
    tess_live.caught_up().await;
    sam_live.caught_up().await;

    let logged = fran
        .log_job(network_job("Core switch down in building B"))
        .await;
    let (position, job) = tess_live.next_job().await;
    assert_eq!(job["title"], "Core switch down in building B");
    assert_eq!(job["reference"], logged["reference"]);
    assert_eq!(job["group"]["id"], "network");

    let mut apps = network_job("Payroll export fails");
    apps["group_id"] = json!("apps");
    let apps_job = fran.log_job(apps).await;
    let (sam_position, sam_job) = sam_live.next_job().await;
    assert_eq!(
        sam_job["reference"], apps_job["reference"],
        "the network job was never sent to Sam"
    );
    assert_eq!(sam_position, position + 1);
    tess_live.assert_quiet().await;
}

#[tokio::test]
async fn a_reconnecting_screen_gets_exactly_what_it_missed_in_order() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let mut live = tess.live(None).await;
    let last = live.caught_up().await;
    live.close().await;

    let mut references = Vec::new();
    for n in 1..=3 {
        let job = fran
            .log_job(network_job(&format!("Missed change {n}")))
            .await;
        references.push(job["reference"].clone());
    }

    let mut live = tess.live(Some(last)).await;
    for (n, reference) in references.iter().enumerate() {
        let (position, job) = live.next_job().await;
        assert_eq!(position, last + 1 + n as u64, "in order, gap-free");
        assert_eq!(&job["reference"], reference);
    }
    assert_eq!(live.caught_up().await, last + 3);
    live.assert_quiet().await;
}

#[tokio::test]
async fn a_screen_too_far_behind_is_told_to_reload() {
    let desk = Desk::start().await;
    let tess = desk.sign_in("tess").await;
    let mut live = tess.live(Some(0)).await;
    match live.next().await {
        LiveMessage::Reload { reason } => assert!(reason.contains("behind"), "{reason}"),
        other => panic!("expected a reload, got {other:?}"),
    }
    let ahead = desk.position().await + 1000;
    let mut live = tess.live(Some(ahead)).await;
    assert!(
        matches!(live.next().await, LiveMessage::Reload { .. }),
        "a position from the future reloads too"
    );
}

#[tokio::test]
async fn the_queue_snapshot_and_the_live_stream_agree() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let queue = tess.get("/api/v1/jobs").await;
    let position = queue["position"].as_u64().expect("position");
    assert!(
        queue["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .all(|j| j["group"]["id"] == "network"
                || j["group"].is_null()
                || j["technician"]["id"] == "tess"
                || j["logged_by"]["id"] == "tess")
    );
    let logged = fran.log_job(network_job("After the snapshot")).await;
    let mut live = tess.live(Some(position)).await;
    let (_, job) = live.next_job().await;
    assert_eq!(job["reference"], logged["reference"]);
    let queue = tess.get("/api/v1/jobs").await;
    assert!(
        queue["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .any(|j| j["reference"] == logged["reference"])
    );
}

#[tokio::test]
async fn taking_a_job_moves_it_live_and_a_stale_take_is_refused() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let lee = desk.sign_in("lee").await;
    let job = fran.log_job(network_job("Switch port flapping")).await;
    let reference = job["reference"].as_str().expect("reference").to_owned();
    let mut watching = lee.live(None).await;
    watching.caught_up().await;

    let taken = tess
        .post(
            &format!("/api/v1/jobs/{reference}/take"),
            json!({ "version": 1 }),
        )
        .await;
    assert_eq!(taken.0, 200, "{}", taken.1);
    assert_eq!(taken.1["technician"]["id"], "tess");
    assert_eq!(taken.1["status"], "assigned");
    let (_, seen) = watching.next_job().await;
    assert_eq!(seen["technician"]["id"], "tess");
    assert_eq!(seen["version"], 2);

    let stale = lee
        .post(
            &format!("/api/v1/jobs/{reference}/take"),
            json!({ "version": 1 }),
        )
        .await;
    assert_eq!(stale.0, 409, "{}", stale.1);
    assert!(
        stale.1["message"]
            .as_str()
            .expect("message")
            .contains("changed since you saw it")
    );
}

#[tokio::test]
async fn cross_site_requests_are_refused_and_change_nothing() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let before = desk.position().await;
    let (status, body) = fran
        .post_with_origin("/api/v1/jobs", network_job("Forged"), "http://evil.example")
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("Cross-site")
    );
    let (status, _) = fran
        .post_form_with_origin("/api/log_job", "job[title]=Forged", "http://evil.example")
        .await;
    assert_eq!(status, 403, "server functions are guarded too");
    assert_eq!(desk.position().await, before, "nothing was written");

    assert_eq!(fran.live_refused(Some("http://evil.example")).await, 403);
    let (status, _) = fran
        .post_with_origin(
            "/api/v1/jobs",
            network_job("From our own page"),
            &desk.origin(),
        )
        .await;
    assert_eq!(status, 200, "the desk's own origin is accepted");
}

#[tokio::test]
async fn the_live_connection_needs_a_session() {
    let desk = Desk::start().await;
    let anonymous = desk.anonymous();
    assert_eq!(anonymous.live_refused(None).await, 401);
    let (status, body) = anonymous
        .post("/api/v1/jobs", network_job("No session"))
        .await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn bad_input_says_what_to_fix_and_writes_nothing() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let before = desk.position().await;
    let mut job = network_job("  ");
    job["impact"] = json!("enormous");
    let (status, body) = fran.post("/api/v1/jobs", job).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["error"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["title", "impact"]);
    let mut unknown_client = network_job("Who is this for?");
    unknown_client["client_id"] = json!("nobody");
    let (status, body) = fran.post("/api/v1/jobs", unknown_client).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["errors"][0]["field"], "client");
    assert_eq!(desk.position().await, before, "nothing was written");
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_slowed_down() {
    let desk = Desk::start().await;
    for _ in 0..3 {
        assert_eq!(desk.try_sign_in("tess", "wrong").await.0, 401);
    }
    let (status, body) = desk.try_sign_in("tess", "tess-demo-pass").await;
    assert_eq!(status, 429, "even the right password waits: {body}");
    assert!(body["message"].as_str().expect("message").contains("wait"));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(desk.try_sign_in("tess", "tess-demo-pass").await.0, 200);
}

#[tokio::test]
async fn changes_are_never_reachable_by_get() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    for path in [
        "/api/log_job",
        "/api/take_job",
        "/api/sign_out",
        "/api/v1/jobs/J-1001/take",
    ] {
        let status = fran.get_status(path).await;
        assert!(
            status == 405 || status == 404,
            "{path} answered GET with {status}"
        );
    }
}

#[tokio::test]
async fn health_reports_the_log_position() {
    let desk = Desk::start().await;
    let health = desk.anonymous().get("/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["log_position"].as_u64(), Some(desk.position().await));
}

#[tokio::test]
async fn committed_jobs_survive_a_restart_and_the_log_continues() {
    let folder = tempfile_dir("restart");
    let url = format!("surrealkv://{}", folder.display());
    let desk = Desk::start_with(&url).await;
    let fran = desk.sign_in("fran").await;
    let job = fran.log_job(network_job("Survives a restart")).await;
    let position = desk.position().await;
    desk.stop().await;

    let desk = Desk::start_with(&url).await;
    assert_eq!(desk.position().await, position, "the log is where it was");
    let tess = desk.sign_in("tess").await;
    let queue = tess.get("/api/v1/jobs").await;
    assert!(
        queue["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .any(|j| j["reference"] == job["reference"])
    );
    let mut live = tess.live(Some(position)).await;
    assert_eq!(
        live.caught_up().await,
        position,
        "a screen from before the restart catches up"
    );
    let _ = std::fs::remove_dir_all(folder);
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-{name}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_new_desk_gets_its_first_admin_from_the_command_line() {
    let folder = tempfile_dir("first-admin");
    let url = format!("surrealkv://{}", folder.display());
    let config = switchboard::config::Config {
        database_url: url.clone(),
        ..switchboard::config::Config::default()
    };
    let refused = switchboard::add_user(
        &config,
        "root",
        "Rosa Root",
        "boss",
        &[],
        "long enough pass",
    )
    .await
    .expect_err("not a role");
    assert!(
        refused.contains("front_line, technician, team_lead or admin"),
        "{refused}"
    );
    let refused = switchboard::add_user(&config, "root", "Rosa Root", "admin", &[], "short")
        .await
        .expect_err("too short");
    assert!(refused.contains("SWITCHBOARD_NEW_PASSWORD"), "{refused}");
    switchboard::add_user(
        &config,
        "root",
        "Rosa Root",
        "admin",
        &[],
        "long enough pass",
    )
    .await
    .expect("added");

    let desk = Desk::start_with(&url).await;
    let (status, body) = desk.try_sign_in("root", "long enough pass").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "admin");
    let (status, _) = desk.try_sign_in("tess", "tess-demo-pass").await;
    assert_eq!(status, 401, "a desk that had someone gets no demo people");
    desk.stop().await;
    let _ = std::fs::remove_dir_all(folder);
}
