//! The lifecycle of a job: which status moves exist, from which statuses,
//! and who may make them. The table [`LIFECYCLE`] is the one place where
//! this is decided; the server enforces it and the job page uses it to offer
//! only the moves that would succeed.
//!
//! Taking and assigning a job are not moves of this table: they change who
//! owns the job, and the status follows (see [`Status::after_assignment`]).

use serde::{Deserialize, Serialize};

use super::job::{Job, Status};
use super::people::Role;

/// A change of status that a person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// Start (or resume) work on the job.
    Start,
    /// Wait for the client to answer.
    WaitForClient,
    /// Wait for a supplier or another outside party.
    WaitForThirdParty,
    /// The fix is in.
    Resolve,
    /// Done for good.
    Close,
    /// The problem is back, or the fix was not accepted.
    Reopen,
}

impl Move {
    /// Every move, in the order the job page offers them.
    pub const ALL: [Move; 6] = [
        Move::Start,
        Move::WaitForClient,
        Move::WaitForThirdParty,
        Move::Resolve,
        Move::Close,
        Move::Reopen,
    ];

    /// The button label.
    pub fn label(self) -> &'static str {
        match self {
            Move::Start => "Start work",
            Move::WaitForClient => "Wait for client",
            Move::WaitForThirdParty => "Wait for third party",
            Move::Resolve => "Resolve",
            Move::Close => "Close",
            Move::Reopen => "Reopen",
        }
    }

    /// The status a job has after this move. Reopening gives a job back to
    /// its technician when it has one, and to its group's queue otherwise.
    pub fn target(self, job: &Job) -> Status {
        match self {
            Move::Start => Status::InProgress,
            Move::WaitForClient => Status::PendingClient,
            Move::WaitForThirdParty => Status::PendingThirdParty,
            Move::Resolve => Status::Resolved,
            Move::Close => Status::Closed,
            Move::Reopen if job.technician.is_some() => Status::Assigned,
            Move::Reopen => Status::New,
        }
    }
}

/// One row of the lifecycle: people of `roles` may make `action` from any
/// of `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The move.
    pub action: Move,
    /// The statuses it may be made from.
    pub from: &'static [Status],
    /// Who may make it from there.
    pub roles: &'static [Role],
}

const SECOND_LINE: &[Role] = &[Role::Technician, Role::TeamLead, Role::Admin];
const EVERYONE: &[Role] = &[
    Role::FrontLine,
    Role::Technician,
    Role::TeamLead,
    Role::Admin,
];
const OPEN_BUT_NEW: &[Status] = &[
    Status::Assigned,
    Status::InProgress,
    Status::PendingClient,
    Status::PendingThirdParty,
];

/// The lifecycle, New → Assigned → In progress → Pending → Resolved →
/// Closed, with Reopen. A move is allowed when one row names it, the job's
/// status and the person's role.
///
/// | move                 | from                                              | who |
/// | -------------------- | ------------------------------------------------- | --- |
/// | Start work           | Assigned, Pending client, Pending third party     | technician, team lead, admin |
/// | Wait for client      | Assigned, In progress, Pending third party        | technician, team lead, admin |
/// | Wait for third party | Assigned, In progress, Pending client             | technician, team lead, admin |
/// | Resolve              | New (resolved at first contact)                   | everyone |
/// | Resolve              | Assigned, In progress, Pending client, Pending third party | technician, team lead, admin |
/// | Close                | Resolved                                          | everyone |
/// | Reopen               | Resolved, Closed                                  | everyone |
///
/// A new job is started by taking or assigning it first, so that work always
/// has an owner.
pub const LIFECYCLE: &[Transition] = &[
    Transition {
        action: Move::Start,
        from: &[
            Status::Assigned,
            Status::PendingClient,
            Status::PendingThirdParty,
        ],
        roles: SECOND_LINE,
    },
    Transition {
        action: Move::WaitForClient,
        from: &[
            Status::Assigned,
            Status::InProgress,
            Status::PendingThirdParty,
        ],
        roles: SECOND_LINE,
    },
    Transition {
        action: Move::WaitForThirdParty,
        from: &[Status::Assigned, Status::InProgress, Status::PendingClient],
        roles: SECOND_LINE,
    },
    Transition {
        action: Move::Resolve,
        from: &[Status::New],
        roles: EVERYONE,
    },
    Transition {
        action: Move::Resolve,
        from: OPEN_BUT_NEW,
        roles: SECOND_LINE,
    },
    Transition {
        action: Move::Close,
        from: &[Status::Resolved],
        roles: EVERYONE,
    },
    Transition {
        action: Move::Reopen,
        from: &[Status::Resolved, Status::Closed],
        roles: EVERYONE,
    },
];

