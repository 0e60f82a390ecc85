//! Each language's words for the matcher: the function words that say
//! nothing about the answer wanted, words people write apart that mean one,
//! stems that mean the same thing in questions about mail, and how a
//! sentence that asks begins. English has the most (most questions are in
//! it); the others hold what their questions need.

use crate::language::Language;

/// One language's words, as the matcher uses them.
pub struct Lexicon {
    pub stop_words: &'static [&'static str],
    pub compounds: &'static [(&'static str, &'static str, &'static str)],
    pub synonyms: &'static [&'static [&'static str]],
    pub question_openers: &'static [&'static str],
    pub request_phrases: &'static [&'static str],
}

/// The lexicon of a language.
pub fn of(language: Language) -> &'static Lexicon {
    match language {
        Language::English => &ENGLISH,
        Language::German => &GERMAN,
        Language::Spanish => &SPANISH,
    }
}

static ENGLISH: Lexicon = Lexicon {
    stop_words: ENGLISH_STOP_WORDS,
    compounds: ENGLISH_COMPOUNDS,
    synonyms: ENGLISH_SYNONYMS,
    question_openers: ENGLISH_QUESTION_OPENERS,
    request_phrases: ENGLISH_REQUEST_PHRASES,
};

static GERMAN: Lexicon = Lexicon {
    stop_words: GERMAN_STOP_WORDS,
    compounds: SHARED_COMPOUNDS,
    synonyms: GERMAN_SYNONYMS,
    question_openers: GERMAN_QUESTION_OPENERS,
    request_phrases: GERMAN_REQUEST_PHRASES,
};

static SPANISH: Lexicon = Lexicon {
    stop_words: SPANISH_STOP_WORDS,
    compounds: SHARED_COMPOUNDS,
    synonyms: SPANISH_SYNONYMS,
    question_openers: SPANISH_QUESTION_OPENERS,
    request_phrases: SPANISH_REQUEST_PHRASES,
};

/// Names every language writes apart the same way once punctuation is
/// gone ("E-Mail", "K-9", "POP 3", "WI-FI").
const SHARED_COMPOUNDS: &[(&str, &str, &str)] = &[
    ("e", "mail", "email"),
    ("e", "mails", "emails"),
    ("k", "9", "k9"),
    ("pop", "3", "pop3"),
    ("wi", "fi", "wifi"),
];

/// Words that say nothing about which answer is wanted: English function
/// words plus the greetings, fillers and chat abbreviations of a support
/// channel (with and without their apostrophes). Sorted at first use.
const ENGLISH_STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "advance",
    "after",
    "again",
    "ah",
    "all",
    "already",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anybody",
    "anyone",
    "anyway",
    "anyways",
    "appreciate",
    "appreciated",
    "are",
    "aren't",
    "arent",
    "as",
    "asap",
    "at",
    "basically",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "bit",
    "both",
    "btw",
    "but",
    "by",
    "can",
    "can't",
    "cant",
    "cheers",
    "could",
    "couldn't",
    "couldnt",
    "curious",
    "dear",
    "did",
    "didn't",
    "didnt",
    "do",
    "does",
    "doesn't",
    "doesnt",
    "doing",
    "don't",
    "dont",
    "down",
    "during",
    "each",
    "eh",
    "else",
    "etc",
    "even",
    "ever",
    "every",
    "everybody",
    "everyone",
    "few",
    "folks",
    "for",
    "from",
    "further",
    "fyi",
    "get",
    "gets",
    "getting",
    "gonna",
    "got",
    "gotta",
    "guys",
    "had",
    "hadn't",
    "hadnt",
    "has",
    "hasn't",
    "hasnt",
    "have",
    "haven't",
    "havent",
    "having",
    "he",
    "hello",
    "help",
    "her",
    "here",
    "here's",
    "heres",
    "hers",
    "hey",
    "hi",
    "him",
    "his",
    "hiya",
    "hmm",
    "honestly",
    "how",
    "how's",
    "hows",
    "howdy",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "idk",
    "if",
    "im",
    "in",
    "into",
    "is",
    "isn't",
    "isnt",
    "it",
    "it's",
    "its",
    "ive",
    "just",
    "kinda",
    "know",
    "let",
    "let's",
    "lets",
    "like",
    "literally",
    "lmao",
    "lol",
    "lot",
    "lots",
    "maybe",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "need",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "oh",
    "ok",
    "okay",
    "omg",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "people",
    "please",
    "pls",
    "plz",
    "pretty",
    "probably",
    "question",
    "quick",
    "really",
    "regards",
    "rn",
    "same",
    "says",
    "seriously",
    "she",
    "should",
    "shouldn't",
    "shouldnt",
    "so",
    "some",
    "someone",
    "something",
    "sorry",
    "still",
    "stuff",
    "such",
    "sure",
    "tbh",
    "team",
    "than",
    "thank",
    "thanks",
    "that",
    "that's",
    "thats",
    "the",
    "their",
    "them",
    "then",
    "there",
    "there's",
    "theres",
    "these",
    "they",
    "they're",
    "theyre",
    "thing",
    "things",
    "this",
    "those",
    "tho",
    "though",
    "through",
    "thx",
    "to",
    "too",
    "ty",
    "tysm",
    "u",
    "ugh",
    "uh",
    "um",
    "under",
    "until",
    "up",
    "ur",
    "us",
    "very",
    "wanna",
    "want",
    "was",
    "wasn't",
    "wasnt",
    "we",
    "were",
    "what",
    "what's",
    "whats",
    "when",
    "where",
    "which",
    "while",
    "who",
    "who's",
    "whos",
    "why",
    "will",
    "with",
    "wonder",
    "wondering",
    "won't",
    "would",
    "wouldn't",
    "wouldnt",
    "wtf",
    "y'all",
    "yall",
    "yeah",
    "yes",
    "yet",
    "yo",
    "you",
    "you're",
    "youre",
    "your",
    "yours",
];

