//! The `switchboard` binary: reads the configuration, starts the server and
//! runs until Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use switchboard::config::{Config, ConfigError, Layers};

/// A live service desk. Settings come from defaults, then a TOML file, then
/// SWITCHBOARD_* environment variables, then these flags.
#[derive(Parser, Debug)]
#[command(name = "switchboard", version)]
struct Flags {
    /// A TOML file of settings (default: ./switchboard.toml when it exists;
    /// also SWITCHBOARD_CONFIG).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on, IP:PORT.
    #[arg(long)]
    listen: Option<String>,
    /// surrealkv://FOLDER, mem:// or ws://HOST:PORT.
    #[arg(long)]
    database_url: Option<String>,
    /// SurrealDB namespace.
    #[arg(long)]
    namespace: Option<String>,
    /// SurrealDB database.
    #[arg(long)]
    database: Option<String>,
    /// Root user of a SurrealDB server.
    #[arg(long)]
    database_user: Option<String>,
    /// Fill an empty desk with demo data: true or false.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    demo: Option<String>,
    /// error, warn, info, debug or trace.
    #[arg(long)]
    log_level: Option<String>,
    /// Recent events kept for reconnecting screens.
    #[arg(long)]
    replay_window: Option<String>,
    /// Folder of the compiled site.
    #[arg(long)]
    site_root: Option<String>,
    /// A tool to run instead of the server.
    #[command(subcommand)]
    tool: Option<Tool>,
}

/// Tools of the binary, run against the configured database.
#[derive(clap::Subcommand, Debug)]
enum Tool {
    /// Fill the database with realistic sample jobs (spread over groups,
    /// clients, states and ages) for benchmarks and demos; adds the demo
    /// people first when the database is empty.
    Generate {
        /// How many jobs to add.
        #[arg(long, default_value_t = 10_000)]
        jobs: usize,
        /// The share of them that are open, from 0 to 1.
        #[arg(long, default_value_t = 0.9)]
        open_share: f64,
        /// The seed: the same seed makes the same jobs.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Add a person who can sign in, such as the first admin of a new desk.
    /// The password is read from SWITCHBOARD_NEW_PASSWORD, never a flag.
    AddUser {
        /// The sign-in name.
        #[arg(long)]
        username: String,
        /// The full name shown on jobs.
        #[arg(long)]
        name: String,
        /// front_line, technician, team_lead or admin.
        #[arg(long)]
        role: String,
        /// The ids of their groups, comma-separated.
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
    },
}

fn configure(flags: Flags) -> Result<Config, ConfigError> {
    let mut layers = Layers::default();
    let file = flags
        .config
        .clone()
        .or_else(|| std::env::var_os("SWITCHBOARD_CONFIG").map(PathBuf::from))
        .or_else(|| Some(PathBuf::from("switchboard.toml")).filter(|p| p.exists()));
    if let Some(file) = file {
        layers.add_file(&file)?;
    }
    layers.add_env(|name| std::env::var(name).ok());
    let given = [
        ("listen", flags.listen),
        ("database_url", flags.database_url),
        ("namespace", flags.namespace),
        ("database", flags.database),
        ("database_user", flags.database_user),
        ("demo", flags.demo),
        ("log_level", flags.log_level),
        ("replay_window", flags.replay_window),
        ("site_root", flags.site_root),
    ];
    for (setting, value) in given {
        if let Some(value) = value {
            layers.set(
                setting,
                value,
                format!("flag --{}", setting.replace('_', "-")),
            );
        }
    }
    layers.resolve()
}

fn init_logs(level: &str) {
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "{level},surrealdb=warn,surrealdb_core=warn,surrealkv=warn,tower_http=info"
    ));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}

/// How long the process waits, after its last database handle is gone,
/// for the embedded engine to close its files. The engine does that in a
/// task of its own, which would be cancelled (and log errors) if the process
/// ended at once.
const ENGINE_CLOSE: std::time::Duration = std::time::Duration::from_millis(500);

#[tokio::main]
async fn main() -> ExitCode {
    let code = run().await;
    tokio::time::sleep(ENGINE_CLOSE).await;
    code
}

/// Runs the tool asked for, or the server; every database handle is
/// dropped by the time this returns.
async fn run() -> ExitCode {
    let mut flags = Flags::parse();
    let tool = flags.tool.take();
    let config = match configure(flags) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("switchboard: cannot start: {error}");
            return ExitCode::from(2);
        }
    };
    init_logs(&config.log_level);
    if let Some(Tool::Generate {
        jobs,
        open_share,
        seed,
    }) = tool
    {
        if !(0.0..=1.0).contains(&open_share) {
            eprintln!("switchboard: --open-share must be between 0 and 1, not {open_share}");
            return ExitCode::from(2);
        }
        let started = std::time::Instant::now();
        return match switchboard::generate(&config, jobs, open_share, seed).await {
            Ok(added) => {
                println!(
                    "Added {added} jobs to {} in {:.1} s.",
                    config.database_url,
                    started.elapsed().as_secs_f64()
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(error = %error, "cannot generate jobs");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(Tool::AddUser {
        username,
        name,
        role,
        groups,
    }) = tool
    {
        let password = std::env::var("SWITCHBOARD_NEW_PASSWORD").unwrap_or_default();
        return match switchboard::add_user(&config, &username, &name, &role, &groups, &password)
            .await
        {
            Ok(()) => {
                println!("Added {username} ({role}).");
                ExitCode::SUCCESS
            }
            Err(problem) => {
                eprintln!("switchboard: cannot add {username}: {problem}");
                ExitCode::from(2)
            }
        };
    }
    let running = match switchboard::start(&config).await {
        Ok(running) => running,
        Err(error) => {
            tracing::error!(error = %error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    if config.demo {
        println!("Demo people (user name / password):");
        for (username, name, role, _, password) in switchboard::seed::DEMO_PEOPLE {
            println!("  {username:<5} / {password:<15} {name}, {}", role.label());
        }
    }
    println!("Switchboard is running at http://{}", running.addr);
    switchboard::serve_until_signal(running).await;
    ExitCode::SUCCESS
}
