//! Typed configuration for `helpdesk serve`, read once at start-up from the
//! environment and an optional TOML file (the environment wins).
//!
//! The TOML file uses the environment's key names, so there is one name per
//! setting everywhere: `HELPDESK_SUPPORT_CHANNELS = [123, 456]`. A missing
//! or malformed key stops start-up with an error that names it.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::matcher::DEFAULT_THRESHOLD;

/// Every key `serve` reads, with what it means; `.env.example` documents
/// the same list.
pub const KEYS: &[(&str, &str)] = &[
    ("DISCORD_TOKEN", "the bot's token (required; never logged)"),
    (
        "DISCORD_API_BASE",
        "a Discord-compatible API base URL, e.g. an HTTP proxy",
    ),
    (
        "HELPDESK_SUPPORT_CHANNELS",
        "comma-separated ids of the text or forum channels to watch",
    ),
    (
        "HELPDESK_GUILDS",
        "comma-separated ids of the servers the bot serves; it leaves any other (default: any server)",
    ),
    (
        "HELPDESK_SUPPORT_ROLE",
        "role id pinged when a question needs a human (the role must be mentionable)",
    ),
    (
        "HELPDESK_TRIAGE_CHANNEL",
        "channel id where escalations and comments are posted",
    ),
    (
        "HELPDESK_DATABASE_URL",
        "sqlite://PATH, a file path, or postgres://... (default helpdesk.db)",
    ),
    (
        "HELPDESK_KNOWLEDGE",
        "the knowledge folder (default ./knowledge, else built in)",
    ),
    (
        "HELPDESK_THRESHOLD",
        "confidence under which a question gets no answer (default 0.35)",
    ),
    (
        "HELPDESK_COOLDOWN_QUESTIONS",
        "questions a person may ask per window (default 5)",
    ),
    (
        "HELPDESK_COOLDOWN_SECONDS",
        "the cooldown window in seconds (default 60)",
    ),
    (
        "HELPDESK_DIALOGUE_IDLE_HOURS",
        "hours after which an untouched recommendation dialogue is deleted (default 24)",
    ),
    (
        "HELPDESK_SOLVED_TAG",
        "forum tag applied when the asker votes helpful (default Solved)",
    ),
    (
        "HELPDESK_ESCALATION_TAG",
        "forum tag applied on escalation (default Needs human)",
    ),
    (
        "HELPDESK_SHARDS",
        "FIRST-LAST/TOTAL: the Discord shards this process runs (default all)",
    ),
    (
        "HELPDESK_HTTP_ADDR",
        "address of /healthz, /readyz and /metrics (default 127.0.0.1:9477)",
    ),
    (
        "HELPDESK_RETENTION_DAYS",
        "days question texts and comments are kept (default 90; 0 or off keeps them)",
    ),
    (
        "HELPDESK_MAX_IN_FLIGHT",
        "events handled at once (default 32); past it questions wait their turn, and clicks and commands up to 1 s, then get \"busy, try again\"",
    ),
    (
        "HELPDESK_MAX_QUEUED",
        "events that may wait for a slot (default 20000); a question past it is handed to the support team, and its asker told so",
    ),
];

/// Handlers in flight by default: four per PostgreSQL connection.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 32;

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

impl std::str::FromStr for ShardRange {
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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{key} is required ({what})")]
    Missing {
        key: &'static str,
        what: &'static str,
    },
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
}

