//! Typed configuration: defaults, then an optional TOML file, then
//! `SWITCHBOARD_*` environment variables, then command-line flags. A bad
//! value stops the start with a message naming the setting, where it came
//! from and the values it accepts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where the HTTP server listens.
    pub listen: SocketAddr,
    /// Which SurrealDB to use: `surrealkv://DIR` (embedded, the default),
    /// `mem://` (in memory, gone at exit) or `ws://HOST:PORT` / `wss://…`
    /// for a SurrealDB server shared by several instances.
    pub database_url: String,
    /// The SurrealDB namespace.
    pub namespace: String,
    /// The SurrealDB database inside the namespace.
    pub database: String,
    /// Root user for a SurrealDB server; unused by embedded engines.
    pub database_user: Option<String>,
    /// Password of that user.
    pub database_password: Option<String>,
    /// Whether to fill an empty database with demo people, clients and jobs.
    pub demo: bool,
    /// The least severe log level written: error, warn, info, debug, trace.
    pub log_level: String,
    /// How many recent events the live hub keeps for reconnecting screens;
    /// a screen further behind than this reloads its state instead.
    pub replay_window: usize,
    /// The folder with the compiled site (WebAssembly, JavaScript, CSS).
    pub site_root: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "surrealkv://data".to_owned(),
            namespace: "switchboard".to_owned(),
            database: "desk".to_owned(),
            database_user: None,
            database_password: None,
            demo: false,
            log_level: "info".to_owned(),
            replay_window: 10_000,
            site_root: PathBuf::from("target/site"),
        }
    }
}

/// A setting that could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{setting} (from {origin}): {problem}")]
pub struct ConfigError {
    /// The setting's name in the file (`listen`, `database_url`, …).
    pub setting: String,
    /// Where the value came from: the file, a variable, a flag.
    pub origin: String,
    /// What is wrong and what is accepted.
    pub problem: String,
}

/// The names of every setting, as written in the TOML file. The environment
/// variable is `SWITCHBOARD_` and the name in capitals; the flag is `--` and
/// the name with dashes.
pub const SETTINGS: [&str; 10] = [
    "listen",
    "database_url",
    "namespace",
    "database",
    "database_user",
    "database_password",
    "demo",
    "log_level",
    "replay_window",
    "site_root",
];

/// Raw values, each with where it came from, before they are checked.
#[derive(Debug, Default, Clone)]
pub struct Layers {
    values: BTreeMap<&'static str, (String, String)>,
}

impl Layers {
    /// Sets `setting` from `source`, replacing a value from a lower layer.
    pub fn set(&mut self, setting: &'static str, value: String, source: String) {
        self.values.insert(setting, (value, source));
    }

