//! Channels and threads: editing a channel or thread (tags, archiving),
//! starting threads from messages, in text channels and as forum posts.

use serde_json::{json, Value};

use super::super::payloads::channel_json;
use super::super::state::{parse_id, ChannelInfo, Shared, State};
use super::{channel_message, create_message, echo, ApiError, Ctx, Handled, Reply, HAS_THREAD};

pub(super) fn edit_channel(ctx: &Ctx<'_>) -> Handled {
    let channel_id = ctx.id("channel_id", ApiError::unknown_channel)?;
    let body = ctx.body;
    let mut state = ctx.shared.lock();
    let channel = state
        .channels
        .get(&channel_id)
        .cloned()
        .ok_or_else(ApiError::unknown_channel)?;
    let mut updated = channel.clone();
    let str_field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);

    if channel.is_thread() {
        let unarchiving = body.get("archived").and_then(Value::as_bool) == Some(false);
        let touches_more = body
            .as_object()
            .is_some_and(|o| o.keys().any(|k| k != "archived" && k != "locked"));
        if channel.archived && !unarchiving && touches_more {
            return Err(ApiError::rule(
                400,
                50083,
                "Thread is archived: unarchive it (archived: false) in the same request to edit it",
            ));
        }
        if let Some(tags) = body.get("applied_tags").and_then(Value::as_array) {
            let parent = channel.parent_id.and_then(|p| state.channels.get(&p));
            let available: Vec<u64> = parent
                .filter(|p| p.kind == 15)
                .map(|p| p.available_tags.iter().map(|t| t.id).collect())
                .unwrap_or_default();
            let tags: Vec<u64> = tags.iter().filter_map(parse_id).collect();
            if let Some(bad) = tags.iter().find(|t| !available.contains(t)) {
                return Err(ApiError::rule(
                    400,
                    50035,
                    format!("applied_tags: {bad} is not an available tag of the parent forum"),
                ));
            }
            updated.applied_tags = tags;
        }
        if let Some(a) = body.get("archived").and_then(Value::as_bool) {
            updated.archived = a;
        }
        if let Some(l) = body.get("locked").and_then(Value::as_bool) {
            updated.locked = l;
        }
        if let Some(d) = body.get("auto_archive_duration").and_then(Value::as_u64) {
            updated.auto_archive_duration = d;
        }
    } else if body.get("topic").is_some() {
        updated.topic = str_field("topic");
    }
    if let Some(name) = str_field("name") {
        updated.name = name;
    }
    if let Some(r) = body.get("rate_limit_per_user").and_then(Value::as_u64) {
        updated.rate_limit_per_user = r;
    }
    if let Some(f) = body.get("flags").and_then(Value::as_u64) {
        updated.flags = f;
    }
    let json = channel_json(&updated);
    let event = if updated.is_thread() {
        "THREAD_UPDATE"
    } else {
        "CHANNEL_UPDATE"
    };
    let guild_id = updated.guild_id;
    state.channels.insert(channel_id, updated);
    echo(ctx.shared, &mut state, event, Some(guild_id), json.clone());
    Ok(Reply::json(200, json))
}

/// Registers a new thread and echoes THREAD_CREATE.
fn open_thread(shared: &Shared, state: &mut State, thread: ChannelInfo) -> Value {
    let json = channel_json(&thread);
    let guild_id = thread.guild_id;
    state.channels.insert(thread.id, thread);
    let mut event = json.clone();
    event["newly_created"] = json!(true);
    echo(shared, state, "THREAD_CREATE", Some(guild_id), event);
    json
}

fn new_thread(
    id: u64,
    parent: &ChannelInfo,
    kind: u8,
    name: &str,
    owner_id: u64,
    body: &Value,
) -> ChannelInfo {
    ChannelInfo {
        parent_id: Some(parent.id),
        owner_id: Some(owner_id),
        auto_archive_duration: body["auto_archive_duration"]
            .as_u64()
            .unwrap_or(parent.auto_archive_duration),
        rate_limit_per_user: body["rate_limit_per_user"].as_u64().unwrap_or(0),
        members: vec![owner_id],
        ..ChannelInfo::new(id, kind, parent.guild_id, name)
    }
}

pub(super) fn thread_from_message(ctx: &Ctx<'_>) -> Handled {
    let mut state = ctx.shared.lock();
    let message = channel_message(ctx, &state)?.clone();
    let parent = state
        .channels
        .get(&message.channel_id)
        .cloned()
        .ok_or_else(ApiError::unknown_channel)?;
    let kind = match parent.kind {
        0 => 11,
        5 => 10,
        _ => return Err(ApiError::rule(
            400,
            50024,
            "Cannot execute action on this channel type (threads start from text channel messages)",
        )),
    };
    if message.json.get("thread").is_some() {
        return Err(ApiError::rule(
            400,
            160_004,
            "A thread has already been created for this message",
        ));
    }
    let name = ctx.body["name"].as_str().unwrap_or_default();
    // Discord gives a thread started from a message the message's id.
    let thread = new_thread(message.id, &parent, kind, name, ctx.bot().id, ctx.body);
    let json = open_thread(ctx.shared, &mut state, thread);
    if let Some(m) = state.messages.get_mut(&message.id) {
        m.json["thread"] = json.clone();
        m.json["flags"] = json!(m.flags() | HAS_THREAD);
    }
    Ok(Reply::json(201, json))
}

pub(super) fn thread_without_message(ctx: &Ctx<'_>) -> Handled {
    let parent_id = ctx.id("channel_id", ApiError::unknown_channel)?;
    let body = ctx.body;
    let mut state = ctx.shared.lock();
    let parent = state
        .channels
        .get(&parent_id)
        .cloned()
        .ok_or_else(ApiError::unknown_channel)?;
    let name = body["name"].as_str().unwrap_or_default();
    let thread_id = ctx.shared.snowflake();

    if parent.kind == 15 {
        let tags: Vec<u64> = body["applied_tags"]
            .as_array()
            .map(|a| a.iter().filter_map(parse_id).collect())
            .unwrap_or_default();
        if let Some(bad) = tags
            .iter()
            .find(|t| parent.available_tags.iter().all(|a| a.id != **t))
        {
            return Err(ApiError::rule(
                400,
                50035,
                format!("applied_tags: {bad} is not an available tag of forum {parent_id}"),
            ));
        }
        // Forum flag REQUIRE_TAG.
        if parent.flags & (1 << 4) != 0 && tags.is_empty() {
            return Err(ApiError::rule(
                400,
                40067,
                "A tag is required to create a forum post in this channel",
            ));
        }
        let mut thread = new_thread(thread_id, &parent, 11, name, ctx.bot().id, body);
        thread.applied_tags = tags;
        let mut json = open_thread(ctx.shared, &mut state, thread);
        // The starter message shares the thread's id.
        let message = create_message(
            ctx.shared,
            &mut state,
            thread_id,
            &body["message"],
            None,
            Some(thread_id),
        )?;
        if let Some(t) = state.channels.get(&thread_id) {
            json = channel_json(t);
        }
        json["message"] = message;
        return Ok(Reply::json(201, json));
    }

    if !matches!(parent.kind, 0 | 5) {
        return Err(ApiError::rule(
            400,
            50024,
            "Cannot execute action on this channel type",
        ));
    }
    let kind = body["type"].as_u64().map_or(12, |k| k as u8);
    let thread = new_thread(thread_id, &parent, kind, name, ctx.bot().id, body);
    let json = open_thread(ctx.shared, &mut state, thread);
    Ok(Reply::json(201, json))
}
