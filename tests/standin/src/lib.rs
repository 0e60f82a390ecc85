//! A local Discord stand-in for black-box tests of a serenity bot.
//!
//! [`StandIn::start`] serves Discord's HTTP API (under `/api/v10`) and a
//! gateway websocket on `127.0.0.1:<random port>`. Point the bot's serenity
//! `Http` at [`StandIn::base_url`] (with the ratelimiter disabled, see
//! `shared/notes/serenity-local-discord.md`) and drive it from the test:
//!
//! - **Gateway**: HELLO / IDENTIFY → READY / heartbeats / RESUME with replay,
//!   controls for RECONNECT, INVALID_SESSION and dropped connections, shard
//!   routing by guild id, intent filtering. Every payload is parsed with
//!   serenity's own `GatewayEvent` before it is sent, and refused if serenity
//!   would drop it.
//! - **Events**: messages, forum posts, button clicks, selects, modal
//!   submits, slash commands and autocomplete, with every field serenity
//!   requires.
//! - **Guilds**: GUILD_CREATE for the main guild or another one, with the
//!   bot as a member holding given permissions; leaving a guild is recorded
//!   ([`StandIn::left_guilds`]) and answered with GUILD_DELETE.
//! - **REST**: messages, threads, channels, interaction callbacks and
//!   webhooks, command registration, members, leaving a guild; every
//!   request is recorded and validated against Discord's OpenAPI contract
//!   (`contract.rs`); invalid ones get Discord's 400 and are listed by
//!   [`StandIn::violations`].
//! - **Uploads**: message, interaction response, follow-up and edit
//!   requests may be `multipart/form-data` as Discord takes them: the
//!   `payload_json` part is validated like a JSON body, each new
//!   attachment's `id` must name an uploaded `files[n]` part, a malformed
//!   form gets a 400, and the files are kept ([`UploadedFile`]: name, type,
//!   bytes) on the message ([`StoredMessage::files`]) and the callback
//!   ([`InteractionCallback::files`]).
//! - **Faults**: [`StandIn::fail_next`] answers 429s and 5xxs.
//!
//! Module map: `state` (records and the shared state), `contract` (OpenAPI
//! routing and validation), `rest` (HTTP handlers), `gateway` (websocket
//! sessions), `payloads` (JSON builders and test-facing specs).
//!
//! Around it, for helpdesk's tests and load bench: [`bot`] runs the real
//! `helpdesk serve` binary against a stand-in, [`database`] gives each test
//! a fresh PostgreSQL database, [`rng`] is the benches' deterministic
//! random-number generator.

pub mod bot;
pub mod database;
pub mod rng;

mod contract;
mod events;
mod gateway;
mod payloads;
mod rest;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{State as AxumState, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use tokio::task::JoinHandle;

pub use gateway::{DispatchOutcome, DispatchRecord};
pub use payloads::{
    intents, permissions, ForumPost, MessageSpec, SentInteraction, ThreadSpec, UserSpec,
};
pub use state::{
    ChannelInfo, ForumTagInfo, InteractionCallback, InteractionRecord, RecordedRequest,
    RegisteredCommand, RoleInfo, RouteMatcher, StoredMessage, UploadedFile, Violation,
    ViolationKind,
};

use events::dispatch_or_panic;
use payloads::{Config, GuildSpec};
use state::{Fault, Shared, State};

/// Configures a [`StandIn`] before it starts.
#[derive(Clone, Debug)]
pub struct StandInBuilder {
    bot: UserSpec,
    application_id: Option<u64>,
    guild_id: Option<u64>,
    /// (id, kind, forum tag names, guild if not the main one)
    channels: Vec<(u64, u8, Vec<String>, Option<u64>)>,
    roles: Vec<(u64, String, u64)>,
    users: Vec<UserSpec>,
    heartbeat_interval: Duration,
    echo_events: bool,
    validate_requests: bool,
    check_responses: bool,
    guild_locale: String,
}

impl Default for StandInBuilder {
    fn default() -> Self {
        Self {
            bot: UserSpec::new(1_100_000_000_000_000_001, "helpdesk").bot(),
            application_id: None,
            guild_id: None,
            channels: Vec::new(),
            roles: Vec::new(),
            users: Vec::new(),
            heartbeat_interval: Duration::from_millis(41_250),
            echo_events: true,
            validate_requests: true,
            check_responses: true,
            guild_locale: "en-US".to_owned(),
        }
    }
}

impl StandInBuilder {
    /// The bot's user (READY's `user`, the author of its messages).
    pub fn bot_user(mut self, id: u64, name: &str) -> Self {
        self.bot = UserSpec::new(id, name).bot();
        self
    }

