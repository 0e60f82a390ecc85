//! Questions asked while the bot was away. Discord does not replay to a
//! new session what an old one missed: after a restart or a crash, the
//! questions posted in the meantime, and those a killed process had taken
//! but not yet answered, would stay without a reply. So on each new
//! session (READY), the watched channels of the servers that session
//! serves have their messages of the [`WINDOW`] before it read back and
//! handled like new ones, oldest first (later ones arrive over the
//! gateway). A question already answered, or already recorded as unanswered,
//! is known to the store by its message and skipped
//! (`helpdesk_replays_total{event="message"}`); the rest are answered.
//! Forum posts and questions that mention the bot outside a watched
//! channel are not read back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serenity::all::{
    Channel, ChannelId, ChannelType, Context as SerenityContext, GetMessages, GuildId, MessageId,
    ShardInfo,
};
use tracing::{info, warn};

use super::messages;
use super::redact;
use super::retry::with_retry;
use super::Data;
use crate::operations::metric;

/// How far back a new session looks for questions it may have missed.
pub const WINDOW: Duration = Duration::from_secs(60 * 60);
/// Discord returns at most this many messages a request.
const PAGE: u8 = 100;
/// Discord's epoch (2015-01-01), in milliseconds since the Unix epoch.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// The smallest snowflake of the moment `at`: messages after it were
/// posted at or after `at`.
fn snowflake_at(at: SystemTime) -> u64 {
    let ms = at.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    });
    ms.saturating_sub(DISCORD_EPOCH_MS) << 22
}

/// Reads back the [`WINDOW`] before `began` (the session's READY) of the
/// watched channels in the servers of shard `shard`, and handles every
/// message there as if it had just arrived.
pub(super) async fn catch_up(
    ctx: &SerenityContext,
    data: &Data,
    shard: Option<ShardInfo>,
    began: SystemTime,
) {
    // Discord routes a server to shard (id >> 22) % total: the servers of
    // this session are those that route to it.
    let (shard, total) = shard.map_or((0, 1), |info| (info.id.0, info.total));
    let ours = |guild: GuildId| {
        u16::try_from(total).is_ok_and(|total| {
            u32::from(crate::config::ShardRange::shard_of(guild.get(), total)) == shard
        })
    };
    // Messages from now on arrive over the gateway: only older ones are
    // read back.
    let window = snowflake_at(began - WINDOW)..snowflake_at(began);
    for &channel in &data.config.support_channels {
        let channel = ChannelId::new(channel);
        // Forum posts are threads of their own; only text channels are read.
        let guild = match channel.to_channel(&ctx.http).await {
            Ok(Channel::Guild(found)) if found.kind == ChannelType::Text => found.guild_id,
            Ok(_) => continue,
            Err(error) => {
                warn!(channel = channel.get(), error = %redact::chain(&error), "could not look up a watched channel");
                continue;
            }
        };
        if ours(guild) && data.serves(Some(guild)) {
            read_back(ctx, data, guild, channel, window.clone()).await;
        }
    }
}

/// Handles the messages of `channel` posted within `window` (snowflakes),
/// oldest first.
async fn read_back(
    ctx: &SerenityContext,
    data: &Data,
    guild: GuildId,
    channel: ChannelId,
    window: std::ops::Range<u64>,
) {
    let mut after = MessageId::new(window.start.max(1));
    loop {
        let request = GetMessages::new().after(after).limit(PAGE);
        let page = match with_retry("GET /channels/{channel_id}/messages", || {
            channel.messages(&ctx.http, request)
        })
        .await
        {
            Ok(page) => page,
            Err(error) => {
                warn!(channel = channel.get(), error = %redact::chain(&error), "could not read back the channel");
                return;
            }
        };
        let Some(newest) = page.iter().map(|m| m.id).max() else {
            break;
        };
        let full = page.len() == usize::from(PAGE);
        let mut page: Vec<_> = page
            .into_iter()
            .filter(|message| message.id.get() < window.end)
            .collect();
        page.sort_by_key(|message| message.id);
        for mut message in page {
            // Messages read over REST carry no server id.
            message.guild_id = Some(guild);
            metrics::counter!(metric::CAUGHT_UP).increment(1);
            if let Err(error) = messages::on_missed_message(ctx, data, &message).await {
                warn!(error = %redact::chain(error.as_ref()), "a missed message failed");
            }
        }
        if !full || newest.get() >= window.end {
            break;
        }
        after = newest;
    }
    info!(channel = channel.get(), "read back the channel");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snowflake_orders_by_its_moment() {
        // Discord's documented example: 175928847299117063 was made at
        // 1462015105796 ms since the Unix epoch.
        let at = UNIX_EPOCH + Duration::from_millis(1_462_015_105_796);
        let snowflake = snowflake_at(at);
        assert_eq!(snowflake >> 22, 175_928_847_299_117_063 >> 22);
        assert!(snowflake <= 175_928_847_299_117_063);
        assert_eq!(snowflake_at(UNIX_EPOCH), 0);
    }
}
