//! Demo data for an empty desk: a person for each role, three groups,
//! clients, and about two hundred jobs in varied states and ages.

use app::domain::{
    Channel, ClientRef, GroupRef, Impact, Job, JobRef, Priority, Role, Status, Urgency,
};
use jiff::{Timestamp, ToSpan};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

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

const GROUPS: [(&str, &str); 3] = [
    ("network", "Network"),
    ("desktop", "Desktop"),
    ("apps", "Applications"),
];

const ORGANISATIONS: [&str; 4] = [
    "Harbour Logistics",
    "Northwind Clinic",
    "Acme Foods",
    "City Library",
];
const FIRST: [&str; 10] = [
    "Cleo", "Ravi", "Mina", "Jonas", "Aiko", "Pedro", "Lena", "Omar", "Greta", "Noor",
];
const LAST: [&str; 8] = [
    "Hart",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Silva",
    "Novak",
    "Brennan",
];

const PROBLEMS: [(&str, &str, &str); 12] = [
    ("network", "Network", "VPN drops every few minutes"),
    ("network", "Network", "No Wi-Fi on the second floor"),
    (
        "network",
        "Network",
        "Shared drive unreachable from the branch office",
    ),
    ("network", "Telephony", "Desk phone shows no line"),
    ("desktop", "Hardware", "Laptop will not boot after update"),
    ("desktop", "Printing", "Printer jams on every page"),
    ("desktop", "Hardware", "Second monitor flickers"),
    (
        "desktop",
        "Access & accounts",
        "Locked out after password change",
    ),
    ("apps", "Software", "Payroll app crashes on export"),
    ("apps", "Email", "Mail stuck in the outbox"),
    ("apps", "Software", "Licence expired for the design suite"),
    (
        "apps",
        "Access & accounts",
        "Needs access to the finance reports",
    ),
];

/// How many demo jobs are made.
pub const DEMO_JOBS: usize = 200;

/// Fills an empty desk with demo data. Does nothing when anyone exists.
pub async fn seed_demo(desk: &DeskService) -> Result<bool, StoreError> {
    if !desk.store().is_empty().await? {
        return Ok(false);
    }
    for (id, name) in GROUPS {
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
    let mut rng = StdRng::seed_from_u64(42);
    let mut clients = Vec::new();
    for n in 0..30 {
        let first = FIRST[n % FIRST.len()];
        let last = LAST[(n * 7 + n / FIRST.len()) % LAST.len()];
        let organisation = ORGANISATIONS[n % ORGANISATIONS.len()];
        let client = ClientRef {
            id: format!("c{:03}", n + 1),
            name: format!("{first} {last}"),
            organisation: organisation.into(),
        };
        let email = format!(
            "{}.{}@{}.example",
            first.to_lowercase(),
            last.to_lowercase(),
            organisation
                .split(' ')
                .next()
                .unwrap_or("org")
                .to_lowercase()
        );
        desk.store()
            .create_client(&client, &email, "Main site")
            .await?;
        clients.push(client);
    }
    let fran = app::domain::UserRef {
        id: "fran".into(),
        name: "Fran Frontline".into(),
    };
    let technicians = |group: &str| -> Vec<app::domain::UserRef> {
        DEMO_PEOPLE
            .iter()
            .filter(|p| p.2 == Role::Technician && p.3.contains(&group))
            .map(|p| app::domain::UserRef {
                id: p.0.into(),
                name: p.1.into(),
            })
            .collect()
    };
    let now = Timestamp::now();
    let mut jobs = Vec::with_capacity(DEMO_JOBS);
    for n in 0..DEMO_JOBS {
        let (group_id, category, title) = PROBLEMS[rng.random_range(0..PROBLEMS.len())];
        let group = GROUPS.iter().find(|g| g.0 == group_id).map(|g| GroupRef {
            id: g.0.into(),
            name: g.1.into(),
        });
        let impact = [
            Impact::High,
            Impact::Medium,
            Impact::Medium,
            Impact::Low,
            Impact::Low,
        ][rng.random_range(0..5)];
        let urgency =
            [Urgency::High, Urgency::Medium, Urgency::Low, Urgency::Low][rng.random_range(0..4)];
        let status = [
            Status::New,
            Status::New,
            Status::Assigned,
            Status::Assigned,
            Status::InProgress,
            Status::InProgress,
            Status::PendingClient,
            Status::PendingThirdParty,
            Status::Resolved,
            Status::Closed,
        ][rng.random_range(0..10)];
        let technician = match status {
            Status::New => None,
            _ => technicians(group_id).first().cloned(),
        };
        let age_minutes: i64 = rng.random_range(5..(14 * 24 * 60));
        let created = now.checked_sub(age_minutes.minutes()).unwrap_or(now);
        let client = clients[rng.random_range(0..clients.len())].clone();
        jobs.push(Job {
            reference: JobRef(JobRef::FIRST + n as u64),
            title: title.into(),
            description: format!("Reported by {} of {}.", client.name, client.organisation),
            client,
            category: category.into(),
            impact,
            urgency,
            priority: Priority::from_matrix(impact, urgency),
            status,
            channel: [
                Channel::Phone,
                Channel::Email,
                Channel::Chat,
                Channel::WalkIn,
            ][rng.random_range(0..4)],
            group: if status == Status::New && n % 5 == 0 {
                None
            } else {
                group
            },
            technician,
            logged_by: fran.clone(),
            created_at: created,
            updated_at: created,
            version: 1,
            tasks: Vec::new(),
            resolution: None,
            escalation: None,
            last_touch: None,
            minutes_spent: 0,
        });
    }
    jobs.sort_by_key(|job| job.created_at);
    for (n, job) in jobs.iter_mut().enumerate() {
        job.reference = JobRef(JobRef::FIRST + n as u64);
    }
    for job in jobs {
        desk.import_job(&fran, job)
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
    }
    Ok(true)
}
