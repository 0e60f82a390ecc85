//! JSON shapes the stand-in sends: users, members, roles, channels,
//! messages, interactions, READY and GUILD_CREATE, plus the specs tests use
//! to describe them.
//!
//! Field choices follow `notes/serenity-local-discord.md`: serenity silently
//! turns an event with a missing required field into `Event::Unknown`, so
//! every builder here fills all of them (and `gateway::check_payload` proves
//! it before anything is sent).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::state::{snowflake_timestamp, ChannelInfo, ForumTagInfo, RoleInfo};

/// Gateway intent bits the stand-in filters on.
pub mod intents {
    pub const GUILDS: u64 = 1 << 0;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
}

/// Permission bits used in member objects.
pub mod permissions {
    pub const ADD_REACTIONS: u64 = 1 << 6;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    pub const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;

    /// What an ordinary member of a support server can do (no Manage Server).
    pub const MEMBER: u64 = VIEW_CHANNEL
        | SEND_MESSAGES
        | ADD_REACTIONS
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS;
}

/// Stand-in settings fixed at start.
#[derive(Clone, Debug)]
pub(super) struct Config {
    pub bot: UserSpec,
    pub application_id: u64,
    /// The main guild: configured channels belong to it unless placed in
    /// one of `other_guilds`.
    pub guild_id: u64,
    pub other_guilds: Vec<u64>,
    pub heartbeat_interval_ms: u64,
    /// `ws://127.0.0.1:PORT/gateway`, no query string (serenity appends `?v=10`).
    pub gateway_url: String,
    /// Send the gateway events Discord would send for the bot's own REST
    /// actions (MESSAGE_CREATE for its messages, THREAD_CREATE, ...).
    pub echo_events: bool,
    /// Validate requests against openapi.json (load benchmarks may switch
    /// it off).
    pub validate_requests: bool,
    /// Validate the stand-in's own responses against openapi.json.
    pub check_responses: bool,
    /// The guilds' preferred locale (GUILD_CREATE's `preferred_locale`,
    /// interactions' `guild_locale`).
    pub guild_locale: String,
}

impl Config {
    pub fn knows_guild(&self, guild_id: u64) -> bool {
        guild_id == self.guild_id || self.other_guilds.contains(&guild_id)
    }
}

/// A user (and, in a guild, the member) an event comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSpec {
    pub id: u64,
    pub name: String,
    pub bot: bool,
    /// Role ids of the member.
    pub roles: Vec<u64>,
    /// The member's permission bits in the channel (sent as the
    /// `permissions` string of interaction members). Defaults to
    /// [`permissions::MEMBER`], which lacks Manage Server (0x20).
    pub permissions: u64,
    pub nick: Option<String>,
    /// The Discord client's locale, sent as interactions' `locale`
    /// (default `en-US`).
    pub locale: String,
}

impl UserSpec {
    pub fn new(id: u64, name: &str) -> Self {
        assert!(
            id != 0,
            "stand-in: user ids are snowflakes and must not be 0"
        );
        Self {
            id,
            name: name.to_string(),
            bot: false,
            roles: Vec::new(),
            permissions: permissions::MEMBER,
            nick: None,
            locale: "en-US".to_owned(),
        }
    }

    /// The locale the user's Discord client runs in (`de`, `es-ES`, ...).
    pub fn with_locale(mut self, locale: &str) -> Self {
        self.locale = locale.to_owned();
        self
    }

    pub fn bot(mut self) -> Self {
        self.bot = true;
        self
    }

    pub fn with_permissions(mut self, bits: u64) -> Self {
        self.permissions = bits;
        self
    }

    /// Adds Manage Server, the permission staff commands check.
    pub fn manager(mut self) -> Self {
        self.permissions |= permissions::MANAGE_GUILD;
        self
    }

    pub fn with_roles(mut self, roles: &[u64]) -> Self {
        self.roles = roles.to_vec();
        self
    }
}

