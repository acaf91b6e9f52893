//! Links between jobs, against the real server on a free port: a link is
//! kept on both jobs in one commit and pushed for both, the shapes that
//! make no sense are refused with a reason, and linking many jobs to one
//! parent reports each job and writes the parent once.

mod support;

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

async fn link(
    person: &Person,
    reference: &str,
    version: u64,
    kind: &str,
    other: &str,
) -> (u16, Value) {
    change(
        person,
        reference,
        version,
        json!({ "kind": "link", "link": kind, "other": other }),
    )
    .await
}

fn reference(job: &Value) -> String {
    job["reference"].as_str().expect("reference").to_owned()
}

fn message(body: &Value) -> String {
    body["message"]
        .as_str()
        .or_else(|| body["error"]["errors"][0]["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_link_is_kept_on_both_jobs_in_one_commit_and_pushed_for_both() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let copy = reference(&fran.log_job(network_job("VPN drops every hour")).await);
    let original = reference(&fran.log_job(network_job("VPN keeps dropping")).await);
    let third = reference(&fran.log_job(network_job("VPN unstable")).await);
    let mut live = tess.live(None).await;
    live.caught_up().await;
    let before = desk.position().await;

    let (status, job) = link(&tess, &copy, 1, "duplicate_of", &original).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(
        job["links"],
        json!([{ "kind": "duplicate_of", "other": original }])
    );
    assert_eq!(desk.position().await, before + 2, "one event for each job");
    let (_, pushed) = live.next_job().await;
    assert_eq!(reference(&pushed), copy);
    let (_, pushed) = live.next_job().await;
    assert_eq!(reference(&pushed), original);
    assert_eq!(
        pushed["links"],
        json!([{ "kind": "duplicated_by", "other": copy }])
    );

    let page = tess.get(&format!("/api/v1/jobs/{original}/page")).await;
    assert_eq!(page["linked"][0]["reference"], json!(copy));
    assert_eq!(page["linked"][0]["title"], "VPN drops every hour");
    let last = page["history"].as_array().expect("history").last().cloned();
    assert_eq!(last.expect("entry")["change"]["kind"], "linked");

    // Shapes that make no sense are refused, and say what to do instead.
    let (status, body) = link(&tess, &copy, 2, "related", &original).await;
    assert_eq!(status, 422);
    assert!(message(&body).contains("already duplicate of"), "{body}");
    let (status, body) = link(&tess, &third, 1, "duplicate_of", &copy).await;
    assert_eq!(status, 403);
    assert!(
        message(&body).contains(&format!("link to the original, {original}")),
        "{body}"
    );
    for other in [third.as_str(), "J-999999"] {
        let (status, body) = link(&tess, &third, 1, "related", other).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["errors"][0]["field"], "other");
    }
    // Tom of Desktop cannot link his job to a Network job he cannot see.
    let tom = desk.sign_in("tom").await;
    let mut desktop_job = network_job("Docking station flickers");
    desktop_job["group_id"] = json!("desktop");
    desktop_job["category"] = json!("Hardware");
    let desktop = reference(&fran.log_job(desktop_job).await);
    let (status, body) = link(&tom, &desktop, 1, "related", &original).await;
    assert_eq!(status, 422, "{body}");
    assert!(message(&body).contains("that you can see"), "{body}");

    let at = desk.position().await;
    let (status, job) = change(
        &tess,
        &copy,
        2,
        json!({ "kind": "unlink", "other": original }),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["links"], json!([]));
    let other = tess.get(&format!("/api/v1/jobs/{original}")).await;
    assert_eq!(other["links"], json!([]), "gone from both");
    assert_eq!(desk.position().await, at + 2);
}

#[tokio::test]
async fn linking_many_jobs_to_one_parent_reports_each_and_writes_the_parent_once() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let lee = desk.sign_in("lee").await;
    let parent = fran.log_job(network_job("Major: core switch down")).await;
    let elsewhere = reference(&fran.log_job(network_job("Printer floor 2 offline")).await);
    let mut children = Vec::new();
    for title in ["No network in sales", "No network in HR", "Wi-Fi gone"] {
        children.push(fran.log_job(network_job(title)).await);
    }
    // The third already belongs to another parent.
    let (status, _) = link(&lee, &reference(&children[2]), 1, "child_of", &elsewhere).await;
    assert_eq!(status, 200);
    let third_version = lee
        .get(&format!("/api/v1/jobs/{}", reference(&children[2])))
        .await["version"]
        .as_u64()
        .expect("version");
    let before = desk.position().await;

    let mut selection: Vec<Value> = children
        .iter()
        .map(|j| json!({ "reference": reference(j), "version": 1 }))
        .collect();
    selection[2]["version"] = json!(third_version);
    selection.push(json!({ "reference": reference(&parent), "version": 1 }));
    let (status, outcomes) = lee
        .post(
            "/api/v1/jobs/bulk",
            json!({
                "jobs": selection,
                "command": { "kind": "link", "link": "child_of", "other": reference(&parent) },
            }),
        )
        .await;
    assert_eq!(status, 200, "{outcomes}");
    let outcomes = outcomes.as_array().expect("outcomes");
    let kinds: Vec<&str> = outcomes
        .iter()
        .map(|o| o["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(
        kinds,
        ["done", "done", "refused", "refused"],
        "{outcomes:?}"
    );
    assert!(
        message_of(&outcomes[2]).contains(&format!("already a child of {elsewhere}")),
        "{}",
        outcomes[2]
    );
    assert!(
        message_of(&outcomes[3]).contains("itself"),
        "{}",
        outcomes[3]
    );
    assert_eq!(
        desk.position().await,
        before + 3,
        "two children and the parent once"
    );

    let page = lee
        .get(&format!("/api/v1/jobs/{}/page", reference(&parent)))
        .await;
    let links: Vec<(String, String)> = page["job"]["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().expect("kind").to_owned(),
                l["other"].as_str().expect("other").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            ("parent_of".to_owned(), reference(&children[0])),
            ("parent_of".to_owned(), reference(&children[1])),
        ]
    );
    assert_eq!(page["job"]["version"], 2, "one change on the parent");
    assert_eq!(page["linked"].as_array().expect("linked").len(), 2);
    let refused = lee
        .get(&format!("/api/v1/jobs/{}", reference(&children[2])))
        .await;
    assert_eq!(refused["version"], third_version, "untouched");
    assert_eq!(
        refused["links"],
        json!([{ "kind": "child_of", "other": elsewhere }])
    );
}

