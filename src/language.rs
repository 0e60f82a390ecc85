//! The languages helpdesk speaks, and how it tells which one a person uses.
//!
//! A language is named by its primary subtag (`en`, `de`, `es`): Discord's
//! locales (`en-US`, `es-ES`, `es-419`, `de`) and a guild's preferred
//! locale are read down to it. Adding a language takes a variant here (its
//! stemmer and its detector's code), its words for the matcher
//! (`matcher::lexicon`), a Fluent folder (`assets/locales/`) and, for
//! answers in it, a knowledge folder (`knowledge/<code>/`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum Language {
    #[default]
    English,
    German,
    Spanish,
}

/// A language code helpdesk does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?} (known: en, de, es)")]
pub struct UnknownLanguage(pub String);

impl Language {
    /// Every language, English (the knowledge's own) first.
    pub const ALL: [Self; 3] = [Self::English, Self::German, Self::Spanish];

    /// The language the shipped knowledge and every fallback are written in.
    pub const PRIMARY: Self = Self::English;

    /// The primary subtag: the folder names under `knowledge/` and
    /// `assets/locales/`.
    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::German => "de",
            Self::Spanish => "es",
        }
    }

    /// The Discord locales a command's name and description are given in
    /// for this language.
    pub fn discord_locales(self) -> &'static [&'static str] {
        match self {
            Self::English => &["en-US", "en-GB"],
            Self::German => &["de"],
            Self::Spanish => &["es-ES", "es-419"],
        }
    }

    /// A locale tag (`de`, `es-ES`, `en_US`, `ES-419`) read down to its
    /// language; `None` for one helpdesk does not speak.
    pub fn from_locale(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.trim();
        Self::ALL
            .into_iter()
            .find(|language| language.code().eq_ignore_ascii_case(primary))
    }

    pub(crate) fn stemmer(self) -> rust_stemmers::Algorithm {
        match self {
            Self::English => rust_stemmers::Algorithm::English,
            Self::German => rust_stemmers::Algorithm::German,
            Self::Spanish => rust_stemmers::Algorithm::Spanish,
        }
    }

    fn detected_as(self) -> whatlang::Lang {
        match self {
            Self::English => whatlang::Lang::Eng,
            Self::German => whatlang::Lang::Deu,
            Self::Spanish => whatlang::Lang::Spa,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// Exactly a code (`de`), not a locale: settings name languages, not
    /// regions.
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|language| language.code() == code.trim())
            .ok_or_else(|| UnknownLanguage(code.to_owned()))
    }
}

impl TryFrom<String> for Language {
    type Error = UnknownLanguage;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        code.parse()
    }
}

impl From<Language> for String {
    fn from(language: Language) -> Self {
        language.code().to_owned()
    }
}

/// The fewest letters a text needs before its language is guessed from
/// it: below that, a few words ("pop or imap?") say nothing reliable.
const MIN_LETTERS_TO_DETECT: usize = 12;

/// How sure the detector must be before its guess beats the fallbacks.
const MIN_CONFIDENCE: f64 = 0.5;

/// Tells which of the enabled languages a text is written in.
#[derive(Debug, Clone)]
pub struct Detector {
    enabled: Vec<Language>,
    detector: Option<whatlang::Detector>,
}

impl Detector {
    /// A detector choosing among `enabled` only (one language: no guessing).
    pub fn new(enabled: &[Language]) -> Self {
        let allowed: Vec<whatlang::Lang> = enabled.iter().map(|l| l.detected_as()).collect();
        Self {
            enabled: enabled.to_vec(),
            detector: (allowed.len() > 1).then(|| whatlang::Detector::with_allowlist(allowed)),
        }
    }

    /// The language `text` is written in, if it says so clearly enough.
    pub fn detect(&self, text: &str) -> Option<Language> {
        let detector = self.detector.as_ref()?;
        let letters = text.chars().filter(|c| c.is_alphabetic()).count();
        if letters < MIN_LETTERS_TO_DETECT {
            return None;
        }
        let info = detector.detect(text)?;
        if !info.is_reliable() && info.confidence() < MIN_CONFIDENCE {
            return None;
        }
        self.enabled
            .iter()
            .copied()
            .find(|language| language.detected_as() == info.lang())
    }

    /// The language to answer `text` in: its own if detected, else the
    /// first of `fallbacks` that is enabled (a guild's preferred locale,
    /// then the configured default).
    pub fn choose(&self, text: &str, fallbacks: &[Option<Language>]) -> Language {
        self.detect(text)
            .or_else(|| {
                fallbacks
                    .iter()
                    .flatten()
                    .copied()
                    .find(|language| self.enabled.contains(language))
            })
            .or_else(|| self.enabled.first().copied())
            .unwrap_or(Language::PRIMARY)
    }

    pub fn enabled(&self) -> &[Language] {
        &self.enabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_read_down_to_their_language() {
        assert_eq!(Language::from_locale("de"), Some(Language::German));
        assert_eq!(Language::from_locale("es-ES"), Some(Language::Spanish));
        assert_eq!(Language::from_locale("es-419"), Some(Language::Spanish));
        assert_eq!(Language::from_locale("en_GB"), Some(Language::English));
        assert_eq!(Language::from_locale("fr"), None);
        assert_eq!(Language::from_locale(""), None);
    }

    #[test]
    fn codes_parse_exactly() {
        assert_eq!("es".parse::<Language>(), Ok(Language::Spanish));
        assert!("es-ES".parse::<Language>().is_err());
        assert!("klingon".parse::<Language>().is_err());
    }

    #[test]
    fn detects_each_language_in_an_ordinary_question() {
        let detector = Detector::new(&Language::ALL);
        let cases = [
            ("Should I use POP or IMAP for my email? I read it on my phone and my laptop.", Language::English),
            ("Soll ich für meine E-Mails POP oder IMAP verwenden? Ich lese sie auf dem Handy und dem Laptop.", Language::German),
            ("¿Debería usar POP o IMAP para mi correo? Lo leo en el móvil y en el portátil.", Language::Spanish),
        ];
        for (text, expected) in cases {
            assert_eq!(detector.detect(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn short_or_unclear_text_falls_back_in_order() {
        let detector = Detector::new(&Language::ALL);
        assert_eq!(detector.detect("pop or imap?"), None);
        assert_eq!(
            detector.choose(
                "pop or imap?",
                &[Some(Language::German), Some(Language::English)]
            ),
            Language::German
        );
        assert_eq!(
            detector.choose("imap?", &[None, Some(Language::Spanish)]),
            Language::Spanish
        );
    }

    #[test]
    fn only_enabled_languages_are_chosen() {
        let detector = Detector::new(&[Language::English, Language::Spanish]);
        let german =
            "Soll ich für meine E-Mails POP oder IMAP verwenden? Ich lese sie auf dem Handy.";
        assert_ne!(detector.detect(german), Some(Language::German));
        assert_eq!(
            detector.choose("imap?", &[Some(Language::German), None]),
            Language::English
        );
        let english_only = Detector::new(&[Language::English]);
        assert_eq!(english_only.choose(german, &[]), Language::English);
    }
}
