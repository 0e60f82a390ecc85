//! The gateway: websocket sessions, sequence numbers, resume and the
//! reconnect / invalid-session / dropped-connection controls.
//!
//! Each websocket connection runs one task that owns the socket. Everything
//! it sends goes through an unbounded channel filled while the state lock is
//! held, so frames leave in exactly the order their sequence numbers were
//! handed out, whether they come from the connection itself (READY,
//! replays, ACKs) or from a test helper.
//!
//! A *session* outlives its connection: dispatches sent while the bot is
//! between connections are kept and replayed after a RESUME, as Discord does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::{json, Value};
use serenity::model::event::{Event, GatewayEvent};
use tokio::sync::mpsc;

use super::payloads::{intents, ready_json, Config};
use super::state::{Shared, Violation, ViolationKind};

/// A frame for a connection task to act on.
pub(super) enum Outgoing {
    Text(String),
    /// Close with a close frame (code, reason).
    Close(u16, String),
    /// Drop the TCP connection without a close frame.
    Drop,
}

struct Conn {
    tx: mpsc::UnboundedSender<Outgoing>,
    session: Option<String>,
}

impl Conn {
    fn send(&self, frame: Outgoing) {
        // A closed channel means the task is gone; its cleanup detaches it.
        let _ = self.tx.send(frame);
    }
}

struct Session {
    id: String,
    shard: [u64; 2],
    intents: u64,
    seq: u64,
    /// Every dispatch sent in this session, for replay on RESUME.
    sent: Vec<(u64, String)>,
    conn: Option<u64>,
    /// READY or RESUMED was sent on the current connection and no
    /// reconnect/invalidation/drop is pending.
    live: bool,
}

/// What happened to one dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DispatchOutcome {
    /// Written to a live connection.
    Sent,
    /// Kept for replay: the session has no live connection right now.
    Buffered,
    /// Not sent: the session's intents exclude it (as Discord does).
    FilteredByIntents,
}

/// Why a dispatch was not sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum DispatchError {
    /// No session for the shard: the bot has not connected (or was invalidated).
    NoSession(String),
    /// serenity would not parse the payload (a stand-in or spec bug).
    Refused(String),
}

impl std::fmt::Display for DispatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoSession(m) | Self::Refused(m) => f.write_str(m),
        }
    }
}

/// One dispatch the stand-in produced (test helpers and echoes alike).
#[derive(Clone, Debug)]
pub struct DispatchRecord {
    pub event: String,
    pub seq: Option<u64>,
    /// `[shard_id, shard_count]` of the session it went to.
    pub shard: [u64; 2],
    pub outcome: DispatchOutcome,
}

#[derive(Default)]
pub(super) struct GatewayState {
    sessions: Vec<Session>,
    conns: HashMap<u64, Conn>,
    next_conn: u64,
    next_session: u64,
    pub identify_count: usize,
    pub resume_count: usize,
    pub heartbeat_count: usize,
    /// IDENTIFY `d` payloads, token removed.
    pub identifies: Vec<Value>,
    pub dispatches: Vec<DispatchRecord>,
    /// Stop answering heartbeats (simulates a zombied connection).
    pub withhold_acks: bool,
    /// Payloads the stand-in built that serenity would not parse.
    pub payload_errors: Vec<Violation>,
}

impl GatewayState {
    fn register(&mut self, tx: mpsc::UnboundedSender<Outgoing>) -> u64 {
        self.next_conn += 1;
        self.conns
            .insert(self.next_conn, Conn { tx, session: None });
        self.next_conn
    }

    /// The socket is gone: detach it from its session.
    fn unregister(&mut self, conn_id: u64) {
        self.conns.remove(&conn_id);
        for s in &mut self.sessions {
            if s.conn == Some(conn_id) {
                s.conn = None;
                s.live = false;
            }
        }
    }

    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    pub fn live_shards(&self) -> Vec<[u64; 2]> {
        self.sessions
            .iter()
            .filter(|s| s.live)
            .map(|s| s.shard)
            .collect()
    }

