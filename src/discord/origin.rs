//! Where an event came from, as the core records it: the one place a
//! message, a command or a click becomes an [`Origin`].

use serenity::all::{ChannelId, ComponentInteraction, GuildId, Message, UserId};

use crate::language::Language;
use crate::store::Origin;

/// An event by `user` in `channel` of `guild` (none: a direct message);
/// `source` is the message that asked, if there is one; `language` the
/// conversation's.
pub fn origin(
    user: UserId,
    guild: Option<GuildId>,
    channel: ChannelId,
    source: Option<&Message>,
    language: Language,
) -> Origin {
    Origin {
        front_end: "discord",
        guild_id: guild.map(|g| g.get().to_string()),
        channel_id: Some(channel.get().to_string()),
        user_id: user.get().to_string(),
        source_message_id: source.map(|m| m.id.get().to_string()),
        language,
    }
}

/// A question asked in a message, in `language`: a replay of that message
/// is recognised.
pub fn of_message(message: &Message, language: Language) -> Origin {
    origin(
        message.author.id,
        message.guild_id,
        message.channel_id,
        Some(message),
        language,
    )
}

/// A click in a conversation in `language`.
pub fn of_click(interaction: &ComponentInteraction, language: Language) -> Origin {
    origin(
        interaction.user.id,
        interaction.guild_id,
        interaction.channel_id,
        None,
        language,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_direct_message_has_no_guild_and_ids_are_decimal() {
        let origin = origin(
            UserId::new(42),
            None,
            ChannelId::new(7),
            None,
            Language::German,
        );
        assert_eq!(origin.guild_id, None);
        assert_eq!(origin.channel_id.as_deref(), Some("7"));
        assert_eq!(origin.user_id, "42");
        assert_eq!(origin.source_message_id, None);
        assert_eq!(origin.front_end, "discord");
        assert_eq!(origin.language, Language::German);
    }
}
