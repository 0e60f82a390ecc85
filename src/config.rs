//! Typed configuration, read once at start-up by one clap definition: each
//! setting is a flag that also reads its environment variable
//! (`--max-queued` / `HELPDESK_MAX_QUEUED`), and `serve --config FILE` adds
//! a TOML file under both.
//!
//! Precedence, highest first: a flag on the command line, the environment,
//! the `--config` file, the built-in default. The file uses the
//! environment's key names, so a setting has one name outside the command
//! line: `HELPDESK_SUPPORT_CHANNELS = [123, 456]`. A malformed value, or a
//! key the file should not have, stops start-up with an error that names
//! it.

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue};
use clap::{ArgMatches, Args, Command, FromArgMatches};

use crate::language::Language;
use crate::matcher::DEFAULT_THRESHOLD;

/// The settings every command reads (the terminal tools and `serve`),
/// given before or after the subcommand.
#[derive(Args, Clone)]
pub struct CoreArgs {
    /// Knowledge folder [default: ./knowledge if present, else the built-in knowledge]
    #[arg(long, global = true, env = "HELPDESK_KNOWLEDGE", value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// Database: sqlite://PATH, a file path, or postgres://USER:PASSWORD@HOST/DB
    #[arg(
        long,
        global = true,
        env = "HELPDESK_DATABASE_URL",
        default_value = "helpdesk.db",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database: String,
    /// Confidence (0 to 1) under which a question gets "no answer"
    #[arg(
        long,
        global = true,
        env = "HELPDESK_THRESHOLD",
        default_value_t = DEFAULT_THRESHOLD,
        value_parser = threshold
    )]
    pub threshold: f32,
    /// Comma-separated languages to answer in (of en, de, es)
    #[arg(
        long,
        global = true,
        env = "HELPDESK_LANGUAGES",
        default_value = "en,de,es",
        value_name = "CODES"
    )]
    pub languages: LanguageList,
    /// The language when a question's own does not tell, nor the server's
    /// preferred locale
    #[arg(
        long,
        global = true,
        env = "HELPDESK_DEFAULT_LANGUAGE",
        default_value = "en",
        value_name = "CODE"
    )]
    pub default_language: Language,
}