fn list<T: Copy>(items: impl IntoIterator<Item = T>, name: fn(T) -> &'static str) -> String {
    let names: Vec<&str> = items.into_iter().map(name).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn role_plural(role: Role) -> &'static str {
    match role {
        Role::FrontLine => "front-line agents",
        Role::Technician => "technicians",
        Role::TeamLead => "team leads",
        Role::Admin => "admins",
    }
}

fn status_lower(status: Status) -> &'static str {
    match status {
        Status::New => "new",
        Status::Assigned => "assigned",
        Status::InProgress => "in progress",
        Status::PendingClient => "pending client",
        Status::PendingThirdParty => "pending third party",
        Status::Resolved => "resolved",
        Status::Closed => "closed",
    }
}

/// Whether a person of `role` may make `action` on a job in `status`; when
/// not, a sentence that says why and what would make it possible.
pub fn check(action: Move, status: Status, role: Role) -> Result<(), String> {
    let rows: Vec<&Transition> = LIFECYCLE.iter().filter(|t| t.action == action).collect();
    if rows
        .iter()
        .any(|t| t.from.contains(&status) && t.roles.contains(&role))
    {
        return Ok(());
    }
    let verb = action.label().to_lowercase();
    let for_role: Vec<&Transition> = rows
        .iter()
        .copied()
        .filter(|t| t.roles.contains(&role))
        .collect();
    if for_role.is_empty() {
        let mut roles: Vec<Role> = Vec::new();
        for row in rows.iter().filter(|t| t.from.contains(&status)) {
            for role in row.roles {
                if !roles.contains(role) {
                    roles.push(*role);
                }
            }
        }
        return Err(if roles.is_empty() {
            format!("A job that is {} cannot {verb}.", status_lower(status))
        } else {
            format!(
                "Only {} can {verb} a job that is {}; ask one of them.",
                list(roles, role_plural),
                status_lower(status)
            )
        });
    }
    let mut from: Vec<Status> = Vec::new();
    for row in &for_role {
        for status in row.from {
            if !from.contains(status) {
                from.push(*status);
            }
        }
    }
    let hint = match (action, status) {
        (Move::Start, Status::New) => " Take it or assign it first.",
        (_, Status::Resolved | Status::Closed) if action != Move::Close => " Reopen it first.",
        (Move::Resolve, _) if role == Role::FrontLine => {
            " Once a technician has it, they resolve it."
        }
        _ => "",
    };
    Err(format!(
        "It is {}; you can {verb} it only when it is {}.{hint}",
        status_lower(status),
        list(from, status_lower)
    ))
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 7] = [
        Status::New,
        Status::Assigned,
        Status::InProgress,
        Status::PendingClient,
        Status::PendingThirdParty,
        Status::Resolved,
        Status::Closed,
    ];

    /// The status after the job's technician changes: a new job becomes
    /// assigned when someone gets it, and an assigned or started job goes
    /// back to new when nobody has it any more. Waiting, resolved and closed
    /// jobs keep their status.
    pub fn after_assignment(self, has_technician: bool) -> Status {
        match (self, has_technician) {
            (Status::New, true) => Status::Assigned,
            (Status::Assigned | Status::InProgress, false) => Status::New,
            (status, _) => status,
        }
    }
}

