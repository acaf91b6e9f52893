//! Links between jobs: related, duplicate of an original, child of a parent
//! (a major incident, or a larger piece of work). A link is kept on both
//! jobs, each saying how it relates to the other, and is made or undone on
//! both in one commit.
//!
//! The shapes stay simple on purpose: a job is the duplicate of at most one
//! original and an original is never itself a duplicate; a parent has
//! children, a child has one parent, and nothing is both.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::DeskError;
use super::job::{Job, JobRef, Status};

/// The most links one job may have: enough for a major incident with a
/// thousand affected clients, small enough to keep the job quick to push.
pub const LINKS_MAX: usize = 1000;

/// How a job relates to another, from this job's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// About the same thing, and nothing more.
    Related,
    /// The same request as the other job, which is the original.
    DuplicateOf,
    /// The original that the other job duplicates.
    DuplicatedBy,
    /// Part of the other job: an incident under a major incident.
    ChildOf,
    /// The major incident (or larger piece of work) the other job is part of.
    ParentOf,
}

impl LinkKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [LinkKind; 5] = [
        LinkKind::Related,
        LinkKind::DuplicateOf,
        LinkKind::DuplicatedBy,
        LinkKind::ChildOf,
        LinkKind::ParentOf,
    ];

    /// The same link seen from the other job.
    pub fn reverse(self) -> Self {
        match self {
            LinkKind::Related => LinkKind::Related,
            LinkKind::DuplicateOf => LinkKind::DuplicatedBy,
            LinkKind::DuplicatedBy => LinkKind::DuplicateOf,
            LinkKind::ChildOf => LinkKind::ParentOf,
            LinkKind::ParentOf => LinkKind::ChildOf,
        }
    }

    /// The phrase read before the other job's reference: "duplicate of".
    pub fn label(self) -> &'static str {
        match self {
            LinkKind::Related => "related to",
            LinkKind::DuplicateOf => "duplicate of",
            LinkKind::DuplicatedBy => "original of",
            LinkKind::ChildOf => "child of",
            LinkKind::ParentOf => "parent of",
        }
    }

    /// The name used in forms and the API: `duplicate_of`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Related => "related",
            LinkKind::DuplicateOf => "duplicate_of",
            LinkKind::DuplicatedBy => "duplicated_by",
            LinkKind::ChildOf => "child_of",
            LinkKind::ParentOf => "parent_of",
        }
    }
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for LinkKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LinkKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a kind of link; use one of {}.",
                    LinkKind::ALL.map(LinkKind::as_str).join(", ")
                )
            })
    }
}

/// One link, as kept on the job it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Link {
    /// How this job relates to the other.
    pub kind: LinkKind,
    /// The other job.
    pub other: JobRef,
}

impl Link {
    /// The same link as the other job keeps it, given this job's reference.
    pub fn seen_from_other(self, this: JobRef) -> Link {
        Link {
            kind: self.kind.reverse(),
            other: this,
        }
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.label(), self.other)
    }
}

/// A linked job as the job page lists it: enough to see where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedJob {
    /// Which job.
    pub reference: JobRef,
    /// Its title now.
    pub title: String,
    /// Its status now.
    pub status: Status,
}

impl From<&Job> for LinkedJob {
    fn from(job: &Job) -> Self {
        Self {
            reference: job.reference,
            title: job.title.clone(),
            status: job.status,
        }
    }
}

impl Job {
    /// This job's link to `other`, if it has one.
    pub fn link_to(&self, other: JobRef) -> Option<Link> {
        self.links.iter().copied().find(|l| l.other == other)
    }

    fn first_link(&self, kind: LinkKind) -> Option<JobRef> {
        self.links.iter().find(|l| l.kind == kind).map(|l| l.other)
    }
}

/// Checks that `job` may be linked to `other` as `kind`, both as they are
/// now. Whether the person may change them is the caller's to check.
pub fn check_link(job: &Job, other: &Job, kind: LinkKind) -> Result<(), DeskError> {
    if job.reference == other.reference {
        return Err(DeskError::invalid(
            "other",
            "A job cannot be linked to itself; give another job's reference.",
        ));
    }
    if let Some(existing) = job.link_to(other.reference) {
        return Err(DeskError::invalid(
            "other",
            format!(
                "{} is already {existing}; remove that link first to link it another way.",
                job.reference
            ),
        ));
    }
    for side in [job, other] {
        if side.links.len() >= LINKS_MAX {
            return Err(DeskError::forbidden(format!(
                "{} already has {LINKS_MAX} links; remove some before adding more.",
                side.reference
            )));
        }
    }
    match kind {
        LinkKind::Related => Ok(()),
        LinkKind::DuplicateOf => check_duplicate(job, other),
        LinkKind::DuplicatedBy => check_duplicate(other, job),
        LinkKind::ChildOf => check_child(job, other),
        LinkKind::ParentOf => check_child(other, job),
    }
}

