//! Demo data for an empty desk: a person for each role, three groups,
//! clients, and about two hundred jobs in varied states and ages.

use app::domain::{GroupRef, Job, JobRef, Role, UserRef};
use app::sample::{self, SampleJobs};
use jiff::Timestamp;

use crate::desk::DeskService;
use crate::store::StoreError;

/// The demo people: user name, full name, role, groups, password.
pub const DEMO_PEOPLE: [(&str, &str, Role, &[&str], &str); 6] = [
    ("ada", "Ada Admin", Role::Admin, &[], "ada-demo-pass"),
    (
        "lee",
        "Lee Lead",
        Role::TeamLead,
        &["network", "desktop", "apps"],
        "lee-demo-pass",
    ),
    (
        "tess",
        "Tess Network",
        Role::Technician,
        &["network"],
        "tess-demo-pass",
    ),
    (
        "tom",
        "Tom Desktop",
        Role::Technician,
        &["desktop"],
        "tom-demo-pass",
    ),
    (
        "sam",
        "Sam Apps",
        Role::Technician,
        &["apps"],
        "sam-demo-pass",
    ),
    (
        "fran",
        "Fran Frontline",
        Role::FrontLine,
        &[],
        "fran-demo-pass",
    ),
];

/// How many demo jobs are made.
pub const DEMO_JOBS: usize = 200;

/// How many demo clients are made.
const DEMO_CLIENTS: usize = 30;

/// The demo's front-line agent, who logged every demo job.
fn fran() -> UserRef {
    UserRef {
        id: "fran".into(),
        name: "Fran Frontline".into(),
    }
}

/// Adds the demo people, groups and clients to an empty desk. Returns false
/// (and does nothing) when anyone exists.
pub async fn seed_people(desk: &DeskService) -> Result<bool, StoreError> {
    if !desk.store().is_empty().await? {
        return Ok(false);
    }
    for (id, name) in sample::GROUPS {
        desk.store()
            .create_group(&GroupRef {
                id: id.into(),
                name: name.into(),
            })
            .await?;
    }
    for (username, name, role, groups, password) in DEMO_PEOPLE {
        desk.create_user(username, name, role, groups, password)
            .await?;
    }
    for client in sample::clients(DEMO_CLIENTS) {
        let mut parts = client.name.split(' ');
        let first = parts.next().unwrap_or("client").to_lowercase();
        let last = parts.next().unwrap_or("").to_lowercase();
        let domain = client
            .organisation
            .split(' ')
            .next()
            .unwrap_or("org")
            .to_lowercase();
        let email = format!("{first}.{last}@{domain}.example");
        desk.store()
            .create_client(&client, &email, "Main site")
            .await?;
    }
    Ok(true)
}

/// Makes `count` sample jobs for the demo people and clients, oldest first,
/// numbered after `last_job`; `open_share` of them are open.
pub fn sample_jobs(count: usize, last_job: u64, open_share: f64, seed: u64) -> Vec<Job> {
    let technicians = DEMO_PEOPLE
        .iter()
        .filter(|p| p.2 == Role::Technician)
        .flat_map(|p| {
            p.3.iter().map(|g| {
                (
                    (*g).to_owned(),
                    UserRef {
                        id: p.0.into(),
                        name: p.1.into(),
                    },
                )
            })
        })
        .collect();
    let mut maker = SampleJobs::new(
        seed,
        sample::clients(DEMO_CLIENTS),
        technicians,
        fran(),
        Timestamp::now(),
        open_share,
    );
    let mut jobs: Vec<Job> = (0..count).map(|_| maker.job(JobRef(0))).collect();
    jobs.sort_by_key(|job| job.created_at);
    let first = last_job.max(JobRef::FIRST - 1) + 1;
    for (n, job) in jobs.iter_mut().enumerate() {
        job.reference = JobRef(first + n as u64);
    }
    jobs
}

/// Fills an empty desk with demo data. Does nothing when anyone exists.
pub async fn seed_demo(desk: &DeskService) -> Result<bool, StoreError> {
    if !seed_people(desk).await? {
        return Ok(false);
    }
    let jobs = sample_jobs(DEMO_JOBS, 0, 0.8, 42);
    desk.import_jobs(&fran(), jobs)
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(true)
}
