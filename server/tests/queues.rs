//! Queues, triage and bulk changes against the real server on a free port:
//! views with counts and pages, "take next" pressed by several people at
//! once, and bulk changes whose refusals leave nothing half-done.

mod support;

use std::collections::HashSet;

use serde_json::{Value, json};
use support::{Desk, network_job};

fn refs(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["reference"].as_str().expect("reference").to_owned())
        .collect()
}

fn count(page: &Value, view: &str) -> u64 {
    page["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .find(|c| c["view"] == view)
        .and_then(|c| c["count"].as_u64())
        .expect("count")
}

#[tokio::test]
async fn views_filter_page_and_count() {
    let desk = Desk::start().await;
    let tess = desk.sign_in("tess").await;
    let page = tess
        .get("/api/v1/queue?view=unassigned&group=network&limit=10")
        .await;
    let total = page["total"].as_u64().expect("total");
    assert!(
        total > 10,
        "the demo has many unassigned network jobs: {total}"
    );
    for row in page["rows"].as_array().expect("rows") {
        assert!(row["technician"].is_null());
        assert_eq!(row["group"]["id"], "network");
    }
    assert_eq!(refs(&page).len(), 10);
    let next = tess
        .get("/api/v1/queue?view=unassigned&group=network&limit=10&offset=10")
        .await;
    assert!(
        refs(&page).iter().all(|r| !refs(&next).contains(r)),
        "pages do not overlap"
    );
    let all = tess.get("/api/v1/queue?view=all&limit=500").await;
    assert_eq!(
        count(&all, "all_open"),
        all["total"].as_u64().expect("total"),
        "the count of a view is its total"
    );
    assert!(count(&all, "unassigned") >= total);
    let sorted = tess.get("/api/v1/queue?view=all&sort=age&limit=500").await;
    let created: Vec<&str> = sorted["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["created_at"].as_str().expect("time"))
        .collect();
    let mut in_order = created.clone();
    in_order.sort_unstable();
    assert_eq!(created.len(), in_order.len());
    let sam = desk.sign_in("sam").await;
    let theirs = sam.get("/api/v1/queue?view=all&group=network").await;
    assert_eq!(
        theirs["total"], 0,
        "Sam may not see the Network group's jobs"
    );
}

#[tokio::test]
async fn take_next_pressed_at_once_never_gives_one_job_to_two_people() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    for n in 0..12 {
        fran.log_job(network_job(&format!("Waiting {n}"))).await;
    }
    let tess = desk.sign_in("tess").await;
    let lee = desk.sign_in("lee").await;
    let presses = (0..6).flat_map(|_| [&tess, &lee]).map(|person| async move {
        let (status, job) = person.post("/api/v1/queue/take-next", json!({})).await;
        assert_eq!(status, 200, "{job}");
        job
    });
    let taken = futures::future::join_all(presses).await;
    let unique: HashSet<&str> = taken
        .iter()
        .map(|j| j["reference"].as_str().expect("reference"))
        .collect();
    assert_eq!(unique.len(), taken.len(), "every press got its own job");
    for job in &taken {
        assert!(job["version"].as_u64().expect("version") >= 2);
        assert_eq!(job["status"], "assigned");
    }
    let tess_took = tess.get("/api/v1/queue?view=mine&limit=500").await;
    let mine = refs(&tess_took);
    let tess_got: Vec<&Value> = taken
        .iter()
        .filter(|j| j["technician"]["id"] == "tess")
        .collect();
    assert_eq!(tess_got.len(), 6);
    for job in tess_got {
        assert!(mine.contains(&job["reference"].as_str().expect("ref").to_owned()));
    }
    let fran = desk.sign_in("fran").await;
    let (status, body) = fran.post("/api/v1/queue/take-next", json!({})).await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn a_bulk_change_reports_each_job_and_leaves_refused_ones_untouched() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let lee = desk.sign_in("lee").await;
    let mut jobs = Vec::new();
    for title in ["Bulk one", "Bulk two", "Bulk three"] {
        jobs.push(fran.log_job(network_job(title)).await);
    }
    let reference = |n: usize| jobs[n]["reference"].as_str().expect("ref").to_owned();
    // The second is resolved and closed, the third changes after Lee saw it.
    for (version, command) in [
        (
            1,
            json!({ "kind": "resolve", "code": "Fixed", "notes": "Done at first contact" }),
        ),
        (2, json!({ "kind": "move", "action": "close" })),
    ] {
        let (status, body) = fran
            .post(
                &format!("/api/v1/jobs/{}/changes", reference(1)),
                json!({ "version": version, "command": command }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = fran
        .post(
            &format!("/api/v1/jobs/{}/changes", reference(2)),
            json!({ "version": 1, "command": { "kind": "comment", "action": "note", "text": "meanwhile" } }),
        )
        .await;
    assert_eq!(status, 200);
    let before = desk.position().await;

    let (status, outcomes) = lee
        .post(
            "/api/v1/jobs/bulk",
            json!({
                "jobs": [
                    { "reference": reference(0), "version": 1 },
                    { "reference": reference(1), "version": 3 },
                    { "reference": reference(2), "version": 1 },
                ],
                "command": { "kind": "reassign", "group_id": "desktop", "technician_id": "tom",
                             "reason": "Hardware after all" },
            }),
        )
        .await;
    assert_eq!(status, 200, "{outcomes}");
    let outcomes = outcomes.as_array().expect("outcomes");
    assert_eq!(outcomes.len(), 3);
    assert_eq!(outcomes[0]["outcome"], "done");
    assert_eq!(outcomes[0]["version"], 2);
    assert_eq!(outcomes[1]["outcome"], "refused");
    assert!(
        outcomes[1]["reason"]
            .as_str()
            .expect("reason")
            .contains("closed"),
        "{}",
        outcomes[1]
    );
    assert_eq!(outcomes[2]["outcome"], "refused");
    assert!(
        outcomes[2]["reason"]
            .as_str()
            .expect("reason")
            .contains("changed since you saw it")
    );
    assert_eq!(
        desk.position().await,
        before + 1,
        "one event, for the one done"
    );
    let done = lee.get(&format!("/api/v1/jobs/{}", reference(0))).await;
    assert_eq!(done["technician"]["id"], "tom");
    let refused = lee.get(&format!("/api/v1/jobs/{}", reference(2))).await;
    assert_eq!(refused["group"]["id"], "network", "untouched");
    assert_eq!(refused["version"], 2);

    let (status, outcomes) = lee
        .post(
            "/api/v1/jobs/bulk",
            json!({
                "matching": { "view": "all_open", "filter": { "text": "Bulk t" } },
                "command": { "kind": "override_priority", "priority": "P1", "reason": "VIP floor" },
            }),
        )
        .await;
    assert_eq!(status, 200, "{outcomes}");
    let done: Vec<&Value> = outcomes
        .as_array()
        .expect("outcomes")
        .iter()
        .filter(|o| o["outcome"] == "done")
        .collect();
    assert_eq!(
        done.len(),
        1,
        "only the open job matching “Bulk t”: {outcomes}"
    );
    let now_at = lee.get(&format!("/api/v1/jobs/{}", reference(0))).await["version"].clone();
    let (status, twice) = lee
        .post(
            "/api/v1/jobs/bulk",
            json!({
                "jobs": [
                    { "reference": reference(0), "version": now_at },
                    { "reference": reference(0), "version": now_at },
                ],
                "command": { "kind": "comment", "action": "note", "text": "Once" },
            }),
        )
        .await;
    assert_eq!(status, 200, "{twice}");
    assert_eq!(
        twice.as_array().expect("outcomes").len(),
        1,
        "a job selected twice changes once"
    );
    let (status, body) = desk
        .sign_in("tess")
        .await
        .post(
            "/api/v1/jobs/bulk",
            json!({ "jobs": [], "command": { "kind": "take" } }),
        )
        .await;
    assert_eq!(status, 422, "an empty selection says so: {body}");
}

#[tokio::test]
async fn saved_views_are_personal_and_come_with_the_queue() {
    let desk = Desk::start().await;
    let tess = desk.sign_in("tess").await;
    let tom = desk.sign_in("tom").await;
    let query =
        json!({ "view": "unassigned", "filter": { "priorities": ["P1", "P2"] }, "sort": "due" });
    let (status, saved) = tess
        .put("/api/v1/views/Urgent%20and%20free", query.clone())
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved[0]["name"], "Urgent and free");
    let (status, _) = tess.put("/api/v1/views/Urgent%20and%20free", query).await;
    assert_eq!(status, 200, "saving again replaces it");
    let page = tess.get("/api/v1/queue?view=all&limit=1").await;
    assert_eq!(page["saved"].as_array().expect("saved").len(), 1);
    assert_eq!(page["saved"][0]["query"]["sort"], "due");
    let theirs = tom.get("/api/v1/queue?view=all&limit=1").await;
    assert!(
        theirs["saved"].as_array().expect("saved").is_empty(),
        "views are personal"
    );
    let (status, body) = tess
        .put("/api/v1/views/%20", json!({ "view": "all_open" }))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, left) = tess.delete("/api/v1/views/Urgent%20and%20free").await;
    assert_eq!(status, 200);
    assert_eq!(left, json!([]));
}
