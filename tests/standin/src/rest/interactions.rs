//! Interaction callbacks and the interaction webhook (`@original` and
//! follow-ups), with the rules Discord applies to them: one callback per
//! interaction, callback types that fit the interaction, follow-ups only
//! after the acknowledgement, and the first follow-up after a deferral
//! replacing the "thinking..." placeholder.

use std::time::SystemTime;

use serde_json::{json, Value};

use super::super::state::{parse_id, InteractionCallback, InteractionRecord, State};
use super::{
    create_message, delete_message, edit_message, ApiError, Ctx, FromInteraction, Handled, Reply,
    EPHEMERAL, LOADING,
};

/// The interaction behind `{interaction_id}/{interaction_token}`.
fn interaction_by_id(ctx: &Ctx<'_>, state: &State) -> Result<InteractionRecord, ApiError> {
    let unknown = || ApiError::new(404, 10062, "Unknown interaction");
    let interaction_id: u64 = ctx.param("interaction_id").parse().map_err(|_| unknown())?;
    state
        .interactions
        .get(&interaction_id)
        .filter(|r| r.token == ctx.param("interaction_token"))
        .cloned()
        .ok_or_else(unknown)
}

pub(super) fn interaction_callback(ctx: &Ctx<'_>) -> Handled {
    let mut state = ctx.shared.lock();
    let record = interaction_by_id(ctx, &state)?;
    if record.callback.is_some() {
        if let Some(r) = state.interactions.get_mut(&record.id) {
            r.rejected_callbacks += 1;
        }
        return Err(ApiError::rule(
            400,
            40060,
            "Interaction has already been acknowledged.",
        ));
    }
    let kind = ctx.body["type"].as_u64().unwrap_or(0) as u8;
    let data = ctx.body.get("data").cloned().unwrap_or(Value::Null);
    let allowed: &[u8] = match record.kind {
        2 => &[4, 5, 9, 12],
        3 => &[4, 5, 6, 7, 9, 12],
        4 => &[8],
        5 => &[4, 5, 6, 7],
        _ => &[1],
    };
    if !allowed.contains(&kind) {
        return Err(ApiError::rule(
            400,
            50035,
            format!(
                "callback type {kind} cannot answer an interaction of type {} (allowed: {allowed:?})",
                record.kind
            ),
        ));
    }

    let mut original = record.original_message_id;
    match kind {
        4 | 5 => {
            let ephemeral = data["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0;
            let body = if kind == 5 {
                // A deferred response shows a "thinking..." placeholder.
                json!({ "content": "", "flags": data["flags"].as_u64().unwrap_or(0) })
            } else {
                data.clone()
            };
            let from = FromInteraction {
                record: &record,
                ephemeral,
            };
            let message = create_message(
                ctx.shared,
                &mut state,
                record.channel_id,
                &body,
                Some(from),
                None,
            )?;
            let message_id = parse_id(&message["id"]).unwrap_or_default();
            if kind == 5 {
                if let Some(m) = state.messages.get_mut(&message_id) {
                    m.json["flags"] = json!(m.flags() | LOADING);
                }
            }
            original = Some(message_id);
        }
        6 => original = record.message_id,
        7 => {
            let Some(message_id) = record.message_id else {
                return Err(ApiError::rule(
                    400,
                    50035,
                    "UPDATE_MESSAGE needs an interaction that comes from a message",
                ));
            };
            edit_message(ctx.shared, &mut state, message_id, &data);
            original = Some(message_id);
        }
        _ => {}
    }
    if let Some(r) = state.interactions.get_mut(&record.id) {
        r.callback = Some(InteractionCallback {
            kind,
            data,
            // Filled in once the callback is accepted (`keep_uploads`).
            files: Vec::new(),
            at: SystemTime::now(),
        });
        r.original_message_id = original;
    }
    Ok(Reply::no_content())
}

/// The interaction behind `/webhooks/{application_id}/{token}`.
fn interaction_by_webhook(ctx: &Ctx<'_>, state: &State) -> Result<InteractionRecord, ApiError> {
    let app: u64 = ctx
        .param("webhook_id")
        .parse()
        .map_err(|_| ApiError::unknown_webhook())?;
    if app != ctx.shared.config.application_id {
        return Err(ApiError::unknown_webhook());
    }
    state
        .interaction_by_token
        .get(ctx.param("webhook_token"))
        .and_then(|i| state.interactions.get(i))
        .cloned()
        .ok_or_else(ApiError::unknown_webhook)
}

pub(super) fn original_response(ctx: &Ctx<'_>, method: &str) -> Handled {
    let mut state = ctx.shared.lock();
    let record = interaction_by_webhook(ctx, &state)?;
    let message_id = record
        .original_message_id
        .filter(|m| state.messages.get(m).is_some_and(|m| !m.deleted))
        .ok_or_else(ApiError::unknown_message)?;
    match method {
        "GET" => state
            .messages
            .get(&message_id)
            .map(|m| Reply::json(200, m.json.clone()))
            .ok_or_else(ApiError::unknown_message),
        "PATCH" => Ok(Reply::json(
            200,
            edit_message(ctx.shared, &mut state, message_id, ctx.body),
        )),
        "DELETE" => {
            delete_message(ctx.shared, &mut state, message_id);
            Ok(Reply::no_content())
        }
        _ => Err(ApiError::new(405, 0, "405: Method Not Allowed")),
    }
}

pub(super) fn create_followup(ctx: &Ctx<'_>) -> Handled {
    let mut state = ctx.shared.lock();
    let record = interaction_by_webhook(ctx, &state)?;
    if record.callback.is_none() {
        return Err(ApiError::rule(
            404,
            10015,
            "Unknown Webhook: follow-ups need the interaction to be acknowledged first",
        ));
    }
    // The first follow-up after a deferred response replaces the
    // "thinking..." placeholder instead of posting a new message.
    let loading = record.original_message_id.filter(|m| {
        state
            .messages
            .get(m)
            .is_some_and(|m| m.flags() & LOADING != 0)
    });
    if let Some(message_id) = loading {
        return Ok(Reply::json(
            200,
            edit_message(ctx.shared, &mut state, message_id, ctx.body),
        ));
    }
    let ephemeral = ctx.body["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0;
    let message = create_message(
        ctx.shared,
        &mut state,
        record.channel_id,
        ctx.body,
        Some(FromInteraction {
            record: &record,
            ephemeral,
        }),
        None,
    )?;
    if let (Some(r), Some(m)) = (
        state.interactions.get_mut(&record.id),
        parse_id(&message["id"]),
    ) {
        r.followup_ids.push(m);
    }
    Ok(Reply::json(200, message))
}

pub(super) fn followup_message(ctx: &Ctx<'_>, method: &str) -> Handled {
    let mut state = ctx.shared.lock();
    let record = interaction_by_webhook(ctx, &state)?;
    let message_id = ctx
        .param("message_id")
        .parse::<u64>()
        .ok()
        .filter(|m| record.followup_ids.contains(m) || record.original_message_id == Some(*m))
        .filter(|m| state.messages.get(m).is_some_and(|m| !m.deleted))
        .ok_or_else(ApiError::unknown_message)?;
    match method {
        "GET" => state
            .messages
            .get(&message_id)
            .map(|m| Reply::json(200, m.json.clone()))
            .ok_or_else(ApiError::unknown_message),
        "PATCH" => Ok(Reply::json(
            200,
            edit_message(ctx.shared, &mut state, message_id, ctx.body),
        )),
        "DELETE" => {
            delete_message(ctx.shared, &mut state, message_id);
            Ok(Reply::no_content())
        }
        _ => Err(ApiError::new(405, 0, "405: Method Not Allowed")),
    }
}