/// A message a user (or another bot, a webhook, the system) posts.
///
/// `guild_id: None` takes the channel's guild when the channel is
/// configured; a message in an unknown channel without a guild is a DM.
#[derive(Clone, Debug, Default)]
pub struct MessageSpec {
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub author_id: u64,
    pub author_name: String,
    pub bot: bool,
    pub webhook_id: Option<u64>,
    /// Message type: 0 default, 7 member join (system), 19 reply, ...
    pub kind: u8,
    pub content: String,
    pub mentions: Vec<UserSpec>,
    pub mention_roles: Vec<u64>,
    pub mention_everyone: bool,
    /// Role ids of the author's member object.
    pub author_roles: Vec<u64>,
    /// Makes the message a reply (type 19) to this message id.
    pub reply_to: Option<u64>,
    pub embeds: Vec<Value>,
}

impl MessageSpec {
    pub fn new(channel_id: u64, author: &UserSpec, content: &str) -> Self {
        Self {
            channel_id,
            author_id: author.id,
            author_name: author.name.clone(),
            bot: author.bot,
            author_roles: author.roles.clone(),
            content: content.to_string(),
            ..Self::default()
        }
    }

    pub(super) fn author(&self) -> UserSpec {
        UserSpec {
            bot: self.bot,
            roles: self.author_roles.clone(),
            ..UserSpec::new(self.author_id, &self.author_name)
        }
    }
}

/// A thread that appears (THREAD_CREATE), e.g. a new forum post.
#[derive(Clone, Debug)]
pub struct ThreadSpec {
    pub guild_id: Option<u64>,
    pub parent_id: u64,
    /// `None`: the stand-in generates an id.
    pub thread_id: Option<u64>,
    pub name: String,
    pub owner_id: u64,
    /// 11 public thread (forum posts), 12 private, 10 announcement.
    pub kind: u8,
    pub applied_tags: Vec<u64>,
}

impl ThreadSpec {
    pub fn new(parent_id: u64, owner: &UserSpec, name: &str) -> Self {
        Self {
            guild_id: None,
            parent_id,
            thread_id: None,
            name: name.to_string(),
            owner_id: owner.id,
            kind: 11,
            applied_tags: Vec::new(),
        }
    }
}

/// What an interaction helper sent, to find the bot's callback by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentInteraction {
    pub id: u64,
    pub token: String,
}

/// A forum post created by [`super::StandIn::create_forum_post`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForumPost {
    pub thread_id: u64,
    /// The starter message; Discord gives it the thread's id.
    pub message_id: u64,
}

pub(super) fn id(v: u64) -> Value {
    Value::String(v.to_string())
}

pub(super) fn user_json(user: &UserSpec) -> Value {
    json!({
        "id": id(user.id),
        "username": user.name,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": user.bot,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
        "collectibles": null,
        "primary_guild": null,
    })
}

/// A guild member. `permissions` is only present in interaction payloads.
pub(super) fn member_json(user: &UserSpec, with_user: bool, with_permissions: bool) -> Value {
    let mut m = json!({
        "roles": user.roles.iter().map(|r| id(*r)).collect::<Vec<_>>(),
        "nick": user.nick,
        "avatar": null,
        "banner": null,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "communication_disabled_until": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
    });
    if with_user {
        m["user"] = user_json(user);
    }
    if with_permissions {
        m["permissions"] = Value::String(user.permissions.to_string());
    }
    m
}

pub(super) fn ready_json(
    config: &Config,
    session_id: &str,
    shard: [u64; 2],
    resume_url: &str,
) -> Value {
    let mut user = user_json(&config.bot);
    user["verified"] = Value::Bool(true);
    user["mfa_enabled"] = Value::Bool(false);
    json!({
        "v": 10,
        "user": user,
        "guilds": [],
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_url,
        "shard": shard,
        "application": { "id": id(config.application_id), "flags": 0 },
        "_trace": ["standin"],
    })
}

/// A role as REST and GUILD_CREATE return it. serenity 0.12.5 needs
/// `colors` beside `color`.
pub(super) fn role_json(role_id: u64, name: &str, perms: u64, position: usize) -> Value {
    json!({
        "id": id(role_id),
        "name": name,
        "permissions": perms.to_string(),
        "position": position,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "managed": false,
        "mentionable": false,
        "icon": null,
        "unicode_emoji": null,
        "flags": 0,
    })
}

