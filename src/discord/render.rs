//! The bot's look: answer embeds, buttons, dialogue steps, and the
//! allowed-mentions defaults. Pure functions from domain results to
//! serenity builders, so every limit is checked in one place.

use serenity::all::{
    ButtonStyle, Colour, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateInputText, CreateModal, CreateSelectMenu, CreateSelectMenuKind,
    CreateSelectMenuOption, InputTextStyle, RoleId,
};

use super::custom_id::{Action, TriageAct};
use crate::assistant::{Answer, DialogueStep, DialogueView};
use crate::dialogue::Recommendation;
use crate::knowledge::{Question, UNSURE};
use crate::language::Language;
use crate::store::{AnswerId, Tally};
use crate::text;

/// Discord's limits: the one place the Discord front end writes them.
pub const MAX_CONTENT: usize = 2000;
pub const MAX_EMBED_DESCRIPTION: usize = 4096;
pub const MAX_EMBED_TITLE: usize = 256;
pub const MAX_BUTTON_LABEL: usize = 80;
pub const MAX_THREAD_NAME: usize = 100;
pub const MAX_SELECT_OPTIONS: usize = 25;
pub const MAX_BUTTONS_PER_ROW: usize = 5;
pub const MAX_FORUM_TAGS: usize = 5;
pub const MAX_SELECT_LABEL: usize = 100;
pub const MAX_INPUT_LABEL: usize = 45;

// Every entry the knowledge accepts fits Discord as it is: an answer in one
// embed, a title as its title, an option as a button, and a question's
// options plus "Not sure" in one row of buttons.
const _: () = {
    use crate::knowledge::{MAX_BODY_CHARS, MAX_LABEL_CHARS, MAX_OPTIONS, MAX_TITLE_CHARS};
    assert!(MAX_BODY_CHARS <= MAX_EMBED_DESCRIPTION);
    assert!(MAX_TITLE_CHARS <= MAX_EMBED_TITLE);
    assert!(MAX_LABEL_CHARS <= MAX_BUTTON_LABEL);
    assert!(MAX_OPTIONS < MAX_BUTTONS_PER_ROW);
};
/// The improvement comment's limit.
pub const MAX_COMMENT: u16 = 1000;
/// The field of the improvement modal.
pub const COMMENT_FIELD: &str = "comment";

const ANSWER_COLOUR: Colour = Colour::new(0x3b82f6);
const RESULT_COLOUR: Colour = Colour::new(0x10b981);
const NO_ANSWER_COLOUR: Colour = Colour::new(0xf59e0b);

/// No pings: user text quoted back never mentions anyone.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// Pings exactly one role, nothing else.
pub fn only_role(role: u64) -> CreateAllowedMentions {
    CreateAllowedMentions::new().roles([RoleId::new(role)])
}

/// Cuts text to `max` characters, marking the cut with an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let cut = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..cut])
        }
    }
}

/// Characters that hide themselves or reorder the text around them
/// (zero-width spaces, bidi embeddings, overrides and isolates): in a
/// thread name they could disguise it in the channel list, or leave a name
/// that shows nothing. Joiners (U+200C, U+200D) stay: scripts and emoji
/// need them.
fn hides_or_reorders(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Joiners and selectors: kept inside a name, but alone they show nothing.
fn shows_nothing_alone(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200C}' | '\u{200D}' | '\u{034F}' | '\u{FE00}'..='\u{FE0F}'
        )
}

