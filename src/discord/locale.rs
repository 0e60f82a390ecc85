//! Which language the bot speaks on Discord, and its slash commands' names
//! and descriptions in every language.
//!
//! - A conversation (a question's thread, its answers and dialogue) speaks
//!   the language it started in: the question's own, else the server's
//!   preferred locale, else the default ([`for_question`]); everything
//!   posted in it later follows the stored language.
//! - A reply only one person sees speaks their Discord locale if it is
//!   spoken, else the conversation's ([`personal`]).
//! - Posts for staff speak the default language ([`for_staff`]).

use std::collections::HashMap;

use serenity::all::{Context as SerenityContext, GuildId};

use super::{Data, Error};
use crate::i18n::translations;
use crate::language::Language;

/// The language of a reply only the person with `locale` sees: their
/// locale's if it is spoken, else the conversation's (`stored`), else the
/// default.
pub(super) fn personal(data: &Data, locale: &str, stored: Option<Language>) -> Language {
    data.assistant
        .language_of_locale(locale)
        .or(stored)
        .unwrap_or_else(|| data.assistant.default_language())
}

/// The language of posts and controls for staff.
pub(super) fn for_staff(data: &Data) -> Language {
    data.assistant.default_language()
}

/// A server's preferred locale (from GUILD_CREATE, in the cache) as a
/// language, if it names one.
pub(super) fn of_guild(ctx: &SerenityContext, guild: Option<GuildId>) -> Option<Language> {
    let guild = ctx.cache.guild(guild?)?;
    Language::from_locale(&guild.preferred_locale)
}

/// The language a new conversation about `question` speaks: the
/// question's own, else the server's preferred one, else the default.
pub(super) fn for_question(
    ctx: &SerenityContext,
    data: &Data,
    guild: Option<GuildId>,
    question: &str,
) -> Language {
    data.assistant
        .language_for(question, &[of_guild(ctx, guild)])
}

/// The message id of a command's (or a subcommand's, or with `parameter`
/// an option's) name: `cmd-kb-forget-me`, `cmd-ask-question`; its
/// description's adds `-description`. `path` is the command's name after
/// its parents' (`kb forget-me`).
fn command_id(path: &str, parameter: Option<&str>) -> String {
    let mut id = format!("cmd-{}", path.replace(' ', "-"));
    if let Some(parameter) = parameter {
        id.push('-');
        id.push_str(parameter);
    }
    id
}

/// Gives every command, subcommand and option its description in English
/// and its name and description in each other language, for each of that
/// language's Discord locales, from the translations (`cmd-…` ids).
pub(super) fn localize(commands: &mut [poise::Command<Data, Error>]) {
    for command in commands {
        localize_one(command, "");
    }
}

/// [`localize`] for one command (a subcommand of `parents`, if any) and
/// its subcommands.
fn localize_one(command: &mut poise::Command<Data, Error>, parents: &str) {
    let path = format!("{parents} {}", command.name).trim().to_owned();
    let id = command_id(&path, None);
    let english = |id: &str| translations().format(Language::PRIMARY, id, None);
    if let Some(description) = english(&format!("{id}-description")) {
        command.description = Some(description);
    }
    for parameter in &mut command.parameters {
        let id = command_id(&path, Some(&parameter.name));
        if let Some(description) = english(&format!("{id}-description")) {
            parameter.description = Some(description);
        }
    }
    for language in Language::ALL {
        if language == Language::PRIMARY {
            continue;
        }
        translate(
            language,
            &id,
            &mut command.name_localizations,
            &mut command.description_localizations,
        );
        for parameter in &mut command.parameters {
            translate(
                language,
                &command_id(&path, Some(&parameter.name)),
                &mut parameter.name_localizations,
                &mut parameter.description_localizations,
            );
        }
    }
    for subcommand in &mut command.subcommands {
        localize_one(subcommand, &path);
    }
}

