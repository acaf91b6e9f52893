//! Queue views: the built-in views (My jobs, My groups, Unassigned in my
//! groups, At risk, Pending client, Recently resolved), filters, sort
//! orders, and their form in a page address so that a view can be shared.
//!
//! The same functions decide membership and order on the server (for the
//! first load and the counts) and in the browser (for live changes), so a
//! row lands where a reload would put it.

use std::cmp::Ordering;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::job::{Job, Priority, Status};
use super::people::Viewer;

/// How long a resolved or closed job stays in "Recently resolved".
pub const RECENT_SECONDS: i64 = 7 * 24 * 3600;

/// A built-in view of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltInView {
    /// Every open job I may see.
    AllOpen,
    /// Open jobs assigned to me.
    MyJobs,
    /// Open jobs of my groups.
    MyGroups,
    /// Open jobs of my groups that nobody has yet.
    Unassigned,
    /// Open jobs close to or past their due time.
    AtRisk,
    /// Jobs waiting on the client.
    PendingClient,
    /// Jobs resolved or closed in the last seven days.
    RecentlyResolved,
}

impl BuiltInView {
    /// Every view, in the order the navigation shows them.
    pub const ALL: [BuiltInView; 7] = [
        BuiltInView::AllOpen,
        BuiltInView::MyJobs,
        BuiltInView::MyGroups,
        BuiltInView::Unassigned,
        BuiltInView::AtRisk,
        BuiltInView::PendingClient,
        BuiltInView::RecentlyResolved,
    ];

    /// The name in the navigation.
    pub fn label(self) -> &'static str {
        match self {
            BuiltInView::AllOpen => "All open",
            BuiltInView::MyJobs => "My jobs",
            BuiltInView::MyGroups => "My groups",
            BuiltInView::Unassigned => "Unassigned",
            BuiltInView::AtRisk => "At risk",
            BuiltInView::PendingClient => "Pending client",
            BuiltInView::RecentlyResolved => "Recently resolved",
        }
    }

    /// The name in a page address.
    pub fn slug(self) -> &'static str {
        match self {
            BuiltInView::AllOpen => "all",
            BuiltInView::MyJobs => "mine",
            BuiltInView::MyGroups => "groups",
            BuiltInView::Unassigned => "unassigned",
            BuiltInView::AtRisk => "at-risk",
            BuiltInView::PendingClient => "pending-client",
            BuiltInView::RecentlyResolved => "resolved",
        }
    }

    /// The view a page address names.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.slug() == slug)
    }

    /// Whether `job` belongs to this view for `viewer` at `now`. Visibility
    /// is part of it: nobody's view holds a job they may not see.
    pub fn holds(self, viewer: &Viewer, job: &Job, now: Timestamp) -> bool {
        views_holding(viewer, job, now)[self as usize]
    }
}

/// Which built-in views hold `job` for `viewer` at `now`, indexed like
/// [`BuiltInView::ALL`]: worked out once per job, so that counting every view
/// costs one pass.
pub fn views_holding(viewer: &Viewer, job: &Job, now: Timestamp) -> [bool; BuiltInView::ALL.len()] {
    if !viewer.can_see(job) {
        return [false; BuiltInView::ALL.len()];
    }
    let open = job.status.is_open();
    let in_my_groups = job
        .group
        .as_ref()
        .is_some_and(|g| viewer.groups.contains(&g.id));
    let mine = job
        .technician
        .as_ref()
        .is_some_and(|t| t.id == viewer.user.id);
    [
        open,
        open && mine,
        open && in_my_groups,
        open && job.technician.is_none() && (in_my_groups || job.group.is_none()),
        open && at_risk(job, now),
        job.status == Status::PendingClient,
        !open && now.as_second() - job.updated_at.as_second() <= RECENT_SECONDS,
    ]
}

/// The time a job should be resolved by. Until business-hours SLA policies
/// exist this is a fixed target per priority counted from when the job was
/// logged: P1 4 hours, P2 8 hours, P3 3 days, P4 5 days.
pub fn due_at(job: &Job) -> Timestamp {
    let hours: i64 = match job.priority {
        Priority::P1 => 4,
        Priority::P2 => 8,
        Priority::P3 => 72,
        Priority::P4 => 120,
    };
    Timestamp::from_second(job.created_at.as_second().saturating_add(hours * 3600))
        .unwrap_or(job.created_at)
}