/// Two words people write apart that mean one ("e mail", "in box",
/// "back up"): joined before anything else.
const ENGLISH_COMPOUNDS: &[(&str, &str, &str)] = &[
    ("air", "plane", "airplane"),
    ("back", "up", "backup"),
    ("backed", "up", "backup"),
    ("backing", "up", "backup"),
    ("backs", "up", "backup"),
    ("e", "mail", "email"),
    ("e", "mails", "emails"),
    ("in", "box", "inbox"),
    ("k", "9", "k9"),
    ("log", "in", "login"),
    ("mail", "box", "mailbox"),
    ("off", "line", "offline"),
    ("pop", "3", "pop3"),
    ("sign", "in", "login"),
    ("web", "mail", "webmail"),
    ("wi", "fi", "wifi"),
];

/// Stems that mean the same thing in questions about reading mail, folded
/// onto the first stem of their group. General mail and device vocabulary
/// only: synonyms specific to one entry belong in that entry's keywords.
const ENGLISH_SYNONYMS: &[&[&str]] = &[
    // devices
    &[
        "comput", "pc", "pcs", "laptop", "desktop", "macbook", "imac", "mac", "notebook",
    ],
    &[
        "phone",
        "iphon",
        "android",
        "mobil",
        "smartphon",
        "cellphon",
        "cell",
    ],
    &["tablet", "ipad"],
    // what is read
    &["mail", "email", "messag", "msg", "msgs"],
    &["mailbox", "inbox"],
    // the programs reading it
    &[
        "app",
        "client",
        "program",
        "softwar",
        "outlook",
        "thunderbird",
        "tbird",
        "k9",
    ],
    // protocols
    &["pop", "pop3", "pop3s"],
    &["imap", "imap4", "imaps"],
    // what happens to mail
    &["delet", "remov", "eras", "wipe"],
    &["disappear", "vanish", "miss"],
    &["sync", "synch", "synchron", "synchronis", "synchroniz"],
    // connections and travel
    &["internet", "wifi", "signal", "recept"],
    &["flight", "plane", "airplan", "aeroplan", "fli"],
    // choosing
    &["multipl", "sever"],
    &["choos", "pick", "select", "decid"],
    &["vs", "versus", "compar"],
    &["better", "best"],
];

/// Words that open a sentence that asks.
const ENGLISH_QUESTION_OPENERS: &[&str] = &[
    "how", "why", "what", "where", "which", "when", "who", "should", "can", "could", "would",
    "will", "is", "are", "does", "do", "did", "has", "have", "any", "anyone", "anybody", "shall",
];

