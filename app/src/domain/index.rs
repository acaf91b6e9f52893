//! The in-memory projection that queues are read from: every open job and
//! every job resolved in the last seven days, fed by the ordered log. A
//! query filters and orders it without touching the database, and only the
//! rows of the asked page are copied out, so a view over 100,000 open jobs
//! answers in milliseconds.

use std::cmp::Ordering;
use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::job::{Job, JobRef};
use super::people::Viewer;
use super::similar::{SIMILAR_SHOWN, SimilarJob, rank, rank_key, score, suggestion, title_words};
use super::views::{BuiltInView, QueueQuery, RECENT_SECONDS, SortKey, views_holding};

/// The most rows one page of a queue holds.
pub const PAGE_MAX: usize = 500;

/// How many jobs a view holds for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewCount {
    /// The view.
    pub view: BuiltInView,
    /// How many jobs it holds.
    pub count: usize,
}

/// One page of a queue, with the log position it reflects and the counts of
/// every built-in view, so that the navigation and the rows agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    /// The last log position included.
    pub position: u64,
    /// Whose queue it is: the browser decides with it where pushed changes
    /// land.
    pub viewer: Viewer,
    /// The question answered.
    pub query: QueueQuery,
    /// How many rows the whole query holds.
    pub total: usize,
    /// Where this page starts in the whole query.
    pub offset: usize,
    /// The rows of this page, in order.
    pub rows: Vec<Job>,
    /// Every built-in view's count.
    pub counts: Vec<ViewCount>,
    /// The person's saved views.
    #[serde(default)]
    pub saved: Vec<super::views::SavedView>,
}

/// Every job a queue can show, kept in one contiguous list (scanning it is
/// the common case) with a map from reference to place.
#[derive(Debug, Clone, Default)]
pub struct QueueIndex {
    entries: Vec<Entry>,
    places: HashMap<JobRef, usize>,
    /// Every title word seen, numbered: entries keep numbers, not copies.
    vocabulary: HashMap<String, u32>,
    /// Each word by its number.
    spelled: Vec<String>,
    /// The jobs whose titles hold each word, by the word's number, for
    /// suggesting similar jobs without reading every title.
    postings: Vec<Vec<JobRef>>,
}

/// A job with its title and description in lower case, for text filters,
/// and the numbers of its title's words, for similar jobs.
#[derive(Debug, Clone)]
struct Entry {
    job: Job,
    text: String,
    words: Vec<u32>,
}

fn recent(job: &Job, now: Timestamp) -> bool {
    job.status.is_open() || now.as_second() - job.updated_at.as_second() <= RECENT_SECONDS
}

impl QueueIndex {
    /// An index of `jobs`, keeping those a queue can show at `now`.
    pub fn new(jobs: impl IntoIterator<Item = Job>, now: Timestamp) -> Self {
        let mut index = Self::default();
        for job in jobs {
            index.apply(job, now);
        }
        index
    }

    /// Takes in a job as it is after a change.
    pub fn apply(&mut self, job: Job, now: Timestamp) {
        let reference = job.reference;
        match (self.places.get(&reference).copied(), recent(&job, now)) {
            (Some(at), true) => {
                let entry = self.entry(job);
                if entry.words != self.entries[at].words {
                    let old = std::mem::take(&mut self.entries[at].words);
                    self.unpost(reference, &old);
                    self.post(reference, &entry.words);
                }
                self.entries[at] = entry;
            }
            (None, true) => {
                let entry = self.entry(job);
                self.post(reference, &entry.words);
                self.places.insert(reference, self.entries.len());
                self.entries.push(entry);
            }
            (Some(at), false) => self.remove_at(at),
            (None, false) => {}
        }
    }

    /// The entry for `job`, numbering the words of its title that are new.
    fn entry(&mut self, job: Job) -> Entry {
        let text = format!("{}\n{}", job.title, job.description).to_lowercase();
        let mut words: Vec<u32> = title_words(&job.title)
            .into_iter()
            .map(|word| match self.vocabulary.get(&word) {
                Some(number) => *number,
                None => {
                    let number = self.spelled.len() as u32;
                    self.vocabulary.insert(word.clone(), number);
                    self.spelled.push(word);
                    self.postings.push(Vec::new());
                    number
                }
            })
            .collect();
        words.sort_unstable();
        Entry { job, text, words }
    }

