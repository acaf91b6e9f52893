//! The one error type of the desk's boundary: every refusal a person or an API
//! client can get, with the HTTP status it maps to and a message that says
//! what to do. Internal causes are logged on the server and never carried
//! here.

use serde::{Deserialize, Serialize};

/// A problem with one field of a form or request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field, as named in the form and the API (`title`, `client`, …).
    pub field: String,
    /// What to fix, in a sentence.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Why the desk refused or failed a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeskError {
    /// Some fields are wrong; each says what to fix. Nothing was written.
    #[error("Some fields need fixing: {}", summary(.errors))]
    Invalid {
        /// One entry per field to fix.
        errors: Vec<FieldError>,
    },
    /// The request needs a signed-in person.
    #[error("Sign in first.")]
    NotSignedIn,
    /// The user name or password is wrong.
    #[error("That user name and password do not match.")]
    BadCredentials,
    /// Too many failed sign-ins from here for this user.
    #[error("Too many failed sign-ins; wait {retry_after_secs} seconds and try again.")]
    TooManyAttempts {
        /// Seconds until the next attempt is accepted.
        retry_after_secs: u64,
    },
    /// The person may not do this; the message says why.
    #[error("{message}")]
    Forbidden {
        /// Why, and what would allow it.
        message: String,
    },
    /// What was asked for does not exist, or is not visible to this person.
    #[error("{message}")]
    NotFound {
        /// What was not found.
        message: String,
    },
    /// Someone else changed the job since this person saw it.
    #[error("{message}")]
    Conflict {
        /// What changed and what to do.
        message: String,
        /// Each change made since, as a sentence (who changed what).
        #[serde(default)]
        changes: Vec<String>,
    },
    /// The server failed; the cause is in its log.
    #[error(
        "The desk could not complete this just now; try again. If it persists, tell your administrator."
    )]
    Unavailable,
    /// The request never reached the desk (network, encoding).
    #[error("The request did not reach the desk: {message}")]
    Transport {
        /// What went wrong on the way.
        message: String,
    },
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

impl DeskError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            DeskError::Invalid { .. } => 422,
            DeskError::NotSignedIn | DeskError::BadCredentials => 401,
            DeskError::TooManyAttempts { .. } => 429,
            DeskError::Forbidden { .. } => 403,
            DeskError::NotFound { .. } => 404,
            DeskError::Conflict { .. } => 409,
            DeskError::Unavailable => 500,
            DeskError::Transport { .. } => 502,
        }
    }

    /// A refusal that says why.
    pub fn forbidden(message: impl Into<String>) -> Self {
        DeskError::Forbidden {
            message: message.into(),
        }
    }

    /// Something that does not exist or that this person may not see.
    pub fn not_found(message: impl Into<String>) -> Self {
        DeskError::NotFound {
            message: message.into(),
        }
    }

    /// One field is wrong.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        DeskError::Invalid {
            errors: vec![FieldError::new(field, message)],
        }
    }

    /// The message for `field`, if this error names it.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        match self {
            DeskError::Invalid { errors } => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.as_str()),
            _ => None,
        }
    }
}
