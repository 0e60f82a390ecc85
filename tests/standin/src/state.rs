//! What the stand-in remembers: recorded requests, contract violations,
//! channels, messages, interactions, commands and pending faults.
//!
//! Everything lives in one `std::sync::Mutex<State>` that is never held
//! across an `.await`; a `watch` channel carries a version number bumped on
//! every change so waiters can sleep until something happens.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::watch;

use super::gateway::GatewayState;
use super::payloads::{Config, UserSpec};

/// Milliseconds between the Unix epoch and Discord's (2015-01-01).
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// State shared by the server tasks and the test-facing [`super::StandIn`].
pub(super) struct Shared {
    pub config: Config,
    state: Mutex<State>,
    version: watch::Sender<u64>,
    snowflakes: AtomicU64,
}

impl Shared {
    /// `last_snowflake`: the highest id already handed out (generated ids
    /// continue after it).
    pub fn new(config: Config, state: State, last_snowflake: u64) -> Self {
        Self {
            config,
            state: Mutex::new(state),
            version: watch::Sender::new(0),
            snowflakes: AtomicU64::new(last_snowflake),
        }
    }

    /// Locks the state. A panic in a test helper must not wedge the server,
    /// so a poisoned lock is simply taken over.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every waiter; call after each change.
    pub fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// A fresh snowflake: timestamp-based like Discord's, strictly
    /// increasing and never zero.
    pub fn snowflake(&self) -> u64 {
        next_snowflake(&self.snowflakes)
    }
}

pub(super) fn next_snowflake(last: &AtomicU64) -> u64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
        .saturating_sub(DISCORD_EPOCH_MS);
    // Worker 1, process 0; the low 17 bits act as an increment.
    let candidate = (ms << 22) | (1 << 17);
    let mut current = last.load(Ordering::Relaxed);
    loop {
        let next = candidate.max(current + 1);
        match last.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => current = actual,
        }
    }
}

/// The creation time encoded in a snowflake, as RFC 3339.
pub(super) fn snowflake_timestamp(id: u64) -> String {
    let ms = (id >> 22) + DISCORD_EPOCH_MS;
    serenity::model::Timestamp::from_millis(ms as i64)
        .unwrap_or_else(|_| serenity::model::Timestamp::now())
        .to_string()
}

pub(super) fn now_timestamp() -> String {
    serenity::model::Timestamp::now().to_string()
}

#[derive(Default)]
pub(super) struct State {
    pub requests: Vec<RecordedRequest>,
    pub violations: Vec<Violation>,
    pub channels: BTreeMap<u64, ChannelInfo>,
    /// Every message by id, including ephemeral and deleted ones.
    pub messages: BTreeMap<u64, StoredMessage>,
    pub interactions: HashMap<u64, InteractionRecord>,
    pub interaction_by_token: HashMap<String, u64>,
    pub commands: Vec<RegisteredCommand>,
    /// Users the stand-in has seen (from specs), for member look-ups.
    pub users: HashMap<u64, UserSpec>,
    pub roles: Vec<RoleInfo>,
    pub faults: Vec<Fault>,
    /// Guilds the bot left (`DELETE /users/@me/guilds/{guild_id}`), in order.
    pub left_guilds: Vec<u64>,
    pub gateway: GatewayState,
}

/// One HTTP request the bot sent, as received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The concrete path below `/api/v10`, e.g. `/channels/42/messages`.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The OpenAPI path template the path matched, e.g.
    /// `/channels/{channel_id}/messages`; `None` for unknown paths.
    pub template: Option<String>,
    /// The JSON body (for multipart: its `payload_json`), if any.
    pub body: Option<Value>,
    /// The status the stand-in answered with.
    pub status: u16,
    pub at: SystemTime,
}

impl RecordedRequest {
    /// True if this is `method` on the OpenAPI `template`.
    pub fn is(&self, method: &str, template: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.template.as_deref() == Some(template)
    }
}

