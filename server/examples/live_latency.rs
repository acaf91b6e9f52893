//! How long one person's change takes to reach another person's screen, on
//! loopback: a technician adds a note to a job through the REST API while a
//! second technician's live connection waits for its event. Prints the
//! percentiles of the time from sending the change to receiving the event.
//!
//! Run with `cargo run -p switchboard --example live_latency [ROUNDS] [DATABASE_URL]`
//! (a debug build, so an upper bound; the in-memory engine unless a URL such
//! as `surrealkv:///tmp/probe` is given).

use std::time::{Duration, Instant};

use app::domain::LiveMessage;
use futures::StreamExt;
use serde_json::{Value, json};
use switchboard::config::Config;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn sign_in(http: &reqwest::Client, origin: &str, username: &str) -> String {
    let response = http
        .post(format!("{origin}/api/v1/session"))
        .json(&json!({ "username": username, "password": format!("{username}-demo-pass") }))
        .send()
        .await
        .expect("sign in");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|c| c.starts_with("sb_session=")))
        .expect("a session cookie")
        .to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let database_url = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "mem://".to_owned());
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url,
        demo: true,
        ..Config::default()
    };
    let running = switchboard::start(&config)
        .await
        .expect("the server starts");
    let origin = format!("http://{}", running.addr);
    let http = reqwest::Client::new();
    let tess = sign_in(&http, &origin, "tess").await;
    let lee = sign_in(&http, &origin, "lee").await;

    let job: Value = http
        .post(format!("{origin}/api/v1/jobs"))
        .header("cookie", &tess)
        .json(&json!({
            "client_id": "c001", "title": "Latency probe", "category": "Network",
            "impact": "low", "urgency": "low", "channel": "phone", "group_id": "network",
        }))
        .send()
        .await
        .expect("log a job")
        .json()
        .await
        .expect("json");
    let reference = job["reference"].as_str().expect("reference").to_owned();

    let mut request = format!("ws://{}/live", running.addr)
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("cookie", lee.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("live connection");

    let mut samples = Vec::with_capacity(rounds);
    for (round, version) in (0..rounds).zip(1u64..) {
        let sent = Instant::now();
        let change = async {
            let response = http
                .post(format!("{origin}/api/v1/jobs/{reference}/changes"))
                .header("cookie", &tess)
                .json(&json!({ "version": version, "command": {
                    "kind": "comment", "action": "note", "text": format!("note {round}") } }))
                .send()
                .await
                .expect("change");
            assert!(response.status().is_success(), "{}", response.status());
        };
        // The other screen's clock stops when the event arrives, whether
        // or not the sender has had its answer yet.
        let arrival = async {
            loop {
                let Some(Ok(Message::Text(text))) = socket.next().await else {
                    panic!("the live connection closed");
                };
                if let Ok(LiveMessage::Event { job: Some(job), .. }) = serde_json::from_str(&text)
                    && job.version == version + 1
                {
                    return sent.elapsed();
                }
            }
        };
        let ((), elapsed) = tokio::join!(change, arrival);
        samples.push(elapsed);
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "change → other screen over {rounds} changes: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.95)),
        ms(percentile(&samples, 0.99)),
        ms(samples[samples.len() - 1]),
    );
    running.stop().await;
}