/// Whether an open job has used three quarters of its time or more.
pub fn at_risk(job: &Job, now: Timestamp) -> bool {
    let start = job.created_at.as_second();
    let due = due_at(job).as_second();
    let warn = start + (due - start) * 3 / 4;
    now.as_second() >= warn
}

/// What a queue can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Most urgent first, then oldest.
    #[default]
    Priority,
    /// Soonest due first.
    Due,
    /// Oldest first.
    Age,
    /// Most recently changed first.
    LastUpdate,
}

impl SortKey {
    /// Every sort order.
    pub const ALL: [SortKey; 4] = [
        SortKey::Priority,
        SortKey::Due,
        SortKey::Age,
        SortKey::LastUpdate,
    ];

    /// The name in a page address.
    pub fn slug(self) -> &'static str {
        match self {
            SortKey::Priority => "priority",
            SortKey::Due => "due",
            SortKey::Age => "age",
            SortKey::LastUpdate => "updated",
        }
    }

    /// The label of the sort menu.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Priority => "Priority",
            SortKey::Due => "Due time",
            SortKey::Age => "Age",
            SortKey::LastUpdate => "Last update",
        }
    }

    /// The order a page address names.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// Compares two jobs in this order; ties fall back to the reference so
    /// that the order is total and the same everywhere.
    pub fn compare(self, a: &Job, b: &Job) -> Ordering {
        let primary = match self {
            SortKey::Priority => a
                .priority
                .cmp(&b.priority)
                .then(a.created_at.cmp(&b.created_at)),
            SortKey::Due => due_at(a).cmp(&due_at(b)),
            SortKey::Age => a.created_at.cmp(&b.created_at),
            SortKey::LastUpdate => b.updated_at.cmp(&a.updated_at),
        };
        primary.then(a.reference.cmp(&b.reference))
    }
}

/// Narrows a view: each non-empty list must contain the job's value, and
/// the text must appear in the title or description (ignoring case).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    /// Statuses to keep.
    #[serde(default)]
    pub statuses: Vec<Status>,
    /// Priorities to keep.
    #[serde(default)]
    pub priorities: Vec<Priority>,
    /// Group ids to keep; `none` keeps jobs without a group.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Technician ids to keep; `none` keeps jobs nobody has.
    #[serde(default)]
    pub technicians: Vec<String>,
    /// Client ids to keep.
    #[serde(default)]
    pub clients: Vec<String>,
    /// Organisations to keep.
    #[serde(default)]
    pub organisations: Vec<String>,
    /// Categories to keep.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Words to find in the title or description.
    #[serde(default)]
    pub text: String,
}

fn kept<T: PartialEq>(list: &[T], value: &T) -> bool {
    list.is_empty() || list.contains(value)
}

fn kept_or_none(list: &[String], value: Option<&str>) -> bool {
    list.is_empty()
        || match value {
            Some(value) => list.iter().any(|v| v == value),
            None => list.iter().any(|v| v == "none"),
        }
}

impl QueueFilter {
    /// Whether `job` passes the filter. `needle` is the filter's text in
    /// lower case, computed once per query (see [`QueueFilter::needle`]).
    pub fn keeps(&self, job: &Job, needle: &str) -> bool {
        self.keeps_fields(job)
            && (needle.is_empty()
                || contains_ignoring_case(&job.title, needle)
                || contains_ignoring_case(&job.description, needle))
    }

    /// Whether `job` passes every part of the filter but the text.
    pub fn keeps_fields(&self, job: &Job) -> bool {
        kept(&self.statuses, &job.status)
            && kept(&self.priorities, &job.priority)
            && kept_or_none(&self.groups, job.group.as_ref().map(|g| g.id.as_str()))
            && kept_or_none(
                &self.technicians,
                job.technician.as_ref().map(|t| t.id.as_str()),
            )
            && kept(&self.clients, &job.client.id)
            && kept(&self.organisations, &job.client.organisation)
            && kept(&self.categories, &job.category)
    }

    /// The filter's text, trimmed and in lower case.
    pub fn needle(&self) -> String {
        self.text.trim().to_lowercase()
    }

    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
            && self.priorities.is_empty()
            && self.groups.is_empty()
            && self.technicians.is_empty()
            && self.clients.is_empty()
            && self.organisations.is_empty()
            && self.categories.is_empty()
            && self.text.trim().is_empty()
    }
}

fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        haystack.to_lowercase().contains(needle)
    }
}

