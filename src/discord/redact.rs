//! Interaction tokens kept out of the logs.
//!
//! An interaction's token lets whoever holds it answer that interaction as
//! the bot, with follow-ups, for 15 minutes. It travels in URLs
//! (`/interactions/{id}/{token}/callback`, `/webhooks/{application}/{token}`)
//! and in payloads (`"token": "…"`), so it shows up in error chains (a
//! failed request's error names its URL) and, at `debug` and `trace`, in
//! serenity's request spans and the gateway's raw frames.
//!
//! Errors are logged through [`chain`], which masks them; and the binary
//! writes every log line through [`Masked`], which masks whatever a
//! dependency logged, so a token never reaches the log whatever the level.

use std::io::{self, Write};
use std::sync::LazyLock;

use regex::Regex;

/// What replaces a token.
pub const MASK: &str = "***";

/// A token after the path segment or field name that carries it: the URL
/// segment after `/interactions/{id}/` or `/webhooks/{id}/`, or the value
/// of a field named `token` or `…_token` as Debug (`token: "…"`), JSON
/// (`"token":"…"`) or JSON-escaped Debug (`token: \"…\"`) writes it.
static TOKEN_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?P<keep>/interactions/[0-9]+/|/webhooks/[0-9]+/|token\\?"?\s*[:=]\s*\\?")(?P<token>[^/\s"\\?#)]+)"#,
    )
    .expect("the token pattern compiles")
});

/// `text` with every interaction or webhook token replaced by [`MASK`].
pub fn mask_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    TOKEN_PATTERN.replace_all(text, format!("${{keep}}{MASK}").as_str())
}

/// An error and its causes, `: `-separated as anyhow's `{:#}` writes them,
/// with tokens masked: the way errors are logged.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    mask_tokens(&text).into_owned()
}

/// A log writer that masks tokens in what it is given. The log formatter
/// writes each line with one `write_all`, which this takes whole, so a
/// token is never split between two writes.
pub struct Masked<W: Write>(pub W);

impl<W: Write> Write for Masked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(mask_tokens(text).as_bytes())?,
            Err(_) => self
                .0
                .write_all(mask_tokens(&String::from_utf8_lossy(buf)).as_bytes())?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::{HttpBuilder, InteractionId};

    const TOKEN: &str = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OmFiY2RlZg";

    #[test]
    fn tokens_are_masked_in_urls_and_fields() {
        for (text, masked) in [
            (
                "error sending request for url (http://127.0.0.1:1/api/v10/interactions/42/SECRET/callback)",
                "error sending request for url (http://127.0.0.1:1/api/v10/interactions/42/***/callback)",
            ),
            (
                "POST /webhooks/1100/SECRET?wait=true",
                "POST /webhooks/1100/***?wait=true",
            ),
            (
                "/webhooks/1100/SECRET/messages/@original",
                "/webhooks/1100/***/messages/@original",
            ),
            (
                r#"route: InteractionResponse { interaction_id: InteractionId(1), token: "SECRET" }"#,
                r#"route: InteractionResponse { interaction_id: InteractionId(1), token: "***" }"#,
            ),
            (r#"{"token":"SECRET","type":3}"#, r#"{"token":"***","type":3}"#),
            (r#"{"x":"token: \"SECRET\" }"}"#, r#"{"x":"token: \"***\" }"}"#),
            (
                r#"interaction_token: "SECRET""#,
                r#"interaction_token: "***""#,
            ),
            ("/channels/1/messages", "/channels/1/messages"),
        ] {
            assert_eq!(mask_tokens(text), masked, "{text}");
        }
    }

    /// A local address nothing listens on.
    fn closed_base() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    }

    /// serenity's errors for calls that could not be sent carry the URL,
    /// token included, in their causes; the logged chain does not.
    #[tokio::test]
    async fn failed_calls_are_logged_without_their_token() {
        let http = HttpBuilder::new("bot-token")
            .proxy(closed_base())
            .ratelimiter_disabled(true)
            .application_id(1100.into())
            .build();
        let callback = http
            .create_interaction_response(
                InteractionId::new(42),
                TOKEN,
                &serde_json::json!({}),
                vec![],
            )
            .await
            .unwrap_err();
        let followup = http
            .create_followup_message(TOKEN, &serde_json::json!({}), vec![])
            .await
            .unwrap_err();
        for (error, segment) in [
            (callback, "/interactions/42/***/callback"),
            (followup, "/webhooks/1100/***"),
        ] {
            let error = anyhow::Error::from(error);
            assert!(
                format!("{error:#}").contains(TOKEN),
                "the test needs a chain that names the URL: {error:#}"
            );
            let logged = chain(error.as_ref());
            assert!(!logged.contains(TOKEN), "{logged}");
            assert!(logged.contains(segment), "{logged}");
        }
    }

    #[test]
    fn the_log_writer_masks_each_line() {
        let mut out = Masked(Vec::new());
        let line =
            format!("TRACE request{{route: WebhookFollowupMessages {{ token: \"{TOKEN}\" }}}}\n");
        out.write_all(line.as_bytes()).unwrap();
        let written = String::from_utf8(out.0).unwrap();
        assert!(!written.contains(TOKEN), "{written}");
        assert!(written.ends_with("token: \"***\" }}\n"), "{written}");
    }
}