impl fmt::Display for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} -> {}", self.method, self.path, self.status)
    }
}

/// Why a request (or a stand-in response) broke the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// The path or method is not an operation of openapi.json.
    UnknownRoute,
    /// A path or query parameter fails its schema or is undeclared.
    InvalidParameter,
    /// The JSON body fails the operation's requestBody schema.
    InvalidBody,
    /// The body passes the schema but breaks a rule Discord enforces
    /// (2000-character content, empty message, duplicate custom ids, ...).
    DiscordRule,
    /// A multipart body without `payload_json`: accepted, not validated.
    Unvalidated,
    /// A valid operation the stand-in does not implement (answered 404).
    Unimplemented,
    /// The stand-in's own response fails the contract's response schema —
    /// a bug in the stand-in, not the bot.
    StandInResponse,
}

#[derive(Clone, Debug)]
pub struct Violation {
    pub kind: ViolationKind,
    pub method: String,
    pub path: String,
    pub template: Option<String>,
    pub messages: Vec<String>,
    /// The request body, to make failures readable.
    pub body: Option<Value>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {} {}", self.kind, self.method, self.path)?;
        if let Some(t) = &self.template {
            write!(f, " ({t})")?;
        }
        for m in &self.messages {
            write!(f, "\n    - {m}")?;
        }
        Ok(())
    }
}

/// A message as the stand-in stores it.
#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub id: u64,
    pub channel_id: u64,
    /// The message object exactly as the stand-in returns it over REST.
    pub json: Value,
    /// The `allowed_mentions` the bot sent with it (create or last edit);
    /// `None` if it sent none (Discord then parses every mention).
    pub allowed_mentions: Option<Value>,
    /// Ephemeral interaction replies: visible only to the interaction's
    /// user, so not part of the channel history.
    pub ephemeral: bool,
    pub deleted: bool,
    /// How many times the message was edited.
    pub edits: u32,
    /// The interaction that created it, if any.
    pub interaction_id: Option<u64>,
    /// Files uploaded with it (`multipart/form-data`), by its creation and
    /// its edits, in order.
    pub files: Vec<UploadedFile>,
}

/// A file part of a `multipart/form-data` request, as the bot uploaded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadedFile {
    /// The part's name: `files[0]`, `files[1]`, ...
    pub field: String,
    pub filename: Option<String>,
    /// The part's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl StoredMessage {
    pub fn content(&self) -> &str {
        self.json["content"].as_str().unwrap_or_default()
    }

    pub fn author_id(&self) -> u64 {
        parse_id(&self.json["author"]["id"]).unwrap_or_default()
    }

    pub fn embeds(&self) -> &[Value] {
        self.json["embeds"].as_array().map_or(&[], Vec::as_slice)
    }

    pub fn components(&self) -> &[Value] {
        self.json["components"]
            .as_array()
            .map_or(&[], Vec::as_slice)
    }

    pub fn flags(&self) -> u64 {
        self.json["flags"].as_u64().unwrap_or(0)
    }

    /// Every `custom_id` among the message's components, in order.
    pub fn custom_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        super::contract::visit_components(self.components(), &mut |c| {
            if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
                ids.push(id.to_string());
            }
        });
        ids
    }

    /// The component with `custom_id`, if the message has one.
    pub fn component(&self, custom_id: &str) -> Option<Value> {
        let mut found = None;
        super::contract::visit_components(self.components(), &mut |c| {
            if found.is_none() && c.get("custom_id").and_then(Value::as_str) == Some(custom_id) {
                found = Some(c.clone());
            }
        });
        found
    }

    /// Ids of the users Discord would ping (`mentions`, after applying
    /// `allowed_mentions`).
    pub fn mentioned_user_ids(&self) -> Vec<u64> {
        self.json["mentions"]
            .as_array()
            .map(|a| a.iter().filter_map(|u| parse_id(&u["id"])).collect())
            .unwrap_or_default()
    }

    /// The message as serenity's model (panics if it does not parse, which
    /// would be a stand-in bug).
    pub fn to_serenity(&self) -> serenity::model::channel::Message {
        serde_json::from_value(self.json.clone())
            .unwrap_or_else(|e| panic!("stand-in message {} does not parse: {e}", self.id))
    }
}

