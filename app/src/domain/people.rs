//! People, roles and the rule of who may see and change which job.

use serde::{Deserialize, Serialize};

use super::job::Job;

/// What a person does at the desk; decides what they may see and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Takes first contact, logs jobs, hands them on.
    FrontLine,
    /// Second line: works the jobs of their groups.
    Technician,
    /// Leads groups: everything a technician does, for their groups.
    TeamLead,
    /// Runs the desk: sees everything.
    Admin,
}

impl Role {
    /// The label people read.
    pub fn label(self) -> &'static str {
        match self {
            Role::FrontLine => "Front line",
            Role::Technician => "Technician",
            Role::TeamLead => "Team lead",
            Role::Admin => "Admin",
        }
    }
}

/// A person as shown on a job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserRef {
    /// The user's id, which is also their user name.
    pub id: String,
    /// Full name.
    pub name: String,
}

/// The signed-in person a request is made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// Who they are.
    pub user: UserRef,
    /// Their role.
    pub role: Role,
    /// The ids of the groups they belong to.
    pub groups: Vec<String>,
}

impl Viewer {
    /// Whether this person may see `job`.
    ///
    /// - Admins and front-line agents see every job: the front line answers
    ///   clients' calls about any of them.
    /// - Technicians and team leads see the jobs of their groups, the jobs
    ///   assigned to them, the jobs they logged, and jobs not yet handed to
    ///   any group.
    pub fn can_see(&self, job: &Job) -> bool {
        match self.role {
            Role::Admin | Role::FrontLine => true,
            Role::Technician | Role::TeamLead => {
                job.logged_by.id == self.user.id
                    || job
                        .technician
                        .as_ref()
                        .is_some_and(|t| t.id == self.user.id)
                    || match &job.group {
                        Some(group) => self.groups.contains(&group.id),
                        None => true,
                    }
            }
        }
    }

    /// Whether this person may log new jobs. Everyone at the desk may.
    pub fn can_log_jobs(&self) -> bool {
        true
    }

    /// Whether this person may take `job` for themselves: technicians and
    /// team leads of the job's group, or of any group when it has none.
    pub fn can_take(&self, job: &Job) -> Result<(), String> {
        if !matches!(self.role, Role::Technician | Role::TeamLead | Role::Admin) {
            return Err(
                "Only technicians and team leads take jobs; assign it to a group instead.".into(),
            );
        }
        if !job.status.is_open() {
            return Err(format!(
                "{} is {}; reopen it before taking it.",
                job.reference,
                job.status.label().to_lowercase()
            ));
        }
        if job
            .technician
            .as_ref()
            .is_some_and(|t| t.id == self.user.id)
        {
            return Err(format!("{} is already yours.", job.reference));
        }
        if let Some(owner) = &job.technician
            && self.role == Role::Technician
        {
            return Err(format!(
                "{} is assigned to {}; ask them or a team lead to reassign it.",
                job.reference, owner.name
            ));
        }
        match &job.group {
            Some(group) if self.role != Role::Admin && !self.groups.contains(&group.id) => {
                Err(format!(
                    "{} belongs to {}; only its members take it.",
                    job.reference, group.name
                ))
            }
            _ => Ok(()),
        }
    }
}

/// A group and the people who may be assigned its jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupWithMembers {
    /// The group.
    pub group: super::job::GroupRef,
    /// Its technicians.
    pub members: Vec<UserRef>,
    /// Its team leads, who take escalations.
    #[serde(default)]
    pub leads: Vec<UserRef>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{job, viewer};

    #[test]
    fn who_sees_a_job_of_the_network_group() {
        let j = job(1, 0, 0);
        assert!(viewer("ada", Role::Admin, &[]).can_see(&j));
        assert!(viewer("fran2", Role::FrontLine, &[]).can_see(&j));
        assert!(viewer("tess", Role::Technician, &["network"]).can_see(&j));
        assert!(viewer("lee", Role::TeamLead, &["network"]).can_see(&j));
        assert!(!viewer("dan", Role::Technician, &["desktop"]).can_see(&j));
        assert!(!viewer("dee", Role::TeamLead, &["desktop"]).can_see(&j));
    }

    #[test]
    fn technicians_also_see_their_own_jobs_and_ungrouped_ones() {
        let dan = viewer("dan", Role::Technician, &["desktop"]);
        let mut j = job(1, 0, 0);
        j.technician = Some(UserRef {
            id: "dan".into(),
            name: "Dan".into(),
        });
        assert!(dan.can_see(&j), "assigned to him");
        let mut j = job(2, 0, 0);
        j.logged_by = UserRef {
            id: "dan".into(),
            name: "Dan".into(),
        };
        assert!(dan.can_see(&j), "logged by him");
        let mut j = job(3, 0, 0);
        j.group = None;
        assert!(dan.can_see(&j), "not yet handed to a group");
    }

    #[test]
    fn taking_a_job_is_for_its_group() {
        let j = job(1, 0, 0);
        assert!(
            viewer("tess", Role::Technician, &["network"])
                .can_take(&j)
                .is_ok()
        );
        let refusal = viewer("dan", Role::Technician, &["desktop"])
            .can_take(&j)
            .expect_err("other group");
        assert!(refusal.contains("Network"), "{refusal}");
        assert!(viewer("fran", Role::FrontLine, &[]).can_take(&j).is_err());
        let mut owned = j.clone();
        owned.technician = Some(UserRef {
            id: "tom".into(),
            name: "Tom".into(),
        });
        assert!(
            viewer("tess", Role::Technician, &["network"])
                .can_take(&owned)
                .expect_err("owned")
                .contains("Tom")
        );
        assert!(
            viewer("lee", Role::TeamLead, &["network"])
                .can_take(&owned)
                .is_ok()
        );
        let mut closed = j;
        closed.status = crate::domain::Status::Closed;
        assert!(
            viewer("tess", Role::Technician, &["network"])
                .can_take(&closed)
                .expect_err("closed")
                .contains("reopen")
        );
    }
}
