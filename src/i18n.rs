//! Every piece of text people see, in their language: Fluent files under
//! `assets/locales/<code>/`, compiled into the binary.
//!
//! Code asks for a message by its id with [`text!`]; a language's file that
//! lacks a message falls back to English. `helpdesk check` lists what a
//! language lacks and what it has that English does not (never shown);
//! `tests/it/layout.rs` checks that every id the code asks for exists in
//! English and every English message is asked for.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
pub use fluent_bundle::FluentArgs;
use fluent_bundle::FluentResource;

use crate::language::Language;

/// The message files of each language: the Discord front end's and the
/// terminal's.
const SOURCES: [(Language, &str, &str); 6] = [
    (
        Language::English,
        "assets/locales/en/helpdesk.ftl",
        include_str!("../assets/locales/en/helpdesk.ftl"),
    ),
    (
        Language::German,
        "assets/locales/de/helpdesk.ftl",
        include_str!("../assets/locales/de/helpdesk.ftl"),
    ),
    (
        Language::Spanish,
        "assets/locales/es/helpdesk.ftl",
        include_str!("../assets/locales/es/helpdesk.ftl"),
    ),
    (
        Language::English,
        "assets/locales/en/terminal.ftl",
        include_str!("../assets/locales/en/terminal.ftl"),
    ),
    (
        Language::German,
        "assets/locales/de/terminal.ftl",
        include_str!("../assets/locales/de/terminal.ftl"),
    ),
    (
        Language::Spanish,
        "assets/locales/es/terminal.ftl",
        include_str!("../assets/locales/es/terminal.ftl"),
    ),
];

/// The messages of every language.
pub struct Translations {
    bundles: BTreeMap<Language, FluentBundle<FluentResource>>,
    /// Each language's message ids, with the file each is in.
    ids: BTreeMap<Language, BTreeMap<String, String>>,
    problems: Vec<String>,
}

/// What `helpdesk check` reports about the translations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// `file: message` pairs a language lacks (English is shown instead).
    pub missing: Vec<String>,
    /// Messages a language has that English does not: never shown.
    pub unused: Vec<String>,
    /// Syntax errors, each naming its file.
    pub errors: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.unused.is_empty() && self.errors.is_empty()
    }
}

static TRANSLATIONS: LazyLock<Translations> = LazyLock::new(|| Translations::new(&SOURCES));

/// The shipped translations.
pub fn translations() -> &'static Translations {
    &TRANSLATIONS
}

impl Translations {
    fn new(sources: &[(Language, &str, &str)]) -> Self {
        let mut bundles: BTreeMap<Language, FluentBundle<FluentResource>> = BTreeMap::new();
        let mut ids: BTreeMap<Language, BTreeMap<String, String>> = BTreeMap::new();
        let mut problems = Vec::new();
        for &(language, file, source) in sources {
            let resource = match FluentResource::try_new(source.to_owned()) {
                Ok(resource) => resource,
                Err((resource, errors)) => {
                    for error in errors {
                        // The unparsed entry's start, where there is one.
                        let at = error.slice.as_ref().unwrap_or(&error.pos).start;
                        let line = source[..at.min(source.len())].matches('\n').count() + 1;
                        problems.push(format!("{file}:{line}: {error}"));
                    }
                    resource
                }
            };
            let names = ids.entry(language).or_default();
            for entry in resource.entries() {
                if let fluent_syntax::ast::Entry::Message(message) = entry {
                    names.insert(message.id.name.to_owned(), file.to_owned());
                }
            }
            let bundle = bundles.entry(language).or_insert_with(|| {
                let tag: unic_langid::LanguageIdentifier = language
                    .code()
                    .parse()
                    .expect("every language code is a valid language identifier");
                let mut bundle = FluentBundle::new_concurrent(vec![tag]);
                // Discord shows the isolation marks around placeables as
                // boxes in some clients, and they would break markdown.
                bundle.set_use_isolating(false);
                bundle
            });
            if let Err(errors) = bundle.add_resource(resource) {
                problems.extend(errors.into_iter().map(|error| format!("{file}: {error:?}")));
            }
        }
        Self {
            bundles,
            ids,
            problems,
        }
    }

