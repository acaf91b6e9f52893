//! Working a job together, against the real server on a free port: the
//! lifecycle through the API, races between two people on one job (one
//! winner, one conflict, nothing lost), presence over the live connection,
//! and the admin's resolution codes.

mod support;

use app::domain::LiveMessage;
use serde_json::{Value, json};
use support::{Desk, Person, network_job};

async fn change(person: &Person, reference: &str, version: u64, command: Value) -> (u16, Value) {
    person
        .post(
            &format!("/api/v1/jobs/{reference}/changes"),
            json!({ "version": version, "command": command }),
        )
        .await
}

async fn page(person: &Person, reference: &str) -> Value {
    person.get(&format!("/api/v1/jobs/{reference}/page")).await
}

fn version(job: &Value) -> u64 {
    job["version"].as_u64().expect("version")
}

#[tokio::test]
async fn a_job_is_worked_from_first_touch_to_close_and_reopened() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let job = fran.log_job(network_job("Switch in room 4 is dead")).await;
    let r = job["reference"].as_str().expect("reference").to_owned();

    let (status, body) = change(&tess, &r, 1, json!({ "kind": "move", "action": "start" })).await;
    assert_eq!(status, 403, "a new job is taken first: {body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("Take it or assign it first")
    );

    let (_, job) = change(&tess, &r, 1, json!({ "kind": "take" })).await;
    assert_eq!(job["status"], "assigned");
    let (_, job) = change(&tess, &r, 2, json!({ "kind": "move", "action": "start" })).await;
    assert_eq!(job["status"], "in_progress");
    let (_, job) = change(
        &tess,
        &r,
        3,
        json!({ "kind": "add_task", "title": "Order a spare switch" }),
    )
    .await;
    assert_eq!(job["tasks"][0]["title"], "Order a spare switch");
    let (_, job) = change(
        &tess,
        &r,
        4,
        json!({ "kind": "comment", "action": "call", "text": "Called the client", "minutes": 10 }),
    )
    .await;
    assert_eq!(job["minutes_spent"], 10);

    let (status, body) = change(
        &tess,
        &r,
        5,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Moved to another port" }),
    )
    .await;
    assert_eq!(status, 422, "an open task needs a reason: {body}");
    assert_eq!(body["error"]["errors"][0]["field"], "open_tasks_reason");
    assert_eq!(
        page(&tess, &r).await["job"]["version"],
        5,
        "nothing was written"
    );

    let (status, job) = change(
        &tess,
        &r,
        5,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Moved to another port",
                "open_tasks_reason": "The spare is for stock" }),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "resolved");
    let (_, job) = change(&fran, &r, 6, json!({ "kind": "move", "action": "close" })).await;
    assert_eq!(job["status"], "closed");
    let (status, _) = change(&fran, &r, 7, json!({ "kind": "move", "action": "reopen" })).await;
    assert_eq!(status, 422, "reopening needs a reason");
    let (_, job) = change(
        &fran,
        &r,
        7,
        json!({ "kind": "move", "action": "reopen", "reason": "Dead again" }),
    )
    .await;
    assert_eq!(job["status"], "assigned", "back to Tess");
    assert!(job["resolution"].is_null());

    let history: Vec<String> = page(&tess, &r).await["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["change"]["kind"].as_str().expect("kind").to_owned())
        .collect();
    assert_eq!(
        history,
        [
            "logged",
            "taken",
            "status_changed",
            "task_added",
            "commented",
            "resolved",
            "status_changed",
            "status_changed"
        ],
        "every change is in the history, in order"
    );
}

#[tokio::test]
async fn two_people_racing_on_one_job_lose_nothing() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let lee = desk.sign_in("lee").await;
    let job = fran.log_job(network_job("Racy job")).await;
    let r = job["reference"].as_str().expect("reference").to_owned();

    const ROUNDS: u64 = 25;
    let mut winners = Vec::new();
    for round in 0..ROUNDS {
        let seen = version(&page(&tess, &r).await["job"]);
        let note = |who: &str| json!({ "kind": "comment", "action": "note", "text": format!("{who} round {round}") });
        let (a, b) = tokio::join!(
            change(&tess, &r, seen, note("tess")),
            change(&lee, &r, seen, note("lee")),
        );
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "exactly one winner in round {round}");
        let tess_won = a.0 == 200;
        let (winner, loser) = if tess_won { (a, b) } else { (b, a) };
        assert_eq!(version(&winner.1), seen + 1);
        let changes = loser.1["error"]["changes"].as_array().expect("changes");
        assert_eq!(
            changes.len(),
            1,
            "the loser is told what changed: {}",
            loser.1
        );
        assert!(
            changes[0]
                .as_str()
                .expect("sentence")
                .contains("added an internal note")
        );
        winners.push(if tess_won {
            format!("tess round {round}")
        } else {
            format!("lee round {round}")
        });
    }

    let snapshot = page(&tess, &r).await;
    assert_eq!(
        version(&snapshot["job"]),
        1 + ROUNDS,
        "one version per winner"
    );
    let notes: Vec<String> = snapshot["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["change"]["kind"] == "commented")
        .map(|e| e["change"]["text"].as_str().expect("text").to_owned())
        .collect();
    assert_eq!(
        notes, winners,
        "the log holds exactly the winners' changes, in order"
    );
}