/// A column of the queue table besides the reference and the selection box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// P1–P4.
    Priority,
    /// The title.
    Title,
    /// Lifecycle status.
    Status,
    /// Whose move it is.
    WhoseMove,
    /// The group.
    Group,
    /// The technician.
    Technician,
    /// The client and organisation.
    Client,
    /// How long ago it was logged.
    Age,
    /// Who is on the job now.
    OnIt,
}

impl Column {
    /// Every column, in table order.
    pub const ALL: [Column; 9] = [
        Column::Priority,
        Column::Title,
        Column::Status,
        Column::WhoseMove,
        Column::Group,
        Column::Technician,
        Column::Client,
        Column::Age,
        Column::OnIt,
    ];

    /// The header.
    pub fn label(self) -> &'static str {
        match self {
            Column::Priority => "Priority",
            Column::Title => "Title",
            Column::Status => "Status",
            Column::WhoseMove => "Whose move",
            Column::Group => "Group",
            Column::Technician => "Technician",
            Column::Client => "Client",
            Column::Age => "Age",
            Column::OnIt => "On it",
        }
    }

    /// The name in a page address.
    pub fn slug(self) -> &'static str {
        match self {
            Column::Priority => "priority",
            Column::Title => "title",
            Column::Status => "status",
            Column::WhoseMove => "whose",
            Column::Group => "group",
            Column::Technician => "technician",
            Column::Client => "client",
            Column::Age => "age",
            Column::OnIt => "on-it",
        }
    }
}

/// A whole queue question: a view, a filter, an order and the columns
/// shown. It is also what a page address and a saved view hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueQuery {
    /// The built-in view it starts from.
    pub view: BuiltInView,
    /// What narrows it.
    #[serde(default)]
    pub filter: QueueFilter,
    /// The order of its rows.
    #[serde(default)]
    pub sort: SortKey,
    /// The columns shown, in table order; empty shows them all.
    #[serde(default)]
    pub columns: Vec<Column>,
}

impl Default for QueueQuery {
    fn default() -> Self {
        Self {
            view: BuiltInView::AllOpen,
            filter: QueueFilter::default(),
            sort: SortKey::Priority,
            columns: Vec::new(),
        }
    }
}

/// A person's saved view: a name for a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    /// The name in the navigation, unique per person.
    pub name: String,
    /// The view, filters and sort it opens.
    pub query: QueueQuery,
}

/// The longest name of a saved view, in characters.
pub const SAVED_NAME_MAX: usize = 60;

fn join<T>(items: &[T], name: impl Fn(&T) -> String) -> Option<String> {
    (!items.is_empty()).then(|| items.iter().map(name).collect::<Vec<_>>().join(","))
}

