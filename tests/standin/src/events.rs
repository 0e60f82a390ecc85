//! Events that users cause, as test helpers: messages, threads and forum
//! posts, button clicks, selects, modal submits, slash commands and
//! autocomplete. Each builds a complete payload (see `payloads`), records
//! what the stand-in needs to answer the bot's follow-up requests, and
//! sends the dispatch on the shard that owns the guild.
//!
//! The helpers panic with a clear message when a test asks for something a
//! real user could not do (click a button the bot never rendered, submit a
//! modal it never showed, run a command it never registered).

use serde_json::{json, Value};

use super::contract;
use super::payloads::{
    self, interaction_json, user_message_json, Config, ForumPost, MessageSpec, SentInteraction,
    ThreadSpec, UserSpec,
};
use super::state::{parse_id, ChannelInfo, InteractionRecord, State, StoredMessage};
use super::{DispatchOutcome, StandIn};

impl StandIn {
    /// Posts a message as a user: stores it in the channel's history and
    /// sends MESSAGE_CREATE. Returns the message id.
    pub fn send_message(&self, spec: MessageSpec) -> u64 {
        let id = self.snowflake();
        self.send_message_with_id(spec, id)
    }

    fn send_message_with_id(&self, spec: MessageSpec, message_id: u64) -> u64 {
        assert!(
            spec.channel_id != 0,
            "stand-in: MessageSpec.channel_id is 0"
        );
        assert!(spec.author_id != 0, "stand-in: MessageSpec.author_id is 0");
        self.with_state(|s| {
            let channel = s.channels.get(&spec.channel_id).cloned();
            let guild_id = spec.guild_id.or(channel.as_ref().map(|c| c.guild_id));
            s.users.insert(spec.author_id, spec.author());
            for u in &spec.mentions {
                s.users.insert(u.id, u.clone());
            }
            let event = user_message_json(&spec, message_id, guild_id);
            // Stored in REST shape: no guild_id or member.
            let mut stored = event.clone();
            if let Some(obj) = stored.as_object_mut() {
                obj.remove("guild_id");
                obj.remove("member");
            }
            s.messages.insert(
                message_id,
                StoredMessage {
                    id: message_id,
                    channel_id: spec.channel_id,
                    json: stored,
                    allowed_mentions: None,
                    ephemeral: false,
                    deleted: false,
                    edits: 0,
                    interaction_id: None,
                    files: Vec::new(),
                },
            );
            if let Some(c) = s.channels.get_mut(&spec.channel_id) {
                c.last_message_id = Some(message_id);
                if c.is_thread() {
                    c.message_count += 1;
                    if !c.locked {
                        c.archived = false;
                    }
                }
            }
            dispatch_or_panic(&self.shared.config, s, "MESSAGE_CREATE", guild_id, event);
        });
        message_id
    }

    /// A thread appears (THREAD_CREATE with `newly_created`); it is
    /// registered as a channel. Returns the thread id.
    pub fn send_thread_create(&self, spec: ThreadSpec) -> u64 {
        let thread_id = spec.thread_id.unwrap_or_else(|| self.snowflake());
        self.with_state(|s| {
            let parent = s.channels.get(&spec.parent_id).cloned();
            let guild_id = spec
                .guild_id
                .or(parent.as_ref().map(|p| p.guild_id))
                .unwrap_or(self.shared.config.guild_id);
            if let Some(p) = parent.as_ref().filter(|p| p.kind == 15) {
                for tag in &spec.applied_tags {
                    assert!(
                        p.available_tags.iter().any(|t| t.id == *tag),
                        "stand-in: tag {tag} is not a tag of forum {}",
                        p.id
                    );
                }
            }
            let thread = ChannelInfo {
                parent_id: Some(spec.parent_id),
                owner_id: Some(spec.owner_id),
                applied_tags: spec.applied_tags.clone(),
                auto_archive_duration: parent.map_or(4320, |p| p.auto_archive_duration),
                members: vec![spec.owner_id],
                ..ChannelInfo::new(thread_id, spec.kind, guild_id, &spec.name)
            };
            let mut event = payloads::channel_json(&thread);
            event["newly_created"] = json!(true);
            s.channels.insert(thread_id, thread);
            dispatch_or_panic(
                &self.shared.config,
                s,
                "THREAD_CREATE",
                Some(guild_id),
                event,
            );
        });
        thread_id
    }