    /// Defaults to the bot user's id, as for any bot made since 2016.
    pub fn application_id(mut self, id: u64) -> Self {
        self.application_id = Some(nonzero(id));
        self
    }

    /// The guild configured channels belong to (a generated id otherwise).
    pub fn guild(mut self, id: u64) -> Self {
        self.guild_id = Some(nonzero(id));
        self
    }

    /// A text channel (type 0) named `text-<id>`.
    pub fn text_channel(mut self, id: u64) -> Self {
        self.channels.push((nonzero(id), 0, Vec::new(), None));
        self
    }

    /// A text channel in another guild than the main one, for sharding:
    /// Discord sends a guild's events to shard `(guild_id >> 22) % total`.
    pub fn text_channel_in_guild(mut self, guild_id: u64, id: u64) -> Self {
        self.channels
            .push((nonzero(id), 0, Vec::new(), Some(nonzero(guild_id))));
        self
    }

    /// A forum channel (type 15) with these tags (ids are generated; look
    /// them up with [`StandIn::tag_id`]).
    pub fn forum_channel(mut self, id: u64, tags: &[&str]) -> Self {
        let tags = tags.iter().map(|t| (*t).to_string()).collect();
        self.channels.push((nonzero(id), 15, tags, None));
        self
    }

    pub fn role(mut self, id: u64, name: &str, permissions: u64) -> Self {
        self.roles
            .push((nonzero(id), name.to_string(), permissions));
        self
    }

    /// A member known from the start (for `GET /guilds/{id}/members/{id}`);
    /// users in events are learnt automatically.
    pub fn user(mut self, user: UserSpec) -> Self {
        self.users.push(user);
        self
    }

    /// HELLO's heartbeat interval (default Discord's 41.25 s).
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval;
        self
    }

    /// Send the gateway events Discord sends for the bot's own actions
    /// (MESSAGE_CREATE of its messages, THREAD_CREATE, ...). Default on.
    pub fn echo_gateway_events(mut self, on: bool) -> Self {
        self.echo_events = on;
        self
    }

    /// Validate requests against openapi.json. Default on; load
    /// benchmarks may switch it off.
    pub fn validate_requests(mut self, on: bool) -> Self {
        self.validate_requests = on;
        self
    }

    /// Check the stand-in's own responses against openapi.json. Default on.
    pub fn check_responses(mut self, on: bool) -> Self {
        self.check_responses = on;
        self
    }

    /// The guilds' preferred locale (default `en-US`): GUILD_CREATE's
    /// `preferred_locale` and interactions' `guild_locale`.
    pub fn guild_locale(mut self, locale: &str) -> Self {
        self.guild_locale = locale.to_owned();
        self
    }