impl Config {
    /// Reads the optional TOML file, then the environment over it.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut values = match file {
            Some(path) => read_file(path)?,
            None => BTreeMap::new(),
        };
        for (key, _) in KEYS {
            if let Ok(value) = std::env::var(key) {
                values.insert((*key).to_owned(), value);
            }
        }
        Self::from_values(&values)
    }

    /// Parses settings given as key -> text.
    pub fn from_values(values: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let get = |key: &str| values.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
        let token = get("DISCORD_TOKEN").ok_or(ConfigError::Missing {
            key: "DISCORD_TOKEN",
            what: "the bot token from the Discord developer portal",
        })?;
        if token.chars().any(char::is_whitespace) {
            return Err(malformed("DISCORD_TOKEN", "contains whitespace"));
        }
        let api_base = get("DISCORD_API_BASE")
            .map(|base| {
                if base.starts_with("http://") || base.starts_with("https://") {
                    Ok(base.trim_end_matches('/').to_owned())
                } else {
                    Err(malformed(
                        "DISCORD_API_BASE",
                        "must start with http:// or https://",
                    ))
                }
            })
            .transpose()?;
        let id_list = |key: &str| {
            get(key)
                .map(|list| {
                    list.split(',')
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(|id| snowflake(key, id))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()
                .map(Option::unwrap_or_default)
        };
        let support_channels = id_list("HELPDESK_SUPPORT_CHANNELS")?;
        let guilds = id_list("HELPDESK_GUILDS")?;
        let optional_id = |key: &str| get(key).map(|id| snowflake(key, id)).transpose();
        let threshold = parse_or(
            get("HELPDESK_THRESHOLD"),
            "HELPDESK_THRESHOLD",
            DEFAULT_THRESHOLD,
        )?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(malformed("HELPDESK_THRESHOLD", "must be between 0 and 1"));
        }
        let cooldown_questions: u32 = parse_or(
            get("HELPDESK_COOLDOWN_QUESTIONS"),
            "HELPDESK_COOLDOWN_QUESTIONS",
            5,
        )?;
        let cooldown_seconds: u64 = parse_or(
            get("HELPDESK_COOLDOWN_SECONDS"),
            "HELPDESK_COOLDOWN_SECONDS",
            60,
        )?;
        let shards = get("HELPDESK_SHARDS")
            .map(|text| text.parse().map_err(|e| malformed("HELPDESK_SHARDS", e)))
            .transpose()?;
        let http_addr_text = get("HELPDESK_HTTP_ADDR").unwrap_or(DEFAULT_HTTP_ADDR);
        let http_addr = http_addr_text.parse().map_err(|_| {
            malformed(
                "HELPDESK_HTTP_ADDR",
                format!("`{http_addr_text}` is not an address like 127.0.0.1:9477"),
            )
        })?;
        let days = |days: u32| Some(Duration::from_secs(u64::from(days) * 86_400));
        let retention = match get("HELPDESK_RETENTION_DAYS") {
            None => days(DEFAULT_RETENTION_DAYS),
            Some(text) if text.eq_ignore_ascii_case("off") => None,
            Some(text) => match text.parse::<u32>() {
                Ok(0) => None,
                Ok(n) => days(n),
                Err(_) => {
                    return Err(malformed(
                        "HELPDESK_RETENTION_DAYS",
                        format!("`{text}` is not a number of days (or 0 or off to keep texts)"),
                    ))
                }
            },
        };
        let dialogue_idle_hours: u64 = parse_or(
            get("HELPDESK_DIALOGUE_IDLE_HOURS"),
            "HELPDESK_DIALOGUE_IDLE_HOURS",
            24,
        )?;
        if dialogue_idle_hours == 0 {
            return Err(malformed(
                "HELPDESK_DIALOGUE_IDLE_HOURS",
                "must be at least 1",
            ));
        }
        let max_in_flight: usize = parse_or(
            get("HELPDESK_MAX_IN_FLIGHT"),
            "HELPDESK_MAX_IN_FLIGHT",
            DEFAULT_MAX_IN_FLIGHT,
        )?;
        if max_in_flight == 0 {
            return Err(malformed("HELPDESK_MAX_IN_FLIGHT", "must be at least 1"));
        }
        let max_queued: usize = parse_or(
            get("HELPDESK_MAX_QUEUED"),
            "HELPDESK_MAX_QUEUED",
            DEFAULT_MAX_QUEUED,
        )?;
        Ok(Self {
            token: Token(token.to_owned()),
            api_base,
            support_channels,
            guilds,
            support_role: optional_id("HELPDESK_SUPPORT_ROLE")?,
            triage_channel: optional_id("HELPDESK_TRIAGE_CHANNEL")?,
            database_url: get("HELPDESK_DATABASE_URL")
                .unwrap_or("helpdesk.db")
                .to_owned(),
            knowledge: get("HELPDESK_KNOWLEDGE").map(PathBuf::from),
            threshold,
            cooldown_questions,
            cooldown_window: Duration::from_secs(cooldown_seconds),
            solved_tag: get("HELPDESK_SOLVED_TAG").unwrap_or("Solved").to_owned(),
            escalation_tag: get("HELPDESK_ESCALATION_TAG")
                .unwrap_or("Needs human")
                .to_owned(),
            shards,
            http_addr,
            retention,
            dialogue_idle: Duration::from_secs(dialogue_idle_hours.saturating_mul(3600)),
            max_in_flight,
            max_queued,
        })
    }
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

fn malformed(key: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Malformed {
        key: key.to_owned(),
        problem: problem.into(),
    }
}

fn snowflake(key: &str, text: &str) -> Result<u64, ConfigError> {
    match text.parse::<u64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(malformed(
            key,
            format!("`{text}` is not a Discord id (a positive number)"),
        )),
    }
}

fn parse_or<T: std::str::FromStr>(
    value: Option<&str>,
    key: &str,
    default: T,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| malformed(key, format!("`{text}` is not a valid number"))),
    }
}