/// A forum tag of a forum channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForumTagInfo {
    pub id: u64,
    pub name: String,
    pub moderated: bool,
    pub emoji_id: Option<u64>,
    pub emoji_name: Option<String>,
}

/// A channel or thread known to the stand-in.
#[derive(Clone, Debug)]
pub struct ChannelInfo {
    pub id: u64,
    /// Discord channel type: 0 text, 5 announcement, 10/11/12 threads, 15 forum.
    pub kind: u8,
    pub guild_id: u64,
    pub name: String,
    pub topic: Option<String>,
    pub parent_id: Option<u64>,
    pub owner_id: Option<u64>,
    pub available_tags: Vec<ForumTagInfo>,
    pub applied_tags: Vec<u64>,
    pub archived: bool,
    pub locked: bool,
    pub auto_archive_duration: u64,
    pub rate_limit_per_user: u64,
    pub message_count: u64,
    pub last_message_id: Option<u64>,
    pub flags: u64,
    /// Users added to the thread (`PUT /thread-members/...`).
    pub members: Vec<u64>,
}

impl ChannelInfo {
    /// A channel with Discord's defaults (3-day auto-archive, no slowmode).
    pub fn new(id: u64, kind: u8, guild_id: u64, name: &str) -> Self {
        Self {
            id,
            kind,
            guild_id,
            name: name.to_string(),
            topic: None,
            parent_id: None,
            owner_id: None,
            available_tags: Vec::new(),
            applied_tags: Vec::new(),
            archived: false,
            locked: false,
            auto_archive_duration: 4320,
            rate_limit_per_user: 0,
            message_count: 0,
            last_message_id: None,
            flags: 0,
            members: Vec::new(),
        }
    }

    pub fn is_thread(&self) -> bool {
        matches!(self.kind, 10..=12)
    }

    /// The id of the forum tag called `name` (forum channels).
    pub fn tag_id(&self, name: &str) -> Option<u64> {
        self.available_tags
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.id)
    }
}

#[derive(Clone, Debug)]
pub struct RoleInfo {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
}

/// An interaction the stand-in dispatched, and what the bot did with it.
#[derive(Clone, Debug)]
pub struct InteractionRecord {
    pub id: u64,
    pub token: String,
    /// 2 command, 3 component, 4 autocomplete, 5 modal submit.
    pub kind: u8,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub user_id: u64,
    /// The message a component interaction came from.
    pub message_id: Option<u64>,
    /// The INTERACTION_CREATE payload (`d`).
    pub payload: Value,
    /// The bot's first (and only accepted) callback.
    pub callback: Option<InteractionCallback>,
    /// Callbacks refused because one was already accepted.
    pub rejected_callbacks: u32,
    /// The `@original` response message, once there is one.
    pub original_message_id: Option<u64>,
    pub followup_ids: Vec<u64>,
}

/// The body of an interaction callback (`POST /interactions/{id}/{token}/callback`).
#[derive(Clone, Debug)]
pub struct InteractionCallback {
    /// 4 message, 5 deferred message, 6 deferred update, 7 update message,
    /// 8 autocomplete result, 9 modal.
    pub kind: u8,
    /// The callback's `data` (`Value::Null` when absent).
    pub data: Value,
    /// Files uploaded with it (`multipart/form-data`).
    pub files: Vec<UploadedFile>,
    pub at: SystemTime,
}

impl InteractionCallback {
    pub fn is_ephemeral(&self) -> bool {
        self.data["flags"].as_u64().unwrap_or(0) & 64 != 0
    }

    pub fn content(&self) -> Option<&str> {
        self.data["content"].as_str()
    }

