//! Bounded retries of Discord REST calls.
//!
//! Against real Discord, serenity's own ratelimiter waits out 429s. With a
//! configured API base that ratelimiter must be off (it ignores the base),
//! so 429s and 5xx reach the bot: it retries them a bounded number of times
//! with exponential backoff, and logs every failure with its route and
//! status. serenity 0.12's error type does not keep the body's
//! `retry_after`, so the backoff starts at the typical per-route wait.

use std::future::Future;
use std::time::Duration;

use serenity::all::{Error as SerenityError, HttpError};
use tracing::warn;

use super::redact;
use crate::operations::metric;

/// Attempts after the first.
const RETRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// The HTTP status of a failed Discord call, if it got that far.
pub fn status_of(error: &SerenityError) -> Option<u16> {
    match error {
        SerenityError::Http(HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}

/// Discord's JSON error code of a failed call, if it sent one.
pub fn discord_code(error: &SerenityError) -> Option<isize> {
    match error {
        SerenityError::Http(HttpError::UnsuccessfulRequest(response)) => Some(response.error.code),
        _ => None,
    }
}

fn is_retryable(error: &SerenityError) -> bool {
    matches!(status_of(error), Some(429 | 500..=599))
        || matches!(error, SerenityError::Http(HttpError::Request(_)))
}

/// Runs `call` until it succeeds, fails for good, or runs out of retries.
pub async fn with_retry<T, F, Fut>(route: &'static str, mut call: F) -> Result<T, SerenityError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SerenityError>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 0;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) => {
                let status = status_of(&error);
                let status_label = status.map_or_else(|| "network".to_owned(), |s| s.to_string());
                metrics::counter!(metric::DISCORD_REST_ERRORS, "route" => route, "status" => status_label)
                    .increment(1);
                if attempt >= RETRIES || !is_retryable(&error) {
                    metrics::counter!(metric::DISCORD_REST_GAVE_UP, "route" => route).increment(1);
                    warn!(route, ?status, error = %redact::chain(&error), "discord call failed");
                    return Err(error);
                }
                warn!(
                    route,
                    ?status,
                    attempt,
                    backoff_ms = backoff.as_millis() as u64,
                    "discord call failed, retrying"
                );
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
        }
    }
}