impl CoreArgs {
    /// The languages spoken, with the default among them (first when it
    /// was not named).
    pub fn spoken_languages(&self) -> Result<(Vec<Language>, Language), ConfigError> {
        let mut languages = self.languages.0.clone();
        if !languages.contains(&self.default_language) {
            return Err(ConfigError::Malformed {
                key: "HELPDESK_DEFAULT_LANGUAGE (--default-language)".to_owned(),
                problem: format!(
                    "`{}` is not one of HELPDESK_LANGUAGES ({})",
                    self.default_language,
                    languages
                        .iter()
                        .map(|l| l.code())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            });
        }
        languages.dedup();
        Ok((languages, self.default_language))
    }
}

/// Languages as a setting lists them: `en,de,es`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageList(pub Vec<Language>);

impl FromStr for LanguageList {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let languages = text
            .split(',')
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(|code| code.parse::<Language>().map_err(|error| error.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        if languages.is_empty() {
            return Err("names no language".to_owned());
        }
        Ok(Self(languages))
    }
}

/// The settings only `helpdesk serve` reads. Their values are checked as
/// they are read; [`Config::new`] turns them into a [`Config`].
#[derive(Args, Clone)]
pub struct ServeArgs {
    /// A TOML file with the environment's key names; flags and the
    /// environment win over it
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The bot's token (required; never logged)
    #[arg(long, env = "DISCORD_TOKEN", hide_env_values = true)]
    token: Option<Token>,
    /// A Discord-compatible API base URL, e.g. an HTTP proxy
    #[arg(
        long,
        env = "DISCORD_API_BASE",
        hide_env_values = true,
        value_parser = api_base,
        value_name = "URL"
    )]
    api_base: Option<String>,
    /// Comma-separated ids of the text or forum channels to watch
    #[arg(long, env = "HELPDESK_SUPPORT_CHANNELS", value_name = "IDS")]
    support_channels: Option<IdList>,
    /// Comma-separated ids of the servers the bot serves; it leaves any
    /// other [default: any server]
    #[arg(long, env = "HELPDESK_GUILDS", value_name = "IDS")]
    guilds: Option<IdList>,
    /// Role id pinged when a question needs a human (the role must be
    /// mentionable)
    #[arg(long, env = "HELPDESK_SUPPORT_ROLE", value_parser = snowflake, value_name = "ID")]
    support_role: Option<u64>,
    /// Channel id where escalations and comments are posted
    #[arg(long, env = "HELPDESK_TRIAGE_CHANNEL", value_parser = snowflake, value_name = "ID")]
    triage_channel: Option<u64>,
    /// Questions a person may ask per cooldown window
    #[arg(
        long,
        env = "HELPDESK_COOLDOWN_QUESTIONS",
        default_value = "5",
        value_parser = number::<u32>,
        value_name = "N"
    )]
    cooldown_questions: u32,
    /// The cooldown window in seconds
    #[arg(
        long,
        env = "HELPDESK_COOLDOWN_SECONDS",
        default_value = "60",
        value_parser = number::<u64>,
        value_name = "SECONDS"
    )]
    cooldown_seconds: u64,
    /// Hours after which an untouched recommendation dialogue is deleted
    #[arg(
        long,
        env = "HELPDESK_DIALOGUE_IDLE_HOURS",
        default_value = "24",
        value_parser = at_least_one::<u64>,
        value_name = "HOURS"
    )]
    dialogue_idle_hours: u64,
    /// Forum tag applied when the asker votes helpful
    #[arg(
        long,
        env = "HELPDESK_SOLVED_TAG",
        default_value = "Solved",
        value_name = "TAG"
    )]
    solved_tag: String,
    /// Forum tag applied on escalation
    #[arg(
        long,
        env = "HELPDESK_ESCALATION_TAG",
        default_value = "Needs human",
        value_name = "TAG"
    )]
    escalation_tag: String,
    /// FIRST-LAST/TOTAL: the Discord shards this process runs [default: all]
    #[arg(long, env = "HELPDESK_SHARDS", value_name = "RANGE")]
    shards: Option<ShardRange>,
    /// Address of /healthz, /readyz and /metrics
    #[arg(
        long,
        env = "HELPDESK_HTTP_ADDR",
        default_value = DEFAULT_HTTP_ADDR,
        value_parser = http_addr,
        value_name = "HOST:PORT"
    )]
    http_addr: SocketAddr,
    /// Days question texts and comments are kept (0 or off keeps them)
    #[arg(
        long,
        env = "HELPDESK_RETENTION_DAYS",
        default_value_t = DEFAULT_RETENTION_DAYS,
        value_parser = retention_days,
        value_name = "DAYS"
    )]
    retention_days: u32,
    /// Events handled at once; past it questions wait their turn, and
    /// clicks and commands up to 1 s, then get "busy, try again"
    #[arg(
        long,
        env = "HELPDESK_MAX_IN_FLIGHT",
        default_value_t = DEFAULT_MAX_IN_FLIGHT,
        value_parser = at_least_one::<usize>,
        value_name = "N"
    )]
    max_in_flight: usize,
    /// Events that may wait for a slot; a question past it is handed to
    /// the support team, and its asker told so
    #[arg(
        long,
        env = "HELPDESK_MAX_QUEUED",
        default_value_t = DEFAULT_MAX_QUEUED,
        value_parser = number::<usize>,
        value_name = "N"
    )]
    max_queued: usize,
}

/// `helpdesk serve` on its own: the global flags and its own. The binary
/// has them as a subcommand of its command line; tests and [`keys`] use
/// this.
pub fn serve_command() -> Command {
    ServeArgs::augment_args(CoreArgs::augment_args(Command::new("serve")))
}

/// Every environment key `serve` reads, with its help text; `.env.example`
/// documents the same list.
pub fn keys() -> Vec<(String, String)> {
    serve_command()
        .get_arguments()
        .filter_map(|arg| {
            let key = arg.get_env()?.to_string_lossy().into_owned();
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            Some((key, help))
        })
        .collect()
}

/// Handlers in flight by default. A handler spends most of its time
/// waiting (on Discord, on the group commit), so the bound sets how many
/// writes each commit can take together: in the load bench's burst, 32
/// answered 1,040 questions a second on PostgreSQL and 128 answered 1,440
/// (256: no faster, and 10 MB more at the peak). Reads queue for the pool's
/// connections; writes go to the one writer whatever the bound.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 128;

/// Events that may wait for a slot by default. Each costs about 12 KB
/// while it waits (the event and its task; measured with the load bench:
/// 5,000 waiting questions peaked 50 MB above 1,000), so a full queue
/// takes roughly 250 MB; at a few hundred answers a second it is minutes
/// of backlog.
pub const DEFAULT_MAX_QUEUED: usize = 20_000;