    /// Binds 127.0.0.1:0 and starts serving.
    pub async fn start(self) -> StandIn {
        // Load the contract now, so a missing file fails here with a clear
        // message and not inside a server task.
        contract::spec();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("stand-in: cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("stand-in: no local address: {e}"));

        let snowflakes = std::sync::atomic::AtomicU64::new(0);
        let mut next_id = || state::next_snowflake(&snowflakes);
        let guild_id = self.guild_id.unwrap_or_else(&mut next_id);
        let mut other_guilds: Vec<u64> = self
            .channels
            .iter()
            .filter_map(|(_, _, _, guild)| *guild)
            .filter(|guild| *guild != guild_id)
            .collect();
        other_guilds.sort_unstable();
        other_guilds.dedup();
        let config = Config {
            application_id: self.application_id.unwrap_or(self.bot.id),
            bot: self.bot.clone(),
            guild_id,
            other_guilds,
            heartbeat_interval_ms: self.heartbeat_interval.as_millis() as u64,
            gateway_url: format!("ws://{addr}/gateway"),
            echo_events: self.echo_events,
            validate_requests: self.validate_requests,
            check_responses: self.check_responses,
            guild_locale: self.guild_locale,
        };

        let mut state = State::default();
        for (id, kind, tags, channel_guild) in self.channels {
            let available_tags = tags
                .into_iter()
                .map(|name| ForumTagInfo {
                    id: next_id(),
                    name,
                    moderated: false,
                    emoji_id: None,
                    emoji_name: None,
                })
                .collect();
            let prefix = if kind == 15 { "forum" } else { "text" };
            let name = format!("{prefix}-{id}");
            state.channels.insert(
                id,
                ChannelInfo {
                    available_tags,
                    ..ChannelInfo::new(id, kind, channel_guild.unwrap_or(guild_id), &name)
                },
            );
        }
        state.roles = self
            .roles
            .into_iter()
            .map(|(id, name, permissions)| RoleInfo {
                id,
                name,
                permissions,
            })
            .collect();
        state.users = self.users.into_iter().map(|u| (u.id, u)).collect();
        state.users.insert(self.bot.id, self.bot);

        // Generated ids continue after the ones handed out above.
        let last = snowflakes.load(std::sync::atomic::Ordering::Relaxed);
        let shared = Arc::new(Shared::new(config, state, last));

        let app = Router::new()
            .route("/gateway", get(websocket))
            .fallback(rest::handle)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "stand-in server stopped");
            }
        });
        StandIn {
            shared,
            addr,
            server,
        }
    }
}

async fn websocket(ws: WebSocketUpgrade, AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| gateway::serve_connection(shared, socket))
}

fn nonzero(id: u64) -> u64 {
    assert!(id != 0, "stand-in: snowflakes must not be 0");
    id
}

/// A running stand-in. Dropping it stops the server and closes the
/// gateway connections.
pub struct StandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.abort();
        self.shared.lock().gateway.drop_connections();
    }
}

/// How long the wait helpers poll before giving up, when a test does not
/// care to say.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

impl StandIn {
    pub fn builder() -> StandInBuilder {
        StandInBuilder::default()
    }

    /// A stand-in with default settings and no channels.
    pub async fn start() -> StandIn {
        Self::builder().start().await
    }

    /// `http://127.0.0.1:PORT`: what the bot passes to `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT/gateway`, as returned by `GET /gateway`.
    pub fn gateway_url(&self) -> String {
        self.shared.config.gateway_url.clone()
    }

    pub fn bot_user(&self) -> UserSpec {
        self.shared.config.bot.clone()
    }

    pub fn bot_user_id(&self) -> u64 {
        self.shared.config.bot.id
    }

    pub fn application_id(&self) -> u64 {
        self.shared.config.application_id
    }

    pub fn guild_id(&self) -> u64 {
        self.shared.config.guild_id
    }