#[tokio::test]
async fn presence_shows_who_is_on_a_job_and_who_types_to_those_who_may_see_it() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let lee = desk.sign_in("lee").await;
    let sam = desk.sign_in("sam").await;
    let job = fran.log_job(network_job("Watched job")).await;
    let r: app::domain::JobRef = job["reference"]
        .as_str()
        .expect("reference")
        .parse()
        .expect("reference");

    let mut lee_live = lee.live(None).await;
    lee_live.caught_up().await;
    let mut sam_live = sam.live(None).await;
    sam_live.caught_up().await;
    let mut tess_live = tess.live(None).await;
    tess_live.caught_up().await;

    tess_live.watch(Some(r), false).await;
    let watchers = lee_live.next_presence(r).await;
    assert_eq!(watchers.len(), 1);
    assert_eq!(watchers[0].user.id, "tess");
    assert!(!watchers[0].typing);

    tess_live.watch(Some(r), true).await;
    assert!(lee_live.next_presence(r).await[0].typing, "typing shows");

    tess_live.close().await;
    assert!(
        lee_live.next_presence(r).await.is_empty(),
        "gone when the tab closes"
    );
    sam_live.assert_quiet().await;

    // A watch on a job one may not see is ignored.
    let mut sam_live = sam.live(None).await;
    sam_live.caught_up().await;
    sam_live.watch(Some(r), true).await;
    lee_live.assert_quiet().await;
}

#[tokio::test]
async fn admins_keep_the_resolution_codes() {
    let desk = Desk::start().await;
    let tess = desk.sign_in("tess").await;
    let ada = desk.sign_in("ada").await;
    let codes = json!(["Fixed", "Replaced hardware", "  ", "fixed"]);
    let (status, body) = tess
        .put("/api/v1/settings/resolution-codes", codes.clone())
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = ada.put("/api/v1/settings/resolution-codes", codes).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!(["Fixed", "Replaced hardware"]),
        "blanks and repeats dropped"
    );
    let (status, _) = ada
        .put("/api/v1/settings/resolution-codes", json!([]))
        .await;
    assert_eq!(status, 422, "at least one code stays");

    let fran = desk.sign_in("fran").await;
    let job = fran.log_job(network_job("Broken keyboard")).await;
    let r = job["reference"].as_str().expect("reference").to_owned();
    let codes = page(&fran, &r).await["directory"]["resolution_codes"].clone();
    assert_eq!(codes, json!(["Fixed", "Replaced hardware"]));
    let (status, job) = change(
        &fran,
        &r,
        1,
        json!({ "kind": "resolve", "code": "Replaced hardware", "notes": "New keyboard at first contact" }),
    )
    .await;
    assert_eq!(
        status, 200,
        "the front line resolves at first contact: {job}"
    );
}

#[tokio::test]
async fn a_stale_change_names_who_changed_what() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let lee = desk.sign_in("lee").await;
    let job = fran.log_job(network_job("Stale view")).await;
    let r = job["reference"].as_str().expect("reference").to_owned();
    let (status, _) = change(&tess, &r, 1, json!({ "kind": "take" })).await;
    assert_eq!(status, 200);
    let (status, body) = change(
        &lee,
        &r,
        1,
        json!({ "kind": "comment", "action": "note", "text": "Seen from an old screen" }),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("Tess Network took the job"), "{message}");
    let notes = page(&lee, &r).await["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["change"]["kind"] == "commented")
        .count();
    assert_eq!(notes, 0, "the stale note was not written");
    let mut live = lee.live(None).await;
    assert!(matches!(live.next().await, LiveMessage::CaughtUp { .. }));
}
