//! How fast a queue answers from the in-memory index: the first page of a
//! view and every view's count, for 1,000, 10,000 and 100,000 open jobs
//! (plus resolved ones), as a technician and as a team lead see them; and
//! the similar open jobs that a job's page shows.
//!
//! Run with `cargo bench -p app --bench queue`. Prints p50, p95 and p99 per
//! size; BENCHMARKS.md keeps the results.

use std::time::{Duration, Instant};

use app::domain::index::QueueIndex;
use app::domain::{BuiltInView, JobRef, QueueFilter, QueueQuery, Role, SortKey, UserRef, Viewer};
use app::sample::{self, SampleJobs};
use jiff::Timestamp;

fn person(id: &str) -> UserRef {
    UserRef {
        id: id.into(),
        name: id.into(),
    }
}

fn index_of(open: usize, now: Timestamp) -> QueueIndex {
    let technicians = vec![
        ("network".to_owned(), person("tess")),
        ("network".to_owned(), person("nina")),
        ("desktop".to_owned(), person("tom")),
        ("apps".to_owned(), person("sam")),
    ];
    let mut maker = SampleJobs::new(
        7,
        sample::clients(500),
        technicians,
        person("fran"),
        now,
        0.95,
    );
    let mut jobs = Vec::new();
    let mut n = JobRef::FIRST;
    while jobs
        .iter()
        .filter(|j: &&app::domain::Job| j.status.is_open())
        .count()
        < open
    {
        jobs.push(maker.job(JobRef(n)));
        n += 1;
    }
    QueueIndex::new(jobs, now)
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() - 1) as f64 * p).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.95), at(0.99))
}

fn main() {
    let now = Timestamp::now();
    let tess = Viewer {
        user: person("tess"),
        role: Role::Technician,
        groups: vec!["network".into()],
    };
    let lee = Viewer {
        user: person("lee"),
        role: Role::TeamLead,
        groups: vec!["network".into(), "desktop".into(), "apps".into()],
    };
    let queries = [
        ("lead, all open by priority", &lee, QueueQuery::default()),
        (
            "technician, my groups by due time",
            &tess,
            QueueQuery {
                view: BuiltInView::MyGroups,
                filter: QueueFilter::default(),
                sort: SortKey::Due,
                columns: Vec::new(),
            },
        ),
        (
            "lead, text \"vpn\" by last update",
            &lee,
            QueueQuery {
                view: BuiltInView::AllOpen,
                filter: QueueFilter {
                    text: "vpn".into(),
                    ..QueueFilter::default()
                },
                sort: SortKey::LastUpdate,
                columns: Vec::new(),
            },
        ),
    ];
    println!("| open jobs | query | first page of 50 + counts: p50 | p95 | p99 |");
    println!("| --- | --- | --- | --- | --- |");
    let mut similar = Vec::new();
    for open in [1_000, 10_000, 100_000] {
        let index = index_of(open, now);
        // Similar jobs for an open job, as its page asks: the sample has a
        // dozen titles, so about one open job in twelve shares its words,
        // which makes this the crowded case.
        if let Some(job) = index.jobs().find(|j| j.status.is_open()).cloned() {
            let mut samples = Vec::with_capacity(100);
            for _ in 0..100 {
                let start = Instant::now();
                std::hint::black_box(index.similar(&lee, &job));
                samples.push(start.elapsed());
            }
            similar.push((open, percentiles(samples)));
        }
        for (name, viewer, query) in &queries {
            let rounds = if open >= 100_000 { 100 } else { 400 };
            let mut samples = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let start = Instant::now();
                std::hint::black_box(index.page(viewer, query, 0, 50, now));
                samples.push(start.elapsed());
            }
            let (p50, p95, p99) = percentiles(samples);
            println!("| {open} | {name} | {p50:.2} ms | {p95:.2} ms | {p99:.2} ms |");
        }
    }
    println!();
    println!("| open jobs | similar open jobs for one job's page: p50 | p95 | p99 |");
    println!("| --- | --- | --- | --- |");
    for (open, (p50, p95, p99)) in similar {
        println!("| {open} | {p50:.2} ms | {p95:.2} ms | {p99:.2} ms |");
    }
}
