//! The pages, one module per route, and the frame around them.

pub mod job;
pub mod layout;
pub mod log_job;
pub mod queue;
pub mod settings;
pub mod sign_in;

use std::time::Duration;

use jiff::Timestamp;

/// How long ago `then` was, in the short form queues use: `4 min`, `3 h`,
/// `2 d`.
pub fn age(then: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(then.as_second()).max(0) as u64;
    let age = Duration::from_secs(secs);
    match age.as_secs() {
        s if s < 60 => "just now".to_owned(),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_short() {
        let now: Timestamp = "2026-01-10T12:00:00Z".parse().expect("time");
        let ago = |s: i64| {
            age(
                Timestamp::from_second(now.as_second() - s).expect("time"),
                now,
            )
        };
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(5 * 60), "5 min");
        assert_eq!(ago(3 * 3600 + 10), "3 h");
        assert_eq!(ago(2 * 86_400), "2 d");
        assert_eq!(
            ago(-30),
            "just now",
            "a clock ahead of ours is not a negative age"
        );
    }
}