fn check_duplicate(copy: &Job, original: &Job) -> Result<(), DeskError> {
    if let Some(first) = copy.first_link(LinkKind::DuplicateOf) {
        return Err(DeskError::forbidden(format!(
            "{} is already a duplicate of {first}; remove that link first.",
            copy.reference
        )));
    }
    if copy.first_link(LinkKind::DuplicatedBy).is_some() {
        return Err(DeskError::forbidden(format!(
            "{} is the original of other jobs, so it cannot be a duplicate; link them the other way round.",
            copy.reference
        )));
    }
    if let Some(first) = original.first_link(LinkKind::DuplicateOf) {
        return Err(DeskError::forbidden(format!(
            "{} is itself a duplicate of {first}; link to the original, {first}, instead.",
            original.reference
        )));
    }
    Ok(())
}

fn check_child(child: &Job, parent: &Job) -> Result<(), DeskError> {
    if let Some(first) = child.first_link(LinkKind::ChildOf) {
        return Err(DeskError::forbidden(format!(
            "{} is already a child of {first}; remove that link first.",
            child.reference
        )));
    }
    if child.first_link(LinkKind::ParentOf).is_some() {
        return Err(DeskError::forbidden(format!(
            "{} has children of its own, so it cannot be a child; make its children children of {} instead.",
            child.reference, parent.reference
        )));
    }
    if let Some(first) = parent.first_link(LinkKind::ChildOf) {
        return Err(DeskError::forbidden(format!(
            "{} is itself a child of {first}; link to the parent, {first}, instead.",
            parent.reference
        )));
    }
    if parent.status == Status::Closed {
        return Err(DeskError::forbidden(format!(
            "{} is closed, so it cannot take children; reopen it first.",
            parent.reference
        )));
    }
    Ok(())
}

/// Checks that `parent` may close, given its children as they are now: not
/// while any of them is still open.
pub fn check_close(parent: &Job, children: &[Job]) -> Result<(), DeskError> {
    let open: Vec<String> = children
        .iter()
        .filter(|c| c.status.is_open())
        .map(|c| c.reference.to_string())
        .collect();
    match open.as_slice() {
        [] => Ok(()),
        [one] => Err(DeskError::forbidden(format!(
            "{} is the parent of {one}, which is still open; resolve it or remove the link before you close {}.",
            parent.reference, parent.reference
        ))),
        many => Err(DeskError::forbidden(format!(
            "{} is the parent of {} open jobs ({}); resolve them or remove their links before you close it.",
            parent.reference,
            many.len(),
            many.join(", ")
        ))),
    }
}