    fn send_to_conn(&self, conn_id: u64, frame: Outgoing) {
        if let Some(c) = self.conns.get(&conn_id) {
            c.send(frame);
        }
    }

    /// Sends a dispatch to the session of the shard that owns `guild_id`
    /// (`(guild_id >> 22) % shard_count`; DMs go to shard 0).
    ///
    /// Errors if no session exists for that shard or if serenity could not
    /// parse the payload; nothing is sent then.
    pub fn dispatch(
        &mut self,
        config: &Config,
        event: &str,
        guild_id: Option<u64>,
        mut data: Value,
    ) -> Result<DispatchOutcome, DispatchError> {
        let Some(index) = self.session_for(guild_id) else {
            return Err(DispatchError::NoSession(format!(
                "no gateway session for {event} (guild {guild_id:?}); has the bot connected? \
                 (identify count {}; wait_connected first)",
                self.identify_count
            )));
        };
        let session = &self.sessions[index];

        if let Some(needed) = required_intent(event, guild_id) {
            if session.intents & needed == 0 {
                self.dispatches.push(DispatchRecord {
                    event: event.to_string(),
                    seq: None,
                    shard: session.shard,
                    outcome: DispatchOutcome::FilteredByIntents,
                });
                tracing::debug!(event, "stand-in: dispatch filtered by the bot's intents");
                return Ok(DispatchOutcome::FilteredByIntents);
            }
        }
        if session.intents & intents::MESSAGE_CONTENT == 0 && guild_id.is_some() {
            strip_content(event, &mut data, config.bot.id);
        }

        let seq = session.seq + 1;
        let text = json!({ "op": 0, "s": seq, "t": event, "d": data }).to_string();
        check_payload(&text).map_err(DispatchError::Refused)?;
        Ok(self.send_dispatch(index, event, seq, text))
    }

    /// The newest session of the shard that owns `guild_id`
    /// (`(guild_id >> 22) % shard_count`; DMs go to shard 0).
    fn session_for(&self, guild_id: Option<u64>) -> Option<usize> {
        let shard_for = |total: u64| guild_id.map_or(0, |g| (g >> 22) % total.max(1));
        self.sessions
            .iter()
            .rposition(|s| s.shard[0] == shard_for(s.shard[1]))
    }

    /// Sends a framed dispatch with sequence number `seq` on a session,
    /// keeps it for replay and records it.
    fn send_dispatch(
        &mut self,
        index: usize,
        event: &str,
        seq: u64,
        text: String,
    ) -> DispatchOutcome {
        let session = &mut self.sessions[index];
        session.seq = seq;
        session.sent.push((seq, text.clone()));
        let outcome = match session.conn.filter(|_| session.live) {
            Some(conn_id) => {
                if let Some(c) = self.conns.get(&conn_id) {
                    c.send(Outgoing::Text(text));
                }
                DispatchOutcome::Sent
            }
            None => DispatchOutcome::Buffered,
        };
        self.dispatches.push(DispatchRecord {
            event: event.to_string(),
            seq: Some(seq),
            shard: self.sessions[index].shard,
            outcome,
        });
        outcome
    }

    /// Sends a non-dispatch opcode to every live session's connection and
    /// marks those sessions as not live; later dispatches are buffered.
    fn control(&mut self, frame: impl Fn() -> Outgoing, forget_sessions: bool) -> usize {
        let mut affected = 0;
        for s in &mut self.sessions {
            if let Some(conn_id) = s.conn.filter(|_| s.live) {
                if let Some(c) = self.conns.get(&conn_id) {
                    c.send(frame());
                    affected += 1;
                }
                s.live = false;
            }
        }
        if forget_sessions {
            // Invalidated sessions cannot be resumed: forget them entirely.
            self.sessions.clear();
            for c in self.conns.values_mut() {
                c.session = None;
            }
        }
        affected
    }

    pub fn reconnect(&mut self) -> usize {
        self.control(
            || Outgoing::Text(control_frame(json!({ "op": 7, "d": null }))),
            false,
        )
    }