/// A thread name from a question: one line, no markup, within the limit;
/// "Question from …" in `language` if it has no visible words.
pub fn thread_name(question: &str, asker: &str, language: Language) -> String {
    let visible: String = question
        .chars()
        .filter(|c| !hides_or_reorders(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = visible
        .split_whitespace()
        .filter(|word| !(word.starts_with('<') && word.ends_with('>')))
        .collect();
    let line: String = words
        .join(" ")
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`' | '~' | '|' | '>' | '#'))
        .collect();
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().all(shows_nothing_alone) {
        truncate(
            &text!(language, "thread-name-fallback", asker = asker),
            MAX_THREAD_NAME,
        )
    } else {
        truncate(&line, MAX_THREAD_NAME)
    }
}

/// User text shown to staff (the triage channel, `/kb unanswered`), as
/// plain text: Discord renders none of it.
///
/// - Markdown is escaped with backslashes: emphasis, code, spoilers,
///   strike-through, masked links (`[text](url)`), headings and `-#`
///   subtext, quotes, and lists where a line starts with one.
/// - URLs are shown whole as `<url>`: a link that shows its address and
///   gets no preview embed.
/// - `<@id>`, `<@&id>`, `<#id>`, `</cmd:id>`, `<t:…>` and custom emoji are
///   escaped, so they show as the text they are, never as a mention; and
///   `@everyone`/`@here` get a zero-width space after the `@` (serenity's
///   convention), so they read but do not highlight.
/// - Invisible and direction-changing characters are dropped and control
///   characters become spaces, so the text shows what it says.
/// - It is cut to `max` characters (an ellipsis marks the cut) between
///   escapes, never inside one or inside a `<url>`.
///
/// serenity's helpers do part of this only: `MessageBuilder::push_safe`
/// escapes `*`, `` ` `` and `_` (not links, headings, quotes, lists or
/// `<@id>`), and `content_safe` needs the cache and turns a user it does not
/// hold into `@invalid-user`, losing the id staff need.
pub fn for_staff(text: &str, max: usize) -> String {
    fit(staff_pieces(text, None), max)
}

/// [`for_staff`] with every line as a Discord quote (`> `), the prefixes
/// counted in `max`.
pub fn quote_for_staff(text: &str, max: usize) -> String {
    fit(staff_pieces(text, Some("> ")), max)
}

/// The escaped text as pieces that must not be split.
fn staff_pieces(text: &str, line_prefix: Option<&str>) -> Vec<String> {
    let clean: Vec<char> = text
        .chars()
        .filter(|c| !hides_or_reorders(*c))
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    let mut pieces = Vec::with_capacity(clean.len() + 1);
    if let Some(prefix) = line_prefix {
        pieces.push(prefix.to_owned());
    }
    let mut line_start = true;
    let mut i = 0;
    while i < clean.len() {
        let c = clean[i];
        if let Some(end) = url_end(&clean, i) {
            let url: String = clean[i..end].iter().collect();
            pieces.push(format!("<{url}>"));
            line_start = false;
            i = end;
            continue;
        }
        i += 1;
        match c {
            '\n' => {
                pieces.push(format!("\n{}", line_prefix.unwrap_or_default()));
                line_start = true;
                continue;
            }
            ' ' | '\t' if line_start => {
                pieces.push(c.to_string());
                continue;
            }
            // List markers where a line starts.
            '-' | '+' if line_start => pieces.push(format!("\\{c}")),
            '0'..='9' if line_start => {
                let mut number = c.to_string();
                while i < clean.len() && clean[i].is_ascii_digit() {
                    number.push(clean[i]);
                    i += 1;
                }
                if i < clean.len() && matches!(clean[i], '.' | ')') {
                    number.push('\\');
                    number.push(clean[i]);
                    i += 1;
                }
                pieces.push(number);
            }
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '<' | '>' | '#' => {
                pieces.push(format!("\\{c}"));
            }
            '@' if starts_with(&clean[i..], "everyone") || starts_with(&clean[i..], "here") => {
                pieces.push("@\u{200B}".to_owned());
            }
            _ => pieces.push(c.to_string()),
        }
        line_start = false;
    }
    pieces
}

fn starts_with(text: &[char], word: &str) -> bool {
    text.len() >= word.chars().count()
        && word
            .chars()
            .zip(text)
            .all(|(w, c)| w.eq_ignore_ascii_case(c))
}

/// Where the URL starting at `start` ends, if one starts there: an
/// `http://` or `https://` address up to whitespace or a character that
/// would end the `<url>` around it, without trailing punctuation or an
/// unbalanced closing bracket (as in `[text](url)`).
fn url_end(text: &[char], start: usize) -> Option<usize> {
    let rest = &text[start..];
    let scheme = if starts_with(rest, "https://") {
        8
    } else if starts_with(rest, "http://") {
        7
    } else {
        return None;
    };
    let mut end = start + scheme;
    while end < text.len()
        && !text[end].is_whitespace()
        && !matches!(text[end], '<' | '>' | '"' | '`' | '|' | '\\')
    {
        end += 1;
    }
    loop {
        let last = text[end - 1];
        let count = |c: char| text[start..end].iter().filter(|x| **x == c).count();
        let unbalanced = match last {
            ')' => count(')') > count('('),
            ']' => count(']') > count('['),
            _ => false,
        };
        if end > start + scheme
            && (unbalanced
                || matches!(
                    last,
                    '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '*' | '_' | '~'
                ))
        {
            end -= 1;
        } else {
            break;
        }
    }
    (end > start + scheme).then_some(end)
}

/// Joins pieces within `max` characters, cutting between pieces.
fn fit(pieces: Vec<String>, max: usize) -> String {
    let counts: Vec<usize> = pieces.iter().map(|p| p.chars().count()).collect();
    if counts.iter().sum::<usize>() <= max {
        return pieces.concat();
    }
    let mut out = String::new();
    let mut used = 0;
    for (piece, count) in pieces.iter().zip(counts) {
        if used + count + 1 > max {
            break;
        }
        out.push_str(piece);
        used += count;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// "👍 3 · 👎 1"
pub fn tally_line(tally: Tally) -> String {
    format!("👍 {} · 👎 {}", tally.helpful, tally.not_helpful)
}

/// "Did this help? 👍 3 · 👎 1", in `language`.
fn footer(tally: Tally, language: Language) -> CreateEmbedFooter {
    CreateEmbedFooter::new(text!(
        language,
        "answer-footer",
        helpful = tally.helpful,
        not_helpful = tally.not_helpful,
    ))
}

/// The embed of an answer, in its conversation's language; an entry shown
/// in English because that language's knowledge lacks it says so first.
pub fn answer_embed(answer: &Answer, tally: Tally) -> CreateEmbed {
    let language = answer.record.language;
    let body = if answer.shown_in == language {
        answer.entry.body.clone()
    } else {
        format!(
            "*{}*\n\n{}",
            text!(language, "answer-untranslated"),
            answer.entry.body
        )
    };
    CreateEmbed::new()
        .title(truncate(&answer.entry.title, MAX_EMBED_TITLE))
        .description(truncate(&body, MAX_EMBED_DESCRIPTION))
        .colour(ANSWER_COLOUR)
        .footer(footer(tally, language))
}

/// An existing embed with a new tally in its footer, in `language`.
pub fn with_tally(embed: CreateEmbed, tally: Tally, language: Language) -> CreateEmbed {
    embed.footer(footer(tally, language))
}

fn button(action: &Action, label: &str, style: ButtonStyle) -> CreateButton {
    CreateButton::new(action.encode())
        .label(truncate(label, MAX_BUTTON_LABEL))
        .style(style)
}

fn vote_buttons(answer: AnswerId, language: Language) -> Vec<CreateButton> {
    vec![
        button(
            &Action::Vote {
                answer,
                helpful: true,
            },
            &text!(language, "answer-button-helpful"),
            ButtonStyle::Success,
        )
        .emoji('👍'),
        button(
            &Action::Vote {
                answer,
                helpful: false,
            },
            &text!(language, "answer-button-not-helpful"),
            ButtonStyle::Secondary,
        )
        .emoji('👎'),
    ]
}

/// The components of an answer, in its conversation's language: votes,
/// the dialogue where offered, a person, and "Did you mean…" when
/// runners-up are close.
pub fn answer_components(answer: &Answer) -> Vec<CreateActionRow> {
    let id = answer.record.id;
    let language = answer.record.language;
    let mut buttons = vote_buttons(id, language);
    if answer.entry.dialogue.is_some() {
        buttons.push(button(
            &Action::Choose { answer: id },
            &text!(language, "answer-button-choose"),
            ButtonStyle::Primary,
        ));
    }
    buttons.push(button(
        &Action::Human { answer: id },
        &text!(language, "answer-button-human"),
        ButtonStyle::Secondary,
    ));
    let mut rows = vec![CreateActionRow::Buttons(buttons)];
    if !answer.close_alternatives.is_empty() {
        let options = answer
            .close_alternatives
            .iter()
            .take(MAX_SELECT_OPTIONS)
            .map(|(entry, title)| CreateSelectMenuOption::new(truncate(title, 100), entry.clone()))
            .collect();
        rows.push(CreateActionRow::SelectMenu(
            CreateSelectMenu::new(
                Action::Alternative { answer: id }.encode(),
                CreateSelectMenuKind::String { options },
            )
            .placeholder(text!(language, "answer-did-you-mean")),
        ));
    }
    rows
}

/// The honest reply when the knowledge has no answer, in `language`;
/// `scope` is what the knowledge in that language says it covers.
pub fn no_answer_embed(escalated: bool, scope: Option<&str>, language: Language) -> CreateEmbed {
    let sorry = if escalated {
        text!(language, "no-answer-escalated")
    } else {
        text!(language, "no-answer-noted")
    };
    CreateEmbed::new()
        .title(text!(language, "no-answer-title"))
        .description(truncate(
            &match scope {
                Some(scope) => format!("{sorry}\n\n{scope}"),
                None => sorry,
            },
            MAX_EMBED_DESCRIPTION,
        ))
        .colour(NO_ANSWER_COLOUR)
}

/// A dialogue step: the question with a button per option, "Not sure",
/// "Back" and "Restart"; or the recommendation with vote buttons; in the
/// dialogue's language.
pub fn dialogue_message(view: &DialogueView) -> (CreateEmbed, Vec<CreateActionRow>) {
    let language = view.language;
    match &view.step {
        DialogueStep::Ask { question, number } => {
            let mut description = String::new();
            if *number == 1 {
                description.push_str(&view.dialogue.intro);
                description.push_str("\n\n");
            }
            description.push_str(&format!("**{}**", question.prompt));
            let embed = CreateEmbed::new()
                .title(truncate(
                    &text!(
                        language,
                        "dialogue-step-title",
                        title = view.dialogue.title.as_str(),
                        number = *number,
                    ),
                    MAX_EMBED_TITLE,
                ))
                .description(truncate(&description, MAX_EMBED_DESCRIPTION))
                .colour(ANSWER_COLOUR);
            (embed, step_buttons(view, question))
        }
        DialogueStep::Done {
            recommendation,
            answer_id,
        } => (
            recommendation_embed(recommendation, Tally::default(), language),
            vec![CreateActionRow::Buttons(vote_buttons(*answer_id, language))],
        ),
    }
}

/// A step's options in one row ("Not sure" in grey), then Back (once
/// something was asked) and Restart.
fn step_buttons(view: &DialogueView, question: &Question) -> Vec<CreateActionRow> {
    let session = view.session_id;
    let language = view.language;
    let mut options: Vec<CreateButton> = question
        .values()
        .into_iter()
        .map(|value| {
            let style = if value == UNSURE {
                ButtonStyle::Secondary
            } else {
                ButtonStyle::Primary
            };
            let action = Action::DialogueAnswer {
                session,
                slot: question.slot.clone(),
                value: value.to_owned(),
            };
            button(&action, &option_label(question, value, language), style)
        })
        .collect();
    options.truncate(MAX_BUTTONS_PER_ROW);
    let mut navigation = Vec::new();
    if view.state.asked() > 0 {
        let back = Action::DialogueBack { session };
        let label = text!(language, "dialogue-back");
        navigation.push(button(&back, &label, ButtonStyle::Secondary));
    }
    let restart = Action::DialogueRestart { session };
    let label = text!(language, "dialogue-restart");
    navigation.push(button(&restart, &label, ButtonStyle::Secondary));
    vec![
        CreateActionRow::Buttons(options),
        CreateActionRow::Buttons(navigation),
    ]
}

/// What an option of a dialogue question is called: its label (in the
/// dialogue's language), or "Not sure" in `language`.
pub fn option_label(question: &Question, value: &str, language: Language) -> String {
    if value == UNSURE {
        text!(language, "dialogue-not-sure")
    } else {
        question.label_of(value).to_owned()
    }
}

/// A dialogue's result, in `language` (the reasons and notes are in the
/// dialogue's own, which is the same).
pub fn recommendation_embed(
    result: &Recommendation,
    tally: Tally,
    language: Language,
) -> CreateEmbed {
    let mut text = format!("**{}**\n", text!(language, "dialogue-why"));
    for reason in &result.reasons {
        text.push_str(&format!("• {}\n", reason.text));
    }
    if !result.notes.is_empty() || !result.caveats.is_empty() {
        text.push_str(&format!(
            "\n**{}**\n",
            text!(language, "dialogue-keep-in-mind")
        ));
    }
    for note in &result.notes {
        text.push_str(&format!("• {}\n", note.text));
    }
    for caveat in &result.caveats {
        text.push_str(&format!("• {caveat}\n"));
    }
    for warning in &result.warnings {
        text.push_str(&format!("\n⚠️ {warning}\n"));
    }
    CreateEmbed::new()
        .title(truncate(
            &text!(
                language,
                "dialogue-recommendation",
                label = result.label.as_str()
            ),
            MAX_EMBED_TITLE,
        ))
        .description(truncate(&text, MAX_EMBED_DESCRIPTION))
        .colour(RESULT_COLOUR)
        .footer(footer(tally, language))
}

/// A line noting which answer was picked, for a step message once answered.
pub fn answered_step(prompt: &str, label: &str) -> CreateEmbed {
    CreateEmbed::new()
        .description(truncate(
            &format!("{prompt}\n→ **{label}**"),
            MAX_EMBED_DESCRIPTION,
        ))
        .colour(ANSWER_COLOUR)
}

/// The "how can we improve this?" modal, in `language`.
pub fn improvement_modal(answer: AnswerId, language: Language) -> CreateModal {
    CreateModal::new(
        Action::Improve { answer }.encode(),
        truncate(&text!(language, "improve-title"), MAX_INPUT_LABEL),
    )
    .components(vec![CreateActionRow::InputText(
        CreateInputText::new(
            InputTextStyle::Paragraph,
            truncate(&text!(language, "improve-label"), MAX_INPUT_LABEL),
            COMMENT_FIELD,
        )
        .required(false)
        .max_length(MAX_COMMENT)
        .placeholder(text!(language, "improve-placeholder")),
    )])
}

/// The "Search…" option of a triage post's "Answer with…" select: no
/// entry id has a `~`.
pub const SEARCH_OPTION: &str = "~search";
/// The field of the entry search modal.
pub const SEARCH_FIELD: &str = "search";

/// What a post for staff offers to answer with, and how.
pub struct StaffControls<'a> {
    pub post: i64,
    /// Entries as (id, title), the best suggestions first.
    pub entries: &'a [(String, String)],
    /// Whether the post is about an improvement comment (it offers
    /// "Edit entry").
    pub comment: bool,
    /// The staff's language.
    pub language: Language,
}

/// The controls under a post for staff: "Answer with…" (every entry if
/// they fit one select, else the best 24 and "Search…"), then "Not in
/// scope", "Claim", "Resolved" and, for a comment, "Edit entry".
pub fn staff_controls(controls: &StaffControls<'_>) -> Vec<CreateActionRow> {
    let (post, language) = (controls.post, controls.language);
    let fits = controls.entries.len() <= MAX_SELECT_OPTIONS;
    let shown = if fits {
        MAX_SELECT_OPTIONS
    } else {
        MAX_SELECT_OPTIONS - 1
    };
    let mut options = entry_options(&controls.entries[..controls.entries.len().min(shown)]);
    if !fits {
        options.push(
            CreateSelectMenuOption::new(text!(language, "staff-search"), SEARCH_OPTION)
                .description(text!(language, "staff-search-description")),
        );
    }
    let mut rows = Vec::new();
    if !options.is_empty() {
        rows.push(answer_with_select(post, options, language));
    }
    let act = |act| Action::Triage { post, act };
    let mut buttons = vec![
        button(
            &act(TriageAct::OutOfScope),
            &text!(language, "staff-button-out-of-scope"),
            ButtonStyle::Secondary,
        ),
        button(
            &act(TriageAct::Claim),
            &text!(language, "staff-button-claim"),
            ButtonStyle::Primary,
        ),
        button(
            &act(TriageAct::Resolve),
            &text!(language, "staff-button-resolved"),
            ButtonStyle::Success,
        ),
    ];
    if controls.comment {
        buttons.push(edit_entry_button(post, language));
    }
    rows.push(CreateActionRow::Buttons(buttons));
    rows
}

fn edit_entry_button(post: i64, language: Language) -> CreateButton {
    button(
        &Action::Triage {
            post,
            act: TriageAct::EditEntry,
        },
        &text!(language, "staff-button-edit-entry"),
        ButtonStyle::Secondary,
    )
}

/// What stays under a post for staff once it is settled: nothing, or
/// "Edit entry" for a comment.
pub fn settled_controls(post: i64, comment: bool, language: Language) -> Vec<CreateActionRow> {
    if comment {
        vec![CreateActionRow::Buttons(vec![edit_entry_button(
            post, language,
        )])]
    } else {
        Vec::new()
    }
}

/// The entries found for a search, to pick one from (privately).
pub fn search_results(
    post: i64,
    entries: &[(String, String)],
    language: Language,
) -> Vec<CreateActionRow> {
    if entries.is_empty() {
        return Vec::new();
    }
    let options = entry_options(&entries[..entries.len().min(MAX_SELECT_OPTIONS)]);
    vec![answer_with_select(post, options, language)]
}

/// Entries, as (id, title), as options of a select: the title, with the
/// id beneath it.
fn entry_options(entries: &[(String, String)]) -> Vec<CreateSelectMenuOption> {
    entries
        .iter()
        .map(|(id, title)| {
            CreateSelectMenuOption::new(truncate(title, MAX_SELECT_LABEL), id.clone())
                .description(truncate(id, MAX_SELECT_LABEL))
        })
        .collect()
}

/// The "Answer with…" select of a post for staff.
fn answer_with_select(
    post: i64,
    options: Vec<CreateSelectMenuOption>,
    language: Language,
) -> CreateActionRow {
    CreateActionRow::SelectMenu(
        CreateSelectMenu::new(
            Action::Triage {
                post,
                act: TriageAct::Answer,
            }
            .encode(),
            CreateSelectMenuKind::String { options },
        )
        .placeholder(text!(language, "staff-answer-with")),
    )
}

/// The modal of the "Search…" option, in `language`.
pub fn search_modal(post: i64, language: Language) -> CreateModal {
    CreateModal::new(
        Action::Triage {
            post,
            act: TriageAct::Search,
        }
        .encode(),
        truncate(&text!(language, "staff-search-title"), MAX_INPUT_LABEL),
    )
    .components(vec![CreateActionRow::InputText(
        CreateInputText::new(
            InputTextStyle::Short,
            truncate(&text!(language, "staff-search-label"), MAX_INPUT_LABEL),
            SEARCH_FIELD,
        )
        .required(true)
        .max_length(200)
        .placeholder(text!(language, "staff-search-placeholder")),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_characters_not_bytes() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        let long = "é".repeat(5000);
        assert_eq!(
            truncate(&long, MAX_EMBED_DESCRIPTION).chars().count(),
            MAX_EMBED_DESCRIPTION
        );
    }

    #[test]
    fn thread_names_drop_markup_and_fit_the_limit() {
        let en = Language::English;
        assert_eq!(
            thread_name("**help** <@123> my `mail` is gone", "ann", en),
            "help my mail is gone"
        );
        assert_eq!(thread_name("<@123>", "ann", en), "Question from ann");
        assert_eq!(
            thread_name("<@123>", "ann", Language::German),
            "Frage von ann"
        );
        assert_eq!(
            thread_name("\u{202E}lluf\u{202C} my\u{200B} mail\u{7}box", "ann", en),
            "lluf my mail box"
        );
        assert_eq!(
            thread_name("\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}", "ann", en),
            "Question from ann"
        );
        assert_eq!(
            thread_name(&"word ".repeat(100), "ann", en).chars().count(),
            MAX_THREAD_NAME
        );
    }

    #[test]
    fn staff_text_shows_markup_links_and_mentions_as_text() {
        assert_eq!(
            for_staff("[Verify your staff account](https://evil.example/x)", 200),
            r"\[Verify your staff account\](<https://evil.example/x>)"
        );
        assert_eq!(
            quote_for_staff(
                "# heading\n-# small\n> quoted\n- item\n 12. twelfth\n* star",
                200
            ),
            "> \\# heading\n> \\-\\# small\n> \\> quoted\n> \\- item\n>  12\\. twelfth\n> \\* star"
        );
        assert_eq!(
            for_staff("**bold** __u__ ~~s~~ `code` ||spoiler|| a\\b", 200),
            r"\*\*bold\*\* \_\_u\_\_ \~\~s\~\~ \`code\` \|\|spoiler\|\| a\\b"
        );
        assert_eq!(
            for_staff("<@123> <@!4> <@&5> <#6> </ask:7> <t:1:R> <:e:8>", 200),
            r"\<@123\> \<@!4\> \<@&5\> \<\#6\> \</ask:7\> \<t:1:R\> \<:e:8\>"
        );
        assert_eq!(
            for_staff("@everyone and @here, mail@example.com", 200),
            "@\u{200B}everyone and @\u{200B}here, mail@example.com"
        );
        // Mid-line hyphens and numbers are text; only a line's start lists.
        assert_eq!(for_staff("e-mail in 2024. ok", 200), "e-mail in 2024. ok");
        // Hidden and direction-changing characters go; controls are spaces.
        assert_eq!(for_staff("a\u{202E}b\u{200B}c\u{7}d\re", 200), "abc d e");
    }

    #[test]
    fn urls_are_shown_whole_in_angle_brackets() {
        for (text, shown) in [
            ("see https://a.example/x.", "see <https://a.example/x>."),
            ("(http://a.example/b)", "(<http://a.example/b>)"),
            (
                "https://en.wikipedia.org/wiki/Foo_(bar), ok",
                "<https://en.wikipedia.org/wiki/Foo_(bar)>, ok",
            ),
            ("**https://a.example**", r"\*\*<https://a.example>\*\*"),
            ("||HTTPS://a.example||", r"\|\|<HTTPS://a.example>\|\|"),
            ("<https://a.example>", r"\<<https://a.example>\>"),
            ("https:// nothing", "https:// nothing"),
        ] {
            assert_eq!(for_staff(text, 200), shown, "{text}");
        }
    }

    #[test]
    fn staff_text_is_cut_between_escapes() {
        let cut = for_staff(&"*".repeat(100), 11);
        assert_eq!(cut, format!("{}…", r"\*".repeat(5)));
        assert_eq!(cut.chars().count(), 11);
        // A URL that does not fit is left out whole, not cut open.
        let cut = for_staff("see https://a.example/long/path", 12);
        assert_eq!(cut, "see …");
        let long = quote_for_staff(&"<@1>\n".repeat(1000), 2000);
        assert!(long.chars().count() <= 2000);
        assert!(!long.replace(r"\<@1\>", "").contains("<@"), "{long}");
        assert!(long.ends_with('…'));
    }

    #[test]
    fn tally_reads_like_a_vote_count() {
        assert_eq!(
            tally_line(Tally {
                helpful: 3,
                not_helpful: 1
            }),
            "👍 3 · 👎 1"
        );
    }

    #[test]
    fn staff_controls_fit_one_select_or_offer_a_search() {
        let entries: Vec<(String, String)> = (0..40)
            .map(|i| (format!("entry-{i}"), format!("Entry {i}")))
            .collect();
        let options = |controls: &[CreateActionRow]| {
            let json = serde_json::to_value(controls).unwrap();
            json[0]["components"][0]["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["value"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        let all = staff_controls(&StaffControls {
            post: 1,
            entries: &entries[..MAX_SELECT_OPTIONS],
            comment: false,
            language: Language::English,
        });
        assert_eq!(options(&all).len(), MAX_SELECT_OPTIONS);
        assert!(!options(&all).contains(&SEARCH_OPTION.to_owned()));
        let many = staff_controls(&StaffControls {
            post: 1,
            entries: &entries,
            comment: true,
            language: Language::English,
        });
        let offered = options(&many);
        assert_eq!(offered.len(), MAX_SELECT_OPTIONS);
        assert_eq!(offered[0], "entry-0", "the best suggestion first");
        assert_eq!(offered.last().map(String::as_str), Some(SEARCH_OPTION));
        let json = serde_json::to_value(&many).unwrap();
        assert_eq!(json[1]["components"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn allowed_mentions_ping_nobody_or_only_the_role() {
        let none = serde_json::to_value(no_mentions()).unwrap();
        assert_eq!(none["parse"], serde_json::json!([]));
        assert_eq!(none["users"], serde_json::json!([]));
        assert_eq!(none["roles"], serde_json::json!([]));
        let role = serde_json::to_value(only_role(42)).unwrap();
        assert_eq!(role["parse"], serde_json::json!([]));
        assert_eq!(role["roles"], serde_json::json!(["42"]));
    }
}