    /// A user opens a forum post: THREAD_CREATE (type 11, parent the forum)
    /// then the starter MESSAGE_CREATE in the thread, which shares the
    /// thread's id as Discord does.
    pub fn create_forum_post(
        &self,
        forum_id: u64,
        author: &UserSpec,
        title: &str,
        content: &str,
    ) -> ForumPost {
        self.create_forum_post_tagged(forum_id, author, title, content, &[])
    }

    /// [`Self::create_forum_post`] with tags applied (by tag name).
    pub fn create_forum_post_tagged(
        &self,
        forum_id: u64,
        author: &UserSpec,
        title: &str,
        content: &str,
        tags: &[&str],
    ) -> ForumPost {
        let forum = self
            .channel(forum_id)
            .filter(|c| c.kind == 15)
            .unwrap_or_else(|| panic!("stand-in: {forum_id} is not a configured forum channel"));
        let applied_tags = tags.iter().map(|t| self.tag_id(forum.id, t)).collect();
        let thread_id = self.send_thread_create(ThreadSpec {
            applied_tags,
            ..ThreadSpec::new(forum_id, author, title)
        });
        let message_id =
            self.send_message_with_id(MessageSpec::new(thread_id, author, content), thread_id);
        ForumPost {
            thread_id,
            message_id,
        }
    }