    pub fn invalid_session(&mut self, resumable: bool) -> usize {
        self.control(
            || Outgoing::Text(control_frame(json!({ "op": 9, "d": resumable }))),
            !resumable,
        )
    }

    pub fn drop_connections(&mut self) -> usize {
        self.control(|| Outgoing::Drop, false)
    }

    fn heartbeat(&mut self, conn_id: u64) {
        self.heartbeat_count += 1;
        if !self.withhold_acks {
            self.send_to_conn(conn_id, Outgoing::Text(control_frame(json!({ "op": 11 }))));
        }
    }

    fn identify(&mut self, config: &Config, conn_id: u64, d: &Value) {
        let Some(conn) = self.conns.get(&conn_id) else {
            return;
        };
        if conn.session.is_some() {
            conn.send(Outgoing::Close(4005, "Already authenticated.".into()));
            return;
        }
        let shard = match d.get("shard") {
            None | Some(Value::Null) => Some([0, 1]),
            Some(s) => s
                .as_array()
                .and_then(|a| Some([a.first()?.as_u64()?, a.get(1)?.as_u64()?]))
                .filter(|[id, total]| *total > 0 && id < total),
        };
        let Some(shard) = shard else {
            conn.send(Outgoing::Close(4010, "Invalid shard.".into()));
            return;
        };
        let Some(intents) = d.get("intents").and_then(Value::as_u64) else {
            conn.send(Outgoing::Close(4013, "Invalid intent(s).".into()));
            return;
        };

        self.identify_count += 1;
        let mut recorded = d.clone();
        if let Some(obj) = recorded.as_object_mut() {
            obj.remove("token");
        }
        self.identifies.push(recorded);

        // A new session replaces dead ones of the same shard.
        self.sessions
            .retain(|s| !(s.shard == shard && (s.conn.is_none() || !s.live)));
        self.next_session += 1;
        let session_id = format!("standin-{:04}-{}", self.next_session, conn_id);
        let ready = ready_json(config, &session_id, shard, &config.gateway_url);
        let text = json!({ "op": 0, "s": 1, "t": "READY", "d": ready }).to_string();
        if let Err(e) = check_payload(&text) {
            self.payload_error("READY", e);
        }
        if let Some(c) = self.conns.get_mut(&conn_id) {
            c.session = Some(session_id.clone());
            c.send(Outgoing::Text(text.clone()));
        }
        self.sessions.push(Session {
            id: session_id,
            shard,
            intents,
            seq: 1,
            sent: vec![(1, text)],
            conn: Some(conn_id),
            live: true,
        });
    }

    fn resume(&mut self, conn_id: u64, d: &Value) {
        let session_id = d
            .get("session_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let client_seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
        let Some(session) = self.sessions.iter_mut().find(|s| s.id == session_id) else {
            // Unknown or invalidated session: Discord answers op 9, not resumable.
            self.send_to_conn(
                conn_id,
                Outgoing::Text(control_frame(json!({ "op": 9, "d": false }))),
            );
            return;
        };
        let old = session.conn.replace(conn_id);
        session.live = true;
        let mut frames: Vec<String> = session
            .sent
            .iter()
            .filter(|(seq, _)| *seq > client_seq)
            .map(|(_, text)| text.clone())
            .collect();
        session.seq += 1;
        let resumed = json!({ "op": 0, "s": session.seq, "t": "RESUMED", "d": {} }).to_string();
        session.sent.push((session.seq, resumed.clone()));
        frames.push(resumed);
        let shard = session.shard;
        let session_id = session.id.clone();

        self.resume_count += 1;
        if let Some(old) = old.filter(|o| *o != conn_id) {
            // Discord closes the superseded connection.
            self.send_to_conn(old, Outgoing::Drop);
            if let Some(c) = self.conns.get_mut(&old) {
                c.session = None;
            }
        }
        if let Some(c) = self.conns.get_mut(&conn_id) {
            c.session = Some(session_id);
            for text in frames {
                c.send(Outgoing::Text(text));
            }
        }
        tracing::debug!(?shard, client_seq, "stand-in: session resumed");
    }

    pub fn payload_error(&mut self, event: &str, message: String) {
        tracing::error!(event, %message, "stand-in built a gateway payload serenity rejects");
        self.payload_errors.push(Violation {
            kind: ViolationKind::StandInResponse,
            method: "GATEWAY".into(),
            path: event.to_string(),
            template: None,
            messages: vec![message],
            body: None,
        });
    }
}

/// The intent Discord requires before it sends `event`.
fn required_intent(event: &str, guild_id: Option<u64>) -> Option<u64> {
    match event {
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" => Some(if guild_id.is_some() {
            intents::GUILD_MESSAGES
        } else {
            intents::DIRECT_MESSAGES
        }),
        e if e.starts_with("THREAD_") || e.starts_with("CHANNEL_") || e.starts_with("GUILD_") => {
            Some(intents::GUILDS)
        }
        _ => None,
    }
}

