//! Realistic sample jobs for demos, benchmarks and the data generator:
//! spread over groups, clients, priorities, states and ages the way a busy
//! desk's are, and the same for the same seed.

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::{
    Channel, ClientRef, GroupRef, Impact, Job, JobRef, Priority, Status, Urgency, UserRef,
};

/// The groups sample jobs go to: id, name.
pub const GROUPS: [(&str, &str); 3] = [
    ("network", "Network"),
    ("desktop", "Desktop"),
    ("apps", "Applications"),
];

/// What goes wrong, per group: group id, category, title.
pub const PROBLEMS: [(&str, &str, &str); 12] = [
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

/// Makes sample jobs from one seed.
pub struct SampleJobs {
    rng: StdRng,
    clients: Vec<ClientRef>,
    technicians: Vec<(String, UserRef)>,
    logged_by: UserRef,
    now: Timestamp,
    open_share: f64,
}

impl SampleJobs {
    /// A maker of jobs for `clients`, given to `technicians` (group id and
    /// person), logged by `logged_by`, aged up to two weeks before `now`.
    /// `open_share` of the jobs are open (0.0 to 1.0); the rest are
    /// resolved or closed.
    pub fn new(
        seed: u64,
        clients: Vec<ClientRef>,
        technicians: Vec<(String, UserRef)>,
        logged_by: UserRef,
        now: Timestamp,
        open_share: f64,
    ) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            clients,
            technicians,
            logged_by,
            now,
            open_share,
        }
    }

    /// Job number `reference`.
    pub fn job(&mut self, reference: JobRef) -> Job {
        let rng = &mut self.rng;
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
        let status = if rng.random_bool(self.open_share.clamp(0.0, 1.0)) {
            [
                Status::New,
                Status::New,
                Status::Assigned,
                Status::Assigned,
                Status::InProgress,
                Status::InProgress,
                Status::PendingClient,
                Status::PendingThirdParty,
            ][rng.random_range(0..8)]
        } else if rng.random_bool(0.5) {
            Status::Resolved
        } else {
            Status::Closed
        };
        let candidates: Vec<&UserRef> = self
            .technicians
            .iter()
            .filter(|(g, _)| g == group_id)
            .map(|(_, t)| t)
            .collect();
        let technician = match status {
            Status::New => None,
            _ if candidates.is_empty() => None,
            _ => Some(candidates[rng.random_range(0..candidates.len())].clone()),
        };
        let status =
            if technician.is_none() && matches!(status, Status::Assigned | Status::InProgress) {
                Status::New
            } else {
                status
            };
        let age_minutes: i64 = rng.random_range(5..(14 * 24 * 60));
        let created =
            Timestamp::from_second(self.now.as_second() - age_minutes * 60).unwrap_or(self.now);
        let since_update: i64 = rng.random_range(0..=age_minutes);
        let updated =
            Timestamp::from_second(self.now.as_second() - since_update * 60).unwrap_or(self.now);
        let client = self.clients[rng.random_range(0..self.clients.len())].clone();
        let ungrouped = status == Status::New && rng.random_range(0..5) == 0;
        let priority = Priority::from_matrix(impact, urgency);
        Job {
            reference,
            title: title.into(),
            description: format!("Reported by {} of {}.", client.name, client.organisation),
            client,
            category: category.into(),
            impact,
            urgency,
            priority,
            status,
            channel: [
                Channel::Phone,
                Channel::Email,
                Channel::Chat,
                Channel::WalkIn,
            ][rng.random_range(0..4)],
            group: if ungrouped { None } else { group },
            technician,
            logged_by: self.logged_by.clone(),
            created_at: created,
            updated_at: updated,
            version: 1,
            tasks: Vec::new(),
            resolution: (!status.is_open()).then(|| crate::domain::Resolution {
                code: "Fixed".into(),
                notes: "Sorted out.".into(),
            }),
            escalation: None,
            last_touch: None,
            minutes_spent: 0,
            links: Vec::new(),
        }
    }
}

/// The organisations sample clients belong to.
pub const ORGANISATIONS: [&str; 4] = [
    "Harbour Logistics",
    "Northwind Clinic",
    "Acme Foods",
    "City Library",
];

/// `count` sample clients of the sample organisations.
pub fn clients(count: usize) -> Vec<ClientRef> {
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
    (0..count)
        .map(|n| ClientRef {
            id: format!("c{:03}", n + 1),
            name: format!(
                "{} {}",
                FIRST[n % FIRST.len()],
                LAST[(n * 7 + n / FIRST.len()) % LAST.len()]
            ),
            organisation: ORGANISATIONS[n % ORGANISATIONS.len()].into(),
        })
        .collect()
}