    // ----- interactions ----------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn send_interaction(
        &self,
        kind: u8,
        user: &UserSpec,
        guild_id: Option<u64>,
        channel_id: u64,
        data: Value,
        message_id: Option<u64>,
        message: Option<Value>,
    ) -> SentInteraction {
        let id = self.snowflake();
        let token = format!("standin-interaction-token-{id}");
        self.with_state(|s| {
            s.users.insert(user.id, user.clone());
            let channel = s.channels.get(&channel_id).cloned();
            let payload = interaction_json(
                &self.shared.config,
                id,
                &token,
                kind,
                guild_id,
                channel.as_ref(),
                channel_id,
                user,
                data,
                message,
            );
            s.interactions.insert(
                id,
                InteractionRecord {
                    id,
                    token: token.clone(),
                    kind,
                    guild_id,
                    channel_id,
                    user_id: user.id,
                    message_id,
                    payload: payload.clone(),
                    callback: None,
                    rejected_callbacks: 0,
                    original_message_id: None,
                    followup_ids: Vec::new(),
                },
            );
            s.interaction_by_token.insert(token.clone(), id);
            dispatch_or_panic(
                &self.shared.config,
                s,
                "INTERACTION_CREATE",
                guild_id,
                payload,
            );
        });
        SentInteraction { id, token }
    }

    /// The stored message a component interaction comes from, with the
    /// component called `custom_id` (panics if either is missing: a user
    /// can only click what the bot rendered).
    fn component_message(
        &self,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> (StoredMessage, Value) {
        let message = self
            .message(message_id)
            .filter(|m| !m.deleted)
            .unwrap_or_else(|| panic!("stand-in: no message {message_id} to interact with"));
        assert_eq!(
            message.channel_id, channel_id,
            "stand-in: message {message_id} is in channel {}, not {channel_id}",
            message.channel_id
        );
        let component = message.component(custom_id).unwrap_or_else(|| {
            panic!(
                "stand-in: message {message_id} has no component {custom_id:?} (it has {:?})",
                message.custom_ids()
            )
        });
        assert!(
            component["disabled"].as_bool() != Some(true),
            "stand-in: component {custom_id:?} is disabled and cannot be used"
        );
        (message, component)
    }

    /// A user clicks a button of a stored message (as the bot posted it).
    pub fn click_button(
        &self,
        user: &UserSpec,
        guild_id: impl Into<Option<u64>>,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> SentInteraction {
        let (message, component) = self.component_message(channel_id, message_id, custom_id);
        assert_eq!(
            component["type"].as_u64(),
            Some(2),
            "stand-in: {custom_id:?} is not a button"
        );
        let data = json!({ "custom_id": custom_id, "component_type": 2, "id": component["id"] });
        self.send_interaction(
            3,
            user,
            guild_id.into(),
            channel_id,
            data,
            Some(message_id),
            Some(message.json),
        )
    }

    /// A forged click: a button interaction naming `custom_id` on a stored
    /// message that has no such button (as a modified client, or a button
    /// from an older version of the bot, would send).
    pub fn click_forged_button(
        &self,
        user: &UserSpec,
        guild_id: impl Into<Option<u64>>,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> SentInteraction {
        let message = self
            .message(message_id)
            .unwrap_or_else(|| panic!("stand-in: no message {message_id} to interact with"));
        let data = json!({ "custom_id": custom_id, "component_type": 2 });
        self.send_interaction(
            3,
            user,
            guild_id.into(),
            channel_id,
            data,
            Some(message_id),
            Some(message.json),
        )
    }

    /// A user picks `values` in a select menu of a stored message.
    pub fn select(
        &self,
        user: &UserSpec,
        guild_id: impl Into<Option<u64>>,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
        values: &[&str],
    ) -> SentInteraction {
        let (message, component) = self.component_message(channel_id, message_id, custom_id);
        let component_type = component["type"].as_u64().unwrap_or(0);
        assert!(
            matches!(component_type, 3 | 5..=8),
            "stand-in: {custom_id:?} is not a select menu"
        );
        let (min, max) = (
            component["min_values"].as_u64().unwrap_or(1),
            component["max_values"].as_u64().unwrap_or(1),
        );
        let n = values.len() as u64;
        assert!(
            (min..=max).contains(&n),
            "stand-in: select {custom_id:?} takes {min}..={max} values, got {n}"
        );
        if component_type == 3 {
            let offered: Vec<&str> = component["options"]
                .as_array()
                .map(|o| o.iter().filter_map(|o| o["value"].as_str()).collect())
                .unwrap_or_default();
            for v in values {
                assert!(
                    offered.contains(v),
                    "stand-in: {v:?} is not an option of select {custom_id:?} ({offered:?})"
                );
            }
        }
        let data = json!({
            "custom_id": custom_id,
            "component_type": component_type,
            "values": values,
            "id": component["id"],
        });
        self.send_interaction(
            3,
            user,
            guild_id.into(),
            channel_id,
            data,
            Some(message_id),
            Some(message.json),
        )
    }

    /// A user submits the modal the bot showed with `custom_id`, filling
    /// text inputs by their custom ids. Panics unless the bot showed such a
    /// modal and the values fit its inputs (the Discord client enforces
    /// required fields and lengths).
    pub fn submit_modal(
        &self,
        user: &UserSpec,
        guild_id: impl Into<Option<u64>>,
        channel_id: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> SentInteraction {
        // The latest interaction the bot answered with this modal.
        let shown = self.read(|s| {
            s.interactions
                .values()
                .filter_map(|r| Some((r, r.callback.as_ref()?)))
                .filter(|(_, c)| c.kind == 9 && c.custom_id() == Some(custom_id))
                .max_by_key(|(r, _)| r.id)
                .map(|(r, c)| (r.clone(), c.clone()))
        });
        let (opened_by, modal) = shown.unwrap_or_else(|| {
            panic!("stand-in: the bot never showed a modal with custom_id {custom_id:?}")
        });
        let mut inputs = Vec::new();
        if let Some(rows) = modal.data["components"].as_array() {
            contract::visit_components(rows, &mut |c| {
                if c["type"].as_u64() == Some(4) {
                    inputs.push(c.clone());
                }
            });
        }
        for (field, value) in fields {
            let input = inputs
                .iter()
                .find(|i| i["custom_id"].as_str() == Some(field))
                .unwrap_or_else(|| {
                    panic!(
                        "stand-in: modal {custom_id:?} has no input {field:?} (it has {:?})",
                        modal.modal_field_ids()
                    )
                });
            let len = value.chars().count() as u64;
            let min = input["min_length"].as_u64().unwrap_or(0);
            let max = input["max_length"].as_u64().unwrap_or(4000);
            assert!(
                (min..=max).contains(&len) || (len == 0 && input["required"] == json!(false)),
                "stand-in: input {field:?} takes {min}..={max} characters, got {len}"
            );
        }
        for input in &inputs {
            let id = input["custom_id"].as_str().unwrap_or_default();
            let required = input["required"].as_bool().unwrap_or(true);
            assert!(
                !required || fields.iter().any(|(f, v)| *f == id && !v.is_empty()),
                "stand-in: modal {custom_id:?} requires input {id:?}"
            );
        }
        let rows: Vec<Value> = inputs
            .iter()
            .map(|input| {
                let id = input["custom_id"].as_str().unwrap_or_default();
                let value = fields
                    .iter()
                    .find(|(f, _)| *f == id)
                    .map_or("", |(_, v)| *v);
                json!({ "type": 1, "components": [
                    { "type": 4, "custom_id": id, "value": value, "id": input["id"] }
                ]})
            })
            .collect();
        let data = json!({ "custom_id": custom_id, "components": rows });
        // A modal opened from a component carries that component's message.
        let message = opened_by
            .message_id
            .and_then(|m| self.message(m))
            .map(|m| m.json);
        self.send_interaction(
            5,
            user,
            guild_id.into(),
            channel_id,
            data,
            opened_by.message_id,
            message,
        )
    }

    /// A user runs the slash command `name` with `options` (Discord's
    /// option JSON, e.g. `[{"name":"q","type":3,"value":"x"}]`, or a
    /// subcommand `[{"name":"add","type":1,"options":[...]}]`). The member's
    /// permissions string comes from `user.permissions`. Panics if the bot
    /// has not registered the command or an option name is unknown.
    pub fn slash_command(
        &self,
        user: &UserSpec,
        guild_id: impl Into<Option<u64>>,
        channel_id: u64,
        name: &str,
        options: Value,
    ) -> SentInteraction {
        self.command_interaction(2, user, guild_id.into(), channel_id, name, options)
    }

    /// Autocomplete (interaction type 4) for `name`; mark the option being
    /// typed with `"focused": true`.
    pub fn autocomplete(
        &self,
        user: &UserSpec,
        guild_id: impl Into<Option<u64>>,
        channel_id: u64,
        name: &str,
        options: Value,
    ) -> SentInteraction {
        self.command_interaction(4, user, guild_id.into(), channel_id, name, options)
    }

    fn command_interaction(
        &self,
        kind: u8,
        user: &UserSpec,
        guild_id: Option<u64>,
        channel_id: u64,
        name: &str,
        options: Value,
    ) -> SentInteraction {
        let command = self
            .commands()
            .into_iter()
            .filter(|c| c.guild_id.is_none() || c.guild_id == guild_id)
            .find(|c| c.name() == name && c.json["type"].as_u64().unwrap_or(1) == 1)
            .unwrap_or_else(|| {
                let known: Vec<String> = self
                    .commands()
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect();
                panic!("stand-in: the bot has not registered /{name} (registered: {known:?})")
            });
        check_options(name, &options, &command.json["options"]);
        let mut data = json!({
            "id": payloads::id(command.id()),
            "name": name,
            "type": 1,
        });
        if !options.is_null() {
            data["options"] = options.clone();
        }
        if let Some(guild) = command.guild_id {
            data["guild_id"] = payloads::id(guild);
        }
        let resolved = self.resolve_user_options(&options, guild_id.is_some());
        if !resolved.is_null() {
            data["resolved"] = resolved;
        }
        self.send_interaction(kind, user, guild_id, channel_id, data, None, None)
    }

    /// `resolved.users`/`members` for user options (type 6) naming known users.
    fn resolve_user_options(&self, options: &Value, in_guild: bool) -> Value {
        let mut ids = Vec::new();
        collect_user_options(options, &mut ids);
        let users: Vec<UserSpec> =
            self.read(|s| ids.iter().filter_map(|i| s.users.get(i).cloned()).collect());
        if users.is_empty() {
            return Value::Null;
        }
        let mut resolved = json!({ "users": {} });
        for u in &users {
            resolved["users"][u.id.to_string()] = payloads::user_json(u);
            if in_guild {
                resolved["members"][u.id.to_string()] = payloads::member_json(u, false, true);
            }
        }
        resolved
    }
}

pub(super) fn dispatch_or_panic(
    config: &Config,
    state: &mut State,
    event: &str,
    guild_id: Option<u64>,
    data: Value,
) -> DispatchOutcome {
    state
        .gateway
        .dispatch(config, event, guild_id, data)
        .unwrap_or_else(|e| panic!("stand-in: cannot send {event}: {e}"))
}

/// Panics if `given` names an option the registered command does not declare.
fn check_options(path: &str, given: &Value, declared: &Value) {
    let Some(given) = given.as_array() else {
        return;
    };
    let declared: &[Value] = declared.as_array().map_or(&[], Vec::as_slice);
    for option in given {
        let name = option["name"].as_str().unwrap_or_default();
        let spec = declared
            .iter()
            .find(|d| d["name"].as_str() == Some(name))
            .unwrap_or_else(|| {
                let names: Vec<&str> = declared.iter().filter_map(|d| d["name"].as_str()).collect();
                panic!("stand-in: /{path} has no option {name:?} (declared: {names:?})")
            });
        assert_eq!(
            option["type"], spec["type"],
            "stand-in: option {name:?} of /{path} has type {} in the registration",
            spec["type"]
        );
        if option.get("options").is_some() {
            check_options(
                &format!("{path} {name}"),
                &option["options"],
                &spec["options"],
            );
        }
    }
}

fn collect_user_options(options: &Value, ids: &mut Vec<u64>) {
    for option in options.as_array().into_iter().flatten() {
        if option["type"].as_u64() == Some(6) {
            if let Some(id) = parse_id(&option["value"]) {
                ids.push(id);
            }
        }
        collect_user_options(&option["options"], ids);
    }
}

/// Hostile input: payloads a well-behaved Discord client would not send.
impl StandIn {
    /// Posts a message whose MESSAGE_CREATE carries `raw_content`, a JSON
    /// string literal written verbatim into the frame (quotes included,
    /// e.g. `r#""\ud800 hi""#` for a lone surrogate escape that no JSON
    /// library would produce). The stand-in stores the message with
    /// `spec.content`, what a lenient reader would make of it. Returns
    /// the message id.
    pub fn send_message_raw(&self, spec: MessageSpec, raw_content: &str) -> u64 {
        let message_id = self.snowflake();
        self.with_state(|s| {
            let guild_id = spec
                .guild_id
                .or(s.channels.get(&spec.channel_id).map(|c| c.guild_id));
            s.users.insert(spec.author_id, spec.author());
            let event = user_message_json(&spec, message_id, guild_id);
            let mut stored = event.clone();
            if let Some(obj) = stored.as_object_mut() {
                obj.remove("guild_id");
                obj.remove("member");
            }
            s.messages.insert(
                message_id,
                StoredMessage {
                    id: message_id,
                    channel_id: spec.channel_id,
                    json: stored,
                    allowed_mentions: None,
                    ephemeral: false,
                    deleted: false,
                    edits: 0,
                    interaction_id: None,
                    files: Vec::new(),
                },
            );
            let cooked = format!("\"content\":{}", Value::String(spec.content.clone()));
            let text = event.to_string();
            assert!(
                text.contains(&cooked),
                "stand-in: no content field in {text}"
            );
            let text = text.replacen(&cooked, &format!("\"content\":{raw_content}"), 1);
            s.gateway
                .dispatch_raw("MESSAGE_CREATE", guild_id, &text)
                .unwrap_or_else(|e| panic!("stand-in: cannot send a raw MESSAGE_CREATE: {e}"));
        });
        message_id
    }

    /// A forged modal submit: `custom_id` and the text inputs' values are
    /// sent as given, without checking that the bot showed such a modal or
    /// that the values fit its lengths (as a modified client could).
    /// `message_id` is the message the modal was opened from, if any.
    pub fn submit_forged_modal(
        &self,
        user: &UserSpec,
        guild_id: impl Into<Option<u64>>,
        channel_id: u64,
        message_id: Option<u64>,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> SentInteraction {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| {
                json!({ "type": 1, "components": [
                    { "type": 4, "custom_id": id, "value": value }
                ]})
            })
            .collect();
        let data = json!({ "custom_id": custom_id, "components": rows });
        let message = message_id.and_then(|m| self.message(m)).map(|m| m.json);
        self.send_interaction(
            5,
            user,
            guild_id.into(),
            channel_id,
            data,
            message_id,
            message,
        )
    }

    /// Sends an interaction again with the same id and token, as a gateway
    /// replay would. Panics if the interaction was never sent.
    pub fn replay_interaction(&self, interaction_id: u64) -> DispatchOutcome {
        let record = self
            .interaction(interaction_id)
            .unwrap_or_else(|| panic!("stand-in: no interaction {interaction_id} to replay"));
        self.dispatch("INTERACTION_CREATE", record.guild_id, record.payload)
    }
}