/// What GUILD_CREATE says about one guild.
pub(super) struct GuildSpec<'a> {
    pub id: u64,
    pub name: &'a str,
    /// Someone other than the bot: an owning bot would get every permission.
    pub owner_id: u64,
    /// `@everyone`'s permissions (its role id is the guild's).
    pub everyone: u64,
    /// The guild's other roles.
    pub roles: &'a [RoleInfo],
    /// Its channels (threads are left out: GUILD_CREATE lists them apart).
    pub channels: &'a [ChannelInfo],
    /// Its members, roles included.
    pub members: &'a [UserSpec],
    pub preferred_locale: &'a str,
}

/// GUILD_CREATE data: a full, available guild with the extra fields the
/// gateway adds (`joined_at`, `members`, `channels`, ...).
pub(super) fn guild_create_json(guild: &GuildSpec<'_>) -> Value {
    let roles: Vec<Value> = std::iter::once(role_json(guild.id, "@everyone", guild.everyone, 0))
        .chain(
            guild
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| role_json(r.id, &r.name, r.permissions, i + 1)),
        )
        .collect();
    let channels: Vec<Value> = guild
        .channels
        .iter()
        .filter(|c| !c.is_thread())
        .map(channel_json)
        .collect();
    let members: Vec<Value> = guild
        .members
        .iter()
        .map(|m| member_json(m, true, false))
        .collect();
    let mut data = json!({
        "id": id(guild.id),
        "name": guild.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": id(guild.owner_id),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": roles,
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500_000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.preferred_locale,
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
    });
    // What the gateway adds to the guild object (one `json!` would exceed
    // the macro recursion limit).
    let extra = json!({
        "joined_at": snowflake_timestamp(guild.id),
        "large": false,
        "unavailable": false,
        "member_count": guild.members.len(),
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    });
    if let (Some(object), Value::Object(extra)) = (data.as_object_mut(), extra) {
        object.extend(extra);
    }
    data
}

fn tag_json(tag: &ForumTagInfo) -> Value {
    json!({
        "id": id(tag.id),
        "name": tag.name,
        "moderated": tag.moderated,
        "emoji_id": tag.emoji_id.map(id),
        "emoji_name": tag.emoji_name,
    })
}

/// A channel or thread as REST and the gateway return it.
pub(super) fn channel_json(c: &ChannelInfo) -> Value {
    let mut v = json!({
        "id": id(c.id),
        "type": c.kind,
        "guild_id": id(c.guild_id),
        "name": c.name,
        "parent_id": c.parent_id.map(id),
        "last_message_id": c.last_message_id.map(id),
        "flags": c.flags,
        "rate_limit_per_user": c.rate_limit_per_user,
        "nsfw": false,
    });
    if c.is_thread() {
        v["owner_id"] = c.owner_id.map_or(Value::Null, id);
        v["message_count"] = json!(c.message_count);
        v["total_message_sent"] = json!(c.message_count);
        v["member_count"] = json!(c.members.len().clamp(1, 50));
        v["applied_tags"] = json!(c.applied_tags.iter().map(|t| id(*t)).collect::<Vec<_>>());
        v["thread_metadata"] = json!({
            "archived": c.archived,
            "archive_timestamp": snowflake_timestamp(c.id),
            "auto_archive_duration": c.auto_archive_duration,
            "locked": c.locked,
            "create_timestamp": snowflake_timestamp(c.id),
        });
    } else {
        v["position"] = json!(0);
        v["permission_overwrites"] = json!([]);
        v["topic"] = c.topic.clone().map_or(Value::Null, Value::String);
        v["default_auto_archive_duration"] = json!(c.auto_archive_duration);
        if c.kind == 15 {
            v["available_tags"] = Value::Array(c.available_tags.iter().map(tag_json).collect());
            v["default_reaction_emoji"] = Value::Null;
            v["default_sort_order"] = Value::Null;
            v["default_forum_layout"] = json!(0);
            v["default_thread_rate_limit_per_user"] = json!(0);
        }
    }
    v
}

/// The base of every message object; callers add the rest.
pub(super) fn message_base(msg_id: u64, channel_id: u64, author: &UserSpec, kind: u8) -> Value {
    json!({
        "id": id(msg_id),
        "channel_id": id(channel_id),
        "author": user_json(author),
        "type": kind,
        "content": "",
        "timestamp": snowflake_timestamp(msg_id),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "flags": 0,
    })
}