/// Logging keys, read before the configuration by the binary itself.
pub const LOGGING_KEYS: &[(&str, &str)] = &[
    ("RUST_LOG", "log filter (default info)"),
    (
        "HELPDESK_LOG_FORMAT",
        "`json` for JSON lines (default text)",
    ),
];

/// Days question texts and comments are kept unless configured otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// The address the operations endpoints listen on by default.
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:9477";

/// A range of Discord shards run by one process: `FIRST-LAST/TOTAL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u16,
    pub last: u16,
    pub total: u16,
}

impl ShardRange {
    /// The shard that receives a guild's events, as Discord routes them.
    pub fn shard_of(guild_id: u64, total: u16) -> u16 {
        ((guild_id >> 22) % u64::from(total.max(1))) as u16
    }
}

impl FromStr for ShardRange {
    type Err = String;

    /// `0-1/4` (shards 0 and 1 of 4) or `2/4` (shard 2 of 4).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (range, total) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not FIRST-LAST/TOTAL, e.g. 0-1/4"))?;
        let number = |part: &str| {
            part.trim()
                .parse::<u16>()
                .map_err(|_| format!("`{part}` in `{text}` is not a shard number"))
        };
        let (first, last) = match range.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => (number(range)?, number(range)?),
        };
        let total = number(total)?;
        if total == 0 {
            return Err("the shard total must be at least 1".to_owned());
        }
        if first > last || last >= total {
            return Err(format!(
                "`{text}`: shards must satisfy FIRST <= LAST < TOTAL"
            ));
        }
        Ok(Self { first, last, total })
    }
}

/// The bot token: shown nowhere, not even in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl FromStr for Token {
    type Err = String;

    /// Blank reads as no token (an `.env` copied from `.env.example` has
    /// `DISCORD_TOKEN=`); the error never repeats the value.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let token = text.trim();
        if token.chars().any(char::is_whitespace) {
            return Err("contains whitespace".to_owned());
        }
        Ok(Self(token.to_owned()))
    }
}

/// A comma-separated list of Discord ids; blank items are skipped, so an
/// empty value is an empty list.
#[derive(Clone, Debug, Default)]
struct IdList(Vec<u64>);

impl FromStr for IdList {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(snowflake)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// `Debug` is written by hand: the token, and passwords in the database
/// URL and the API base, never show.
#[derive(Clone, PartialEq)]
pub struct Config {
    pub token: Token,
    pub api_base: Option<String>,
    pub support_channels: Vec<u64>,
    /// The servers (guilds) the bot serves; empty: any server.
    pub guilds: Vec<u64>,
    pub support_role: Option<u64>,
    pub triage_channel: Option<u64>,
    pub database_url: String,
    pub knowledge: Option<PathBuf>,
    pub threshold: f32,
    /// The languages answers are given in.
    pub languages: Vec<Language>,
    /// The language when nothing else tells.
    pub default_language: Language,
    pub cooldown_questions: u32,
    pub cooldown_window: Duration,
    pub solved_tag: String,
    pub escalation_tag: String,
    /// None: one process runs every shard.
    pub shards: Option<ShardRange>,
    pub http_addr: SocketAddr,
    /// How long question texts and comments are kept (default
    /// [`DEFAULT_RETENTION_DAYS`]); None (`0` or `off`): for good.
    pub retention: Option<Duration>,
    /// How long an untouched dialogue session is kept (at least an hour).
    pub dialogue_idle: Duration,
    /// Questions, clicks and commands handled at once (at least 1).
    pub max_in_flight: usize,
    /// Questions, clicks and commands that may wait for a slot.
    pub max_queued: usize,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Destructured, so a new field cannot be added without deciding
        // how it shows here.
        let Self {
            token,
            api_base,
            support_channels,
            guilds,
            support_role,
            triage_channel,
            database_url,
            knowledge,
            threshold,
            languages,
            default_language,
            cooldown_questions,
            cooldown_window,
            solved_tag,
            escalation_tag,
            shards,
            http_addr,
            retention,
            dialogue_idle,
            max_in_flight,
            max_queued,
        } = self;
        f.debug_struct("Config")
            .field("token", token)
            .field("api_base", &api_base.as_deref().map(redact_database_url))
            .field("support_channels", support_channels)
            .field("guilds", guilds)
            .field("support_role", support_role)
            .field("triage_channel", triage_channel)
            .field("database_url", &redact_database_url(database_url))
            .field("knowledge", knowledge)
            .field("threshold", threshold)
            .field("languages", languages)
            .field("default_language", default_language)
            .field("cooldown_questions", cooldown_questions)
            .field("cooldown_window", cooldown_window)
            .field("solved_tag", solved_tag)
            .field("escalation_tag", escalation_tag)
            .field("shards", shards)
            .field("http_addr", http_addr)
            .field("retention", retention)
            .field("dialogue_idle", dialogue_idle)
            .field("max_in_flight", max_in_flight)
            .field("max_queued", max_queued)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{key} is required ({what})")]
    Missing {
        key: &'static str,
        what: &'static str,
    },
    /// `key` names the environment key and the flag:
    /// `HELPDESK_MAX_QUEUED (--max-queued)`.
    #[error("{key} is malformed: {problem}")]
    Malformed { key: String, problem: String },
    #[error("{file}: unknown key {key} (known keys: {known})")]
    UnknownKey {
        file: String,
        key: String,
        known: String,
    },
    #[error("{file}: {problem}")]
    File { file: String, problem: String },
    /// Not about a value: an unknown flag, `--help`, `--version`; clap
    /// prints these itself (`error.exit()`).
    #[error(transparent)]
    Usage(#[from] clap::Error),
}

impl Config {
    /// `serve`'s command line (`args`, the program name first), the
    /// environment and the `--config` file, as [`serve_command`] reads them.
    pub fn parse_from<I, T>(args: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let matches = matches_with_file(serve_command(), &args)?;
        Self::new(
            CoreArgs::from_arg_matches(&matches)?,
            ServeArgs::from_arg_matches(&matches)?,
        )
    }

