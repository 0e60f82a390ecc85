//! The HTTP API under `/api/v10`.
//!
//! One fallback handler takes every request: it matches the path to an
//! OpenAPI operation, validates it (see `contract`), applies any injected
//! fault, runs the operation against the in-memory state, checks its own
//! response against the contract and records everything. Routing by
//! OpenAPI template (not by axum routes) means the "matched template" of a
//! recorded request is exactly the contract's, and an operation the
//! stand-in does not implement is reported as such instead of a bare 404.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::contract::{spec, Checked, Problem, ProblemKind, RouteMatch};
use super::gateway::DispatchError;
use super::payloads::{
    apply_message_body, channel_json, id, member_json, message_base, permissions, role_json,
    set_mentions, user_json, UserSpec,
};
use super::state::{
    now_timestamp, parse_id, Fault, InteractionRecord, RecordedRequest, RegisteredCommand, Shared,
    State, StoredMessage, UploadedFile, Violation, ViolationKind,
};

mod channels;
mod interactions;

pub(super) const API_PREFIX: &str = "/api/v10";

/// Message flags the stand-in reads or sets.
const EPHEMERAL: u64 = 1 << 6;
const LOADING: u64 = 1 << 7;
const HAS_THREAD: u64 = 1 << 5;

/// A successful (or deliberately failed) answer.
struct Reply {
    status: u16,
    body: Option<Value>,
    retry_after: Option<f64>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            retry_after: None,
        }
    }

    fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            retry_after: None,
        }
    }
}

/// A Discord-style error (`{"code", "message"}`), optionally also a
/// contract violation to report.
#[derive(Debug)]
struct ApiError {
    status: u16,
    code: u64,
    message: String,
    violation: Option<ViolationKind>,
}

impl ApiError {
    fn new(status: u16, code: u64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            violation: None,
        }
    }

    /// A request Discord would refuse for a rule of its own: the bot is wrong.
    fn rule(status: u16, code: u64, message: impl Into<String>) -> Self {
        Self {
            violation: Some(ViolationKind::DiscordRule),
            ..Self::new(status, code, message)
        }
    }

    fn unknown_channel() -> Self {
        Self::new(404, 10003, "Unknown Channel")
    }

    fn unknown_message() -> Self {
        Self::new(404, 10008, "Unknown Message")
    }

    fn unknown_webhook() -> Self {
        Self::new(404, 10015, "Unknown Webhook")
    }

    fn into_reply(self) -> Reply {
        Reply::json(
            self.status,
            json!({ "code": self.code, "message": self.message }),
        )
    }
}

type Handled = Result<Reply, ApiError>;

