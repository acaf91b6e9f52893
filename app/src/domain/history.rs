//! A job's history and everything its page is loaded with.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::command::Directory;
use super::event::{Change, Event};
use super::job::Job;
use super::people::{UserRef, Viewer};
use super::presence::Watcher;

/// One entry of a job's history: one committed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Its position in the ordered log.
    pub position: u64,
    /// When it was committed.
    pub at: Timestamp,
    /// Who made it.
    pub actor: UserRef,
    /// What changed.
    pub change: Change,
    /// The job's version after it.
    pub version: u64,
}

impl From<&Event> for HistoryEntry {
    fn from(event: &Event) -> Self {
        Self {
            position: event.position,
            at: event.at,
            actor: event.actor.clone(),
            change: event.change.clone(),
            version: event.job.version,
        }
    }
}

impl HistoryEntry {
    /// The entry as a sentence: who did what.
    pub fn describe(&self) -> String {
        self.change.describe(&self.actor)
    }
}

/// A job page as loaded: the job, its history oldest first, what the forms
/// offer, who else is on it, and the log position all of it reflects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSnapshot {
    /// Who the page is for.
    pub viewer: Viewer,
    /// The log position this snapshot reflects; the live connection
    /// continues from here.
    pub position: u64,
    /// The job now.
    pub job: Job,
    /// Every change, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Groups, people and resolution codes for the forms.
    pub directory: Directory,
    /// Who is on the job now.
    pub watchers: Vec<Watcher>,
    /// The linked jobs the viewer may see, as they are now.
    #[serde(default)]
    pub linked: Vec<super::links::LinkedJob>,
    /// Open jobs that look like this one, best first, while it is open.
    #[serde(default)]
    pub similar: Vec<super::similar::SimilarJob>,
}