    /// Adds the values of a TOML file. Unknown keys are refused so that a
    /// typo does not go unnoticed.
    pub fn add_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let source = format!("file {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            setting: "config".into(),
            origin: source.clone(),
            problem: format!("cannot read it: {e}"),
        })?;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
            setting: "config".into(),
            origin: source.clone(),
            problem: format!("not valid TOML: {}", e.message()),
        })?;
        for (key, value) in table {
            let Some(setting) = SETTINGS.iter().find(|s| **s == key) else {
                return Err(ConfigError {
                    setting: key,
                    origin: source,
                    problem: format!("unknown setting; the settings are {}", SETTINGS.join(", ")),
                });
            };
            let text = match value {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            self.set(setting, text, source.clone());
        }
        Ok(())
    }

    /// Adds every `SWITCHBOARD_*` variable found by `lookup`.
    pub fn add_env(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        for setting in SETTINGS {
            let var = format!("SWITCHBOARD_{}", setting.to_uppercase());
            if let Some(value) = lookup(&var) {
                self.set(setting, value, format!("environment variable {var}"));
            }
        }
    }

    /// Checks every value and builds the configuration.
    pub fn resolve(&self) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        for (setting, (value, source)) in &self.values {
            let fail = |problem: String| ConfigError {
                setting: (*setting).to_owned(),
                origin: source.clone(),
                problem,
            };
            let value = value.trim();
            match *setting {
                "listen" => {
                    config.listen = value.parse().map_err(|_| {
                        fail(format!("`{value}` is not an address; write IP:PORT, such as 127.0.0.1:3000 or 0.0.0.0:8080"))
                    })?
                }
                "database_url" => {
                    let known = ["mem://", "surrealkv://", "ws://", "wss://"];
                    if !known.iter().any(|k| value.starts_with(k)) || value == "surrealkv://" {
                        return Err(fail(format!(
                            "`{value}` is not a database this server can open; use surrealkv://FOLDER (embedded), mem:// (in memory) or ws://HOST:PORT / wss://HOST:PORT (a SurrealDB server)"
                        )));
                    }
                    config.database_url = value.to_owned();
                }
                "namespace" | "database" => {
                    if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err(fail(format!("`{value}` is not a name; use letters, digits and _")));
                    }
                    if *setting == "namespace" {
                        config.namespace = value.to_owned();
                    } else {
                        config.database = value.to_owned();
                    }
                }
                "database_user" => config.database_user = Some(value.to_owned()),
                "database_password" => config.database_password = Some(value.to_owned()),
                "demo" => {
                    config.demo = match value.to_ascii_lowercase().as_str() {
                        "true" | "yes" | "1" | "on" => true,
                        "false" | "no" | "0" | "off" => false,
                        _ => return Err(fail(format!("`{value}` is not a yes or no; use true or false"))),
                    }
                }
                "log_level" => {
                    let levels = ["error", "warn", "info", "debug", "trace"];
                    let lower = value.to_ascii_lowercase();
                    if !levels.contains(&lower.as_str()) {
                        return Err(fail(format!("`{value}` is not a log level; use one of {}", levels.join(", "))));
                    }
                    config.log_level = lower;
                }
                "replay_window" => {
                    config.replay_window = value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| fail(format!("`{value}` is not a positive whole number of events")))?
                }
                "site_root" => config.site_root = PathBuf::from(value),
                _ => unreachable!("every setting is handled"),
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_use_the_embedded_database_in_data() {
        let config = Layers::default().resolve().expect("defaults are valid");
        assert_eq!(config.database_url, "surrealkv://data");
        assert_eq!(config.listen.port(), 3000);
        assert!(!config.demo);
    }

    #[test]
    fn later_layers_win() {
        let dir = std::env::temp_dir().join(format!("sb-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("switchboard.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:8080\"\ndemo = true\nreplay_window = 50\n",
        )
        .expect("write");
        let mut layers = Layers::default();
        layers.add_file(&file).expect("file is valid");
        layers.add_env(env(&[("SWITCHBOARD_LISTEN", "127.0.0.1:9000")]));
        layers.set("replay_window", "70".into(), "flag --replay-window".into());
        let config = layers.resolve().expect("valid");
        assert_eq!(
            config.listen,
            "127.0.0.1:9000".parse::<SocketAddr>().expect("addr")
        );
        assert!(config.demo);
        assert_eq!(config.replay_window, 70);
    }

    #[test]
    fn a_bad_value_names_the_setting_its_source_and_what_is_accepted() {
        let mut layers = Layers::default();
        layers.add_env(env(&[("SWITCHBOARD_LOG_LEVEL", "loud")]));
        let err = layers.resolve().expect_err("invalid");
        let text = err.to_string();
        assert!(
            text.starts_with("log_level (from environment variable SWITCHBOARD_LOG_LEVEL)"),
            "{text}"
        );
        assert!(text.contains("error, warn, info, debug, trace"), "{text}");

        let mut layers = Layers::default();
        layers.add_env(env(&[("SWITCHBOARD_DATABASE_URL", "postgres://x")]));
        assert!(
            layers
                .resolve()
                .expect_err("invalid")
                .problem
                .contains("surrealkv://FOLDER")
        );

        let mut layers = Layers::default();
        layers.add_env(env(&[("SWITCHBOARD_LISTEN", "3000")]));
        assert!(
            layers
                .resolve()
                .expect_err("invalid")
                .problem
                .contains("IP:PORT")
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = std::env::temp_dir().join(format!("sb-config-typo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("switchboard.toml");
        std::fs::write(&file, "lisen = \"0.0.0.0:8080\"\n").expect("write");
        let err = Layers::default().add_file(&file).expect_err("typo");
        assert_eq!(err.setting, "lisen");
        assert!(err.problem.contains("listen"));
    }
}