/// Phrases that make a sentence a request, wherever they stand.
const ENGLISH_REQUEST_PHRASES: &[&str] = &[
    "i want to",
    "i would like",
    "i'd like",
    "i need to",
    "i'm trying to",
    "im trying to",
    "i am trying to",
    "is there a way",
    "is there any way",
    "is it possible",
    "how do i",
    "how can i",
    "how to",
    "please help",
    "help me",
];

// ----------------------------------------------------------------- German
// Written as the normaliser leaves them: lowercase, umlauts without dots
// ("fur", "uber", "konnen"); "ß" stays.

/// German function words (the Snowball list) and chat fillers.
const GERMAN_STOP_WORDS: &[&str] = &[
    "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "ander",
    "andere", "anderem", "anderen", "anderer", "anderes", "auch", "auf", "aus", "bei", "bin",
    "bis", "bist", "bitte", "da", "damit", "dann", "danke", "das", "dass", "daß", "dazu", "dein",
    "deine", "deinem", "deinen", "deiner", "dem", "den", "denn", "der", "des", "dich", "die",
    "dies", "diese", "diesem", "diesen", "dieser", "dieses", "dir", "doch", "dort", "du", "durch",
    "ein", "eine", "einem", "einen", "einer", "eines", "einfach", "er", "es", "etwas", "euch",
    "euer", "eure", "fur", "gegen", "gewesen", "grad", "gerade", "hab", "habe", "haben", "hallo",
    "hat", "hatte", "hatten", "hey", "hi", "hier", "hin", "ich", "ihm", "ihn", "ihr", "ihre",
    "ihrem", "ihren", "ihrer", "im", "in", "ins", "ist", "ja", "jede", "jedem", "jeden", "jeder",
    "jetzt", "kann", "kannst", "konnen", "konnt", "konnte", "leute", "lg", "mal", "man", "mein",
    "meine", "meinem", "meinen", "meiner", "meines", "mich", "mir", "mit", "moin", "muss",
    "musste", "nach", "noch", "nun", "nur", "ob", "oder", "schon", "sehr", "sein", "seine", "sich",
    "sie", "sind", "so", "soll", "sollte", "sondern", "sonst", "uber", "um", "und", "uns", "unser",
    "unsere", "unter", "viel", "vom", "von", "vor", "war", "waren", "was", "weil", "welche",
    "welchem", "welchen", "welcher", "welches", "wenn", "werde", "werden", "wie", "wieder", "will",
    "wir", "wird", "wo", "wurde", "wurden", "zu", "zum", "zur",
];

/// Stems (German Snowball) that mean the same thing in mail questions.
const GERMAN_SYNONYMS: &[&[&str]] = &[
    &[
        "handy",
        "handys",
        "smartphon",
        "telefon",
        "iphon",
        "android",
    ],
    &[
        "comput", "rechn", "pc", "laptop", "notebook", "mac", "desktop",
    ],
    &["tabl", "ipad"],
    &["mail", "email", "nachricht"],
    &["postfach", "posteingang", "mailbox", "inbox"],
    &["losch", "geloscht", "entfernt"],
    &["verschwund", "fehl", "fehlt"],
    &["synchronisi", "synchronisiert", "abgleich", "sync"],
    &["internet", "wlan", "netz", "empfang"],
    &["app", "client", "programm", "outlook", "thunderbird", "k9"],
    &["pop", "pop3", "pop3s"],
    &["imap", "imap4", "imaps"],
];

const GERMAN_QUESTION_OPENERS: &[&str] = &[
    "wie", "warum", "wieso", "weshalb", "was", "wo", "wann", "welche", "welcher", "welches",
    "soll", "sollte", "kann", "konnte", "ist", "sind", "gibt", "hat", "habt", "muss", "weiß",
    "weiss",
];

const GERMAN_REQUEST_PHRASES: &[&str] = &[
    "ich mochte",
    "ich will",
    "ich muss",
    "wie kann ich",
    "wie bekomme ich",
    "gibt es eine moglichkeit",
    "ist es moglich",
    "kann mir jemand",
    "bitte um hilfe",
    "hilfe",
];