    /// For a modal (type 9): its `custom_id`.
    pub fn custom_id(&self) -> Option<&str> {
        self.data["custom_id"].as_str()
    }

    /// For a modal: the custom ids of its text inputs.
    pub fn modal_field_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        if let Some(rows) = self.data["components"].as_array() {
            super::contract::visit_components(rows, &mut |c| {
                if c["type"].as_u64() == Some(4) {
                    if let Some(id) = c["custom_id"].as_str() {
                        ids.push(id.to_string());
                    }
                }
            });
        }
        ids
    }

    /// For autocomplete (type 8): the offered choices.
    pub fn choices(&self) -> &[Value] {
        self.data["choices"].as_array().map_or(&[], Vec::as_slice)
    }
}

/// An application command as registered by the bot.
#[derive(Clone, Debug)]
pub struct RegisteredCommand {
    /// `None` for global commands.
    pub guild_id: Option<u64>,
    /// The command object as returned to the bot (with `id`, `version`, ...).
    pub json: Value,
}

impl RegisteredCommand {
    pub fn name(&self) -> &str {
        self.json["name"].as_str().unwrap_or_default()
    }

    pub fn id(&self) -> u64 {
        parse_id(&self.json["id"]).unwrap_or_default()
    }
}

/// Which requests a fault applies to.
///
/// Built from a string: `"POST /channels/{channel_id}/messages"` matches a
/// method and an OpenAPI template exactly; a path without `{` is a substring
/// of the concrete path (`"PATCH /threads"`, `"/callback"`); the method is
/// optional and `*` means any.
#[derive(Clone, Debug)]
pub struct RouteMatcher {
    method: Option<String>,
    pattern: Pattern,
}

#[derive(Clone, Debug)]
enum Pattern {
    Template(String),
    Contains(String),
}

impl RouteMatcher {
    pub fn new(spec: &str) -> Self {
        let spec = spec.trim();
        let (method, path) = match spec.split_once(' ') {
            Some((m, p)) if !m.starts_with('/') => (Some(m.to_ascii_uppercase()), p.trim()),
            _ => (None, spec),
        };
        let method = method.filter(|m| m != "*");
        let pattern = if path.contains('{') {
            Pattern::Template(path.to_string())
        } else {
            Pattern::Contains(path.to_string())
        };
        Self { method, pattern }
    }

    pub fn matches(&self, method: &str, path: &str, template: Option<&str>) -> bool {
        if self
            .method
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return false;
        }
        match &self.pattern {
            Pattern::Template(t) => template == Some(t.as_str()),
            Pattern::Contains(s) => path.contains(s.as_str()),
        }
    }
}

impl From<&str> for RouteMatcher {
    fn from(spec: &str) -> Self {
        Self::new(spec)
    }
}

#[derive(Clone, Debug)]
pub(super) struct Fault {
    pub matcher: RouteMatcher,
    pub status: u16,
    pub retry_after: Option<f64>,
    pub remaining: usize,
}

/// Parses a snowflake given as a JSON string or number.
pub(super) fn parse_id(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .filter(|id| *id != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_increase_and_carry_time() {
        let last = AtomicU64::new(0);
        let a = next_snowflake(&last);
        let b = next_snowflake(&last);
        assert!(a > 0 && b > a);
        assert!(snowflake_timestamp(a).starts_with("20"));
    }

    #[test]
    fn route_matchers() {
        let m = RouteMatcher::new("POST /channels/{channel_id}/messages");
        assert!(m.matches(
            "POST",
            "/channels/1/messages",
            Some("/channels/{channel_id}/messages")
        ));
        assert!(!m.matches(
            "GET",
            "/channels/1/messages",
            Some("/channels/{channel_id}/messages")
        ));
        let m = RouteMatcher::new("/callback");
        assert!(m.matches("POST", "/interactions/1/t/callback", None));
        let m = RouteMatcher::new("* /threads");
        assert!(m.matches("PATCH", "/channels/1/threads", None));
    }
}