/// A TOML file of `KEY = value` pairs, flattened to text.
fn read_file(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        file: file.clone(),
        problem: e.to_string(),
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::File {
        file: file.clone(),
        problem: e.message().to_owned(),
    })?;
    let mut values = BTreeMap::new();
    for (key, value) in table {
        if !KEYS.iter().any(|(known, _)| *known == key) {
            return Err(ConfigError::UnknownKey {
                file,
                key,
                known: KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", "),
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
                return Err(malformed(&key, format!("unsupported value {other}")));
            }
        };
        values.insert(key, text);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_apply_when_only_the_token_is_given() {
        let config = Config::from_values(&values(&[("DISCORD_TOKEN", "abc")])).unwrap();
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
            let config = Config::from_values(&values(&[
                ("DISCORD_TOKEN", "t"),
                ("HELPDESK_MAX_QUEUED", text),
            ]))
            .unwrap();
            assert_eq!(config.max_queued, bound);
        }
    }

    #[test]
    fn a_missing_token_names_the_key() {
        let error = Config::from_values(&values(&[])).unwrap_err();
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
            let error = Config::from_values(&values(&[("DISCORD_TOKEN", "t"), (key, bad)]))
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(key), "{key}: {error}");
        }
    }

    #[test]
    fn channel_lists_and_ids_parse() {
        let config = Config::from_values(&values(&[
            ("DISCORD_TOKEN", "t"),
            ("HELPDESK_SUPPORT_CHANNELS", " 11, 22 ,"),
            ("HELPDESK_SUPPORT_ROLE", "33"),
            ("DISCORD_API_BASE", "http://127.0.0.1:9/"),
        ]))
        .unwrap();
        assert_eq!(config.support_channels, [11, 22]);
        assert_eq!(config.support_role, Some(33));
        assert_eq!(config.api_base.as_deref(), Some("http://127.0.0.1:9"));
    }

    #[test]
    fn every_server_is_served_unless_guilds_are_listed() {
        let any = Config::from_values(&values(&[("DISCORD_TOKEN", "t")])).unwrap();
        assert!(any.guilds.is_empty());
        assert!(any.serves(Some(11)));
        assert!(any.serves(None));

        let listed = Config::from_values(&values(&[
            ("DISCORD_TOKEN", "t"),
            ("HELPDESK_GUILDS", " 11, 22 ,"),
        ]))
        .unwrap();
        assert_eq!(listed.guilds, [11, 22]);
        assert!(listed.serves(Some(11)));
        assert!(listed.serves(Some(22)));
        assert!(!listed.serves(Some(33)), "a server not listed");
        assert!(listed.serves(None), "direct messages have no server");

        let blank = Config::from_values(&values(&[
            ("DISCORD_TOKEN", "t"),
            ("HELPDESK_GUILDS", " , "),
        ]))
        .unwrap();
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
        let config = Config::from_values(&values(&[("DISCORD_TOKEN", "t")])).unwrap();
        assert_eq!(config.http_addr.to_string(), DEFAULT_HTTP_ADDR);
        assert_eq!(config.shards, None);
        assert_eq!(
            config.retention,
            Some(Duration::from_secs(90 * 86_400)),
            "texts are purged after 90 days unless set otherwise"
        );
        let config = Config::from_values(&values(&[
            ("DISCORD_TOKEN", "t"),
            ("HELPDESK_HTTP_ADDR", "0.0.0.0:80"),
            ("HELPDESK_RETENTION_DAYS", "30"),
        ]))
        .unwrap();
        assert_eq!(config.http_addr.port(), 80);
        assert_eq!(config.retention, Some(Duration::from_secs(30 * 86_400)));
        for off in ["0", "off", "OFF"] {
            let config = Config::from_values(&values(&[
                ("DISCORD_TOKEN", "t"),
                ("HELPDESK_RETENTION_DAYS", off),
            ]))
            .unwrap();
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
        let config = Config::from_values(&values(&[
            ("DISCORD_TOKEN", "sekrit-token"),
            (
                "HELPDESK_DATABASE_URL",
                "postgres://bot:db-pa55@db/helpdesk?password=query-pa55",
            ),
            ("DISCORD_API_BASE", "http://proxy:proxy-pa55@127.0.0.1:8080"),
        ]))
        .unwrap();
        let debug = format!("{config:?}");
        for secret in ["sekrit-token", "db-pa55", "query-pa55", "proxy-pa55"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(
            debug.contains("postgres://bot:***@db/helpdesk?password=***"),
            "{debug}"
        );
        assert!(debug.contains("max_in_flight: 32"), "{debug}");
        assert!(debug.contains("max_queued: 20000"), "{debug}");
    }

    #[test]
    fn the_example_env_file_documents_every_key() {
        let example = include_str!("../.env.example");
        for (key, _) in KEYS.iter().chain(LOGGING_KEYS) {
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
            "HELPDESK_SUPPORT_CHANNELS = [1, 2]\nHELPDESK_GUILDS = [\"3\"]\nHELPDESK_THRESHOLD = 0.5\n",
        )
        .unwrap();
        let read = read_file(&good).unwrap();
        assert_eq!(read["HELPDESK_SUPPORT_CHANNELS"], "1,2");
        assert_eq!(read["HELPDESK_GUILDS"], "3");
        assert_eq!(read["HELPDESK_THRESHOLD"], "0.5");
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "HELPDESK_SUPPORT_CHANEL = 1\n").unwrap();
        let error = read_file(&bad).unwrap_err().to_string();
        assert!(
            error.contains("unknown key HELPDESK_SUPPORT_CHANEL"),
            "{error}"
        );
    }
}
