//! The shapes API clients rely on, as snapshots: a job with its links and
//! the history entries that linking and a cascade record, as the job page
//! endpoint answers them. Times, positions and job numbers are redacted;
//! everything else is compared as it is.

mod support;

use insta::assert_json_snapshot;
use serde_json::json;
use support::{Desk, network_job};

/// A job reference without its number, which depends on the demo data.
fn job_number(value: insta::internals::Content, _: insta::internals::ContentPath) -> String {
    match value.as_str() {
        Some(text) if text.starts_with("J-") => "J-[number]".to_owned(),
        _ => format!("{value:?}"),
    }
}

#[tokio::test]
async fn a_linked_job_and_its_history_keep_their_shape() {
    let desk = Desk::start().await;
    let fran = desk.sign_in("fran").await;
    let tess = desk.sign_in("tess").await;
    let original = fran.log_job(network_job("Printer queue stuck")).await;
    let copy = fran.log_job(network_job("Cannot print")).await;
    let original = original["reference"].as_str().expect("reference");
    let copy = copy["reference"].as_str().expect("reference");
    for (reference, version, command) in [
        (
            copy,
            1,
            json!({ "kind": "link", "link": "duplicate_of", "other": original }),
        ),
        (
            original,
            2,
            json!({ "kind": "resolve", "code": "Fixed", "notes": "Restarted the spooler" }),
        ),
    ] {
        let (status, body) = tess
            .post(
                &format!("/api/v1/jobs/{reference}/changes"),
                json!({ "version": version, "command": command }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let page = tess.get(&format!("/api/v1/jobs/{copy}/page")).await;
    let shape = json!({
        "job": page["job"],
        "history": page["history"],
        "linked": page["linked"],
    });
    assert_json_snapshot!(shape, {
        ".job.created_at" => "[time]",
        ".job.updated_at" => "[time]",
        ".job.reference" => "J-[number]",
        ".job.links[].other" => insta::dynamic_redaction(job_number),
        ".history[].at" => "[time]",
        ".history[].position" => "[position]",
        ".history[].change.links[].other" => insta::dynamic_redaction(job_number),
        ".history[].change.original" => insta::dynamic_redaction(job_number),
        ".linked[].reference" => insta::dynamic_redaction(job_number),
    });
}