    /// A fresh snowflake (timestamp-based, increasing, non-zero).
    pub fn snowflake(&self) -> u64 {
        self.shared.snowflake()
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let result = f(&mut self.shared.lock());
        self.shared.bump();
        result
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.shared.lock())
    }

    // ----- waiting -------------------------------------------------------

    /// Waits until `probe` returns `Some`, re-checking after every change to
    /// the stand-in's state; panics after `timeout` with a digest of what
    /// did happen.
    async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl FnMut(&State) -> Option<T>,
    ) -> T {
        let mut changes = self.shared.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if let Some(found) = probe(&self.shared.lock()) {
                return found;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => panic!("stand-in stopped while waiting for {what}"),
                Err(_) => panic!(
                    "stand-in: timed out after {timeout:?} waiting for {what}\n{}",
                    self.digest()
                ),
            }
        }
    }

    /// Waits until `condition` holds (checked after every state change).
    pub async fn wait_until_true(
        &self,
        what: &str,
        timeout: Duration,
        mut condition: impl FnMut(&StandIn) -> bool,
    ) {
        let mut changes = self.shared.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if condition(self) {
                return;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                panic!(
                    "stand-in: timed out after {timeout:?} waiting for {what}\n{}",
                    self.digest()
                );
            }
        }
    }

    /// Waits until no request has arrived for `quiet`: the bot has gone
    /// quiet, and a test can check that nothing more happened (no
    /// duplicate, no second callback). Panics if requests still keep coming
    /// after `timeout`.
    pub async fn wait_quiet(&self, quiet: Duration, timeout: Duration) {
        let mut changes = self.shared.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut seen = self.read(|s| s.requests.len());
        let mut quiet_until = tokio::time::Instant::now() + quiet;
        loop {
            changes.borrow_and_update();
            let count = self.read(|s| s.requests.len());
            if count != seen {
                seen = count;
                quiet_until = tokio::time::Instant::now() + quiet;
            }
            if quiet_until > deadline {
                panic!(
                    "stand-in: still receiving requests after {timeout:?}, never quiet for {quiet:?}\n{}",
                    self.digest()
                );
            }
            // Woken by any change to the state; only a new request starts
            // the quiet period over.
            match tokio::time::timeout_at(quiet_until, changes.changed()).await {
                Err(_) => return,
                Ok(Ok(())) => {}
                Ok(Err(_)) => panic!("stand-in stopped while waiting for quiet"),
            }
        }
    }

    /// What happened so far, for failure messages.
    pub fn digest(&self) -> String {
        self.read(|s| {
            let mut out = format!(
                "gateway: {} connection(s), live shards {:?}, {} identify, {} resume, {} heartbeat\n",
                s.gateway.connection_count(),
                s.gateway.live_shards(),
                s.gateway.identify_count,
                s.gateway.resume_count,
                s.gateway.heartbeat_count,
            );
            out.push_str("last dispatches:\n");
            for d in s.gateway.dispatches.iter().rev().take(10).rev() {
                out.push_str(&format!(
                    "  {} seq {:?} shard {:?}: {:?}\n",
                    d.event, d.seq, d.shard, d.outcome
                ));
            }
            out.push_str(&format!("requests ({}), last 15:\n", s.requests.len()));
            for r in s.requests.iter().rev().take(15).rev() {
                out.push_str(&format!("  {r}\n"));
            }
            for v in s.violations.iter().chain(&s.gateway.payload_errors) {
                out.push_str(&format!("violation: {v}\n"));
            }
            out
        })
    }

    // ----- gateway -------------------------------------------------------

    /// Waits until a gateway session is live (READY or RESUMED sent).
    pub async fn wait_connected(&self, timeout: Duration) {
        self.wait_until("a live gateway session", timeout, |s| {
            (!s.gateway.live_shards().is_empty()).then_some(())
        })
        .await;
    }

    /// Waits until `count` shards have live sessions.
    pub async fn wait_shards_connected(&self, count: usize, timeout: Duration) {
        self.wait_until(&format!("{count} live shard(s)"), timeout, |s| {
            (s.gateway.live_shards().len() >= count).then_some(())
        })
        .await;
    }

    pub fn is_connected(&self) -> bool {
        self.read(|s| !s.gateway.live_shards().is_empty())
    }

    /// Open websocket connections (live or not yet identified).
    pub fn connection_count(&self) -> usize {
        self.read(|s| s.gateway.connection_count())
    }

    /// `[shard_id, shard_count]` of every live session.
    pub fn live_shards(&self) -> Vec<[u64; 2]> {
        self.read(|s| s.gateway.live_shards())
    }

    pub fn identify_count(&self) -> usize {
        self.read(|s| s.gateway.identify_count)
    }

    pub fn resume_count(&self) -> usize {
        self.read(|s| s.gateway.resume_count)
    }

    pub fn heartbeat_count(&self) -> usize {
        self.read(|s| s.gateway.heartbeat_count)
    }

    /// The IDENTIFY payloads received (`d`, without the token): intents,
    /// shard, properties, presence.
    pub fn identifies(&self) -> Vec<Value> {
        self.read(|s| s.gateway.identifies.clone())
    }

    /// Every dispatch produced so far, in order.
    pub fn dispatches(&self) -> Vec<DispatchRecord> {
        self.read(|s| s.gateway.dispatches.clone())
    }

    /// Sends RECONNECT (op 7) on every live connection; the bot should
    /// RESUME on a new one. Returns the number of connections told.
    pub fn reconnect(&self) -> usize {
        self.with_state(|s| s.gateway.reconnect())
    }

    /// Sends INVALID_SESSION (op 9). Not resumable: the sessions are
    /// forgotten and the bot must IDENTIFY again (serenity waits ~5 s).
    pub fn invalid_session(&self, resumable: bool) -> usize {
        self.with_state(|s| s.gateway.invalid_session(resumable))
    }

    /// Closes every live connection without a close frame.
    pub fn drop_connection(&self) -> usize {
        self.with_state(|s| s.gateway.drop_connections())
    }

    /// Stops (or resumes) answering heartbeats; serenity restarts a shard
    /// whose heartbeat goes unacknowledged.
    pub fn set_heartbeat_acks(&self, on: bool) {
        self.with_state(|s| s.gateway.withhold_acks = !on);
    }

    /// Discord announces a guild (GUILD_CREATE), as it does for each guild
    /// on connecting and when the bot is added to one. The guild holds the
    /// stand-in's channels in it, `@everyone` with ordinary member
    /// permissions, the configured roles (main guild only) and the bot as a
    /// member whose own role grants `bot_permissions`. Once serenity has
    /// cached a guild, its builders check the bot's permissions there, so a
    /// test can give the bot exactly what its invite asks for. Panics if the
    /// guild is neither the main one nor that of a configured channel.
    pub fn send_guild_create(
        &self,
        guild_id: u64,
        name: &str,
        bot_permissions: u64,
    ) -> DispatchOutcome {
        let config = &self.shared.config;
        assert!(
            config.knows_guild(guild_id),
            "stand-in: guild {guild_id} is neither the main guild nor that of a configured channel"
        );
        let bot_role = RoleInfo {
            id: self.snowflake(),
            name: config.bot.name.clone(),
            permissions: bot_permissions,
        };
        let owner_id = self.snowflake();
        self.with_state(|s| {
            let channels: Vec<ChannelInfo> = s
                .channels
                .values()
                .filter(|c| c.guild_id == guild_id)
                .cloned()
                .collect();
            let mut roles = if guild_id == config.guild_id {
                s.roles.clone()
            } else {
                Vec::new()
            };
            roles.push(bot_role.clone());
            let bot = config.bot.clone().with_roles(&[bot_role.id]);
            let data = payloads::guild_create_json(&GuildSpec {
                id: guild_id,
                name,
                owner_id,
                everyone: permissions::MEMBER,
                roles: &roles,
                channels: &channels,
                members: std::slice::from_ref(&bot),
                preferred_locale: &config.guild_locale,
            });
            dispatch_or_panic(config, s, "GUILD_CREATE", Some(guild_id), data)
        })
    }

    /// Sends any dispatch. Panics if no session can take it or if serenity
    /// would not parse it.
    pub fn dispatch(&self, event: &str, guild_id: Option<u64>, data: Value) -> DispatchOutcome {
        self.with_state(|s| dispatch_or_panic(&self.shared.config, s, event, guild_id, data))
    }

    // ----- REST observation -------------------------------------------------

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.read(|s| s.requests.clone())
    }

    /// Requests for one operation, e.g. `("POST", "/channels/{channel_id}/messages")`.
    pub fn requests_to(&self, method: &str, template: &str) -> Vec<RecordedRequest> {
        self.read(|s| {
            s.requests
                .iter()
                .filter(|r| r.is(method, template))
                .cloned()
                .collect()
        })
    }

    /// The first recorded request (past or future) matching `predicate`.
    pub async fn wait_for(
        &self,
        predicate: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> RecordedRequest {
        self.wait_until("a matching request", timeout, |s| {
            s.requests.iter().find(|r| predicate(r)).cloned()
        })
        .await
    }

    /// The first request to `method` + OpenAPI `template`.
    pub async fn wait_for_request(
        &self,
        method: &str,
        template: &str,
        timeout: Duration,
    ) -> RecordedRequest {
        self.wait_until(&format!("{method} {template}"), timeout, |s| {
            s.requests.iter().find(|r| r.is(method, template)).cloned()
        })
        .await
    }

    /// The guilds the bot left (`DELETE /users/@me/guilds/{guild_id}`), in
    /// order.
    pub fn left_guilds(&self) -> Vec<u64> {
        self.read(|s| s.left_guilds.clone())
    }

    /// Waits until the bot has left `guild_id`.
    pub async fn wait_left_guild(&self, guild_id: u64, timeout: Duration) {
        self.wait_until(
            &format!("the bot to leave guild {guild_id}"),
            timeout,
            |s| s.left_guilds.contains(&guild_id).then_some(()),
        )
        .await;
    }

    /// The channel's visible history, oldest first (no ephemeral or
    /// deleted messages).
    pub fn messages_in(&self, channel_id: u64) -> Vec<StoredMessage> {
        self.read(|s| {
            s.messages
                .values()
                .filter(|m| m.channel_id == channel_id && !m.ephemeral && !m.deleted)
                .cloned()
                .collect()
        })
    }

    /// Any message by id, including ephemeral and deleted ones.
    pub fn message(&self, message_id: u64) -> Option<StoredMessage> {
        self.read(|s| s.messages.get(&message_id).cloned())
    }

    /// Every message with an id above `after`, in id order, including
    /// ephemeral and deleted ones. The bot's messages get increasing ids as
    /// they are created, so a load bench polls for new ones with this.
    pub fn messages_after(&self, after: u64) -> Vec<StoredMessage> {
        self.read(|s| {
            s.messages
                .range(after.saturating_add(1)..)
                .map(|(_, m)| m.clone())
                .collect()
        })
    }

    /// Visits every stored message (including ephemeral and deleted ones)
    /// without copying them: load benches count answers over tens of
    /// thousands of messages.
    pub fn for_each_message(&self, mut visit: impl FnMut(&StoredMessage)) {
        self.read(|s| s.messages.values().for_each(&mut visit));
    }

    /// Visits every recorded request, in arrival order, without copying.
    pub fn for_each_request(&self, mut visit: impl FnMut(&RecordedRequest)) {
        self.read(|s| s.requests.iter().for_each(&mut visit));
    }

    /// Waits for a visible message in `channel_id` matching `predicate`.
    pub async fn wait_message_in(
        &self,
        channel_id: u64,
        predicate: impl Fn(&StoredMessage) -> bool,
        timeout: Duration,
    ) -> StoredMessage {
        self.wait_until(
            &format!("a message in channel {channel_id}"),
            timeout,
            |s| {
                s.messages
                    .values()
                    .find(|m| {
                        m.channel_id == channel_id && !m.ephemeral && !m.deleted && predicate(m)
                    })
                    .cloned()
            },
        )
        .await
    }

    /// Waits for the next message the bot posts in `channel_id`.
    pub async fn wait_bot_message_in(&self, channel_id: u64, timeout: Duration) -> StoredMessage {
        let bot = self.bot_user_id();
        self.wait_message_in(channel_id, |m| m.author_id() == bot, timeout)
            .await
    }

    pub fn channel(&self, channel_id: u64) -> Option<ChannelInfo> {
        self.read(|s| s.channels.get(&channel_id).cloned())
    }

    /// The id of forum `forum_id`'s tag called `name` (panics if absent).
    pub fn tag_id(&self, forum_id: u64, name: &str) -> u64 {
        self.channel(forum_id)
            .and_then(|c| c.tag_id(name))
            .unwrap_or_else(|| panic!("stand-in: forum {forum_id} has no tag {name:?}"))
    }

    pub fn interaction(&self, interaction_id: u64) -> Option<InteractionRecord> {
        self.read(|s| s.interactions.get(&interaction_id).cloned())
    }

    /// The bot's callback to an interaction, if it answered yet.
    pub fn interaction_response(&self, interaction_id: u64) -> Option<InteractionCallback> {
        self.read(|s| {
            s.interactions
                .get(&interaction_id)
                .and_then(|r| r.callback.clone())
        })
    }

    pub async fn wait_interaction_response(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> InteractionCallback {
        self.wait_until(
            &format!("a callback to interaction {interaction_id}"),
            timeout,
            |s| {
                s.interactions
                    .get(&interaction_id)
                    .and_then(|r| r.callback.clone())
            },
        )
        .await
    }

    /// The `@original` response message of an interaction, once it exists.
    pub fn original_response(&self, interaction_id: u64) -> Option<StoredMessage> {
        self.read(|s| {
            s.interactions
                .get(&interaction_id)
                .and_then(|r| r.original_message_id)
                .and_then(|m| s.messages.get(&m).cloned())
        })
    }

    /// Commands the bot registered (global and guild).
    pub fn commands(&self) -> Vec<RegisteredCommand> {
        self.read(|s| s.commands.clone())
    }

    pub async fn wait_commands(&self, timeout: Duration) -> Vec<RegisteredCommand> {
        self.wait_until("command registration", timeout, |s| {
            (!s.commands.is_empty()).then(|| s.commands.clone())
        })
        .await
    }

    // ----- contract ------------------------------------------------------------

    /// Contract violations so far, including the stand-in's own payload or
    /// response errors.
    pub fn violations(&self) -> Vec<Violation> {
        self.read(|s| {
            s.violations
                .iter()
                .chain(&s.gateway.payload_errors)
                .cloned()
                .collect()
        })
    }

    /// Panics listing every violation, if there is any. Multipart bodies
    /// without `payload_json` (kind `Unvalidated`) are listed by
    /// [`Self::violations`] but do not fail this check.
    #[track_caller]
    pub fn assert_no_violations(&self) {
        let violations: Vec<Violation> = self
            .violations()
            .into_iter()
            .filter(|v| v.kind != ViolationKind::Unvalidated)
            .collect();
        if !violations.is_empty() {
            let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
            panic!(
                "stand-in: {} contract violation(s):\n{}",
                violations.len(),
                list.join("\n")
            );
        }
    }

    /// Answers the next `times` requests matching `route` with `status`:
    /// 429 gets Discord's rate-limit body and a Retry-After header
    /// (`retry_after` seconds, default 1), anything else `{code: 0,
    /// message}`. `route` is `"METHOD /openapi/{template}"` or a path
    /// substring, see [`RouteMatcher`].
    pub fn fail_next(
        &self,
        route: impl Into<RouteMatcher>,
        status: u16,
        retry_after: Option<f64>,
        times: usize,
    ) {
        let matcher = route.into();
        self.with_state(|s| {
            s.faults.push(Fault {
                matcher,
                status,
                retry_after,
                remaining: times,
            });
        });
    }

    /// Forgets every fault [`Self::fail_next`] set that was not used up:
    /// the storm is over.
    pub fn clear_faults(&self) {
        self.with_state(|s| s.faults.clear());
    }
}
