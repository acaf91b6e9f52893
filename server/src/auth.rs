//! Passwords, session secrets and the brake on repeated failed sign-ins.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use blake2::{Blake2s256, Digest};
use rand::RngCore;

/// Hashes a password with Argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the user does not
/// exist so that a wrong name takes as long as a wrong password.
pub static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&new_session_secret()).unwrap_or_default());

/// A new session secret for the cookie: 32 random bytes in hex.
pub fn new_session_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The key a session is stored under: a hash of its secret, so that a copy
/// of the database does not hand out live sessions.
pub fn session_key(secret: &str) -> String {
    hex(&Blake2s256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Slows down guessing: after a few failed sign-ins for one user name from
/// one address, each further attempt must wait twice as long as the last,
/// up to a cap. A success clears the record.
pub struct SignInBrake {
    failures: Mutex<HashMap<(String, Option<IpAddr>), Failures>>,
    free_attempts: u32,
    cap: Duration,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Default for SignInBrake {
    fn default() -> Self {
        Self {
            failures: Mutex::new(HashMap::new()),
            free_attempts: 3,
            cap: Duration::from_secs(300),
        }
    }
}

impl SignInBrake {
    fn wait_after(&self, count: u32) -> Duration {
        if count < self.free_attempts {
            return Duration::ZERO;
        }
        let doubling = (count - self.free_attempts).min(16);
        Duration::from_secs(1u64 << doubling).min(self.cap)
    }

    /// How long this user name from this address must still wait before an
    /// attempt is considered, if at all.
    pub fn must_wait(
        &self,
        username: &str,
        from: Option<IpAddr>,
        now: Instant,
    ) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let entry = failures.get(&(username.to_lowercase(), from))?;
        let ready = entry.last + self.wait_after(entry.count);
        (ready > now).then(|| ready - now)
    }

    /// Records a failed attempt.
    pub fn failed(&self, username: &str, from: Option<IpAddr>, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > 10_000 {
            failures.retain(|_, f| now.duration_since(f.last) < self.cap);
        }
        let entry = failures
            .entry((username.to_lowercase(), from))
            .or_insert(Failures {
                count: 0,
                last: now,
            });
        entry.count += 1;
        entry.last = now;
    }

    /// Clears the record after a success.
    pub fn succeeded(&self, username: &str, from: Option<IpAddr>) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&(username.to_lowercase(), from));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_hashes_differ() {
        let a = hash_password("correct horse").expect("hash");
        let b = hash_password("correct horse").expect("hash");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("wrong", &a));
        assert!(!verify_password("anything", &DECOY_HASH));
        assert!(DECOY_HASH.starts_with("$argon2id$"));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn session_keys_hide_the_secret() {
        let secret = new_session_secret();
        assert_eq!(secret.len(), 64);
        assert_ne!(session_key(&secret), secret);
        assert_eq!(session_key(&secret), session_key(&secret));
    }

    #[test]
    fn the_brake_doubles_after_three_failures_and_releases_on_success() {
        let brake = SignInBrake::default();
        let t0 = Instant::now();
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert_eq!(brake.must_wait("tess", ip, t0), None);
            brake.failed("tess", ip, t0);
        }
        assert_eq!(
            brake.must_wait("Tess", ip, t0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            brake.must_wait("tess", None, t0),
            None,
            "another address is not braked"
        );
        brake.failed("tess", ip, t0);
        assert_eq!(
            brake.must_wait("tess", ip, t0),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            brake.must_wait("tess", ip, t0 + Duration::from_secs(2)),
            None
        );
        brake.succeeded("tess", ip);
        assert_eq!(brake.must_wait("tess", ip, t0), None);
    }
}