    /// The settings as read; the only check left is that there is a token.
    pub fn new(core: CoreArgs, serve: ServeArgs) -> Result<Self, ConfigError> {
        let token =
            serve
                .token
                .filter(|token| !token.0.is_empty())
                .ok_or(ConfigError::Missing {
                    key: "DISCORD_TOKEN",
                    what: "the bot token from the Discord developer portal",
                })?;
        let days = |days: u32| Duration::from_secs(u64::from(days) * 86_400);
        let (languages, default_language) = core.spoken_languages()?;
        Ok(Self {
            token,
            api_base: serve.api_base.filter(|base| !base.is_empty()),
            support_channels: serve.support_channels.unwrap_or_default().0,
            guilds: serve.guilds.unwrap_or_default().0,
            support_role: serve.support_role,
            triage_channel: serve.triage_channel,
            database_url: core.database,
            knowledge: core.knowledge,
            threshold: core.threshold,
            languages,
            default_language,
            cooldown_questions: serve.cooldown_questions,
            cooldown_window: Duration::from_secs(serve.cooldown_seconds),
            solved_tag: serve.solved_tag,
            escalation_tag: serve.escalation_tag,
            shards: serve.shards,
            http_addr: serve.http_addr,
            retention: Some(serve.retention_days).filter(|&n| n > 0).map(days),
            dialogue_idle: Duration::from_secs(serve.dialogue_idle_hours.saturating_mul(3600)),
            max_in_flight: serve.max_in_flight,
            max_queued: serve.max_queued,
        })
    }
}

/// Parses `args` with `command`; when they name a `--config` file (on any
/// subcommand), its values become the defaults of the settings with the
/// same keys, under the flags and the environment, and `args` are parsed
/// again. A value clap rejects comes back as [`ConfigError::Malformed`],
/// naming its key.
pub fn matches_with_file(command: Command, args: &[OsString]) -> Result<ArgMatches, ConfigError> {
    let parse = |command: Command| {
        command
            .clone()
            .try_get_matches_from(args)
            .map_err(|error| explain(error, &command))
    };
    let first = parse(command.clone())?;
    match config_file(&first) {
        None => Ok(first),
        Some(path) => parse(with_defaults(command, &read_file(&path)?)),
    }
}

/// The `--config` path of the subcommand that was run, if any.
fn config_file(matches: &ArgMatches) -> Option<PathBuf> {
    let own = matches.try_get_one::<PathBuf>("config").ok().flatten();
    own.cloned()
        .or_else(|| config_file(matches.subcommand()?.1))
}

/// `command` with each setting whose key is in `values` defaulting to it.
fn with_defaults(mut command: Command, values: &[(String, String)]) -> Command {
    let ids: Vec<(clap::Id, String)> = command
        .get_arguments()
        .filter_map(|arg| {
            let key = arg.get_env()?.to_str()?;
            let (_, value) = values.iter().find(|(known, _)| known == key)?;
            Some((arg.get_id().clone(), value.clone()))
        })
        .collect();
    for (id, value) in ids {
        command = command.mut_arg(id, |arg| arg.default_value(value));
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |sub| with_defaults(sub, values));
    }
    command
}

/// A clap error about a value, said as the key it came from (the
/// environment's, which the file uses too) and the flag; other errors are
/// left to clap. The value parsers' own messages quote the value where
/// that is safe, so clap's rendering (which always quotes it) is not used.
fn explain(error: clap::Error, command: &Command) -> ConfigError {
    use clap::error::ErrorKind;
    if !matches!(
        error.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return ConfigError::Usage(error);
    }
    let Some(ContextValue::String(flag)) = error.get(ContextKind::InvalidArg) else {
        return ConfigError::Usage(error);
    };
    let long = flag
        .trim_start_matches('-')
        .split([' ', '='])
        .next()
        .unwrap_or_default()
        .to_owned();
    let key = find_arg(command, &long)
        .and_then(|arg| arg.get_env().map(|env| env.to_string_lossy().into_owned()))
        .map_or_else(|| format!("--{long}"), |env| format!("{env} (--{long})"));
    let problem = std::error::Error::source(&error)
        .map(ToString::to_string)
        .unwrap_or_else(|| "not a valid value".to_owned());
    ConfigError::Malformed { key, problem }
}

/// The argument with the long flag `long`, in `command` or a subcommand.
fn find_arg<'a>(command: &'a Command, long: &str) -> Option<&'a clap::Arg> {
    command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(long))
        .or_else(|| {
            command
                .get_subcommands()
                .find_map(|sub| find_arg(sub, long))
        })
}