    /// The message `id` in `language`, else in English; the id itself if
    /// English lacks it too (a test keeps that from shipping).
    pub fn text(&self, language: Language, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        [language, Language::PRIMARY]
            .into_iter()
            .find_map(|language| self.format(language, id, args))
            .unwrap_or_else(|| id.to_owned())
    }

    /// The message `id` in exactly `language`, if it has it.
    pub fn format(
        &self,
        language: Language,
        id: &str,
        args: Option<&FluentArgs<'_>>,
    ) -> Option<String> {
        let bundle = self.bundles.get(&language)?;
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        Some(text.into_owned())
    }

    /// Every message id of a language's files.
    pub fn ids(&self, language: Language) -> impl Iterator<Item = &str> {
        self.ids
            .get(&language)
            .into_iter()
            .flat_map(BTreeMap::keys)
            .map(String::as_str)
    }

    /// What each language lacks or has in excess, against English, and
    /// the files' syntax errors. A missing message is named with the
    /// language's folder and the English file it is in.
    pub fn report(&self) -> Report {
        let empty = BTreeMap::new();
        let english = self.ids.get(&Language::PRIMARY).unwrap_or(&empty);
        let mut report = Report {
            errors: self.problems.clone(),
            ..Report::default()
        };
        for (&language, own) in &self.ids {
            if language == Language::PRIMARY {
                continue;
            }
            for (id, file) in english {
                if !own.contains_key(id) {
                    let in_language = file.replace(
                        &format!("/{}/", Language::PRIMARY.code()),
                        &format!("/{}/", language.code()),
                    );
                    report.missing.push(format!("{in_language}: {id}"));
                }
            }
            for (id, file) in own {
                if !english.contains_key(id) {
                    report.unused.push(format!("{file}: {id}"));
                }
            }
        }
        report
    }
}

/// A message in a language: `text!(language, "vote-thanks")`, or with
/// arguments, `text!(language, "dialogue-step-title", title = title, number = 2)`.
#[macro_export]
macro_rules! text {
    ($language:expr, $id:literal) => {
        $crate::i18n::translations().text($language, $id, None)
    };
    ($language:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $( args.set(stringify!($name), $value); )+
        $crate::i18n::translations().text($language, $id, Some(&args))
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "greeting = Hello, { $name }!\nonly-english = Only here\n";
    const DE: &str = "greeting = Hallo, { $name }!\nextra = Nie gezeigt\n";

    fn sample() -> Translations {
        Translations::new(&[
            (Language::English, "locales/en/m.ftl", EN),
            (Language::German, "locales/de/m.ftl", DE),
        ])
    }

    #[test]
    fn formats_in_the_language_and_falls_back_to_english() {
        let translations = sample();
        let mut args = FluentArgs::new();
        args.set("name", "Ana");
        assert_eq!(
            translations.text(Language::German, "greeting", Some(&args)),
            "Hallo, Ana!"
        );
        assert_eq!(
            translations.text(Language::German, "only-english", None),
            "Only here"
        );
        assert_eq!(
            translations.text(Language::Spanish, "greeting", Some(&args)),
            "Hello, Ana!"
        );
        assert_eq!(
            translations.text(Language::German, "nowhere", None),
            "nowhere"
        );
    }

    #[test]
    fn the_report_names_what_a_language_lacks_and_what_it_has_in_excess() {
        let report = sample().report();
        assert_eq!(report.missing, ["locales/de/m.ftl: only-english"]);
        assert_eq!(report.unused, ["locales/de/m.ftl: extra"]);
        assert!(report.errors.is_empty());
        assert!(!report.is_clean());
    }

    #[test]
    fn placeables_carry_no_isolation_marks() {
        let mut args = FluentArgs::new();
        args.set("name", "<@1>");
        let text = sample().text(Language::English, "greeting", Some(&args));
        assert!(!text.contains(['\u{2068}', '\u{2069}']), "{text:?}");
    }

    #[test]
    fn syntax_errors_name_their_file_and_line() {
        let broken = Translations::new(&[(Language::English, "en.ftl", "ok = fine\n\nbad = { \n")]);
        assert_eq!(broken.problems.len(), 1, "{:?}", broken.problems);
        assert!(
            broken.problems[0].starts_with("en.ftl:3:"),
            "{:?}",
            broken.problems
        );
    }

    #[test]
    fn the_shipped_translations_are_complete_and_parse() {
        let report = translations().report();
        assert!(report.is_clean(), "{report:#?}");
    }
}