fn status_slug(status: &Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn status_from_slug(slug: &str) -> Option<Status> {
    serde_json::from_value(serde_json::Value::String(slug.to_owned())).ok()
}

fn priority_from_slug(slug: &str) -> Option<Priority> {
    serde_json::from_value(serde_json::Value::String(slug.to_uppercase())).ok()
}

impl QueueQuery {
    /// Whether the table shows `column`.
    pub fn shows(&self, column: Column) -> bool {
        self.columns.is_empty() || self.columns.contains(&column)
    }

    /// Whether `job` is a row of this query for `viewer` at `now`.
    pub fn holds(&self, viewer: &Viewer, job: &Job, needle: &str, now: Timestamp) -> bool {
        self.view.holds(viewer, job, now) && self.filter.keeps(job, needle)
    }

    /// The query as `name=value` pairs for a page address, leaving out what
    /// is at its default.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let f = &self.filter;
        let mut pairs = vec![("view", self.view.slug().to_owned())];
        let lists: [(&'static str, Option<String>); 7] = [
            ("status", join(&f.statuses, status_slug)),
            (
                "priority",
                join(&f.priorities, |p| p.to_string().to_lowercase()),
            ),
            ("group", join(&f.groups, String::clone)),
            ("technician", join(&f.technicians, String::clone)),
            ("client", join(&f.clients, String::clone)),
            ("organisation", join(&f.organisations, String::clone)),
            ("category", join(&f.categories, String::clone)),
        ];
        pairs.extend(lists.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        if !f.text.trim().is_empty() {
            pairs.push(("q", f.text.trim().to_owned()));
        }
        if self.sort != SortKey::Priority {
            pairs.push(("sort", self.sort.slug().to_owned()));
        }
        if let Some(columns) = join(&self.columns, |c| c.slug().to_owned()) {
            pairs.push(("cols", columns));
        }
        pairs
    }

    /// Reads a query from a page address's pairs. Unknown names and values
    /// are left out rather than refused: an old bookmark still opens.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut query = QueueQuery::default();
        let split = |v: &str| -> Vec<String> {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        for (name, value) in pairs {
            let f = &mut query.filter;
            match name {
                "view" => {
                    if let Some(view) = BuiltInView::from_slug(value) {
                        query.view = view;
                    }
                }
                "status" => {
                    f.statuses = split(value)
                        .iter()
                        .filter_map(|s| status_from_slug(s))
                        .collect()
                }
                "priority" => {
                    f.priorities = split(value)
                        .iter()
                        .filter_map(|s| priority_from_slug(s))
                        .collect()
                }
                "group" => f.groups = split(value),
                "technician" => f.technicians = split(value),
                "client" => f.clients = split(value),
                "organisation" => f.organisations = split(value),
                "category" => f.categories = split(value),
                "q" => f.text = value.to_owned(),
                "sort" => {
                    if let Some(sort) = SortKey::from_slug(value) {
                        query.sort = sort;
                    }
                }
                "cols" => {
                    query.columns = Column::ALL
                        .into_iter()
                        .filter(|c| split(value).iter().any(|v| v == c.slug()))
                        .collect()
                }
                _ => {}
            }
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::fixtures::{job, viewer};
    use crate::domain::{GroupRef, Role, UserRef};

    fn now() -> Timestamp {
        "2026-06-01T09:00:00Z".parse().expect("time")
    }

    fn tess() -> Viewer {
        viewer("tess", Role::Technician, &["network"])
    }

    #[test]
    fn built_in_views_hold_what_their_names_say() {
        let mut mine = job(1, 2, 30);
        mine.technician = Some(UserRef {
            id: "tess".into(),
            name: "Tess".into(),
        });
        mine.status = Status::Assigned;
        let unassigned = job(2, 2, 30);
        let mut elsewhere = job(3, 2, 30);
        elsewhere.group = Some(GroupRef {
            id: "desktop".into(),
            name: "Desktop".into(),
        });
        let mut waiting = mine.clone();
        waiting.reference.0 += 10;
        waiting.status = Status::PendingClient;
        let mut resolved = unassigned.clone();
        resolved.reference.0 += 10;
        resolved.status = Status::Resolved;
        resolved.updated_at = now();
        let holds = |view: BuiltInView, j: &Job| view.holds(&tess(), j, now());
        assert!(holds(BuiltInView::MyJobs, &mine));
        assert!(!holds(BuiltInView::MyJobs, &unassigned));
        assert!(holds(BuiltInView::Unassigned, &unassigned));
        assert!(!holds(BuiltInView::Unassigned, &mine));
        assert!(holds(BuiltInView::MyGroups, &mine) && holds(BuiltInView::MyGroups, &unassigned));
        assert!(
            !holds(BuiltInView::AllOpen, &elsewhere),
            "not visible to Tess"
        );
        assert!(holds(BuiltInView::PendingClient, &waiting));
        assert!(holds(BuiltInView::RecentlyResolved, &resolved));
        assert!(!holds(BuiltInView::AllOpen, &resolved));
    }

    #[test]
    fn a_p1_is_at_risk_after_three_hours() {
        let fresh = job(1, 0, 60);
        assert!(!at_risk(&fresh, now()));
        let old = job(2, 0, 3 * 60);
        assert!(at_risk(&old, now()));
    }

    #[test]
    fn addresses_round_trip_and_ignore_what_they_do_not_know() {
        let query = QueueQuery {
            view: BuiltInView::Unassigned,
            filter: QueueFilter {
                statuses: vec![Status::New, Status::PendingThirdParty],
                priorities: vec![Priority::P1],
                groups: vec!["network".into(), "none".into()],
                text: "vpn drops".into(),
                ..QueueFilter::default()
            },
            sort: SortKey::Due,
            columns: vec![Column::Title, Column::Age],
        };
        let pairs = query.to_pairs();
        let back = QueueQuery::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, query);
        let odd =
            QueueQuery::from_pairs([("view", "nope"), ("status", "new,weird"), ("colour", "red")]);
        assert_eq!(odd.view, BuiltInView::AllOpen);
        assert_eq!(odd.filter.statuses, [Status::New]);
        assert_eq!(
            QueueQuery::default().to_pairs(),
            [("view", "all".to_owned())]
        );
    }

    fn any_job() -> impl Strategy<Value = Job> {
        (
            0u64..500,
            0u8..4,
            0i64..20_000,
            0usize..7,
            0usize..3,
            0usize..3,
            0i64..20_000,
            proptest::sample::select(vec!["VPN drops", "Printer jams", "vpn slow", "Mail"]),
        )
            .prop_map(|(n, priority, age, status, group, tech, updated, title)| {
                let mut j = job(n, priority, age);
                j.status = Status::ALL[status];
                j.group = [
                    None,
                    Some(("network", "Network")),
                    Some(("desktop", "Desktop")),
                ][group]
                    .map(|(id, name)| GroupRef {
                        id: id.into(),
                        name: name.into(),
                    });
                j.technician = [None, Some("tess"), Some("tom")][tech].map(|id| UserRef {
                    id: id.into(),
                    name: id.into(),
                });
                j.title = title.into();
                j.updated_at =
                    Timestamp::from_second(now().as_second() - updated * 60).expect("time");
                j
            })
    }

    fn any_query() -> impl Strategy<Value = QueueQuery> {
        (
            proptest::sample::select(BuiltInView::ALL.to_vec()),
            proptest::sample::subsequence(Status::ALL.to_vec(), 0..3),
            proptest::sample::subsequence(
                vec![Priority::P1, Priority::P2, Priority::P3, Priority::P4],
                0..2,
            ),
            proptest::sample::subsequence(vec!["network".to_owned(), "none".to_owned()], 0..2),
            proptest::sample::subsequence(vec!["tess".to_owned(), "none".to_owned()], 0..2),
            proptest::sample::select(vec!["", "vpn", "JAMS", "zzz"]),
            proptest::sample::select(SortKey::ALL.to_vec()),
        )
            .prop_map(
                |(view, statuses, priorities, groups, technicians, text, sort)| QueueQuery {
                    view,
                    filter: QueueFilter {
                        statuses,
                        priorities,
                        groups,
                        technicians,
                        text: text.into(),
                        ..QueueFilter::default()
                    },
                    sort,
                    columns: Vec::new(),
                },
            )
    }

    /// The obvious, slow answer: check every condition by hand.
    fn reference_rows(query: &QueueQuery, who: &Viewer, jobs: &[Job]) -> Vec<Job> {
        let needle = query.filter.text.to_lowercase();
        let f = &query.filter;
        let mut rows: Vec<Job> = jobs
            .iter()
            .filter(|j| query.view.holds(who, j, now()))
            .filter(|j| f.statuses.is_empty() || f.statuses.contains(&j.status))
            .filter(|j| f.priorities.is_empty() || f.priorities.contains(&j.priority))
            .filter(|j| {
                f.groups.is_empty()
                    || f.groups
                        .contains(&j.group.as_ref().map_or("none".to_owned(), |g| g.id.clone()))
            })
            .filter(|j| {
                f.technicians.is_empty()
                    || f.technicians.contains(
                        &j.technician
                            .as_ref()
                            .map_or("none".to_owned(), |t| t.id.clone()),
                    )
            })
            .filter(|j| {
                needle.is_empty()
                    || j.title.to_lowercase().contains(&needle)
                    || j.description.to_lowercase().contains(&needle)
            })
            .cloned()
            .collect();
        let key = |j: &Job| match query.sort {
            SortKey::Priority => (j.priority as i64, j.created_at.as_second(), j.reference.0),
            SortKey::Due => (due_at(j).as_second(), 0, j.reference.0),
            SortKey::Age => (j.created_at.as_second(), 0, j.reference.0),
            SortKey::LastUpdate => (-j.updated_at.as_second(), 0, j.reference.0),
        };
        rows.sort_by_key(key);
        rows
    }

    proptest! {
        #[test]
        fn filtering_and_sorting_match_a_brute_force_reference(
            jobs in proptest::collection::vec(any_job(), 0..80),
            query in any_query(),
        ) {
            let mut unique = std::collections::BTreeMap::new();
            for j in jobs { unique.insert(j.reference, j); }
            let jobs: Vec<Job> = unique.into_values().collect();
            let who = tess();
            let needle = query.filter.needle();
            let mut rows: Vec<Job> = jobs.iter().filter(|j| query.holds(&who, j, &needle, now())).cloned().collect();
            rows.sort_by(|a, b| query.sort.compare(a, b));
            prop_assert_eq!(rows, reference_rows(&query, &who, &jobs));
        }
    }
}