/// Checks that `child` may be reopened, given its parent as it is now: not
/// under a closed parent, which would then hold an open child.
pub fn check_reopen(child: &Job, parent: &Job) -> Result<(), DeskError> {
    if parent.status == Status::Closed {
        return Err(DeskError::forbidden(format!(
            "{} is a child of {}, which is closed; reopen {} first, or remove the link.",
            child.reference, parent.reference, parent.reference
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::job;

    fn linked(mut job: Job, kind: LinkKind, other: &Job) -> Job {
        job.links.push(Link {
            kind,
            other: other.reference,
        });
        job
    }

    #[test]
    fn every_kind_reverses_back_to_itself_and_reads_by_its_name() {
        for kind in LinkKind::ALL {
            assert_eq!(kind.reverse().reverse(), kind);
            assert_eq!(kind.as_str().parse::<LinkKind>(), Ok(kind));
        }
        assert_eq!(LinkKind::DuplicateOf.reverse(), LinkKind::DuplicatedBy);
        assert_eq!(LinkKind::ChildOf.reverse(), LinkKind::ParentOf);
        assert!(
            "twin_of"
                .parse::<LinkKind>()
                .expect_err("refused")
                .contains("duplicate_of")
        );
    }

    #[test]
    fn a_job_is_not_linked_to_itself_nor_twice_to_the_same_job() {
        let a = job(1, 2, 0);
        let b = job(2, 2, 0);
        let error = check_link(&a, &a, LinkKind::Related).expect_err("refused");
        assert!(error.to_string().contains("itself"));
        let a = linked(a, LinkKind::Related, &b);
        let error = check_link(&a, &b, LinkKind::DuplicateOf).expect_err("refused");
        assert!(
            error.to_string().contains("already related to J-1003"),
            "{error}"
        );
    }

    #[test]
    fn duplicates_point_at_one_original_that_is_not_a_duplicate_itself() {
        let (a, b, c) = (job(1, 2, 0), job(2, 2, 0), job(3, 2, 0));
        assert!(check_link(&a, &b, LinkKind::DuplicateOf).is_ok());
        assert!(check_link(&b, &a, LinkKind::DuplicatedBy).is_ok());
        // `a` is already a duplicate of `c`.
        let a_dup = linked(a.clone(), LinkKind::DuplicateOf, &c);
        let error = check_link(&a_dup, &b, LinkKind::DuplicateOf).expect_err("refused");
        assert!(error.to_string().contains("already a duplicate of J-1004"));
        // Marking `b` a duplicate of `a`, itself a duplicate, names the original.
        let error = check_link(&b, &a_dup, LinkKind::DuplicateOf).expect_err("refused");
        assert!(error.to_string().contains("link to the original, J-1004"));
        // The same rules hold from the original's side.
        let error = check_link(&a_dup, &b, LinkKind::DuplicatedBy).expect_err("refused");
        assert!(error.to_string().contains("link to the original"));
        // An original with duplicates does not become a duplicate.
        let original = linked(a, LinkKind::DuplicatedBy, &c);
        let error = check_link(&original, &b, LinkKind::DuplicateOf).expect_err("refused");
        assert!(error.to_string().contains("is the original of other jobs"));
    }

    #[test]
    fn parents_and_children_stay_one_level_deep() {
        let (parent, child, other) = (job(1, 0, 0), job(2, 2, 0), job(3, 2, 0));
        assert!(check_link(&child, &parent, LinkKind::ChildOf).is_ok());
        assert!(check_link(&parent, &child, LinkKind::ParentOf).is_ok());
        let child_of_other = linked(child.clone(), LinkKind::ChildOf, &other);
        assert!(
            check_link(&child_of_other, &parent, LinkKind::ChildOf)
                .expect_err("refused")
                .to_string()
                .contains("already a child of J-1004")
        );
        // A child does not become a parent, and a parent not a child.
        assert!(
            check_link(&parent, &child_of_other, LinkKind::ChildOf)
                .expect_err("refused")
                .to_string()
                .contains("link to the parent, J-1004")
        );
        let parent_with_children = linked(parent.clone(), LinkKind::ParentOf, &other);
        assert!(
            check_link(&parent_with_children, &child, LinkKind::ChildOf)
                .expect_err("refused")
                .to_string()
                .contains("has children of its own")
        );
        let mut closed = parent;
        closed.status = Status::Closed;
        assert!(
            check_link(&child, &closed, LinkKind::ChildOf)
                .expect_err("refused")
                .to_string()
                .contains("reopen it first")
        );
        // Related jobs may be closed: an old case is worth pointing at.
        assert!(check_link(&child, &closed, LinkKind::Related).is_ok());
    }

    #[test]
    fn a_parent_closes_only_when_every_child_is_resolved_or_closed() {
        let parent = job(1, 0, 0);
        let mut children = vec![job(2, 2, 0), job(3, 2, 0)];
        assert!(check_close(&parent, &[]).is_ok());
        let error = check_close(&parent, &children).expect_err("refused");
        assert!(
            error.to_string().contains("2 open jobs (J-1003, J-1004)"),
            "{error}"
        );
        children[0].status = Status::Resolved;
        let error = check_close(&parent, &children).expect_err("refused");
        assert!(
            error.to_string().contains("J-1004, which is still open"),
            "{error}"
        );
        children[1].status = Status::Closed;
        assert!(check_close(&parent, &children).is_ok());
    }

    #[test]
    fn a_child_reopens_only_under_a_parent_that_is_not_closed() {
        let (child, mut parent) = (job(2, 2, 0), job(1, 0, 0));
        parent.status = Status::Resolved;
        assert!(check_reopen(&child, &parent).is_ok());
        parent.status = Status::Closed;
        let error = check_reopen(&child, &parent).expect_err("refused");
        assert!(error.to_string().contains("reopen J-1002 first"), "{error}");
    }

    #[test]
    fn a_job_with_the_most_links_takes_no_more() {
        let (a, b) = (job(1, 2, 0), job(2, 2, 0));
        let mut full = job(3, 2, 0);
        full.links = (0..LINKS_MAX as u64)
            .map(|n| Link {
                kind: LinkKind::Related,
                other: JobRef(50_000 + n),
            })
            .collect();
        assert!(check_link(&a, &full, LinkKind::Related).is_err());
        assert!(check_link(&full, &b, LinkKind::Related).is_err());
    }
}