/// Entry point for every non-gateway request.
pub(super) async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let method = method.as_str().to_string();
    let raw_query = uri.query().map(str::to_string);
    let query = parse_query(raw_query.as_deref().unwrap_or_default());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);

    let Some(path) = uri
        .path()
        .strip_prefix(API_PREFIX)
        .filter(|p| p.starts_with('/'))
        .map(str::to_string)
    else {
        let reply = ApiError::new(404, 0, "the stand-in serves the API under /api/v10 only");
        let violation = Violation {
            kind: ViolationKind::UnknownRoute,
            method: method.clone(),
            path: uri.path().to_string(),
            template: None,
            messages: vec![reply.message.clone()],
            body: None,
        };
        let request = RecordedRequest {
            method,
            path: uri.path().to_string(),
            query: raw_query,
            template: None,
            body: None,
            status: 404,
            at: SystemTime::now(),
        };
        return finish(&shared, request, vec![violation], reply.into_reply());
    };

    // Validation is CPU work (a few ms, ~25 ms on a validator's first
    // compile): keep it off the async workers.
    let validate = shared.config.validate_requests;
    let checked = {
        let (method, path, body) = (method.clone(), path.clone(), body.clone());
        let (query, content_type) = (query.clone(), content_type.clone());
        tokio::task::spawn_blocking(move || {
            spec().check_request(
                &method,
                &path,
                &query,
                content_type.as_deref(),
                &body,
                validate,
            )
        })
        .await
        .unwrap_or_else(|e| Checked {
            problems: vec![Problem {
                kind: ProblemKind::InvalidBody,
                messages: vec![format!("the stand-in's validator panicked: {e}")],
            }],
            ..Checked::default()
        })
    };

    let template = checked.route.as_ref().map(|r| r.template.to_string());
    let mut violations: Vec<Violation> = checked
        .problems
        .iter()
        .map(|p| Violation {
            kind: match p.kind {
                ProblemKind::UnknownRoute => ViolationKind::UnknownRoute,
                ProblemKind::InvalidParameter => ViolationKind::InvalidParameter,
                ProblemKind::InvalidBody => ViolationKind::InvalidBody,
                ProblemKind::DiscordRule => ViolationKind::DiscordRule,
                ProblemKind::Unvalidated => ViolationKind::Unvalidated,
            },
            method: method.clone(),
            path: path.clone(),
            template: template.clone(),
            messages: p.messages.clone(),
            body: checked.json.clone(),
        })
        .collect();
    let refused: Vec<String> = violations
        .iter()
        .filter(|v| v.kind != ViolationKind::Unvalidated)
        .flat_map(|v| v.messages.iter().cloned())
        .collect();

    let fault = take_fault(&shared, &method, &path, template.as_deref());
    let mut body_json = checked.json.clone().unwrap_or(Value::Null);
    fill_uploads(&mut body_json, &checked.files);
    let reply = match (fault, &checked.route) {
        (Some(fault), _) => fault_reply(&fault),
        (None, _) if !refused.is_empty() => Reply::json(
            400,
            json!({ "code": 50035, "message": format!("Invalid Form Body: {}", refused.join("; ")), "errors": {} }),
        ),
        (None, Some(route)) => {
            let ctx = Ctx {
                shared: &shared,
                route,
                body: &body_json,
                query: &query,
            };
            match route_request(&ctx, &method) {
                Ok(reply) => {
                    keep_uploads(&ctx, &reply, &checked.files);
                    reply
                }
                Err(e) => {
                    if let Some(kind) = e.violation {
                        violations.push(Violation {
                            kind,
                            method: method.clone(),
                            path: path.clone(),
                            template: template.clone(),
                            messages: vec![e.message.clone()],
                            body: checked.json.clone(),
                        });
                    }
                    e.into_reply()
                }
            }
        }
        // An unknown route always carries a problem, so `refused` caught it.
        (None, None) => ApiError::new(404, 0, "404: Not Found").into_reply(),
    };

    if shared.config.check_responses && (200..300).contains(&reply.status) {
        if let (Some(t), Some(body)) = (template.clone(), reply.body.clone()) {
            let (m, status) = (method.clone(), reply.status);
            let problems =
                tokio::task::spawn_blocking(move || spec().check_response(&m, &t, status, &body))
                    .await
                    .unwrap_or_else(|e| vec![format!("response check panicked: {e}")]);
            if !problems.is_empty() {
                tracing::error!(?problems, "stand-in response breaks the contract");
                violations.push(Violation {
                    kind: ViolationKind::StandInResponse,
                    method: method.clone(),
                    path: path.clone(),
                    template: template.clone(),
                    messages: problems,
                    body: reply.body.clone(),
                });
            }
        }
    }

    let request = RecordedRequest {
        method,
        path,
        query: raw_query,
        template,
        body: checked.json,
        status: reply.status,
        at: SystemTime::now(),
    };
    finish(&shared, request, violations, reply)
}

fn finish(
    shared: &Shared,
    request: RecordedRequest,
    violations: Vec<Violation>,
    reply: Reply,
) -> Response {
    for v in &violations {
        tracing::warn!(violation = %v, "stand-in: contract violation");
    }
    {
        let mut state = shared.lock();
        state.requests.push(request);
        state.violations.extend(violations);
    }
    shared.bump();

    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match reply.body {
        Some(body) => (status, axum::Json(body)).into_response(),
        None => status.into_response(),
    };
    if let Some(secs) = reply.retry_after {
        if let Ok(v) = HeaderValue::from_str(&format!("{}", secs.ceil() as u64)) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
            .headers_mut()
            .insert("x-ratelimit-scope", HeaderValue::from_static("user"));
    }
    response
}

/// Copies each uploaded file's size, name and type onto its new
/// `attachments` entry (`{"id": n}` pairs with the part `files[n]`), so the
/// stored message describes the attachment as Discord would.
fn fill_uploads(body: &mut Value, files: &[UploadedFile]) {
    let lists = ["/attachments", "/data/attachments", "/message/attachments"];
    for pointer in lists {
        let Some(attachments) = body.pointer_mut(pointer).and_then(Value::as_array_mut) else {
            continue;
        };
        for attachment in attachments {
            let index = match &attachment["id"] {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => continue,
            };
            let field = format!("files[{index}]");
            if let Some(file) = files.iter().find(|f| f.field == field) {
                attachment["size"] = json!(file.bytes.len());
                if attachment.get("filename").is_none() {
                    attachment["filename"] = json!(file.filename.clone().unwrap_or_default());
                }
                if let Some(content_type) = &file.content_type {
                    attachment["content_type"] = json!(content_type);
                }
            }
        }
    }
}