/// MESSAGE_CREATE data for a message a test posts.
pub(super) fn user_message_json(spec: &MessageSpec, msg_id: u64, guild_id: Option<u64>) -> Value {
    let author = spec.author();
    let kind = match (spec.kind, spec.reply_to) {
        (0, Some(_)) => 19,
        (k, _) => k,
    };
    let mut m = message_base(msg_id, spec.channel_id, &author, kind);
    m["content"] = Value::String(spec.content.clone());
    m["mentions"] = Value::Array(spec.mentions.iter().map(user_json).collect());
    m["mention_roles"] = json!(spec
        .mention_roles
        .iter()
        .map(|r| id(*r))
        .collect::<Vec<_>>());
    m["mention_everyone"] = Value::Bool(spec.mention_everyone);
    m["embeds"] = Value::Array(spec.embeds.clone());
    if let Some(webhook) = spec.webhook_id {
        m["webhook_id"] = id(webhook);
    }
    if let Some(reply) = spec.reply_to {
        m["message_reference"] = json!({
            "type": 0,
            "message_id": id(reply),
            "channel_id": id(spec.channel_id),
        });
    }
    if let Some(guild) = guild_id {
        m["guild_id"] = id(guild);
        if let Some(reference) = m.get_mut("message_reference") {
            reference["guild_id"] = id(guild);
        }
        // Webhook messages carry no member.
        if spec.webhook_id.is_none() {
            m["member"] = member_json(&author, false, false);
        }
    }
    m
}

/// Fills a bot message from a create/edit request body. Only the fields
/// present in `body` change, as with Discord's PATCH semantics.
pub(super) fn apply_message_body(message: &mut Value, body: &Value) {
    let Some(body) = body.as_object() else { return };
    if let Some(content) = body.get("content") {
        message["content"] = Value::String(content.as_str().unwrap_or_default().to_string());
    }
    if let Some(embeds) = body.get("embeds") {
        message["embeds"] = normalize_embeds(embeds);
    }
    if let Some(components) = body.get("components") {
        let mut components = components.as_array().cloned().unwrap_or_default();
        assign_component_ids(&mut components, &mut 0);
        message["components"] = Value::Array(components);
    }
    if let Some(flags) = body.get("flags").and_then(Value::as_u64) {
        // EPHEMERAL, SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2
        // are settable; the rest are Discord's.
        let settable = 64 | 4 | 4096 | 32768;
        let kept = message["flags"].as_u64().unwrap_or(0) & !settable;
        message["flags"] = json!(kept | (flags & settable));
    }
    if let Some(tts) = body.get("tts").and_then(Value::as_bool) {
        message["tts"] = Value::Bool(tts);
    }
    if let Some(nonce) = body.get("nonce").filter(|n| !n.is_null()) {
        message["nonce"] = nonce.clone();
    }
    if let Some(attachments) = body.get("attachments") {
        message["attachments"] = attachments_json(message, attachments);
    }
}

