//! Queue latency through the whole server and the time of 1,000-job bulk
//! changes, on a database filled by `switchboard generate`: the first page
//! of a view with every count, asked over HTTP by a team lead; one bulk
//! request that hands 1,000 jobs to another group in one transaction; one
//! that makes 999 jobs children of the 1,000th; and a note on that parent,
//! which now carries 999 links, against notes on one of its children.
//!
//! ```sh
//! target/debug/switchboard --database-url surrealkv:///tmp/load generate --jobs 100000
//! cargo run -p switchboard --example queue_load -- surrealkv:///tmp/load [ROUNDS]
//! ```

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard::config::Config;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

/// Asks for `path` as the signed-in lead; the answer as JSON.
async fn get(http: &reqwest::Client, origin: &str, cookie: &str, path: &str) -> Value {
    http.get(format!("{origin}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

/// The first 1,000 rows of the queue view `query`, in two pages of 500.
async fn first_thousand(
    http: &reqwest::Client,
    origin: &str,
    cookie: &str,
    query: &str,
) -> Vec<Value> {
    let mut rows = Vec::new();
    for offset in [0, 500] {
        let page = get(
            http,
            origin,
            cookie,
            &format!("/api/v1/queue?{query}&limit=500&offset={offset}"),
        )
        .await;
        rows.extend(page["rows"].as_array().cloned().unwrap_or_default());
    }
    rows
}

/// Sends one bulk change of `command` to `jobs` (queue rows, at the versions
/// they show); answers how many were done and how long the request took.
async fn bulk(
    http: &reqwest::Client,
    origin: &str,
    cookie: &str,
    jobs: &[Value],
    command: Value,
) -> (usize, Duration) {
    let targets: Vec<Value> = jobs
        .iter()
        .map(|j| json!({ "reference": j["reference"], "version": j["version"] }))
        .collect();
    let started = Instant::now();
    let outcomes: Value = http
        .post(format!("{origin}/api/v1/jobs/bulk"))
        .header("cookie", cookie)
        .json(&json!({ "jobs": targets, "command": command }))
        .send()
        .await
        .expect("bulk")
        .json()
        .await
        .expect("json");
    let elapsed = started.elapsed();
    let done = outcomes
        .as_array()
        .map(|o| o.iter().filter(|o| o["outcome"] == "done").count())
        .unwrap_or(0);
    (done, elapsed)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let database_url = args
        .next()
        .unwrap_or_else(|| "surrealkv:///tmp/load".to_owned());
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let opening = Instant::now();
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url,
        log_level: "warn".into(),
        ..Config::default()
    };
    let running = switchboard::start(&config)
        .await
        .expect("the server starts");
    println!("opened in {:.1} s", opening.elapsed().as_secs_f64());
    let origin = format!("http://{}", running.addr);
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{origin}/api/v1/session"))
        .json(&json!({ "username": "lee", "password": "lee-demo-pass" }))
        .send()
        .await
        .expect("sign in");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|c| c.starts_with("sb_session=")))
        .expect("a session cookie")
        .to_owned();

    for (name, path) in [
        ("all open by priority", "/api/v1/queue?view=all&limit=50"),
        (
            "unassigned, Network, by due time",
            "/api/v1/queue?view=unassigned&group=network&sort=due&limit=50",
        ),
        (
            "text \"vpn\" by last update",
            "/api/v1/queue?view=all&q=vpn&sort=updated&limit=50",
        ),
    ] {
        let mut samples = Vec::with_capacity(rounds);
        let mut total = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let page = get(&http, &origin, &cookie, path).await;
            samples.push(started.elapsed());
            total = page["total"].as_u64().unwrap_or(0);
        }
        samples.sort();
        println!(
            "{name} ({total} rows): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
            percentile(&samples, 0.50),
            percentile(&samples, 0.95),
            percentile(&samples, 0.99)
        );
    }

    let jobs = first_thousand(&http, &origin, &cookie, "view=unassigned&group=network").await;
    let (done, elapsed) = bulk(
        &http,
        &origin,
        &cookie,
        &jobs,
        json!({ "kind": "reassign", "group_id": "desktop", "reason": "Load test" }),
    )
    .await;
    println!(
        "bulk reassign of {} jobs: {done} done in {:.2} s",
        jobs.len(),
        elapsed.as_secs_f64()
    );

    let mut children = first_thousand(&http, &origin, &cookie, "view=all&group=apps").await;
    let parent = children.remove(0);
    let parent_ref = parent["reference"].as_str().expect("reference").to_owned();
    let (done, elapsed) = bulk(
        &http,
        &origin,
        &cookie,
        &children,
        json!({ "kind": "link", "link": "child_of", "other": parent_ref }),
    )
    .await;
    println!(
        "bulk link of {} jobs as children of {parent_ref}: {done} done in {:.2} s",
        children.len(),
        elapsed.as_secs_f64()
    );

    // Notes on the parent (999 links) and on one of its children (one
    // link), each the next version of its job: what a heavy job costs.
    let started = Instant::now();
    let page = get(
        &http,
        &origin,
        &cookie,
        &format!("/api/v1/jobs/{parent_ref}/page"),
    )
    .await;
    let loaded = started.elapsed();
    let links = page["job"]["links"].as_array().map_or(0, Vec::len);
    let child = children[1]["reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    for (name, reference) in [
        (
            format!("the parent {parent_ref} ({links} links)"),
            &parent_ref,
        ),
        (format!("the child {child} (1 link)"), &child),
    ] {
        let mut version = get(
            &http,
            &origin,
            &cookie,
            &format!("/api/v1/jobs/{reference}"),
        )
        .await["version"]
            .as_u64()
            .expect("version");
        let mut samples = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let response = http
                .post(format!("{origin}/api/v1/jobs/{reference}/changes"))
                .header("cookie", &cookie)
                .json(&json!({
                    "version": version,
                    "command": { "kind": "comment", "action": "note", "text": "Still investigating" },
                }))
                .send()
                .await
                .expect("change");
            samples.push(started.elapsed());
            assert!(response.status().is_success(), "{}", response.status());
            version += 1;
        }
        samples.sort();
        println!(
            "20 notes on {name}: p50 {:.1} ms, max {:.1} ms",
            percentile(&samples, 0.50),
            percentile(&samples, 1.0)
        );
    }
    println!(
        "the parent's job page: {:.1} ms",
        loaded.as_secs_f64() * 1000.0
    );
    running.stop().await;
}