/// Records the files of a successful upload where tests read them: on the
/// message created or edited and, for an interaction callback, on the
/// callback and its response message.
fn keep_uploads(ctx: &Ctx<'_>, reply: &Reply, files: &[UploadedFile]) {
    if files.is_empty() || !(200..300).contains(&reply.status) {
        return;
    }
    let mut state = ctx.shared.lock();
    let message_id = match reply
        .body
        .as_ref()
        .filter(|b| b.get("channel_id").is_some())
    {
        Some(message) => parse_id(&message["id"]),
        None => {
            // A callback answers 204: the message is the interaction's.
            let interaction = ctx.param("interaction_id").parse::<u64>().ok();
            let record = interaction.and_then(|i| state.interactions.get_mut(&i));
            record.and_then(|record| {
                if let Some(callback) = record.callback.as_mut() {
                    callback.files.extend(files.iter().cloned());
                }
                record.original_message_id
            })
        }
    };
    if let Some(message) = message_id.and_then(|m| state.messages.get_mut(&m)) {
        message.files.extend(files.iter().cloned());
    }
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` in queries is left alone: serenity does
/// not produce it).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if bytes[i] == b'%' {
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn take_fault(shared: &Shared, method: &str, path: &str, template: Option<&str>) -> Option<Fault> {
    let mut state = shared.lock();
    let index = state
        .faults
        .iter()
        .position(|f| f.remaining > 0 && f.matcher.matches(method, path, template))?;
    let fault = &mut state.faults[index];
    fault.remaining -= 1;
    let taken = fault.clone();
    if fault.remaining == 0 {
        state.faults.remove(index);
    }
    Some(taken)
}

fn fault_reply(fault: &Fault) -> Reply {
    if fault.status == 429 {
        let retry_after = fault.retry_after.unwrap_or(1.0);
        Reply {
            status: 429,
            body: Some(json!({
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": false,
                "code": 0,
            })),
            retry_after: Some(retry_after),
        }
    } else {
        let reason = StatusCode::from_u16(fault.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Injected failure");
        Reply {
            retry_after: fault.retry_after,
            ..Reply::json(
                fault.status,
                json!({ "code": 0, "message": format!("{}: {reason}", fault.status) }),
            )
        }
    }
}

/// Everything a route handler needs.
struct Ctx<'a> {
    shared: &'a Shared,
    route: &'a RouteMatch,
    body: &'a Value,
    query: &'a [(String, String)],
}

impl Ctx<'_> {
    fn param(&self, name: &str) -> &str {
        self.route.param(name).unwrap_or_default()
    }

    /// A snowflake path parameter; the contract already checked its shape,
    /// so a failure here means "no such object".
    fn id(&self, name: &str, not_found: fn() -> ApiError) -> Result<u64, ApiError> {
        self.param(name).parse().map_err(|_| not_found())
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn bot(&self) -> &UserSpec {
        &self.shared.config.bot
    }
}

fn route_request(ctx: &Ctx<'_>, method: &str) -> Handled {
    const WEBHOOK: &str = "/webhooks/{webhook_id}/{webhook_token}";
    const ORIGINAL: &str = "/webhooks/{webhook_id}/{webhook_token}/messages/@original";
    const FOLLOWUP: &str = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}";
    match (method, ctx.route.template) {
        ("GET", "/gateway") => Ok(Reply::json(
            200,
            json!({ "url": ctx.shared.config.gateway_url }),
        )),
        ("GET", "/gateway/bot") => {
            let shards = ctx
                .shared
                .lock()
                .gateway
                .live_shards()
                .first()
                .map_or(1, |s| s[1]);
            Ok(Reply::json(
                200,
                json!({
                    "url": ctx.shared.config.gateway_url,
                    "shards": shards,
                    "session_start_limit": {
                        "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1
                    }
                }),
            ))
        }
        ("GET", "/users/@me") => {
            let mut me = user_json(ctx.bot());
            me["mfa_enabled"] = json!(false);
            me["locale"] = json!("en-US");
            me["verified"] = json!(true);
            Ok(Reply::json(200, me))
        }
        // serenity's `get_current_application_info` uses the OAuth2 route.
        ("GET", "/applications/@me") | ("GET", "/oauth2/applications/@me") => {
            Ok(Reply::json(200, application_json(ctx)))
        }
        ("GET", "/channels/{channel_id}") => {
            let channel_id = ctx.id("channel_id", ApiError::unknown_channel)?;
            let state = ctx.shared.lock();
            let channel = state
                .channels
                .get(&channel_id)
                .ok_or_else(ApiError::unknown_channel)?;
            Ok(Reply::json(200, channel_json(channel)))
        }
        ("PATCH", "/channels/{channel_id}") => channels::edit_channel(ctx),
        ("GET", "/channels/{channel_id}/messages") => list_messages(ctx),
        ("POST", "/channels/{channel_id}/messages") => {
            let channel_id = ctx.id("channel_id", ApiError::unknown_channel)?;
            let mut state = ctx.shared.lock();
            let message = create_message(ctx.shared, &mut state, channel_id, ctx.body, None, None)?;
            Ok(Reply::json(200, message))
        }
        ("GET", "/channels/{channel_id}/messages/{message_id}") => {
            let state = ctx.shared.lock();
            let message = channel_message(ctx, &state)?;
            Ok(Reply::json(200, message.json.clone()))
        }
        ("PATCH", "/channels/{channel_id}/messages/{message_id}") => {
            let mut state = ctx.shared.lock();
            let message = channel_message(ctx, &state)?;
            let (message_id, author_id) = (message.id, message.author_id());
            if author_id != ctx.bot().id {
                return Err(ApiError::rule(
                    403,
                    50005,
                    "Cannot edit a message authored by another user",
                ));
            }
            let json = edit_message(ctx.shared, &mut state, message_id, ctx.body);
            Ok(Reply::json(200, json))
        }
        ("DELETE", "/channels/{channel_id}/messages/{message_id}") => {
            let mut state = ctx.shared.lock();
            let message_id = channel_message(ctx, &state)?.id;
            delete_message(ctx.shared, &mut state, message_id);
            Ok(Reply::no_content())
        }
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads") => {
            channels::thread_from_message(ctx)
        }
        ("POST", "/channels/{channel_id}/threads") => channels::thread_without_message(ctx),
        ("PUT", "/channels/{channel_id}/thread-members/@me")
        | ("PUT", "/channels/{channel_id}/thread-members/{user_id}") => {
            let channel_id = ctx.id("channel_id", ApiError::unknown_channel)?;
            let user_id = match ctx.route.param("user_id") {
                Some(u) => u
                    .parse()
                    .map_err(|_| ApiError::new(404, 10013, "Unknown User"))?,
                None => ctx.bot().id,
            };
            let mut state = ctx.shared.lock();
            let channel = state
                .channels
                .get_mut(&channel_id)
                .filter(|c| c.is_thread())
                .ok_or_else(ApiError::unknown_channel)?;
            if !channel.members.contains(&user_id) {
                channel.members.push(user_id);
            }
            Ok(Reply::no_content())
        }
        ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me") => {
            let mut state = ctx.shared.lock();
            let message_id = channel_message(ctx, &state)?.id;
            let emoji = percent_decode(ctx.param("emoji_name"));
            if let Some(m) = state.messages.get_mut(&message_id) {
                add_reaction(&mut m.json, &emoji);
            }
            Ok(Reply::no_content())
        }
        ("POST", "/channels/{channel_id}/typing") => Ok(Reply::no_content()),
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback") => {
            interactions::interaction_callback(ctx)
        }
        (_, ORIGINAL) => interactions::original_response(ctx, method),
        ("POST", WEBHOOK) => interactions::create_followup(ctx),
        (_, FOLLOWUP) => interactions::followup_message(ctx, method),
        ("PUT", "/applications/{application_id}/commands") => overwrite_commands(ctx, None),
        ("GET", "/applications/{application_id}/commands") => list_commands(ctx, None),
        ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands") => {
            let guild_id = ctx.id("guild_id", unknown_guild)?;
            overwrite_commands(ctx, Some(guild_id))
        }
        ("GET", "/applications/{application_id}/guilds/{guild_id}/commands") => {
            let guild_id = ctx.id("guild_id", unknown_guild)?;
            list_commands(ctx, Some(guild_id))
        }
        ("DELETE", "/users/@me/guilds/{guild_id}") => leave_guild(ctx),
        ("GET", "/guilds/{guild_id}/members/{user_id}") => get_member(ctx),
        ("GET", "/guilds/{guild_id}/roles") => {
            let guild_id = ctx.id("guild_id", unknown_guild)?;
            if !ctx.shared.config.knows_guild(guild_id) {
                return Err(unknown_guild());
            }
            let state = ctx.shared.lock();
            let everyone = role_json(guild_id, "@everyone", permissions::MEMBER, 0);
            let roles = std::iter::once(everyone)
                .chain(
                    state
                        .roles
                        .iter()
                        .enumerate()
                        .map(|(i, r)| role_json(r.id, &r.name, r.permissions, i + 1)),
                )
                .collect();
            Ok(Reply::json(200, Value::Array(roles)))
        }
        (method, template) => Err(ApiError {
            violation: Some(ViolationKind::Unimplemented),
            ..ApiError::new(
                404,
                0,
                format!(
                    "{method} {template} is a valid Discord operation the stand-in does not \
                     implement yet (extend tests/standin/src/rest.rs)"
                ),
            )
        }),
    }
}

fn unknown_guild() -> ApiError {
    ApiError::new(404, 10004, "Unknown Guild")
}

/// The bot leaves a guild: recorded, then GUILD_DELETE (without
/// `unavailable`) as Discord sends it. A guild it does not know, or has
/// already left, is an Unknown Guild.
fn leave_guild(ctx: &Ctx<'_>) -> Handled {
    let guild_id = ctx.id("guild_id", unknown_guild)?;
    let mut state = ctx.shared.lock();
    if !ctx.shared.config.knows_guild(guild_id) || state.left_guilds.contains(&guild_id) {
        return Err(unknown_guild());
    }
    state.left_guilds.push(guild_id);
    echo(
        ctx.shared,
        &mut state,
        "GUILD_DELETE",
        Some(guild_id),
        json!({ "id": id(guild_id) }),
    );
    Ok(Reply::no_content())
}

fn application_json(ctx: &Ctx<'_>) -> Value {
    let config = &ctx.shared.config;
    json!({
        "id": id(config.application_id),
        "name": config.bot.name,
        "icon": null,
        "description": "",
        "type": null,
        "bot": user_json(&config.bot),
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "0".repeat(64),
        "flags": 0,
        "flags_new": "0",
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "owner": user_json(&UserSpec::new(config.application_id.saturating_add(1), "owner")),
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": null,
        "eligible_oauth2_scopes": [],
        "summary": "",
        "tags": [],
        "rpc_origins": [],
    })
}

/// The message `{message_id}` of channel `{channel_id}` (not deleted, not
/// ephemeral: those are reachable only through their interaction).
fn channel_message<'s>(ctx: &Ctx<'_>, state: &'s State) -> Result<&'s StoredMessage, ApiError> {
    let channel_id = ctx.id("channel_id", ApiError::unknown_channel)?;
    let message_id = ctx.id("message_id", ApiError::unknown_message)?;
    if !state.channels.contains_key(&channel_id) {
        return Err(ApiError::unknown_channel());
    }
    state
        .messages
        .get(&message_id)
        .filter(|m| m.channel_id == channel_id && !m.deleted && !m.ephemeral)
        .ok_or_else(ApiError::unknown_message)
}

fn list_messages(ctx: &Ctx<'_>) -> Handled {
    let channel_id = ctx.id("channel_id", ApiError::unknown_channel)?;
    let state = ctx.shared.lock();
    if !state.channels.contains_key(&channel_id) {
        return Err(ApiError::unknown_channel());
    }
    let limit = ctx
        .query("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(50);
    let bound = |name| ctx.query(name).and_then(|v| v.parse::<u64>().ok());
    let visible = state
        .messages
        .values()
        .filter(|m| m.channel_id == channel_id && !m.deleted && !m.ephemeral);
    // Discord returns newest first.
    let mut picked: Vec<&StoredMessage> = if let Some(after) = bound("after") {
        visible.filter(|m| m.id > after).take(limit).collect()
    } else if let Some(around) = bound("around") {
        let all: Vec<_> = visible.collect();
        let pos = all.iter().position(|m| m.id >= around).unwrap_or(all.len());
        let start = pos.saturating_sub(limit / 2);
        all.into_iter().skip(start).take(limit).collect()
    } else {
        let before = bound("before").unwrap_or(u64::MAX);
        let mut newest: Vec<_> = visible.filter(|m| m.id < before).collect();
        let skip = newest.len().saturating_sub(limit);
        newest.drain(..skip);
        newest
    };
    picked.sort_by_key(|m| std::cmp::Reverse(m.id));
    Ok(Reply::json(
        200,
        Value::Array(picked.into_iter().map(|m| m.json.clone()).collect()),
    ))
}

/// Where a bot message comes from, beyond a plain channel post.
struct FromInteraction<'a> {
    record: &'a InteractionRecord,
    ephemeral: bool,
}

/// Creates a bot message (channel post, interaction response, follow-up or
/// forum starter), stores it and echoes MESSAGE_CREATE. Returns the
/// message object as REST returns it.
fn create_message(
    shared: &Shared,
    state: &mut State,
    channel_id: u64,
    body: &Value,
    interaction: Option<FromInteraction<'_>>,
    fixed_id: Option<u64>,
) -> Result<Value, ApiError> {
    let channel = state.channels.get(&channel_id).cloned();
    match &channel {
        // Interactions can come from channels the stand-in was not told about
        // (DMs); their responses go through the interaction webhook anyway.
        None if interaction.is_none() => return Err(ApiError::unknown_channel()),
        Some(c) if matches!(c.kind, 4 | 15 | 16) => {
            return Err(ApiError::rule(
                400,
                50008,
                "Cannot send messages in a non-text channel",
            ))
        }
        Some(c) if c.is_thread() && c.archived => {
            if c.locked {
                return Err(ApiError::rule(
                    400,
                    50083,
                    "Thread is locked and archived (Operation cannot be performed on an archived thread)",
                ));
            }
            // Posting in an archived, unlocked thread unarchives it.
            if let Some(c) = state.channels.get_mut(&channel_id) {
                c.archived = false;
            }
        }
        _ => {}
    }

    let message_id = fixed_id.unwrap_or_else(|| shared.snowflake());
    let bot = &shared.config.bot;
    let mut message = message_base(message_id, channel_id, bot, 0);
    apply_message_body(&mut message, body);

    let mut replied_user = None;
    if let Some(reference) = body.get("message_reference").filter(|r| r.is_object()) {
        let referenced = parse_id(&reference["message_id"]).and_then(|m| state.messages.get(&m));
        match referenced {
            Some(r) => {
                replied_user = Some(r.author_id());
                message["type"] = json!(19);
                message["message_reference"] = json!({
                    "type": 0,
                    "message_id": id(r.id),
                    "channel_id": id(r.channel_id),
                });
                message["referenced_message"] = r.json.clone();
            }
            None if reference["fail_if_not_exists"].as_bool() != Some(false) => {
                return Err(ApiError::rule(
                    400,
                    50035,
                    "message_reference: Unknown message (REPLIES_UNKNOWN_MESSAGE)",
                ))
            }
            None => {}
        }
    }
    let allowed_mentions = body
        .get("allowed_mentions")
        .filter(|a| !a.is_null())
        .cloned();
    set_mentions(
        &mut message,
        allowed_mentions.as_ref(),
        replied_user,
        &state.users,
    );

    let mut ephemeral = false;
    if let Some(from) = &interaction {
        let config = &shared.config;
        ephemeral = from.ephemeral;
        message["webhook_id"] = id(config.application_id);
        message["application_id"] = id(config.application_id);
        let flags = message["flags"].as_u64().unwrap_or(0);
        message["flags"] = json!(if ephemeral {
            flags | EPHEMERAL
        } else {
            flags & !EPHEMERAL
        });
        message["interaction_metadata"] = interaction_metadata(from.record);
    }

    let guild_id = channel
        .as_ref()
        .map(|c| c.guild_id)
        .or(interaction.as_ref().and_then(|i| i.record.guild_id));
    state.messages.insert(
        message_id,
        StoredMessage {
            id: message_id,
            channel_id,
            json: message.clone(),
            allowed_mentions,
            ephemeral,
            deleted: false,
            edits: 0,
            interaction_id: interaction.as_ref().map(|i| i.record.id),
            files: Vec::new(),
        },
    );
    if let Some(c) = state.channels.get_mut(&channel_id) {
        c.last_message_id = Some(message_id);
        if c.is_thread() {
            c.message_count += 1;
        }
    }
    if !ephemeral {
        let mut event = message.clone();
        if let Some(guild) = guild_id {
            event["guild_id"] = id(guild);
            event["member"] = member_json(bot, false, false);
        }
        echo(shared, state, "MESSAGE_CREATE", guild_id, event);
    }
    Ok(message)
}

fn interaction_metadata(record: &InteractionRecord) -> Value {
    let user = record
        .payload
        .pointer("/member/user")
        .or_else(|| record.payload.get("user"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut meta = json!({
        "id": id(record.id),
        "type": record.kind,
        "user": user,
        "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
    });
    if record.kind == 3 {
        if let Some(m) = record.message_id {
            meta["interacted_message_id"] = id(m);
        }
    }
    if record.kind == 5 {
        meta["triggering_interaction_metadata"] = json!({
            "id": id(record.id),
            "type": 2,
            "user": meta["user"],
            "authorizing_integration_owners": meta["authorizing_integration_owners"],
        });
    }
    meta
}

/// Applies an edit body to a stored message and echoes MESSAGE_UPDATE.
fn edit_message(shared: &Shared, state: &mut State, message_id: u64, body: &Value) -> Value {
    let Some(stored) = state.messages.get_mut(&message_id) else {
        return Value::Null;
    };
    apply_message_body(&mut stored.json, body);
    let was_loading = stored.flags() & LOADING != 0;
    if was_loading {
        // Editing a deferred response replaces the "thinking..." placeholder.
        stored.json["flags"] = json!(stored.flags() & !LOADING);
    } else {
        stored.json["edited_timestamp"] = json!(now_timestamp());
        stored.edits += 1;
    }
    if let Some(allowed) = body.get("allowed_mentions") {
        stored.allowed_mentions = Some(allowed.clone()).filter(|a| !a.is_null());
    }
    if body.get("content").is_some() || body.get("allowed_mentions").is_some() {
        let allowed = stored.allowed_mentions.clone();
        set_mentions(&mut stored.json, allowed.as_ref(), None, &state.users);
    }
    let Some(stored) = state.messages.get(&message_id) else {
        return Value::Null;
    };
    let json = stored.json.clone();
    if !stored.ephemeral {
        let guild_id = state.channels.get(&stored.channel_id).map(|c| c.guild_id);
        let mut event = json.clone();
        if let Some(guild) = guild_id {
            event["guild_id"] = id(guild);
        }
        echo(shared, state, "MESSAGE_UPDATE", guild_id, event);
    }
    json
}

fn delete_message(shared: &Shared, state: &mut State, message_id: u64) {
    let Some(stored) = state.messages.get_mut(&message_id) else {
        return;
    };
    stored.deleted = true;
    let (channel_id, ephemeral) = (stored.channel_id, stored.ephemeral);
    if !ephemeral {
        let guild_id = state.channels.get(&channel_id).map(|c| c.guild_id);
        let mut event = json!({ "id": id(message_id), "channel_id": id(channel_id) });
        if let Some(guild) = guild_id {
            event["guild_id"] = id(guild);
        }
        echo(shared, state, "MESSAGE_DELETE", guild_id, event);
    }
}

fn add_reaction(message: &mut Value, emoji: &str) {
    let (emoji_id, name) = match emoji.split_once(':') {
        Some((name, custom)) => (custom.parse::<u64>().ok().map(id), name.to_string()),
        None => (None, emoji.to_string()),
    };
    let reactions = message["reactions"].as_array().cloned().unwrap_or_default();
    let mut reactions: Vec<Value> = reactions;
    match reactions
        .iter_mut()
        .find(|r| r["emoji"]["name"].as_str() == Some(name.as_str()))
    {
        Some(r) if r["me"].as_bool() != Some(true) => {
            r["count"] = json!(r["count"].as_u64().unwrap_or(0) + 1);
            r["me"] = json!(true);
        }
        Some(_) => {}
        None => reactions.push(json!({
            "count": 1,
            "count_details": { "burst": 0, "normal": 1 },
            "me": true,
            "me_burst": false,
            "burst_colors": [],
            "emoji": { "id": emoji_id, "name": name },
        })),
    }
    message["reactions"] = Value::Array(reactions);
}

/// Sends an event Discord would send for the bot's own action. A missing
/// session is fine (the bot may use REST only); a payload serenity would
/// refuse is a stand-in bug and is reported.
pub(super) fn echo(
    shared: &Shared,
    state: &mut State,
    event: &str,
    guild_id: Option<u64>,
    data: Value,
) {
    if !shared.config.echo_events {
        return;
    }
    match state
        .gateway
        .dispatch(&shared.config, event, guild_id, data)
    {
        Ok(_) | Err(DispatchError::NoSession(_)) => {}
        Err(DispatchError::Refused(e)) => state.gateway.payload_error(event, e),
    }
}

fn check_application(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    let app: u64 = ctx.param("application_id").parse().unwrap_or(0);
    if app == ctx.shared.config.application_id {
        Ok(())
    } else {
        Err(ApiError::rule(
            403,
            50001,
            format!(
                "Missing Access: application {app} is not the bot's ({})",
                ctx.shared.config.application_id
            ),
        ))
    }
}

fn overwrite_commands(ctx: &Ctx<'_>, guild_id: Option<u64>) -> Handled {
    check_application(ctx)?;
    if guild_id.is_some_and(|g| !ctx.shared.config.knows_guild(g)) {
        return Err(ApiError::rule(403, 50001, "Missing Access: unknown guild"));
    }
    let config = &ctx.shared.config;
    let mut state = ctx.shared.lock();
    let previous: Vec<RegisteredCommand> = state
        .commands
        .iter()
        .filter(|c| c.guild_id == guild_id)
        .cloned()
        .collect();
    let mut registered = Vec::new();
    for command in ctx.body.as_array().into_iter().flatten() {
        let mut json = command.clone();
        strip_empty(&mut json);
        let Some(obj) = json.as_object_mut() else {
            continue;
        };
        let name = obj
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = obj.get("type").and_then(Value::as_u64).unwrap_or(1);
        // Discord keeps a command's id when it is overwritten by name.
        let command_id = previous
            .iter()
            .find(|p| p.name() == name && p.json["type"].as_u64() == Some(kind))
            .map_or_else(|| ctx.shared.snowflake(), RegisteredCommand::id);
        obj.insert("id".into(), id(command_id));
        obj.insert("application_id".into(), id(config.application_id));
        obj.insert("version".into(), id(ctx.shared.snowflake()));
        obj.insert("type".into(), json!(kind));
        obj.entry("description").or_insert_with(|| json!(""));
        obj.entry("default_member_permissions")
            .or_insert(Value::Null);
        obj.entry("nsfw").or_insert(json!(false));
        obj.entry("integration_types").or_insert_with(|| json!([0]));
        if let Some(g) = guild_id {
            obj.insert("guild_id".into(), id(g));
        }
        registered.push(RegisteredCommand { guild_id, json });
    }
    state.commands.retain(|c| c.guild_id != guild_id);
    state.commands.extend(registered.iter().cloned());
    Ok(Reply::json(
        200,
        Value::Array(registered.into_iter().map(|c| c.json).collect()),
    ))
}

/// Discord echoes a command without the nulls and empty option lists
/// serenity sends.
fn strip_empty(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, v| {
                let empty_list = matches!(k.as_str(), "options" | "choices" | "channel_types")
                    && v.as_array().is_some_and(Vec::is_empty);
                !v.is_null() && !empty_list
            });
            map.values_mut().for_each(strip_empty);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_empty),
        _ => {}
    }
}

fn list_commands(ctx: &Ctx<'_>, guild_id: Option<u64>) -> Handled {
    check_application(ctx)?;
    let state = ctx.shared.lock();
    let commands = state
        .commands
        .iter()
        .filter(|c| c.guild_id == guild_id)
        .map(|c| c.json.clone())
        .collect();
    Ok(Reply::json(200, Value::Array(commands)))
}

fn get_member(ctx: &Ctx<'_>) -> Handled {
    let guild_id = ctx.id("guild_id", unknown_guild)?;
    if !ctx.shared.config.knows_guild(guild_id) {
        return Err(unknown_guild());
    }
    let unknown_member = || ApiError::new(404, 10007, "Unknown Member");
    let user_id: u64 = ctx.param("user_id").parse().map_err(|_| unknown_member())?;
    let state = ctx.shared.lock();
    let user = if user_id == ctx.bot().id {
        ctx.bot().clone()
    } else {
        state
            .users
            .get(&user_id)
            .cloned()
            .ok_or_else(unknown_member)?
    };
    Ok(Reply::json(200, member_json(&user, true, false)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_percent_decoding() {
        assert_eq!(
            parse_query("limit=5&before=12"),
            vec![("limit".into(), "5".into()), ("before".into(), "12".into())]
        );
        assert_eq!(percent_decode("%E2%9C%85"), "✅");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