    fn post(&mut self, reference: JobRef, words: &[u32]) {
        for word in words {
            self.postings[*word as usize].push(reference);
        }
    }

    fn unpost(&mut self, reference: JobRef, words: &[u32]) {
        for word in words {
            self.postings[*word as usize].retain(|r| *r != reference);
        }
    }

    fn remove_at(&mut self, at: usize) {
        let gone = self.entries.swap_remove(at);
        self.unpost(gone.job.reference, &gone.words);
        self.places.remove(&gone.job.reference);
        if let Some(moved) = self.entries.get(at) {
            self.places.insert(moved.job.reference, at);
        }
    }

    /// The open jobs most like `job` that `viewer` may see, best first (see
    /// [`super::similar`]).
    pub fn similar(&self, viewer: &Viewer, job: &Job) -> Vec<SimilarJob> {
        // Words the index has never seen are in no other title.
        let words: Vec<u32> = title_words(&job.title)
            .iter()
            .filter_map(|w| self.vocabulary.get(w).copied())
            .collect();
        // How many of the words each candidate shares; then the best few
        // are picked by score before anything is copied out.
        let mut shared: HashMap<JobRef, usize> = HashMap::new();
        for word in &words {
            for reference in &self.postings[*word as usize] {
                *shared.entry(*reference).or_default() += 1;
            }
        }
        let mut best: Vec<(u32, &Entry)> = shared
            .into_iter()
            .filter_map(|(reference, count)| {
                let entry = &self.entries[*self.places.get(&reference)?];
                let score = score(job, &entry.job, count)?;
                viewer.can_see(&entry.job).then_some((score, entry))
            })
            .collect();
        let order = |a: &(u32, &Entry), b: &(u32, &Entry)| {
            rank_key(a.0, a.1.job.reference).cmp(&rank_key(b.0, b.1.job.reference))
        };
        if best.len() > SIMILAR_SHOWN {
            best.select_nth_unstable_by(SIMILAR_SHOWN, order);
            best.truncate(SIMILAR_SHOWN);
        }
        let mut found: Vec<SimilarJob> = best
            .into_iter()
            .filter_map(|(_, entry)| {
                let mut spelled: Vec<String> = entry
                    .words
                    .iter()
                    .filter(|w| words.contains(w))
                    .map(|w| self.spelled[*w as usize].clone())
                    .collect();
                spelled.sort_unstable();
                suggestion(job, &entry.job, spelled)
            })
            .collect();
        rank(&mut found);
        found
    }

    /// Forgets resolved jobs older than the "Recently resolved" window.
    pub fn prune(&mut self, now: Timestamp) {
        let mut at = 0;
        while at < self.entries.len() {
            if recent(&self.entries[at].job, now) {
                at += 1;
            } else {
                self.remove_at(at);
            }
        }
    }

    /// A job, if the index holds it.
    pub fn get(&self, reference: JobRef) -> Option<&Job> {
        self.places.get(&reference).map(|at| &self.entries[*at].job)
    }