/// Gives a command's or an option's name and description (`id`,
/// `id-description`) in `language`, under each of its Discord locales, if
/// the language has both.
fn translate(
    language: Language,
    id: &str,
    names: &mut HashMap<String, String>,
    descriptions: &mut HashMap<String, String>,
) {
    let name = translations().format(language, id, None);
    let description = translations().format(language, &format!("{id}-description"), None);
    let (Some(name), Some(description)) = (name, description) else {
        return;
    };
    for locale in language.discord_locales() {
        names.insert((*locale).to_owned(), name.clone());
        descriptions.insert((*locale).to_owned(), description.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command, subcommand and option, as (path, option).
    fn named() -> Vec<(String, Option<String>)> {
        fn walk(
            command: &poise::Command<Data, Error>,
            parents: &str,
            into: &mut Vec<(String, Option<String>)>,
        ) {
            let path = format!("{parents} {}", command.name).trim().to_owned();
            into.push((path.clone(), None));
            for parameter in &command.parameters {
                into.push((path.clone(), Some(parameter.name.clone())));
            }
            for subcommand in &command.subcommands {
                walk(subcommand, &path, into);
            }
        }
        let mut all = Vec::new();
        for command in super::super::commands::all() {
            walk(&command, "", &mut all);
        }
        assert!(all.len() > 10, "{all:?}");
        all
    }

    #[test]
    fn every_command_has_its_names_and_descriptions_in_every_language() {
        let valid_name = |name: &str| {
            (1..=32).contains(&name.chars().count())
                && name.chars().all(|c| {
                    c == '-'
                        || c == '_'
                        || c.is_numeric()
                        || (c.is_alphabetic() && !c.is_uppercase())
                })
        };
        for (command, parameter) in named() {
            let id = command_id(&command, parameter.as_deref());
            let code_name = parameter
                .clone()
                .unwrap_or_else(|| command.rsplit(' ').next().unwrap_or_default().to_owned());
            for language in Language::ALL {
                let name = translations()
                    .format(language, &id, None)
                    .unwrap_or_else(|| panic!("{language}: no {id}"));
                let description = translations()
                    .format(language, &format!("{id}-description"), None)
                    .unwrap_or_else(|| panic!("{language}: no {id}-description"));
                assert!(valid_name(&name), "{language}: {id} = {name:?}");
                let length = description.chars().count();
                assert!(
                    (1..=100).contains(&length),
                    "{language}: {id}-description is {length} long"
                );
                if language == Language::PRIMARY {
                    assert_eq!(name, code_name, "English names are the commands' own");
                }
            }
        }
    }

    #[test]
    fn commands_carry_their_localizations() {
        let mut commands = super::super::commands::all();
        localize(&mut commands);
        let ask = commands.iter().find(|c| c.name == "ask").expect("/ask");
        assert_eq!(
            ask.name_localizations.get("de").map(String::as_str),
            Some("fragen")
        );
        assert_eq!(
            ask.name_localizations.get("es-419").map(String::as_str),
            Some("preguntar")
        );
        assert_eq!(
            ask.parameters[0]
                .name_localizations
                .get("es-ES")
                .map(String::as_str),
            Some("pregunta")
        );
        let kb = commands.iter().find(|c| c.name == "kb").expect("/kb");
        let forget = kb
            .subcommands
            .iter()
            .find(|c| c.name == "forget-me")
            .expect("forget-me");
        assert_eq!(
            forget.name_localizations.get("de").map(String::as_str),
            Some("vergiss-mich")
        );
        assert!(!ask.name_localizations.contains_key("en-US"));
    }

    #[test]
    fn counts_read_naturally_and_english_is_unchanged() {
        use crate::text;
        let en = Language::English;
        assert_eq!(
            text!(en, "kb-forgot", votes = 1, questions = 0),
            "Done. I deleted 1 vote (with its comment) and the text of 0 questions you asked here. Anonymous counts stay in the statistics."
        );
        assert_eq!(
            text!(en, "kb-forgot-traces", posts = 2, threads = 1),
            "I also deleted 2 posts for the support team and renamed 1 thread named after your questions."
        );
        assert_eq!(
            text!(
                en,
                "kb-stats-totals",
                answers = 1,
                unanswered = 0,
                escalated = 0
            ),
            "**1** answers shown, **0** unanswered, **0** escalated"
        );
        assert_eq!(
            text!(en, "answer-footer", helpful = 3, not_helpful = 1),
            "Did this help? 👍 3 · 👎 1"
        );
        assert_eq!(
            text!(Language::German, "kb-forgot", votes = 1, questions = 2),
            "Erledigt. Ich habe 1 Stimme (mit ihrem Kommentar) gelöscht, dazu den Text von 2 Fragen, die du hier gestellt hast. Anonyme Zahlen bleiben in der Statistik."
        );
        assert_eq!(
            text!(
                Language::Spanish,
                "kb-reload-done",
                entries = 1,
                source = "k"
            ),
            "Recargada 1 entrada desde `k`."
        );
    }
}