fn message_of(outcome: &Value) -> String {
    outcome["reason"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn resolving_an_original_resolves_its_duplicates_and_a_parent_waits_for_its_children() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let original = reference(&fran.log_job(network_job("Shared drive is slow")).await);
    let mut duplicates = Vec::new();
    for title in ["Drive S: slow", "Files take ages to open"] {
        let copy = reference(&fran.log_job(network_job(title)).await);
        let (status, body) = link(&tess, &copy, 1, "duplicate_of", &original).await;
        assert_eq!(status, 200, "{body}");
        duplicates.push(copy);
    }
    // The second duplicate was resolved on its own already.
    let (status, _) = change(
        &tess,
        &duplicates[1],
        2,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Cleared the cache" }),
    )
    .await;
    assert_eq!(status, 200);
    let mut live = tess.live(None).await;
    live.caught_up().await;
    let before = desk.position().await;

    let (status, job) = change(
        &tess,
        &original,
        3,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Replaced a failing disk" }),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(
        desk.position().await,
        before + 2,
        "the original and its one open duplicate"
    );
    let (_, pushed) = live.next_job().await;
    assert_eq!(reference(&pushed), original);
    let (_, pushed) = live.next_job().await;
    assert_eq!(reference(&pushed), duplicates[0]);
    assert_eq!(pushed["status"], "resolved");
    assert_eq!(pushed["resolution"]["notes"], "Replaced a failing disk");
    let untouched = tess.get(&format!("/api/v1/jobs/{}", duplicates[1])).await;
    assert_eq!(untouched["resolution"]["notes"], "Cleared the cache");
    let history = tess
        .get(&format!("/api/v1/jobs/{}/page", duplicates[0]))
        .await["history"]
        .clone();
    let last = history.as_array().and_then(|h| h.last()).cloned();
    assert_eq!(last.expect("entry")["change"]["original"], json!(original));

    // A parent does not close while a child is open; nothing is written.
    let parent = reference(&fran.log_job(network_job("Major: building B offline")).await);
    let child = reference(&fran.log_job(network_job("No network in B2")).await);
    let (status, _) = link(&tess, &child, 1, "child_of", &parent).await;
    assert_eq!(status, 200);
    let (status, _) = change(
        &tess,
        &parent,
        2,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Power restored" }),
    )
    .await;
    assert_eq!(status, 200);
    let at = desk.position().await;
    let (status, body) = change(
        &fran,
        &parent,
        3,
        json!({ "kind": "move", "action": "close" }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        message(&body).contains(&format!("parent of {child}, which is still open")),
        "{body}"
    );
    assert_eq!(desk.position().await, at, "nothing written");
    let (status, _) = change(
        &tess,
        &child,
        2,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Back with the building" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = change(
        &fran,
        &parent,
        3,
        json!({ "kind": "move", "action": "close" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "closed");
    // Nor does a child reopen under the closed parent.
    let (status, body) = change(
        &fran,
        &child,
        3,
        json!({ "kind": "move", "action": "reopen", "reason": "Still down" }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        message(&body).contains(&format!("reopen {parent} first")),
        "{body}"
    );
}

#[tokio::test]
async fn a_bulk_resolve_takes_duplicates_along_once() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let lee = desk.sign_in("lee").await;
    let original = reference(&fran.log_job(network_job("Email bounces")).await);
    let copy = reference(&fran.log_job(network_job("My emails come back")).await);
    let (status, _) = link(&lee, &copy, 1, "duplicate_of", &original).await;
    assert_eq!(status, 200);
    let before = desk.position().await;
    let (status, outcomes) = lee
        .post(
            "/api/v1/jobs/bulk",
            json!({
                "jobs": [
                    { "reference": original, "version": 2 },
                    { "reference": copy, "version": 2 },
                ],
                "command": { "kind": "resolve", "code": "Fixed", "notes": "Mail relay fixed" },
            }),
        )
        .await;
    assert_eq!(status, 200, "{outcomes}");
    assert_eq!(outcomes[0]["outcome"], "done");
    assert_eq!(
        outcomes[1],
        json!({ "outcome": "done", "reference": copy, "version": 3 }),
        "resolved with its original"
    );
    assert_eq!(desk.position().await, before + 2, "each job resolved once");
    let resolved = lee.get(&format!("/api/v1/jobs/{copy}")).await;
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["version"], 3);
}

#[tokio::test]
async fn a_reply_on_a_major_incident_reaches_every_open_child() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let parent = reference(&fran.log_job(network_job("Major: internet down")).await);
    let mut children = Vec::new();
    for title in ["No internet in sales", "No internet in HR"] {
        let child = reference(&fran.log_job(network_job(title)).await);
        let (status, _) = link(&tess, &child, 1, "child_of", &parent).await;
        assert_eq!(status, 200);
        children.push(child);
    }
    let (status, _) = change(
        &tess,
        &children[1],
        2,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Was a loose cable" }),
    )
    .await;
    assert_eq!(status, 200);
    let before = desk.position().await;
    let (status, body) = change(
        &tess,
        &parent,
        3,
        json!({ "kind": "comment", "action": "reply", "to_children": true,
                "text": "The provider expects service back by noon." }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        desk.position().await,
        before + 2,
        "the parent and its one open child"
    );
    let page = tess
        .get(&format!("/api/v1/jobs/{}/page", children[0]))
        .await;
    let last = page["history"].as_array().and_then(|h| h.last()).cloned();
    let last = last.expect("entry");
    assert_eq!(last["change"]["action"], "reply");
    assert_eq!(last["change"]["parent"], json!(parent));
    assert_eq!(
        last["change"]["text"],
        "The provider expects service back by noon."
    );

    // Not in bulk, and not when no child is left open: then nothing is
    // written, not even on the parent.
    let (status, body) = tess
        .post(
            "/api/v1/jobs/bulk",
            json!({
                "jobs": [{ "reference": parent, "version": 4 }],
                "command": { "kind": "comment", "action": "reply", "to_children": true, "text": "x" },
            }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["errors"][0]["field"], "to_children");
    let (status, _) = change(
        &tess,
        &children[0],
        3,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Provider fixed it" }),
    )
    .await;
    assert_eq!(status, 200);
    let at = desk.position().await;
    let (status, body) = change(
        &tess,
        &parent,
        4,
        json!({ "kind": "comment", "action": "reply", "to_children": true, "text": "All clear." }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(message(&body).contains("None of"), "{body}");
    assert_eq!(desk.position().await, at, "nothing written");
}

#[tokio::test]
async fn a_late_duplicate_of_a_resolved_job_is_resolved_with_it() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let original = reference(&fran.log_job(network_job("Proxy rejects logins")).await);
    let (status, _) = change(
        &tess,
        &original,
        1,
        json!({ "kind": "resolve", "code": "Fixed", "notes": "Renewed the certificate" }),
    )
    .await;
    assert_eq!(status, 200);
    let late = reference(
        &fran
            .log_job(network_job("Cannot log in through proxy"))
            .await,
    );
    let before = desk.position().await;
    let (status, job) = link(&tess, &late, 1, "duplicate_of", &original).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "resolved", "answered as the commit left it");
    assert_eq!(job["version"], 3, "linked, then resolved");
    assert_eq!(job["resolution"]["notes"], "Renewed the certificate");
    assert_eq!(desk.position().await, before + 3);

    // In bulk too; each outcome carries the job's last version.
    let later = reference(&fran.log_job(network_job("Proxy says no")).await);
    let (status, outcomes) = tess
        .post(
            "/api/v1/jobs/bulk",
            json!({
                "jobs": [{ "reference": later, "version": 1 }],
                "command": { "kind": "link", "link": "duplicate_of", "other": original },
            }),
        )
        .await;
    assert_eq!(status, 200, "{outcomes}");
    assert_eq!(
        outcomes[0],
        json!({ "outcome": "done", "reference": later, "version": 3 })
    );
    let stored = tess.get(&format!("/api/v1/jobs/{later}")).await;
    assert_eq!(stored["status"], "resolved");
}

#[tokio::test]
async fn a_job_page_suggests_open_jobs_that_look_alike() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let first = reference(
        &fran
            .log_job(network_job("Badge reader rejects cards at the north gate"))
            .await,
    );
    let alike = reference(
        &fran
            .log_job(network_job("North gate badge reader dead"))
            .await,
    );
    let unlike = reference(&fran.log_job(network_job("Coffee machine leaking")).await);
    let similar = |page: &Value| -> Vec<String> {
        page["similar"]
            .as_array()
            .expect("similar")
            .iter()
            .map(|s| s["reference"].as_str().expect("reference").to_owned())
            .collect()
    };
    let page = tess.get(&format!("/api/v1/jobs/{first}/page")).await;
    assert_eq!(
        similar(&page),
        std::slice::from_ref(&alike),
        "{}",
        page["similar"]
    );
    assert_eq!(
        page["similar"][0]["shared"],
        json!(["badge", "gate", "north", "reader"])
    );
    assert!(!similar(&page).contains(&unlike));

    // Linked, it is no longer a suggestion; nor is a job out of sight.
    let (status, _) = link(&tess, &first, 1, "related", &alike).await;
    assert_eq!(status, 200);
    let page = tess.get(&format!("/api/v1/jobs/{first}/page")).await;
    assert!(similar(&page).is_empty(), "{}", page["similar"]);
    let mut desktop = network_job("Badge reader at the north gate beeps");
    desktop["group_id"] = json!("desktop");
    desktop["category"] = json!("Hardware");
    fran.log_job(desktop).await;
    let page = tess.get(&format!("/api/v1/jobs/{first}/page")).await;
    assert!(similar(&page).is_empty(), "Tess cannot see Desktop's job");
}