/// A TOML file of `KEY = value` pairs, each as the text its environment
/// variable would hold (a list joined with commas). A key `serve` does
/// not read is an error: a misspelt setting would otherwise be ignored.
fn read_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        file: file.clone(),
        problem: e.to_string(),
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::File {
        file: file.clone(),
        problem: e.message().to_owned(),
    })?;
    let known: Vec<String> = keys().into_iter().map(|(key, _)| key).collect();
    let mut values = Vec::new();
    for (key, value) in table {
        if !known.contains(&key) {
            return Err(ConfigError::UnknownKey {
                file,
                key,
                known: known.join(", "),
            });
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            other => {
                return Err(ConfigError::Malformed {
                    key: format!("{file}: {key}"),
                    problem: format!("unsupported value {other}"),
                });
            }
        };
        values.push((key, text));
    }
    Ok(values)
}

// The value parsers: each error says what is wrong with the value, and
// `explain` adds whose value it is.

fn number<T: FromStr>(text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a valid number"))
}

fn at_least_one<T: FromStr + PartialOrd + From<u8>>(text: &str) -> Result<T, String> {
    let value: T = number(text)?;
    if value < T::from(1) {
        return Err("must be at least 1".to_owned());
    }
    Ok(value)
}

fn threshold(text: &str) -> Result<f32, String> {
    let value: f32 = number(text)?;
    if !(0.0..=1.0).contains(&value) {
        return Err("must be between 0 and 1".to_owned());
    }
    Ok(value)
}

fn snowflake(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(format!("`{text}` is not a Discord id (a positive number)")),
    }
}

/// Blank reads as unset; the URL is not repeated, as it may hold a password.
fn api_base(text: &str) -> Result<String, String> {
    let base = text.trim();
    if base.is_empty() || base.starts_with("http://") || base.starts_with("https://") {
        Ok(base.trim_end_matches('/').to_owned())
    } else {
        Err("must start with http:// or https://".to_owned())
    }
}

fn http_addr(text: &str) -> Result<SocketAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not an address like 127.0.0.1:9477"))
}

/// Days, or `off` (the same as 0: kept for good).
fn retention_days(text: &str) -> Result<u32, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Ok(0);
    }
    text.parse()
        .map_err(|_| format!("`{text}` is not a number of days (or 0 or off to keep texts)"))
}

impl Config {
    /// Whether the bot serves events from `guild`: any server when
    /// `HELPDESK_GUILDS` is empty, else only those listed. Direct messages
    /// (no guild) are served either way.
    pub fn serves(&self, guild: Option<u64>) -> bool {
        match guild {
            None => true,
            Some(guild) => self.guilds.is_empty() || self.guilds.contains(&guild),
        }
    }
}