/// The message's attachments after a create/edit: entries with a
/// `filename` are new uploads, entries with only an `id` keep an existing
/// attachment, and anything not listed is removed.
fn attachments_json(message: &Value, requested: &Value) -> Value {
    let existing = message["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let message_id = super::state::parse_id(&message["id"]).unwrap_or(1);
    let channel_id = message["channel_id"].as_str().unwrap_or("0").to_string();
    let requested = requested.as_array().cloned().unwrap_or_default();
    let mut next = message_id + existing.len() as u64;
    Value::Array(
        requested
            .iter()
            .filter_map(|a| match a.get("filename").and_then(Value::as_str) {
                Some(filename) => {
                    next += 1;
                    let path = format!("attachments/{channel_id}/{next}/{filename}");
                    let mut attachment = json!({
                        "id": id(next),
                        "filename": filename,
                        "size": a["size"].as_u64().unwrap_or(0),
                        "url": format!("https://cdn.discordapp.com/{path}"),
                        "proxy_url": format!("https://media.discordapp.net/{path}"),
                    });
                    if let Some(description) = a.get("description").filter(|d| d.is_string()) {
                        attachment["description"] = description.clone();
                    }
                    if let Some(content_type) = a.get("content_type").filter(|c| c.is_string()) {
                        attachment["content_type"] = content_type.clone();
                    }
                    Some(attachment)
                }
                None => {
                    let keep = super::state::parse_id(&a["id"]);
                    existing
                        .iter()
                        .find(|e| super::state::parse_id(&e["id"]) == keep)
                        .cloned()
                }
            })
            .collect(),
    )
}

/// Discord adds `type: "rich"` and `inline: false` to what bots send.
fn normalize_embeds(embeds: &Value) -> Value {
    let embeds = embeds.as_array().cloned().unwrap_or_default();
    Value::Array(
        embeds
            .into_iter()
            .map(|mut e| {
                if let Some(obj) = e.as_object_mut() {
                    obj.retain(|_, v| !v.is_null());
                    obj.entry("type").or_insert_with(|| json!("rich"));
                    if let Some(fields) = obj.get_mut("fields").and_then(Value::as_array_mut) {
                        for f in fields {
                            if let Some(f) = f.as_object_mut() {
                                f.entry("inline").or_insert(Value::Bool(false));
                            }
                        }
                    }
                }
                e
            })
            .collect(),
    )
}

/// Discord numbers every component of a message (depth first, from 1) and
/// fills select defaults; its responses always carry them.
fn assign_component_ids(components: &mut [Value], next: &mut u64) {
    for c in components {
        let Some(obj) = c.as_object_mut() else {
            continue;
        };
        *next += 1;
        obj.entry("id").or_insert_with(|| json!(*next));
        obj.retain(|_, v| !v.is_null());
        if matches!(obj.get("type").and_then(Value::as_u64), Some(3 | 5..=8)) {
            obj.entry("min_values").or_insert(json!(1));
            obj.entry("max_values").or_insert(json!(1));
        }
        if let Some(children) = obj.get_mut("components").and_then(Value::as_array_mut) {
            assign_component_ids(children, next);
        }
    }
}

/// Mentions Discord resolves from `content`, filtered by `allowed_mentions`
/// (absent: everything is parsed). Returns (users, roles, everyone).
pub(super) fn resolve_mentions(
    content: &str,
    allowed: Option<&Value>,
    replied_user: Option<u64>,
) -> (Vec<u64>, Vec<u64>, bool) {
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = &rest[start + 2..];
        let (is_role, body) = match rest.as_bytes().first() {
            Some(b'&') => (true, &rest[1..]),
            Some(b'!') => (false, &rest[1..]),
            _ => (false, rest),
        };
        let digits: String = body.chars().take_while(char::is_ascii_digit).collect();
        if body[digits.len()..].starts_with('>') {
            if let Ok(id) = digits.parse::<u64>() {
                let list = if is_role { &mut roles } else { &mut users };
                if !list.contains(&id) {
                    list.push(id);
                }
            }
        }
    }
    let everyone_in_text = content.contains("@everyone") || content.contains("@here");

    let Some(allowed) = allowed.filter(|a| a.is_object()) else {
        let mut users = users;
        if let Some(u) = replied_user.filter(|u| !users.contains(u)) {
            users.push(u);
        }
        return (users, roles, everyone_in_text);
    };
    let parse: Vec<&str> = allowed["parse"]
        .as_array()
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let listed = |key: &str| -> Vec<u64> {
        allowed[key]
            .as_array()
            .map(|a| a.iter().filter_map(super::state::parse_id).collect())
            .unwrap_or_default()
    };
    let (allowed_users, allowed_roles) = (listed("users"), listed("roles"));
    let mut users: Vec<u64> = users
        .into_iter()
        .filter(|u| parse.contains(&"users") || allowed_users.contains(u))
        .collect();
    let roles = roles
        .into_iter()
        .filter(|r| parse.contains(&"roles") || allowed_roles.contains(r))
        .collect();
    if allowed["replied_user"].as_bool() == Some(true) {
        if let Some(u) = replied_user.filter(|u| !users.contains(u)) {
            users.push(u);
        }
    }
    (
        users,
        roles,
        everyone_in_text && parse.contains(&"everyone"),
    )
}

/// Sets `mentions`, `mention_roles` and `mention_everyone` of a bot message.
pub(super) fn set_mentions(
    message: &mut Value,
    allowed: Option<&Value>,
    replied_user: Option<u64>,
    known: &HashMap<u64, UserSpec>,
) {
    let content = message["content"].as_str().unwrap_or_default().to_string();
    let (users, roles, everyone) = resolve_mentions(&content, allowed, replied_user);
    message["mentions"] = Value::Array(
        users
            .iter()
            .map(|u| {
                known.get(u).map_or_else(
                    || user_json(&UserSpec::new(*u, &format!("user{u}"))),
                    user_json,
                )
            })
            .collect(),
    );
    message["mention_roles"] = json!(roles.iter().map(|r| id(*r)).collect::<Vec<_>>());
    message["mention_everyone"] = Value::Bool(everyone);
}