/// Without MESSAGE_CONTENT, guild messages arrive with empty content,
/// embeds, attachments and components — unless they mention the bot or
/// are the bot's own.
fn strip_content(event: &str, data: &mut Value, bot_id: u64) {
    if !matches!(event, "MESSAGE_CREATE" | "MESSAGE_UPDATE") {
        return;
    }
    let bot = bot_id.to_string();
    let own = data["author"]["id"].as_str() == Some(bot.as_str());
    let mentioned = data["mentions"]
        .as_array()
        .is_some_and(|m| m.iter().any(|u| u["id"].as_str() == Some(bot.as_str())));
    if own || mentioned {
        return;
    }
    for (key, empty) in [
        ("content", json!("")),
        ("embeds", json!([])),
        ("attachments", json!([])),
        ("components", json!([])),
    ] {
        if data.get(key).is_some() {
            data[key] = empty;
        }
    }
}

/// Parses a payload exactly as serenity's shard does and refuses anything
/// serenity would drop. `Event`'s untagged `Unknown` fallback swallows a
/// known event with a missing field, so the error is re-derived from the
/// event's own type where possible.
pub(super) fn check_payload(text: &str) -> Result<(), String> {
    match serde_json::from_str::<GatewayEvent>(text) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(unknown))) => {
            let detail = explain_unknown(&unknown.kind, &unknown.value);
            Err(format!(
                "serenity parses this {} dispatch as Event::Unknown and would silently drop it: {detail}",
                unknown.kind
            ))
        }
        Ok(GatewayEvent::Dispatch(_, event)) => {
            let sent: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            match (event.name(), sent["t"].as_str()) {
                (Some(parsed), Some(t)) if parsed == t => Ok(()),
                (parsed, t) => Err(format!("dispatch {t:?} parsed as {parsed:?}")),
            }
        }
        Ok(_) => Ok(()),
        Err(e) => Err(format!("serenity cannot parse the payload: {e}")),
    }
}

/// A non-dispatch frame (HELLO, HEARTBEAT_ACK, RECONNECT, INVALID_SESSION),
/// checked like dispatches. These are fixed shapes, so a failure means
/// serenity changed: it is logged loudly rather than taking the server down.
fn control_frame(value: Value) -> String {
    let text = value.to_string();
    if let Err(e) = check_payload(&text) {
        tracing::error!(%text, error = %e, "stand-in: serenity rejects a control frame");
    }
    text
}

fn explain_unknown(kind: &str, d: &Value) -> String {
    use serenity::model::prelude::*;
    fn try_as<T: serde::de::DeserializeOwned>(d: &Value) -> String {
        match serde_json::from_value::<T>(d.clone()) {
            Ok(_) => "the payload parses as its type; check the event name".into(),
            Err(e) => e.to_string(),
        }
    }
    match kind {
        "READY" => try_as::<Ready>(d),
        "MESSAGE_CREATE" => try_as::<Message>(d),
        "MESSAGE_UPDATE" => try_as::<MessageUpdateEvent>(d),
        "INTERACTION_CREATE" => try_as::<Interaction>(d),
        "THREAD_CREATE" | "THREAD_UPDATE" | "CHANNEL_UPDATE" | "CHANNEL_CREATE" => {
            try_as::<GuildChannel>(d)
        }
        "GUILD_CREATE" => try_as::<serenity::model::event::GuildCreateEvent>(d),
        "GUILD_DELETE" => try_as::<UnavailableGuild>(d),
        _ => "unknown event name, or a required field is missing".into(),
    }
}