// ---------------------------------------------------------------- Spanish
// Written as the normaliser leaves them: lowercase, without accents
// ("movil", "tambien"); "ñ" becomes "n".

/// Spanish function words (the Snowball list) and chat fillers.
const SPANISH_STOP_WORDS: &[&str] = &[
    "a", "al", "algo", "algun", "alguna", "algunas", "alguno", "algunos", "ante", "antes", "aqui",
    "asi", "aun", "bueno", "buenas", "cada", "como", "con", "contra", "cual", "cuando", "de",
    "del", "desde", "donde", "durante", "e", "el", "ella", "ellas", "ellos", "en", "entre", "era",
    "es", "esa", "esas", "ese", "eso", "esos", "esta", "estaba", "estan", "estar", "estas", "este",
    "esto", "estos", "estoy", "fue", "gracias", "ha", "hace", "hacer", "han", "hasta", "hay", "he",
    "hola", "la", "las", "le", "les", "lo", "los", "me", "mi", "mis", "mucho", "muchos", "muy",
    "nada", "ni", "nos", "nosotros", "o", "otra", "otras", "otro", "otros", "para", "pero", "poco",
    "por", "porque", "pues", "que", "quien", "se", "ser", "si", "sobre", "son", "soy", "su", "sus",
    "tambien", "te", "tengo", "ti", "tiene", "tienen", "todo", "todos", "tu", "tus", "un", "una",
    "uno", "unos", "y", "ya", "yo",
];

/// Stems (Spanish Snowball) that mean the same thing in mail questions.
const SPANISH_SYNONYMS: &[&[&str]] = &[
    &["movil", "celul", "telefon", "iphon", "andro", "android"],
    &["comput", "orden", "pc", "portatil", "laptop", "mac"],
    &["tablet", "ipad"],
    &["corre", "email", "emails", "mail", "mails", "mensaj"],
    &["buzon", "bandej", "inbox"],
    &["borr", "elimin"],
    &["desaparec", "perd", "falt"],
    &["sincroniz", "sync"],
    &["internet", "wifi", "red", "conexion", "cobertur", "senal"],
    &[
        "app",
        "aplic",
        "aplicacion",
        "program",
        "client",
        "outlook",
        "thunderbird",
        "k9",
    ],
    &["pop", "pop3", "pop3s"],
    &["imap", "imap4", "imaps"],
];

const SPANISH_QUESTION_OPENERS: &[&str] = &[
    "como", "por", "porque", "que", "cual", "cuales", "donde", "cuando", "quien", "debo",
    "deberia", "puedo", "se", "es", "hay", "alguien", "existe",
];

const SPANISH_REQUEST_PHRASES: &[&str] = &[
    "quiero",
    "quisiera",
    "me gustaria",
    "necesito",
    "como puedo",
    "como hago",
    "hay alguna forma",
    "hay manera",
    "es posible",
    "alguien sabe",
    "ayuda",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Synonyms are looked up by stem: a group member no word ever stems
    /// to would be dead weight, so each group is checked against the words
    /// it is meant for.
    #[test]
    fn synonym_groups_hold_the_stems_their_words_have() {
        let words = [
            (Language::German, "Handy Smartphone Rechner Computer Nachrichten Postfach gelöscht verschwunden synchronisieren WLAN Programm"),
            (Language::Spanish, "móvil celular ordenador computadora correos mensajes buzón borrar eliminado desaparecieron sincronizar conexión aplicación"),
        ];
        for (language, text) in words {
            let stemmer = rust_stemmers::Stemmer::create(language.stemmer());
            let lexicon = of(language);
            for word in crate::matcher::normalize(text).split(' ') {
                let stem = stemmer.stem(word);
                assert!(
                    lexicon
                        .synonyms
                        .iter()
                        .any(|group| group.contains(&stem.as_ref())),
                    "{language}: {word} stems to {stem}, in no group"
                );
            }
        }
    }

    #[test]
    fn every_list_is_written_as_the_normaliser_leaves_words() {
        for language in Language::ALL {
            let lexicon = of(language);
            let words = lexicon
                .stop_words
                .iter()
                .chain(lexicon.question_openers)
                .chain(lexicon.request_phrases);
            for word in words {
                assert_eq!(&crate::matcher::normalize(word), word, "{language}");
            }
        }
    }
}