/// INTERACTION_CREATE data.
#[allow(clippy::too_many_arguments)]
pub(super) fn interaction_json(
    config: &Config,
    interaction_id: u64,
    token: &str,
    kind: u8,
    guild_id: Option<u64>,
    channel: Option<&ChannelInfo>,
    channel_id: u64,
    user: &UserSpec,
    data: Value,
    message: Option<Value>,
) -> Value {
    // Everything a text bot needs, without Administrator.
    let app_permissions =
        (serenity::model::Permissions::all() - serenity::model::Permissions::ADMINISTRATOR).bits();
    let mut v = json!({
        "id": id(interaction_id),
        "application_id": id(config.application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "channel_id": id(channel_id),
        "data": data,
        "locale": user.locale,
        "entitlements": [],
        "attachment_size_limit": 26_214_400,
        "app_permissions": app_permissions.to_string(),
    });
    if let Some(c) = channel {
        let full = channel_json(c);
        let mut partial = Map::new();
        for key in [
            "id",
            "type",
            "guild_id",
            "name",
            "parent_id",
            "thread_metadata",
            "flags",
        ] {
            if let Some(field) = full.get(key).filter(|f| !f.is_null()) {
                partial.insert(key.into(), field.clone());
            }
        }
        partial.insert(
            "permissions".into(),
            Value::String(user.permissions.to_string()),
        );
        v["channel"] = Value::Object(partial);
    }
    match guild_id {
        Some(guild) => {
            v["guild_id"] = id(guild);
            v["guild_locale"] = json!(config.guild_locale);
            v["member"] = member_json(user, true, true);
            v["context"] = json!(0);
            v["authorizing_integration_owners"] = json!({ "0": id(guild) });
        }
        None => {
            v["user"] = user_json(user);
            v["context"] = json!(1);
            v["authorizing_integration_owners"] = json!({ "1": id(user.id) });
        }
    }
    if let Some(message) = message {
        v["message"] = message;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guild_create_is_a_guild_serenity_keeps() {
        let bot = UserSpec::new(7, "bot").bot().with_roles(&[9]);
        let roles = [RoleInfo {
            id: 9,
            name: "bot".into(),
            permissions: permissions::MEMBER,
        }];
        let channels = [ChannelInfo::new(8, 0, 5, "text-8")];
        let data = guild_create_json(&GuildSpec {
            id: 5,
            name: "a \"guild\"\nnext line",
            owner_id: 6,
            everyone: permissions::VIEW_CHANNEL,
            roles: &roles,
            channels: &channels,
            members: std::slice::from_ref(&bot),
            preferred_locale: "de",
        });
        let frame = json!({ "op": 0, "s": 1, "t": "GUILD_CREATE", "d": data });
        super::super::gateway::check_payload(&frame.to_string()).unwrap();
        let parsed: serenity::model::event::GuildCreateEvent =
            serde_json::from_value(data).unwrap();
        let guild = parsed.guild;
        assert_eq!(guild.id.get(), 5);
        assert_eq!(guild.preferred_locale, "de");
        assert_eq!(guild.roles.len(), 2, "@everyone and the bot's role");
        assert!(guild
            .channels
            .contains_key(&serenity::model::id::ChannelId::new(8)));
        assert!(guild
            .members
            .contains_key(&serenity::model::id::UserId::new(7)));
    }

    #[test]
    fn allowed_mentions_filter_pings() {
        let text = "<@1> <@!2> <@&3> @everyone";
        assert_eq!(
            resolve_mentions(text, None, None),
            (vec![1, 2], vec![3], true)
        );
        let none = json!({"parse": []});
        assert_eq!(
            resolve_mentions(text, Some(&none), None),
            (vec![], vec![], false)
        );
        let only_two = json!({"parse": [], "users": ["2"]});
        assert_eq!(
            resolve_mentions(text, Some(&only_two), Some(9)),
            (vec![2], vec![], false)
        );
    }
}