    /// How many jobs the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index holds no job.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every job the index holds, in no order.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.entries.iter().map(|e| &e.job)
    }

    /// The rows `offset..offset + limit` of `query` for `viewer` (at most
    /// [`PAGE_MAX`]), the total, and every built-in view's count, in one pass
    /// over the index. Only the rows of the page are put in full order and
    /// copied out.
    pub fn page(
        &self,
        viewer: &Viewer,
        query: &QueueQuery,
        offset: usize,
        limit: usize,
        now: Timestamp,
    ) -> (usize, Vec<Job>, Vec<ViewCount>) {
        let mut counts = [0usize; BuiltInView::ALL.len()];
        let rows = self.scan(viewer, query, now, &mut counts);
        let total = rows.len();
        let counts = BuiltInView::ALL
            .into_iter()
            .zip(counts)
            .map(|(view, count)| ViewCount { view, count })
            .collect();
        let page = ordered(rows, query, offset, limit.min(PAGE_MAX));
        (total, page.into_iter().cloned().collect(), counts)
    }

    /// The references of the first `limit` rows of `query` for `viewer`, in
    /// order, with no cap: what a bulk change over "all that match" acts on.
    pub fn references(
        &self,
        viewer: &Viewer,
        query: &QueueQuery,
        limit: usize,
        now: Timestamp,
    ) -> Vec<JobRef> {
        let mut counts = [0usize; BuiltInView::ALL.len()];
        let rows = self.scan(viewer, query, now, &mut counts);
        ordered(rows, query, 0, limit)
            .into_iter()
            .map(|job| job.reference)
            .collect()
    }

    /// Every job `query` holds for `viewer`, in no order, counting on the way
    /// how many jobs each built-in view holds.
    fn scan(
        &self,
        viewer: &Viewer,
        query: &QueueQuery,
        now: Timestamp,
        counts: &mut [usize; BuiltInView::ALL.len()],
    ) -> Vec<&Job> {
        let needle = query.filter.needle();
        let unfiltered = query.filter.is_empty();
        let mut rows: Vec<&Job> = Vec::new();
        for entry in &self.entries {
            let job = &entry.job;
            let held = views_holding(viewer, job, now);
            for (count, held) in counts.iter_mut().zip(held) {
                *count += usize::from(held);
            }
            if held[query.view as usize]
                && (unfiltered
                    || (query.filter.keeps_fields(job)
                        && (needle.is_empty() || entry.text.contains(&needle))))
            {
                rows.push(job);
            }
        }
        rows
    }

    /// The most urgent open job nobody has in `viewer`'s groups that they may
    /// take, skipping `except` (jobs someone else is being given right now).
    pub fn next_for(&self, viewer: &Viewer, except: &[JobRef], now: Timestamp) -> Option<&Job> {
        self.jobs()
            .filter(|j| {
                BuiltInView::Unassigned.holds(viewer, j, now)
                    && j.group
                        .as_ref()
                        .is_some_and(|g| viewer.groups.contains(&g.id))
                    && !except.contains(&j.reference)
                    && viewer.can_take(j).is_ok()
            })
            .min_by(|a, b| SortKey::Priority.compare(a, b))
    }
}

/// The rows `offset..offset + limit` of `rows` in `query`'s order, ordering
/// only as much as that needs.
fn ordered<'a>(
    mut rows: Vec<&'a Job>,
    query: &QueueQuery,
    offset: usize,
    limit: usize,
) -> Vec<&'a Job> {
    let total = rows.len();
    let end = offset.saturating_add(limit).min(total);
    if offset >= end {
        return Vec::new();
    }
    let order = |a: &&Job, b: &&Job| query.sort.compare(a, b);
    if end < total {
        rows.select_nth_unstable_by(end, order);
        rows.truncate(end);
    }
    rows.sort_unstable_by(order);
    rows.drain(offset..).collect()
}