/// The moves a person of `role` could make on `job` now, for the job page.
pub fn available_moves(job: &Job, role: Role) -> Vec<Move> {
    Move::ALL
        .into_iter()
        .filter(|m| check(*m, job.status, role).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lifecycle as a grid written out by hand, independent of the
    /// table: for each move and status, the roles allowed (F front line,
    /// T technician, L team lead, A admin; `-` nobody).
    const EXPECTED: &[(Move, [&str; 7])] = &[
        //                  New     Asgn    InPr    PCli    P3rd    Res     Closed
        (Move::Start, ["-", "TLA", "-", "TLA", "TLA", "-", "-"]),
        (
            Move::WaitForClient,
            ["-", "TLA", "TLA", "-", "TLA", "-", "-"],
        ),
        (
            Move::WaitForThirdParty,
            ["-", "TLA", "TLA", "TLA", "-", "-", "-"],
        ),
        (
            Move::Resolve,
            ["FTLA", "TLA", "TLA", "TLA", "TLA", "-", "-"],
        ),
        (Move::Close, ["-", "-", "-", "-", "-", "FTLA", "-"]),
        (Move::Reopen, ["-", "-", "-", "-", "-", "FTLA", "FTLA"]),
    ];

    fn letter(role: Role) -> char {
        match role {
            Role::FrontLine => 'F',
            Role::Technician => 'T',
            Role::TeamLead => 'L',
            Role::Admin => 'A',
        }
    }

    #[test]
    fn every_status_move_and_role_is_as_the_grid_says() {
        let roles = [
            Role::FrontLine,
            Role::Technician,
            Role::TeamLead,
            Role::Admin,
        ];
        let mut checked = 0;
        for (action, row) in EXPECTED {
            for (status, allowed) in Status::ALL.iter().zip(row) {
                for role in roles {
                    let expected = allowed.contains(letter(role));
                    let got = check(*action, *status, role);
                    assert_eq!(
                        got.is_ok(),
                        expected,
                        "{action:?} from {status:?} by {role:?}: {got:?}"
                    );
                    if let Err(reason) = got {
                        assert!(reason.ends_with('.'), "a sentence: {reason}");
                        assert!(reason.len() > 20, "says why: {reason}");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, Move::ALL.len() * Status::ALL.len() * roles.len());
        assert_eq!(EXPECTED.len(), Move::ALL.len(), "every move is in the grid");
    }

    #[test]
    fn refusals_say_what_would_make_the_move_possible() {
        let new = check(Move::Start, Status::New, Role::Technician).expect_err("refused");
        assert!(new.contains("Take it or assign it first"), "{new}");
        assert!(new.contains("assigned"), "{new}");
        let closed = check(Move::Start, Status::Closed, Role::Technician).expect_err("refused");
        assert!(closed.contains("Reopen it first"), "{closed}");
        let front = check(Move::Start, Status::Assigned, Role::FrontLine).expect_err("refused");
        assert!(
            front.contains("Only technicians, team leads or admins"),
            "{front}"
        );
        let resolve = check(Move::Resolve, Status::InProgress, Role::FrontLine).expect_err("no");
        assert!(resolve.contains("only when it is new"), "{resolve}");
    }

    #[test]
    fn reopening_goes_back_to_the_owner_or_the_group_queue() {
        let mut job = crate::domain::fixtures::job(1, 0, 0);
        job.status = Status::Closed;
        assert_eq!(Move::Reopen.target(&job), Status::New);
        job.technician = Some(crate::domain::UserRef {
            id: "tess".into(),
            name: "Tess".into(),
        });
        assert_eq!(Move::Reopen.target(&job), Status::Assigned);
    }

    #[test]
    fn assignment_moves_new_and_unowned_jobs() {
        assert_eq!(Status::New.after_assignment(true), Status::Assigned);
        assert_eq!(Status::InProgress.after_assignment(false), Status::New);
        assert_eq!(Status::Assigned.after_assignment(true), Status::Assigned);
        assert_eq!(
            Status::PendingClient.after_assignment(false),
            Status::PendingClient
        );
        assert_eq!(Status::Closed.after_assignment(true), Status::Closed);
    }
}
