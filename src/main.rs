use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use helpdesk::assistant::{Assistant, Brain};
use helpdesk::config::{self, redact_database_url, Config, ConfigError, CoreArgs, ServeArgs};
use helpdesk::knowledge::Knowledge;
use helpdesk::language::Language;
use helpdesk::{store, terminal};

/// A support assistant for email questions: POP or IMAP, vanished mail,
/// full mailboxes.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    core: CoreArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Talk to the assistant in the terminal
    Chat {
        /// Talk in this language (en, de, es) [default: the first
        /// question's own]
        #[arg(long, value_name = "CODE")]
        lang: Option<Language>,
    },
    /// Match questions (arguments, or one per line on stdin) to entries
    Ask {
        /// One JSON object per line
        #[arg(long)]
        json: bool,
        /// Match every question in this language (en, de, es) [default:
        /// each question's own]
        #[arg(long, value_name = "CODE")]
        lang: Option<Language>,
        questions: Vec<String>,
    },
    /// The recommendation for dialogue answers, e.g. devices=one offline=yes
    Recommend {
        #[arg(long)]
        json: bool,
        /// The dialogue to run
        #[arg(long, default_value = "which-protocol")]
        dialogue: String,
        #[arg(value_name = "SLOT=VALUE")]
        answers: Vec<String>,
    },
    /// Validate a knowledge folder and report misranked examples
    Check {
        /// [default: the --knowledge folder, or ./knowledge]
        dir: Option<PathBuf>,
        /// A real-question corpus (JSON lines): also report, per entry, the
        /// `dev` questions it wins and loses (`test` rows are never shown)
        #[arg(long, value_name = "FILE")]
        questions: Option<PathBuf>,
    },
    /// Run the Discord bot
    ///
    /// Every setting is a flag and an environment variable (see
    /// .env.example), and may be in a --config file: a flag wins over the
    /// environment, which wins over the file, which wins over the default.
    Serve {
        #[command(flatten)]
        settings: Box<ServeArgs>,
    },
    /// Answers shown, votes and unanswered questions
    Stats {
        #[arg(long)]
        json: bool,
        /// Also draw the chart `/kb stats` shows (questions a day, helpful
        /// share and votes per entry) into this PNG file
        #[arg(long, value_name = "FILE.png")]
        chart: Option<PathBuf>,
    },
    /// Unanswered questions grouped by similarity, biggest group first,
    /// with the entry that came nearest: what to write next
    Gaps {
        /// One JSON object per group and line
        #[arg(long)]
        json: bool,
    },
    /// Questions the support team answered from the triage channel, which
    /// the bot learned
    Learned {
        /// One JSON object per line
        #[arg(long)]
        json: bool,
        /// Merge them into the knowledge folder DIR instead (entries'
        /// `examples`, and out-of-scope.toml), for review in git
        #[arg(long, value_name = "DIR", conflicts_with = "json")]
        write: Option<PathBuf>,
    },
    /// Apply the database migrations and exit (serve also applies them)
    Migrate,
    /// Per-entry stats, votes with comments and unanswered questions, for a
    /// spreadsheet
    Export {
        #[arg(long, value_enum, default_value_t = terminal::ExportFormat::Json)]
        format: terminal::ExportFormat,
        /// json: a file (default stdout); csv: a folder that gets
        /// entries.csv, votes.csv and unanswered.csv
        #[arg(long)]
        output: Option<PathBuf>,
        /// Include who voted and who asked (Discord user ids); left out by
        /// default
        #[arg(long)]
        with_user_ids: bool,
    },
    /// Exit 0 if a running bot's /healthz answers, 1 otherwise (for
    /// container health checks)
    Healthcheck {
        #[arg(long, env = "HELPDESK_HTTP_ADDR", default_value = helpdesk::config::DEFAULT_HTTP_ADDR)]
        addr: std::net::SocketAddr,
    },
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match config::matches_with_file(Cli::command(), &args)
        .and_then(|matches| Ok(Cli::from_arg_matches(&matches)?))
    {
        Ok(cli) => cli,
        Err(ConfigError::Usage(error)) => error.exit(),
        Err(error) => {
            let _ = writeln!(io::stderr(), "error: {error}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(matches!(cli.command, Command::Serve { .. }));
    match run(cli) {
        Ok(code) => code,
        // A reader that stopped reading (`helpdesk ask … | head`) is not a
        // failure: there is no one left to tell.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(io::stderr(), "error: {}", error_chain(&error));
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes, each said once: a context that already
/// quotes its cause (as database drivers' messages often do) is not
/// followed by the cause again.
fn error_chain(error: &anyhow::Error) -> String {
    let mut said: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !said.iter().any(|earlier| earlier.contains(&text)) {
            said.push(text);
        }
    }
    said.join(": ")
}

/// Logs go to stderr, filtered by `RUST_LOG`; JSON lines with
/// `HELPDESK_LOG_FORMAT=json`. Every line has interaction tokens masked,
/// whoever logged it (serenity's request spans and the gateway's frames
/// carry them at `debug` and `trace`).
fn init_logging(serving: bool) {
    let default = if serving {
        "info,serenity=warn,poise=warn,sqlx=warn,tracing=warn"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| helpdesk::discord::redact::Masked(io::stderr()));
    if std::env::var("HELPDESK_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    match cli.command {
        Command::Check { dir, questions } => {
            let dir = dir
                .or(cli.core.knowledge)
                .unwrap_or_else(|| PathBuf::from("knowledge"));
            let valid = terminal::check(
                &dir,
                questions.as_deref(),
                cli.core.threshold,
                stdout.lock(),
            )?;
            return Ok(if valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::Ask {
            json,
            lang,
            questions,
        } => {
            let knowledge = load_knowledge(cli.core.knowledge.as_deref())?;
            let (languages, default) = cli.core.spoken_languages()?;
            let brain = Brain::speaking(knowledge, cli.core.threshold, &languages);
            let mut out = BufWriter::new(stdout.lock());
            terminal::ask(
                &terminal::Speaking {
                    brain: &brain,
                    language: lang,
                    default,
                },
                &questions,
                io::stdin().lock(),
                &mut out,
                io::stderr(),
                json,
            )?;
            out.flush()?;
        }
        Command::Recommend {
            json,
            dialogue,
            answers,
        } => {
            let knowledge = load_knowledge(cli.core.knowledge.as_deref())?;
            terminal::recommend(&knowledge, &dialogue, &answers, stdout.lock(), json)?;
        }
        Command::Chat { lang } => with_assistant(&cli.core, |assistant| async move {
            let user = std::env::var("USER").unwrap_or_else(|_| "terminal".to_owned());
            terminal::chat(
                &assistant,
                &format!("terminal:{user}"),
                lang,
                io::stdin().lock(),
                io::stdout().lock(),
            )
            .await
        })?,
        Command::Serve { settings } => {
            let config = Config::new(cli.core, *settings)?;
            let knowledge = load_knowledge(config.knowledge.as_deref())?;
            let prometheus = helpdesk::operations::install_prometheus()
                .context("installing the metrics recorder")?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let (store, ledger) = store::open_with_ledger(&config.database_url)
                    .await
                    .context("opening the database (--database or HELPDESK_DATABASE_URL)")?;
                let brain = Brain::speaking(knowledge, config.threshold, &config.languages);
                let assistant =
                    Assistant::new(brain, store).with_default_language(config.default_language);
                let assistant = std::sync::Arc::new(assistant);
                let listener = tokio::net::TcpListener::bind(config.http_addr)
                    .await
                    .with_context(|| {
                        format!("listening on HELPDESK_HTTP_ADDR {}", config.http_addr)
                    })?;
                let shutdown = helpdesk::discord::shutdown_signal();
                helpdesk::discord::serve(
                    config,
                    assistant,
                    ledger,
                    Some(prometheus),
                    listener,
                    shutdown,
                )
                .await
            })?;
        }
        Command::Stats { json, chart } => with_assistant(&cli.core, |assistant| async move {
            terminal::stats(&assistant, io::stdout().lock(), json).await?;
            match chart {
                Some(path) => terminal::write_chart(&assistant, &path).await,
                None => Ok(()),
            }
        })?,
        Command::Gaps { json } => with_assistant(&cli.core, |assistant| async move {
            terminal::gaps(&assistant, io::stdout().lock(), json).await
        })?,
        Command::Learned { json, write } => with_assistant(&cli.core, |assistant| async move {
            terminal::learned(&assistant, io::stdout().lock(), json, write.as_deref()).await
        })?,
        Command::Migrate => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let applied = runtime
                .block_on(store::migrate(&cli.core.database))
                .with_context(|| {
                    format!(
                        "migrating the database `{}`",
                        redact_database_url(&cli.core.database)
                    )
                })?;
            writeln!(
                io::stdout(),
                "{applied} migration(s) applied; the database is up to date"
            )?;
        }
        Command::Export {
            format,
            output,
            with_user_ids,
        } => with_assistant(&cli.core, |assistant| async move {
            terminal::export(&assistant, format, output.as_deref(), with_user_ids).await
        })?,
        Command::Healthcheck { addr } => {
            let healthy =
                helpdesk::operations::healthcheck(addr, std::time::Duration::from_secs(3))
                    .unwrap_or(false);
            return Ok(if healthy {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn with_assistant<F, Fut>(core: &CoreArgs, body: F) -> anyhow::Result<()>
where
    F: FnOnce(Assistant) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let knowledge = load_knowledge(core.knowledge.as_deref())?;
    let (languages, default) = core.spoken_languages()?;
    let database = &core.database;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = store::open(database)
            .await
            .with_context(|| format!("opening the database `{}`", redact_database_url(database)))?;
        let brain = Brain::speaking(knowledge, core.threshold, &languages);
        let assistant = Assistant::new(brain, store).with_default_language(default);
        // What the support team taught counts here too (`chat`).
        assistant
            .refresh_learned()
            .await
            .context("reading the learned examples")?;
        body(assistant).await
    })
}

/// The named folder, else `./knowledge` if it exists, else the built-in set.
fn load_knowledge(dir: Option<&std::path::Path>) -> anyhow::Result<Knowledge> {
    Knowledge::load_default(dir).map_err(|errors| anyhow::anyhow!("{errors}"))
}
