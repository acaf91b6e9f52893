//! Similar open jobs: while a job is open, the open jobs whose titles share
//! its words (more so from the same organisation and category) are shown on
//! its page, so that a spreading outage is noticed while it spreads, and the
//! reports can be linked to one another.
//!
//! The score is deliberately plain: two points for each word the titles
//! share, one for the same organisation, one for the same category. Short
//! and common words carry no meaning here and are left out.

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

use super::job::{Job, JobRef, Status};

/// How many similar jobs a page shows.
pub const SIMILAR_SHOWN: usize = 5;

/// The lowest score worth showing: two shared words, or one shared word
/// from the same organisation and category.
const SCORE_MIN: u32 = 4;

/// Words shorter than this say little about a problem.
const WORD_MIN: usize = 3;

/// Words that appear in every kind of report.
const STOP_WORDS: [&str; 40] = [
    "the", "and", "for", "with", "not", "can", "cannot", "can't", "from", "has", "have", "our",
    "all", "are", "any", "get", "got", "its", "this", "that", "when", "what", "since", "after",
    "again", "still", "does", "doesn't", "will", "won't", "into", "out", "but", "too", "very",
    "now", "every", "some", "keeps", "there",
];

/// The words of a title that can make two jobs alike: in lower case, sorted,
/// each once.
pub fn title_words(title: &str) -> Vec<String> {
    let mut words: Vec<String> = title
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.chars().count() >= WORD_MIN && !STOP_WORDS.contains(&w.as_str()))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// An open job that looks like the one on the page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SimilarJob {
    /// Which job.
    pub reference: JobRef,
    /// Its title.
    pub title: String,
    /// Where it stands.
    pub status: Status,
    /// Its client's organisation.
    pub organisation: String,
    /// The words the two titles share.
    pub shared: Vec<String>,
    /// How alike the two are; higher is more alike.
    pub score: u32,
}

/// How much `other` looks like `job`, given the words their titles share
/// (see [`title_words`]); nothing when it is not open, is `job` itself, is
/// linked to it already, or is not alike enough.
pub fn suggestion(job: &Job, other: &Job, shared: Vec<String>) -> Option<SimilarJob> {
    let score = score(job, other, shared.len())?;
    Some(SimilarJob {
        reference: other.reference,
        title: other.title.clone(),
        status: other.status,
        organisation: other.client.organisation.clone(),
        shared,
        score,
    })
}

/// The score of [`suggestion`] from how many words the titles share, with
/// nothing copied: enough to pick the best among thousands.
pub fn score(job: &Job, other: &Job, shared: usize) -> Option<u32> {
    if other.reference == job.reference
        || !other.status.is_open()
        || shared == 0
        || job.link_to(other.reference).is_some()
    {
        return None;
    }
    let score = 2 * shared as u32
        + u32::from(other.client.organisation == job.client.organisation)
        + u32::from(other.category == job.category);
    (score >= SCORE_MIN).then_some(score)
}

/// [`suggestion`] for two jobs as they are.
pub fn similarity(job: &Job, other: &Job) -> Option<SimilarJob> {
    let theirs = title_words(&other.title);
    let shared = title_words(&job.title)
        .into_iter()
        .filter(|w| theirs.binary_search(w).is_ok())
        .collect();
    suggestion(job, other, shared)
}

/// Puts the most alike first (the newest first among equals, as an outage
/// shows in the latest reports) and keeps [`SIMILAR_SHOWN`] of them.
pub fn rank(found: &mut Vec<SimilarJob>) {
    found.sort_unstable_by_key(|s| rank_key(s.score, s.reference));
    found.truncate(SIMILAR_SHOWN);
}

/// The order [`rank`] puts suggestions in, as a key: smaller comes first.
pub fn rank_key(score: u32, reference: JobRef) -> (Reverse<u32>, Reverse<JobRef>) {
    (Reverse(score), Reverse(reference))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::job;
    use crate::domain::{Link, LinkKind};

    fn titled(n: u64, title: &str) -> Job {
        let mut j = job(n, 2, 0);
        j.title = title.into();
        j
    }

    #[test]
    fn a_title_s_words_leave_out_short_and_common_ones() {
        assert_eq!(
            title_words("The VPN drops again, and again: VPN can't connect"),
            ["connect", "drops", "vpn"]
        );
        assert!(title_words("It is on").is_empty());
    }

    #[test]
    fn jobs_alike_in_words_organisation_and_category_are_suggested() {
        let vpn = titled(1, "VPN drops every few minutes");
        let same = titled(2, "VPN drops at the branch");
        let found = similarity(&vpn, &same).expect("alike");
        assert_eq!(found.shared, ["drops", "vpn"]);
        assert_eq!(found.score, 2 * 2 + 1 + 1);
        // One word in common is enough from the same organisation and
        // category, not from elsewhere.
        let one = titled(3, "VPN certificate expired");
        assert_eq!(similarity(&vpn, &one).map(|s| s.score), Some(4));
        let mut elsewhere = one.clone();
        elsewhere.client.organisation = "Other Ltd".into();
        assert!(similarity(&vpn, &elsewhere).is_none());
        assert!(similarity(&vpn, &titled(4, "Printer jams")).is_none());
    }

    #[test]
    fn closed_linked_and_the_job_itself_are_not_suggested() {
        let mut vpn = titled(1, "VPN drops every few minutes");
        let mut resolved = titled(2, "VPN drops");
        resolved.status = Status::Resolved;
        assert!(similarity(&vpn, &resolved).is_none());
        assert!(similarity(&vpn, &vpn.clone()).is_none());
        let other = titled(3, "VPN drops");
        vpn.links.push(Link {
            kind: LinkKind::Related,
            other: other.reference,
        });
        assert!(similarity(&vpn, &other).is_none());
    }

    #[test]
    fn the_most_alike_and_newest_come_first() {
        let found = |n: u64, score: u32| SimilarJob {
            reference: JobRef(n),
            title: String::new(),
            status: Status::New,
            organisation: String::new(),
            shared: Vec::new(),
            score,
        };
        let mut list: Vec<SimilarJob> = (1..=8).map(|n| found(n, 4)).collect();
        list.push(found(9, 6));
        rank(&mut list);
        let order: Vec<u64> = list.iter().map(|s| s.reference.0).collect();
        assert_eq!(order, [9, 8, 7, 6, 5]);
    }
}