/// Serves one websocket connection until either side closes it.
pub(super) async fn serve_connection(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = shared.lock().gateway.register(tx);
    shared.bump();

    let hello = control_frame(json!({
        "op": 10,
        "d": { "heartbeat_interval": shared.config.heartbeat_interval_ms },
    }));
    if socket.send(Message::Text(hello)).await.is_ok() {
        loop {
            tokio::select! {
                out = rx.recv() => match out {
                    Some(Outgoing::Text(text)) => {
                        if socket.send(Message::Text(text)).await.is_err() {
                            break;
                        }
                    }
                    Some(Outgoing::Close(code, reason)) => {
                        let frame = CloseFrame { code, reason: reason.into() };
                        let _ = socket.send(Message::Close(Some(frame))).await;
                        break;
                    }
                    // Dropping the socket closes TCP without a close frame.
                    Some(Outgoing::Drop) | None => break,
                },
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => on_client_frame(&shared, conn_id, &text),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    // serenity sends only text; pings are answered by axum.
                    Some(Ok(_)) => {}
                },
            }
        }
    }
    shared.lock().gateway.unregister(conn_id);
    shared.bump();
}

fn on_client_frame(shared: &Shared, conn_id: u64, text: &str) {
    let frame: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            let state = shared.lock();
            state.gateway.send_to_conn(
                conn_id,
                Outgoing::Close(4002, "Error while decoding payload.".into()),
            );
            return;
        }
    };
    {
        let mut state = shared.lock();
        let gw = &mut state.gateway;
        match frame["op"].as_u64() {
            Some(1) => gw.heartbeat(conn_id),
            Some(2) => gw.identify(&shared.config, conn_id, &frame["d"]),
            Some(6) => gw.resume(conn_id, &frame["d"]),
            // Presence, voice state, member and soundboard requests: accepted, ignored.
            Some(3 | 4 | 8 | 31) => {}
            _ => gw.send_to_conn(conn_id, Outgoing::Close(4001, "Unknown opcode.".into())),
        }
    }
    shared.bump();
}

impl GatewayState {
    /// Sends a dispatch whose `d` is raw JSON text, as a hostile or buggy
    /// gateway could: no intent filtering and no check that serenity
    /// parses it (see `StandIn::send_message_raw`). Kept for replay like
    /// any dispatch.
    pub(super) fn dispatch_raw(
        &mut self,
        event: &str,
        guild_id: Option<u64>,
        data_text: &str,
    ) -> Result<DispatchOutcome, DispatchError> {
        let Some(index) = self.session_for(guild_id) else {
            return Err(DispatchError::NoSession(format!(
                "no gateway session for a raw {event} (guild {guild_id:?})"
            )));
        };
        let seq = self.sessions[index].seq + 1;
        let event_name = Value::String(event.to_string());
        let text = format!(r#"{{"op":0,"s":{seq},"t":{event_name},"d":{data_text}}}"#);
        Ok(self.send_dispatch(index, event, seq, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_check_refuses_what_serenity_drops() {
        let missing_author = json!({
            "op": 0, "s": 2, "t": "MESSAGE_CREATE",
            "d": { "id": "5", "channel_id": "6", "content": "hi" }
        });
        let err = check_payload(&missing_author.to_string()).unwrap_err();
        assert!(err.contains("Event::Unknown"), "{err}");
        assert!(check_payload(r#"{"op":11}"#).is_ok());
        assert!(
            check_payload(r#"{"op":0,"t":"RESUMED","d":{}}"#).is_err(),
            "no s"
        );
    }
}