/// Applies a pushed change to the rows of a loaded page: the job replaces
/// its row, moves to where `query` orders it, or leaves when it no longer
/// belongs. Returns how the view's total changes (+1, 0 or -1).
pub fn apply_to_page(
    rows: &mut Vec<Job>,
    viewer: &Viewer,
    query: &QueueQuery,
    reference: JobRef,
    job: Option<Job>,
    now: Timestamp,
) -> isize {
    let before = rows.iter().position(|r| r.reference == reference);
    if let Some(at) = before {
        rows.remove(at);
    }
    let needle = query.filter.needle();
    let now_in = job
        .as_ref()
        .is_some_and(|j| query.holds(viewer, j, &needle, now));
    if let Some(job) = job.filter(|_| now_in) {
        let at = rows.partition_point(|r| query.sort.compare(r, &job) == Ordering::Less);
        rows.insert(at, job);
    }
    match (before.is_some(), now_in) {
        (false, true) => 1,
        (true, false) => -1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{job, viewer};
    use crate::domain::{GroupRef, Role, Status, UserRef};

    fn now() -> Timestamp {
        "2026-06-01T09:00:00Z".parse().expect("time")
    }

    proptest::proptest! {
        /// A page of the index is the slice of the brute-force answer: every
        /// job checked one by one, then sorted.
        #[test]
        fn pages_match_a_brute_force_reference(
            specs in proptest::collection::vec((0u64..400, 0u8..4, 0i64..9000, 0usize..7, proptest::bool::ANY), 0..150),
            view in proptest::sample::select(BuiltInView::ALL.to_vec()),
            sort in proptest::sample::select(SortKey::ALL.to_vec()),
            text in proptest::sample::select(vec!["", "job 1", "JOB 2"]),
            offset in 0usize..40,
            limit in 1usize..60,
        ) {
            let jobs: Vec<Job> = specs.into_iter().map(|(n, p, age, status, mine)| {
                let mut j = job(n, p, age);
                j.status = Status::ALL[status];
                if mine {
                    j.technician = Some(UserRef { id: "tess".into(), name: "Tess".into() });
                }
                j
            }).collect();
            let index = QueueIndex::new(jobs, now());
            let tess = viewer("tess", Role::Technician, &["network"]);
            let query = QueueQuery {
                view,
                filter: crate::domain::QueueFilter { text: text.into(), ..Default::default() },
                sort,
                columns: Vec::new(),
            };
            let needle = query.filter.needle();
            let mut expected: Vec<Job> = index.jobs().filter(|j| query.holds(&tess, j, &needle, now())).cloned().collect();
            expected.sort_by(|a, b| sort.compare(a, b));
            let (total, rows, counts) = index.page(&tess, &query, offset, limit, now());
            proptest::prop_assert_eq!(total, expected.len());
            let end = (offset + limit).min(expected.len());
            let slice = if offset < end { expected[offset..end].to_vec() } else { Vec::new() };
            proptest::prop_assert_eq!(rows, slice);
            let view_count = counts.iter().find(|c| c.view == view).map(|c| c.count);
            let held = index.jobs().filter(|j| view.holds(&tess, j, now())).count();
            proptest::prop_assert_eq!(view_count, Some(held));
        }
    }

    proptest::proptest! {
        /// Similar jobs found through the word postings are those found by
        /// comparing the job with every job one by one, also after titles
        /// change and jobs leave the index.
        #[test]
        fn similar_jobs_match_a_brute_force_reference(
            specs in proptest::collection::vec((0u64..200, 0usize..6, 0usize..7, 0usize..3, proptest::bool::ANY), 1..120),
            retitled in proptest::collection::vec((0usize..120, 0usize..6), 0..20),
            asked in 0usize..120,
        ) {
            const TITLES: [&str; 6] = [
                "VPN drops every few minutes",
                "VPN drops at the branch office",
                "Printer jams at the branch office",
                "No Wi-Fi on the second floor",
                "Wi-Fi drops on the second floor",
                "Laptop will not boot",
            ];
            let mut jobs: Vec<Job> = specs.into_iter().map(|(n, title, status, organisation, desktop)| {
                let mut j = job(n, 2, 30);
                j.title = TITLES[title].into();
                j.status = Status::ALL[status];
                j.client.organisation = ["Acme", "Globex", "Initech"][organisation].into();
                if desktop {
                    j.group = Some(GroupRef { id: "desktop".into(), name: "Desktop".into() });
                }
                j
            }).collect();
            let mut index = QueueIndex::new(jobs.clone(), now());
            for (at, title) in retitled {
                let at = at % jobs.len();
                // Closed long ago, the job leaves the index; reopened with
                // another title, it comes back.
                let mut gone = jobs[at].clone();
                gone.status = Status::Closed;
                gone.updated_at = Timestamp::UNIX_EPOCH;
                index.apply(gone, now());
                proptest::prop_assert!(index.get(jobs[at].reference).is_none());
                jobs[at].title = TITLES[title].into();
                jobs[at].status = Status::New;
                index.apply(jobs[at].clone(), now());
                if title % 2 == 0 {
                    jobs[at].title = TITLES[(title + 1) % TITLES.len()].into();
                    index.apply(jobs[at].clone(), now());
                }
            }
            let tess = viewer("tess", Role::Technician, &["network"]);
            let job = &jobs[asked % jobs.len()];
            let mut expected: Vec<SimilarJob> = index
                .jobs()
                .filter(|other| tess.can_see(other))
                .filter_map(|other| crate::domain::similar::similarity(job, other))
                .collect();
            rank(&mut expected);
            proptest::prop_assert_eq!(index.similar(&tess, job), expected);
        }
    }

    #[test]
    fn pages_are_slices_of_the_full_order() {
        let jobs: Vec<Job> = (0..300)
            .map(|n| job(n, (n % 4) as u8, (n * 7 % 500) as i64))
            .collect();
        let index = QueueIndex::new(jobs.clone(), now());
        let tess = viewer("tess", Role::Technician, &["network"]);
        let query = QueueQuery::default();
        let (total, all, _) = index.page(&tess, &query, 0, PAGE_MAX, now());
        assert_eq!(total, 300);
        let mut expected = jobs;
        expected.sort_by(|a, b| query.sort.compare(a, b));
        assert_eq!(all, expected);
        let (_, page, _) = index.page(&tess, &query, 40, 25, now());
        assert_eq!(page, expected[40..65]);
        let (_, past_the_end, _) = index.page(&tess, &query, 400, 25, now());
        assert!(past_the_end.is_empty());
    }

    #[test]
    fn all_that_match_is_not_cut_to_a_page() {
        let jobs: Vec<Job> = (0..(PAGE_MAX as u64 + 100))
            .map(|n| job(n, 1, 10))
            .collect();
        let index = QueueIndex::new(jobs, now());
        let tess = viewer("tess", Role::Technician, &["network"]);
        let all = index.references(&tess, &QueueQuery::default(), 5_001, now());
        assert_eq!(all.len(), PAGE_MAX + 100);
        let (_, page, _) = index.page(&tess, &QueueQuery::default(), 0, 5_001, now());
        assert_eq!(page.len(), PAGE_MAX, "a page is capped");
    }

    #[test]
    fn counts_follow_the_views() {
        let mut mine = job(1, 0, 10);
        mine.technician = Some(UserRef {
            id: "tess".into(),
            name: "Tess".into(),
        });
        mine.status = Status::InProgress;
        let mut resolved = job(2, 0, 10);
        resolved.status = Status::Resolved;
        resolved.updated_at = now();
        let mut long_gone = job(3, 0, 10);
        long_gone.status = Status::Closed;
        long_gone.updated_at =
            Timestamp::from_second(now().as_second() - 30 * 86_400).expect("time");
        let index = QueueIndex::new([mine, resolved, long_gone, job(4, 1, 10)], now());
        assert_eq!(index.len(), 3, "old closed jobs are not kept");
        let tess = viewer("tess", Role::Technician, &["network"]);
        let (_, _, counts) = index.page(&tess, &QueueQuery::default(), 0, 1, now());
        let count = |v: BuiltInView| counts.iter().find(|c| c.view == v).expect("view").count;
        assert_eq!(count(BuiltInView::AllOpen), 2);
        assert_eq!(count(BuiltInView::MyJobs), 1);
        assert_eq!(count(BuiltInView::Unassigned), 1);
        assert_eq!(count(BuiltInView::RecentlyResolved), 1);
    }

    #[test]
    fn next_is_the_most_urgent_unassigned_job_of_my_groups() {
        let mut other_group = job(1, 0, 100);
        other_group.group = Some(GroupRef {
            id: "desktop".into(),
            name: "Desktop".into(),
        });
        let index = QueueIndex::new(
            [other_group, job(2, 2, 100), job(3, 1, 5), job(4, 1, 50)],
            now(),
        );
        let tess = viewer("tess", Role::Technician, &["network"]);
        let next = index.next_for(&tess, &[], now()).expect("a job");
        assert_eq!(
            next.reference,
            JobRef(JobRef::FIRST + 4),
            "P2, the older of two"
        );
        let after = index
            .next_for(&tess, &[next.reference], now())
            .expect("another");
        assert_eq!(after.reference, JobRef(JobRef::FIRST + 3));
    }

    #[test]
    fn live_changes_keep_a_page_in_order_and_count_arrivals_and_departures() {
        let tess = viewer("tess", Role::Technician, &["network"]);
        let query = QueueQuery {
            view: BuiltInView::Unassigned,
            ..QueueQuery::default()
        };
        let mut rows = vec![job(1, 0, 10), job(2, 2, 10)];
        assert_eq!(
            apply_to_page(
                &mut rows,
                &tess,
                &query,
                JobRef(JobRef::FIRST + 3),
                Some(job(3, 1, 10)),
                now()
            ),
            1
        );
        assert_eq!(
            rows[1].reference,
            JobRef(JobRef::FIRST + 3),
            "in priority order"
        );
        let mut taken = job(1, 0, 10);
        taken.technician = Some(UserRef {
            id: "tom".into(),
            name: "Tom".into(),
        });
        assert_eq!(
            apply_to_page(
                &mut rows,
                &tess,
                &query,
                taken.reference,
                Some(taken),
                now()
            ),
            -1,
            "taken jobs leave Unassigned"
        );
        assert_eq!(rows.len(), 2);
    }
}