/// A database URL without its passwords, for messages and logs: the one
/// after `user:` and any query parameter named `password` or `…password`
/// (`?password=…`, `&sslpassword=…`), each shown as `***`.
pub fn redact_database_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut redacted = redact_credentials(base);
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.to_ascii_lowercase().ends_with("password") => {
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&pairs.join("&"));
    }
    redacted
}

/// `scheme://user:***@host…` for `scheme://user:password@host…`.
fn redact_credentials(url: &str) -> String {
    let (Some(scheme_end), Some(at)) = (url.find("://"), url.rfind('@')) else {
        return url.to_owned();
    };
    let credentials_start = scheme_end + 3;
    if at < credentials_start {
        return url.to_owned();
    }
    match url[credentials_start..at].split_once(':') {
        Some((user, _password)) => format!("{}{user}:***{}", &url[..credentials_start], &url[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flag each environment key goes with.
    fn flag(key: &str) -> String {
        let command = serve_command();
        let arg = command
            .get_arguments()
            .find(|arg| arg.get_env().is_some_and(|env| env == key))
            .unwrap_or_else(|| panic!("no setting reads {key}"));
        format!("--{}", arg.get_long().expect("settings are long flags"))
    }

    /// `serve` given `pairs` as flags: how a value reads does not depend on
    /// where it came from, and the environment is the process's, shared by
    /// the tests running beside this one.
    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut args = vec!["serve".to_owned()];
        for (key, value) in pairs {
            args.push(format!("{}={value}", flag(key)));
        }
        Config::parse_from(args)
    }

    #[test]
    fn defaults_apply_when_only_the_token_is_given() {
        let config = parse(&[("DISCORD_TOKEN", "abc")]).unwrap();
        assert_eq!(config.database_url, "helpdesk.db");
        assert_eq!(config.cooldown_questions, 5);
        assert_eq!(config.cooldown_window, Duration::from_secs(60));
        assert!(config.support_channels.is_empty());
        assert_eq!(config.threshold, DEFAULT_THRESHOLD);
        assert_eq!(config.max_in_flight, DEFAULT_MAX_IN_FLIGHT);
        assert_eq!(config.max_queued, DEFAULT_MAX_QUEUED);
    }

    #[test]
    fn the_queue_bound_is_read_and_may_be_zero() {
        for (text, bound) in [("3", 3), ("0", 0)] {
            let config = parse(&[("DISCORD_TOKEN", "t"), ("HELPDESK_MAX_QUEUED", text)]).unwrap();
            assert_eq!(config.max_queued, bound);
        }
    }

    #[test]
    fn a_missing_token_names_the_key() {
        let error = parse(&[]).unwrap_err();
        assert!(error.to_string().starts_with("DISCORD_TOKEN is required"));
    }

    #[test]
    fn malformed_values_name_their_key() {
        for (key, bad) in [
            ("HELPDESK_SUPPORT_CHANNELS", "12,abc"),
            ("HELPDESK_GUILDS", "12,0"),
            ("HELPDESK_GUILDS", "one"),
            ("HELPDESK_SUPPORT_ROLE", "-4"),
            ("HELPDESK_TRIAGE_CHANNEL", "0"),
            ("HELPDESK_THRESHOLD", "1.5"),
            ("HELPDESK_COOLDOWN_QUESTIONS", "many"),
            ("DISCORD_API_BASE", "localhost:8080"),
            ("HELPDESK_SHARDS", "3-1/4"),
            ("HELPDESK_SHARDS", "0-4/4"),
            ("HELPDESK_SHARDS", "0/0"),
            ("HELPDESK_HTTP_ADDR", "localhost"),
            ("HELPDESK_RETENTION_DAYS", "-1"),
            ("HELPDESK_RETENTION_DAYS", "a week"),
            ("HELPDESK_MAX_IN_FLIGHT", "0"),
            ("HELPDESK_MAX_IN_FLIGHT", "lots"),
            ("HELPDESK_MAX_QUEUED", "-1"),
            ("HELPDESK_MAX_QUEUED", "plenty"),
        ] {
            let error = parse(&[("DISCORD_TOKEN", "t"), (key, bad)])
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(key), "{key}: {error}");
        }
    }

    #[test]
    fn channel_lists_and_ids_parse() {
        let config = parse(&[
            ("DISCORD_TOKEN", "t"),
            ("HELPDESK_SUPPORT_CHANNELS", " 11, 22 ,"),
            ("HELPDESK_SUPPORT_ROLE", "33"),
            ("DISCORD_API_BASE", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        assert_eq!(config.support_channels, [11, 22]);
        assert_eq!(config.support_role, Some(33));
        assert_eq!(config.api_base.as_deref(), Some("http://127.0.0.1:9"));
    }

    #[test]
    fn every_server_is_served_unless_guilds_are_listed() {
        let any = parse(&[("DISCORD_TOKEN", "t")]).unwrap();
        assert!(any.guilds.is_empty());
        assert!(any.serves(Some(11)));
        assert!(any.serves(None));

        let listed = parse(&[("DISCORD_TOKEN", "t"), ("HELPDESK_GUILDS", " 11, 22 ,")]).unwrap();
        assert_eq!(listed.guilds, [11, 22]);
        assert!(listed.serves(Some(11)));
        assert!(listed.serves(Some(22)));
        assert!(!listed.serves(Some(33)), "a server not listed");
        assert!(listed.serves(None), "direct messages have no server");

        let blank = parse(&[("DISCORD_TOKEN", "t"), ("HELPDESK_GUILDS", " , ")]).unwrap();
        assert!(blank.serves(Some(33)), "an empty list means any server");
    }

    #[test]
    fn shard_ranges_parse_and_route_guilds_like_discord() {
        let range: ShardRange = "0-1/4".parse().unwrap();
        assert_eq!((range.first, range.last, range.total), (0, 1, 4));
        let single: ShardRange = "2/4".parse().unwrap();
        assert_eq!((single.first, single.last, single.total), (2, 2, 4));
        // Discord's formula: (guild_id >> 22) % shard_count.
        assert_eq!(ShardRange::shard_of(41_771_983_423_143_937, 4), 2);
        assert_eq!(ShardRange::shard_of(3 << 22, 4), 3);
        assert_eq!(ShardRange::shard_of(5 << 22, 4), 1);
    }

    #[test]
    fn operations_settings_have_defaults_and_parse() {
        let config = parse(&[("DISCORD_TOKEN", "t")]).unwrap();
        assert_eq!(config.http_addr.to_string(), DEFAULT_HTTP_ADDR);
        assert_eq!(config.shards, None);
        assert_eq!(
            config.retention,
            Some(Duration::from_secs(90 * 86_400)),
            "texts are purged after 90 days unless set otherwise"
        );
        let config = parse(&[
            ("DISCORD_TOKEN", "t"),
            ("HELPDESK_HTTP_ADDR", "0.0.0.0:80"),
            ("HELPDESK_RETENTION_DAYS", "30"),
        ])
        .unwrap();
        assert_eq!(config.http_addr.port(), 80);
        assert_eq!(config.retention, Some(Duration::from_secs(30 * 86_400)));
        for off in ["0", "off", "OFF"] {
            let config =
                parse(&[("DISCORD_TOKEN", "t"), ("HELPDESK_RETENTION_DAYS", off)]).unwrap();
            assert_eq!(config.retention, None, "{off} keeps texts");
        }
    }

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_database_url("postgres://bot:s3cret@db:5432/helpdesk"),
            "postgres://bot:***@db:5432/helpdesk"
        );
        assert_eq!(
            redact_database_url(
                "postgres://bot@db/helpdesk?sslmode=require&password=s3cret&sslpassword=k3y"
            ),
            "postgres://bot@db/helpdesk?sslmode=require&password=***&sslpassword=***"
        );
        assert_eq!(
            redact_database_url("postgresql://bot:a@b@db/x?PASSWORD=c&application_name=hd"),
            "postgresql://bot:***@db/x?PASSWORD=***&application_name=hd"
        );
        for unchanged in [
            "postgres://postgres@127.0.0.1/test",
            "postgres://bot@db/helpdesk?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            "sqlite:///var/lib/helpdesk/helpdesk.db",
            "sqlite://helpdesk.db?mode=rwc",
            "helpdesk.db",
        ] {
            assert_eq!(redact_database_url(unchanged), unchanged);
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = parse(&[
            ("DISCORD_TOKEN", "sekrit-token"),
            (
                "HELPDESK_DATABASE_URL",
                "postgres://bot:db-pa55@db/helpdesk?password=query-pa55",
            ),
            ("DISCORD_API_BASE", "http://proxy:proxy-pa55@127.0.0.1:8080"),
        ])
        .unwrap();
        let debug = format!("{config:?}");
        for secret in ["sekrit-token", "db-pa55", "query-pa55", "proxy-pa55"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(
            debug.contains("postgres://bot:***@db/helpdesk?password=***"),
            "{debug}"
        );
        assert!(debug.contains("max_in_flight: 128"), "{debug}");
        assert!(debug.contains("max_queued: 20000"), "{debug}");
    }

    #[test]
    fn the_example_env_file_documents_every_key() {
        let example = include_str!("../.env.example");
        let logging = LOGGING_KEYS.iter().map(|(key, _)| (*key).to_owned());
        for key in keys().into_iter().map(|(key, _)| key).chain(logging) {
            assert!(
                example.contains(&format!("{key}=")),
                "{key} is missing from .env.example"
            );
        }
    }

    #[test]
    fn a_toml_file_is_read_and_unknown_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.toml");
        std::fs::write(
            &good,
            "DISCORD_TOKEN = \"t\"\nHELPDESK_SUPPORT_CHANNELS = [1, 2]\n\
             HELPDESK_GUILDS = [\"3\"]\nHELPDESK_THRESHOLD = 0.5\nHELPDESK_MAX_QUEUED = 7\n",
        )
        .unwrap();
        let config =
            Config::parse_from(["serve".as_ref(), "--config".as_ref(), good.as_os_str()]).unwrap();
        assert_eq!(config.support_channels, [1, 2]);
        assert_eq!(config.guilds, [3]);
        assert_eq!(config.threshold, 0.5);
        assert_eq!(config.max_queued, 7);

        let misspelt = dir.path().join("misspelt.toml");
        std::fs::write(&misspelt, "HELPDESK_SUPPORT_CHANEL = 1\n").unwrap();
        let error =
            Config::parse_from(["serve".as_ref(), "--config".as_ref(), misspelt.as_os_str()])
                .unwrap_err()
                .to_string();
        assert!(
            error.contains("misspelt.toml: unknown key HELPDESK_SUPPORT_CHANEL"),
            "{error}"
        );

        let bad = dir.path().join("bad.toml");
        std::fs::write(
            &bad,
            "DISCORD_TOKEN = \"t\"\nHELPDESK_MAX_QUEUED = \"plenty\"\n",
        )
        .unwrap();
        let error = Config::parse_from(["serve".as_ref(), "--config".as_ref(), bad.as_os_str()])
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("HELPDESK_MAX_QUEUED"), "{error}");
        assert!(error.contains("`plenty`"), "{error}");
    }

    /// A flag wins over the environment, which wins over the file, which
    /// wins over the default. Only this test sets `HELPDESK_SOLVED_TAG`,
    /// and no other test reads the solved tag, so the tests running beside
    /// it are not disturbed by the variable.
    #[test]
    fn a_flag_wins_over_the_environment_which_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("helpdesk.toml");
        std::fs::write(
            &file,
            "DISCORD_TOKEN = \"t\"\nHELPDESK_SOLVED_TAG = \"from the file\"\n",
        )
        .unwrap();
        let file = file.to_str().unwrap();
        let solved_tag = |extra: &[&str]| {
            let mut args = vec!["serve", "--config", file];
            args.extend(extra);
            Config::parse_from(args).unwrap().solved_tag
        };
        assert_eq!(
            parse(&[("DISCORD_TOKEN", "t")]).unwrap().solved_tag,
            "Solved"
        );
        assert_eq!(solved_tag(&[]), "from the file");
        std::env::set_var("HELPDESK_SOLVED_TAG", "from the environment");
        let from_environment = solved_tag(&[]);
        let from_flag = solved_tag(&["--solved-tag", "from the flag"]);
        std::env::remove_var("HELPDESK_SOLVED_TAG");
        assert_eq!(from_environment, "from the environment");
        assert_eq!(from_flag, "from the flag");
    }

    #[test]
    fn every_setting_has_a_key_a_flag_and_help() {
        let command = serve_command();
        let settings: Vec<_> = command
            .get_arguments()
            .filter(|arg| arg.get_id() != "config")
            .collect();
        assert_eq!(keys().len(), settings.len(), "a setting without a key");
        for arg in settings {
            assert!(arg.get_long().is_some(), "{:?} has no flag", arg.get_id());
            assert!(arg.get_help().is_some(), "{:?} has no help", arg.get_id());
        }
    }

    #[test]
    fn help_shows_no_secret_from_the_environment() {
        // `--help` shows `[env: KEY=value]`; the secrets' values are hidden.
        let command = serve_command();
        for key in ["DISCORD_TOKEN", "HELPDESK_DATABASE_URL", "DISCORD_API_BASE"] {
            let arg = command
                .get_arguments()
                .find(|arg| arg.get_env().is_some_and(|env| env == key))
                .unwrap();
            assert!(arg.is_hide_env_values_set(), "{key}");
        }
    }
}
