//! The terminal front end: `chat`, `ask`, `recommend`, `stats`, `export`,
//! `check`.
//!
//! Every command reads from a `BufRead` and writes to a `Write`, so tests
//! drive them with bytes and the binary with stdin and stdout.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::json;

use crate::assistant::{Assistant, Brain, DialogueEvent, DialogueStep, DialogueView, Reply};
use crate::dialogue::{self, Recommendation};
use crate::evaluation::{self, RealQuestion, Split};
use crate::knowledge::{Knowledge, LoadErrors};
use crate::language::{Detector, Language};
use crate::matcher::{Match, Matcher, Taught};
use crate::store::{AnswerId, Origin};
use crate::text;

/// `helpdesk stats --chart FILE`: writes the statistics chart (of every
/// server) to `path` as a PNG, as `/kb stats` attaches it.
pub async fn write_chart(assistant: &Assistant, path: &Path) -> anyhow::Result<()> {
    let stats = assistant.stats(None).await?;
    let days = assistant.questions_per_day(None).await?;
    let png = crate::chart::render(&stats, &days)?;
    std::fs::write(path, png).with_context(|| format!("writing the chart to {}", path.display()))
}

/// Which language `helpdesk ask` matches questions in.
pub struct Speaking<'a> {
    pub brain: &'a Brain,
    /// `--lang`: every question in this language.
    pub language: Option<Language>,
    /// Where a question's own language does not tell.
    pub default: Language,
}

/// `helpdesk ask`: matches each question and prints the verdict. A line
/// of standard input that is not UTF-8 is reported on `errors` with its
/// number and skipped; the others are still answered.
pub fn ask(
    speaking: &Speaking<'_>,
    questions: &[String],
    mut input: impl BufRead,
    mut out: impl Write,
    mut errors: impl Write,
    as_json: bool,
) -> anyhow::Result<()> {
    let detector = Detector::new(speaking.brain.languages());
    let mut answer = |question: &str| -> anyhow::Result<()> {
        let language = speaking
            .language
            .unwrap_or_else(|| detector.choose(question, &[Some(speaking.default)]));
        let found = speaking.brain.find(question, language);
        if as_json {
            // Three decimal places, as the alternatives are serialised.
            let confidence: f64 = format!("{:.3}", found.confidence)
                .parse()
                .unwrap_or_default();
            let line = json!({
                "question": question,
                "language": language,
                "entry": found.entry,
                "confidence": confidence,
                "alternatives": found.alternatives,
                // Every dialogue answer the question states, whatever its
                // entry: `find` looks for them only where one is offered.
                "slots": speaking.brain.matcher_in(language).slots(question),
            });
            writeln!(out, "{line}")?;
        } else {
            match &found.entry {
                Some(entry) => writeln!(out, "{entry}\t{:.3}\t{question}", found.confidence)?,
                None => writeln!(out, "-\t{:.3}\t{question}", found.confidence)?,
            }
        }
        Ok(())
    };
    if questions.is_empty() {
        let mut bytes = Vec::new();
        for number in 1.. {
            bytes.clear();
            if input
                .read_until(b'\n', &mut bytes)
                .context("reading questions from standard input")?
                == 0
            {
                break;
            }
            match std::str::from_utf8(&bytes) {
                Ok(line) if !line.trim().is_empty() => answer(line.trim_end_matches(['\n', '\r']))?,
                Ok(_) => {}
                Err(_) => writeln!(errors, "line {number}: not UTF-8 text, skipped")?,
            }
        }
    } else {
        for question in questions {
            answer(question)?;
        }
    }
    Ok(())
}

/// `helpdesk recommend`: the dialogue's result for `SLOT=VALUE` answers.
pub fn recommend(
    knowledge: &Knowledge,
    dialogue_id: &str,
    answers: &[String],
    mut out: impl Write,
    as_json: bool,
) -> anyhow::Result<()> {
    let dialogue = knowledge
        .dialogue(dialogue_id)
        .with_context(|| format!("the knowledge has no dialogue `{dialogue_id}`"))?;
    let mut given = BTreeMap::new();
    for pair in answers {
        let Some((slot, value)) = pair.split_once('=') else {
            bail!(
                "`{pair}` is not SLOT=VALUE (slots: {})",
                slot_list(knowledge, dialogue_id)
            );
        };
        let (slot, value) = (slot.trim(), value.trim());
        dialogue::check_answer(dialogue, slot, value)?;
        if let Some(earlier) = given.insert(slot.to_owned(), value.to_owned()) {
            bail!("`{slot}` is answered twice ({earlier}, then {value}): give each slot once");
        }
    }
    let result = dialogue::recommend(dialogue, &given);
    if as_json {
        let line = json!({
            "recommendation": result.outcome,
            "reasons": result.reasons.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
            "notes": result.notes.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(),
            "caveats": result.caveats,
            "warnings": result.warnings,
            "unanswered": result.unanswered,
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(out, "Recommendation: {}", result.label)?;
        write_recommendation_details(&mut out, &result)?;
        for warning in &result.warnings {
            writeln!(out, "  ! {}", plain(warning))?;
        }
        if !result.unanswered.is_empty() {
            writeln!(out, "  (not needed: {})", result.unanswered.join(", "))?;
        }
    }
    Ok(())
}

fn slot_list(knowledge: &Knowledge, dialogue_id: &str) -> String {
    knowledge
        .dialogue(dialogue_id)
        .map(|d| {
            d.questions
                .iter()
                .map(|q| format!("{}={}", q.slot, q.values().join("|")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `helpdesk stats`.
pub async fn stats(
    assistant: &Assistant,
    mut out: impl Write,
    as_json: bool,
) -> anyhow::Result<()> {
    let stats = assistant.stats(None).await?;
    let recent = assistant.recent_unanswered(None, 20).await?;
    if as_json {
        let line = json!({
            "answers": stats.answers,
            "unanswered": stats.unanswered,
            "votes": stats.votes,
            "entries": stats.entries.iter().map(|e| json!({
                "entry": e.entry, "shown": e.shown, "helpful": e.helpful, "not_helpful": e.not_helpful,
                "asker_helpful": e.asker_helpful, "asker_not_helpful": e.asker_not_helpful,
            })).collect::<Vec<_>>(),
            "recent_unanswered": recent.iter().filter_map(|u| u.question.as_deref()).collect::<Vec<_>>(),
        });
        writeln!(out, "{line}")?;
        return Ok(());
    }
    writeln!(
        out,
        "{} answers shown, {} questions unanswered; votes: {} helpful, {} not helpful",
        stats.answers, stats.unanswered, stats.votes.helpful, stats.votes.not_helpful
    )?;
    // The asker's own verdict is told apart from bystanders' votes.
    writeln!(
        out,
        "{:<28} {:>6} {:>8} {:>12} {:>9}  {:>13}",
        "entry", "shown", "helpful", "not helpful", "helpful %", "asker: yes/no"
    )?;
    for entry in &stats.entries {
        let percent = entry
            .helpful_percent()
            .map_or_else(|| "-".to_owned(), |p| format!("{p:.0}%"));
        let asker = format!("{}/{}", entry.asker_helpful, entry.asker_not_helpful);
        writeln!(
            out,
            "{:<28} {:>6} {:>8} {:>12} {:>9}  {:>13}",
            entry.entry, entry.shown, entry.helpful, entry.not_helpful, percent, asker
        )?;
    }
    if !recent.is_empty() {
        writeln!(out, "\nrecent unanswered questions:")?;
        for question in recent.iter().filter_map(|u| u.question.as_deref()) {
            writeln!(out, "  - {}", one_line(question))?;
        }
    }
    Ok(())
}

/// `helpdesk gaps`: unanswered questions grouped by similarity, biggest
/// group first, each with its count, two questions and the nearest entry.
pub async fn gaps(assistant: &Assistant, mut out: impl Write, as_json: bool) -> anyhow::Result<()> {
    let gaps = assistant.gaps(None).await?;
    if as_json {
        for gap in &gaps {
            writeln!(out, "{}", serde_json::to_string(gap)?)?;
        }
        return Ok(());
    }
    if gaps.is_empty() {
        writeln!(out, "no unanswered questions")?;
        return Ok(());
    }
    for gap in &gaps {
        let nearest = gap.nearest.as_ref().map_or_else(
            || "no entry near".to_owned(),
            |n| format!("nearest: {} ({:.2})", n.entry, n.confidence),
        );
        let asked = if gap.count == 1 { "time" } else { "times" };
        writeln!(out, "{} {asked}, {nearest}", gap.count)?;
        for sample in &gap.samples {
            writeln!(out, "  - {}", one_line(sample))?;
        }
    }
    Ok(())
}

/// Words that belong to one front end (its buttons, commands and keys). A
/// knowledge text naming them reads wrongly in every other front end: each
/// front end offers the dialogue and the votes in its own way.
const FRONT_END_WORDS: &[&str] = &[
    "help me choose",
    "talk to a human",
    "did you mean",
    "not helpful",
    "button",
    "slash command",
    "/ask",
    "/recommend",
    "/kb",
    "[y/n]",
    "press enter",
    "type y",
];

/// `helpdesk learned`: what the support team taught from the triage
/// channel, one per line (JSON lines with `json`); with `write`, merged
/// into the knowledge folder there instead, for review in git.
pub async fn learned(
    assistant: &Assistant,
    mut out: impl Write,
    as_json: bool,
    write: Option<&Path>,
) -> anyhow::Result<()> {
    let learned = assistant.learned(None).await?;
    if let Some(dir) = write {
        let taught: Vec<Taught> = learned
            .iter()
            .map(|example| Taught {
                text: example.text.clone(),
                entry: example.entry.clone(),
            })
            .collect();
        let merged = crate::learned::merge_taught(dir, &taught)?;
        for (file, count) in &merged.written {
            writeln!(out, "{}: {count} example(s) added", file.display())?;
        }
        writeln!(out, "{} already there", merged.present)?;
        for entry in &merged.unknown_entries {
            writeln!(
                out,
                "warning: skipped an example of `{entry}`, which {} does not have",
                dir.display()
            )?;
        }
        return Ok(());
    }
    for example in &learned {
        if as_json {
            writeln!(out, "{}", serde_json::to_string(example)?)?;
        } else {
            writeln!(
                out,
                "#{} {} <- {:?} (taught by {} at {})",
                example.id,
                example.entry.as_deref().unwrap_or("(not in scope)"),
                example.text,
                example.taught_by,
                example.taught_at
            )?;
        }
    }
    if learned.is_empty() && !as_json {
        writeln!(out, "nothing learned yet")?;
    }
    Ok(())
}

/// `helpdesk check`: every error of a knowledge folder; warnings for
/// knowledge text that names a front end's controls; then, entry by entry,
/// the examples (and, given a corpus, its `dev` questions) the matcher
/// wins and loses. Returns whether the folder is valid.
pub fn check(
    dir: &Path,
    questions: Option<&Path>,
    threshold: f32,
    mut out: impl Write,
) -> anyhow::Result<bool> {
    let knowledge = match Knowledge::load_dir(dir) {
        Ok(knowledge) => knowledge,
        Err(LoadErrors(errors)) => {
            for error in &errors {
                writeln!(out, "error: {error}")?;
            }
            writeln!(out, "{} error(s) in {}", errors.len(), dir.display())?;
            return Ok(false);
        }
    };
    let dev: Vec<RealQuestion> = match questions {
        Some(path) => evaluation::read_corpus(path)?
            .into_iter()
            .filter(|question| question.split == Split::Dev)
            .collect(),
        None => Vec::new(),
    };
    let mut warnings = 0;
    let translations = crate::i18n::translations().report();
    for error in &translations.errors {
        writeln!(out, "error: {error}")?;
    }
    for missing in &translations.missing {
        writeln!(out, "error: missing translation: {missing}")?;
    }
    for unused in &translations.unused {
        warnings += 1;
        writeln!(
            out,
            "warning: unused translation (English has no such message): {unused}"
        )?;
    }
    let languages = knowledge.languages();
    let all_texts = languages
        .iter()
        .flat_map(|&language| knowledge_texts(knowledge.in_language(language)));
    for (source, text) in all_texts {
        let lower = text.to_lowercase();
        for word in FRONT_END_WORDS.iter().filter(|word| lower.contains(*word)) {
            warnings += 1;
            writeln!(
                out,
                "warning: {source}: names the front end's {word:?}; knowledge text is shared by every front end"
            )?;
        }
    }
    let matcher = Matcher::new(&knowledge).with_threshold(threshold);
    // Each dev question is matched once; every entry's report reads the verdicts.
    let dev_found: Vec<(&RealQuestion, Match)> =
        dev.iter().map(|q| (q, matcher.find(&q.text))).collect();
    let mut examples_won = 0;
    let mut examples_total = 0;
    for entry in knowledge.entries() {
        let mut lost = Vec::new();
        for example in &entry.examples {
            let found = matcher.find(example);
            if found.entry.as_deref() != Some(&entry.id) {
                lost.push(format!("{example:?} -> {}", verdict(&found)));
            }
        }
        examples_total += entry.examples.len();
        examples_won += entry.examples.len() - lost.len();
        writeln!(
            out,
            "{}: examples {}/{}",
            entry.source.display(),
            entry.examples.len() - lost.len(),
            entry.examples.len()
        )?;
        for line in &lost {
            warnings += 1;
            writeln!(out, "  warning: example loses: {line}")?;
        }
        if !dev.is_empty() {
            write_dev_questions(&mut out, &entry.id, &dev_found)?;
        }
    }
    for &language in languages.iter().skip(1) {
        warnings += check_translation(&mut out, &knowledge, language, threshold)?;
    }
    if !dev.is_empty() {
        let score = evaluation::score(&matcher, &dev);
        writeln!(
            out,
            "dev questions: in scope, top-1 {}; out of scope, no entry {}",
            score.in_scope, score.no_entry
        )?;
        let outside: Vec<_> = dev_found
            .iter()
            .filter(|(q, _)| q.expected().is_none())
            .collect();
        let answered: Vec<_> = outside
            .iter()
            .filter_map(|(q, found)| found.entry.as_deref().map(|entry| (q, entry)))
            .collect();
        writeln!(
            out,
            "out of scope: dev questions {}/{} get no entry",
            outside.len() - answered.len(),
            outside.len()
        )?;
        for (question, entry) in answered {
            writeln!(
                out,
                "  answered with {entry}: {} {:?}",
                question.id,
                one_line(&question.text)
            )?;
        }
    }
    writeln!(
        out,
        "ok: {} entries, {} dialogues, {} out-of-scope topics; {} of {} examples rank their own entry first; {warnings} warning(s)",
        knowledge.entries().len(),
        knowledge.dialogues().len(),
        knowledge.out_of_scope().len(),
        examples_won,
        examples_total
    )?;
    Ok(translations.errors.is_empty() && translations.missing.is_empty())
}

/// A language's knowledge: the entries it lacks (answered in English) and
/// how many of its examples rank their own entry first. Returns the
/// number of warnings.
fn check_translation(
    out: &mut impl Write,
    knowledge: &Knowledge,
    language: Language,
    threshold: f32,
) -> std::io::Result<usize> {
    let translation = knowledge.in_language(language);
    let matcher = Matcher::new(translation).with_threshold(threshold);
    let mut warnings = 0;
    let lacking: Vec<&str> = knowledge
        .entries()
        .iter()
        .filter(|entry| translation.entry(&entry.id).is_none())
        .map(|entry| entry.id.as_str())
        .collect();
    if !lacking.is_empty() {
        warnings += 1;
        writeln!(
            out,
            "warning: {language}: no entry {}: answered in English, with a note",
            lacking.join(", ")
        )?;
    }
    let mut won = 0;
    let mut total = 0;
    for entry in translation.entries() {
        for example in &entry.examples {
            total += 1;
            let found = matcher.find(example);
            if found.entry.as_deref() == Some(&entry.id) {
                won += 1;
            } else {
                warnings += 1;
                writeln!(
                    out,
                    "  warning: {}: example loses: {example:?} -> {}",
                    entry.source.display(),
                    verdict(&found)
                )?;
            }
        }
    }
    writeln!(
        out,
        "{language}: {} entries, {} dialogues, {} out-of-scope topics; {won} of {total} examples rank their own entry first",
        translation.entries().len(),
        translation.dialogues().len(),
        translation.out_of_scope().len(),
    )?;
    Ok(warnings)
}

/// The `dev` questions labelled `entry` that the matcher wins and loses,
/// and the ones of other labels it takes.
fn write_dev_questions(
    out: &mut impl Write,
    entry: &str,
    dev_found: &[(&RealQuestion, Match)],
) -> std::io::Result<()> {
    let mut won = 0;
    let mut lost = Vec::new();
    let mut taken = Vec::new();
    for (question, found) in dev_found {
        let mine = question.expected() == Some(entry);
        let given = found.entry.as_deref() == Some(entry);
        match (mine, given) {
            (true, true) => won += 1,
            (true, false) => lost.push(format!("{} -> {}", question.id, verdict(found))),
            (false, true) => taken.push(format!("{} ({})", question.id, question.label)),
            (false, false) => {}
        }
    }
    writeln!(out, "  dev questions {won}/{}", won + lost.len())?;
    if !lost.is_empty() {
        writeln!(out, "  loses: {}", lost.join(", "))?;
    }
    if !taken.is_empty() {
        writeln!(out, "  takes: {}", taken.join(", "))?;
    }
    Ok(())
}

fn verdict(found: &Match) -> String {
    format!(
        "{} ({:.2})",
        found.entry.as_deref().unwrap_or("no entry"),
        found.confidence
    )
}

/// Every text of the knowledge that people read, with where it is.
fn knowledge_texts(knowledge: &Knowledge) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for entry in knowledge.entries() {
        let source = entry.source.display().to_string();
        texts.push((source.clone(), entry.title.clone()));
        texts.push((source, entry.body.clone()));
    }
    for dialogue in knowledge.dialogues() {
        let source = dialogue.source.display().to_string();
        let mut push = |text: &str| texts.push((source.clone(), text.to_owned()));
        push(&dialogue.intro);
        dialogue.warnings.iter().for_each(|w| push(w));
        for outcome in dialogue.outcomes.values() {
            push(&outcome.summary);
            outcome.caveats.iter().for_each(|c| push(c));
        }
        for question in &dialogue.questions {
            push(&question.prompt);
            question.options.iter().for_each(|o| push(&o.label));
        }
        dialogue.rules.iter().for_each(|r| push(&r.reason));
        dialogue.notes.iter().for_each(|n| push(&n.text));
    }
    texts
}

/// `helpdesk chat`: the assistant in a terminal, one question at a time,
/// in `language` if given, else in the first question's own (the greeting
/// in the default language).
pub async fn chat(
    assistant: &Assistant,
    user: &str,
    language: Option<Language>,
    mut input: impl BufRead,
    mut out: impl Write,
) -> anyhow::Result<()> {
    let mut speaking = language.unwrap_or(assistant.default_language());
    let greeting = assistant
        .brain()
        .knowledge_in(speaking)
        .about()
        .greeting
        .clone();
    writeln!(out, "{greeting}\n{}", text!(speaking, "chat-how-to-end"))?;
    let mut first = true;
    loop {
        write!(out, "\n> ")?;
        out.flush()?;
        let Some(question) = read_line(&mut input)? else {
            break;
        };
        if question.is_empty() {
            break;
        }
        // The conversation keeps the language its first question was in.
        if first && language.is_none() {
            speaking = assistant.language_for(&question, &[]);
        }
        first = false;
        let origin = Origin {
            language: speaking,
            ..Origin::terminal(user)
        };
        let talk = Talk {
            assistant,
            user,
            language: speaking,
        };
        match assistant.ask(&question, origin.clone()).await? {
            Reply::NoAnswer(_) => {
                writeln!(out, "\n{}", text!(speaking, "chat-no-answer"))?;
            }
            Reply::Answer(answer) => {
                if !talk.answer(answer, &origin, &mut input, &mut out).await? {
                    break;
                }
            }
        }
    }
    writeln!(out, "{}", text!(speaking, "chat-bye"))?;
    Ok(())
}

/// One chat conversation: who, in which language.
struct Talk<'a> {
    assistant: &'a Assistant,
    user: &'a str,
    language: Language,
}

impl Talk<'_> {
    /// Shows an answer, offers its dialogue, asks for a vote; false if
    /// input ended.
    async fn answer(
        &self,
        answer: crate::assistant::Answer,
        origin: &Origin,
        input: &mut impl BufRead,
        out: &mut impl Write,
    ) -> anyhow::Result<bool> {
        let language = self.language;
        writeln!(
            out,
            "\n{}\n\n{}",
            answer.entry.title,
            plain(&answer.entry.body)
        )?;
        if answer.shown_in != language {
            writeln!(out, "\n{}", text!(language, "chat-untranslated"))?;
        }
        if !answer.close_alternatives.is_empty() {
            let titles: Vec<_> = answer
                .close_alternatives
                .iter()
                .map(|(_, t)| t.as_str())
                .collect();
            writeln!(
                out,
                "\n{}",
                text!(language, "chat-related", titles = titles.join(" · "))
            )?;
        }
        if let Some(dialogue_id) = &answer.entry.dialogue {
            let offer = format!("\n{} ", text!(language, "chat-offer-dialogue"));
            if self.confirm(input, out, &offer)? == Some(true) {
                let view = self
                    .assistant
                    .start_dialogue(dialogue_id, origin.clone(), &answer.found.slots)
                    .await?;
                if let Some(view) = view {
                    let Some(result) = self.run_dialogue(view, origin, input, out).await? else {
                        return Ok(false);
                    };
                    self.ask_vote(result, input, out).await?;
                    return Ok(true);
                }
            }
        }
        self.ask_vote(answer.record.id, input, out).await?;
        Ok(true)
    }

    /// Walks a dialogue with numbered choices; returns the
    /// recommendation's answer id, or `None` if input ended.
    async fn run_dialogue(
        &self,
        mut view: DialogueView,
        origin: &Origin,
        input: &mut impl BufRead,
        out: &mut impl Write,
    ) -> anyhow::Result<Option<AnswerId>> {
        let language = self.language;
        let back = text!(language, "chat-back-key");
        let restart = text!(language, "chat-restart-key");
        loop {
            let event = match &view.step {
                DialogueStep::Done {
                    recommendation,
                    answer_id,
                } => {
                    let label = recommendation.label.clone();
                    writeln!(
                        out,
                        "\n{}",
                        text!(language, "chat-recommendation", label = label)
                    )?;
                    write_recommendation_details(out, recommendation)?;
                    for warning in &recommendation.warnings {
                        writeln!(out, "  ! {}", plain(warning))?;
                    }
                    return Ok(Some(*answer_id));
                }
                DialogueStep::Ask { question, number } => {
                    writeln!(out, "\n{}. {}", number, plain(&question.prompt))?;
                    let values = question.values();
                    for (index, value) in values.iter().enumerate() {
                        writeln!(out, "  {}) {}", index + 1, question.label_of(value))?;
                    }
                    write!(out, "  {}\n? ", text!(language, "chat-dialogue-keys"))?;
                    out.flush()?;
                    let Some(choice) = read_line(input)? else {
                        return Ok(None);
                    };
                    let choice = choice.to_lowercase();
                    if choice == back || choice == "back" {
                        DialogueEvent::Back
                    } else if choice == restart || choice == "restart" {
                        DialogueEvent::Restart
                    } else {
                        match choice
                            .parse::<usize>()
                            .ok()
                            .and_then(|n| values.get(n.wrapping_sub(1)))
                        {
                            Some(value) => DialogueEvent::Answer {
                                slot: question.slot.clone(),
                                value: (*value).to_owned(),
                            },
                            None => {
                                let count = values.len();
                                writeln!(
                                    out,
                                    "{}",
                                    text!(language, "chat-dialogue-invalid", count = count)
                                )?;
                                continue;
                            }
                        }
                    }
                }
            };
            view = self
                .assistant
                .dialogue_event(view.session_id, origin.clone(), event)
                .await?;
        }
    }

    async fn ask_vote(
        &self,
        answer: AnswerId,
        input: &mut impl BufRead,
        out: &mut impl Write,
    ) -> anyhow::Result<()> {
        let language = self.language;
        let prompt = format!("\n{} ", text!(language, "chat-did-this-help"));
        let Some(helpful) = self.confirm(input, out, &prompt)? else {
            return Ok(());
        };
        self.assistant.vote(answer, self.user, helpful).await?;
        if helpful {
            writeln!(out, "{}", text!(language, "chat-thanks"))?;
            return Ok(());
        }
        write!(out, "{}\n> ", text!(language, "chat-ask-improvement"))?;
        out.flush()?;
        if let Some(comment) = read_line(input)? {
            if !comment.is_empty() {
                self.assistant.comment(answer, self.user, &comment).await?;
                writeln!(out, "{}", text!(language, "chat-comment-stored"))?;
            }
        }
        Ok(())
    }

    /// Asks a yes/no question until it gets an answer; `None` at end of
    /// input. An empty line is no.
    fn confirm(
        &self,
        input: &mut impl BufRead,
        out: &mut impl Write,
        prompt: &str,
    ) -> anyhow::Result<Option<bool>> {
        let yes = text!(self.language, "chat-yes-words");
        let no = text!(self.language, "chat-no-words");
        loop {
            write!(out, "{prompt}")?;
            out.flush()?;
            let Some(line) = read_line(input)? else {
                return Ok(None);
            };
            let line = line.to_lowercase();
            if yes.split(' ').any(|word| word == line) {
                return Ok(Some(true));
            }
            if line.is_empty() || no.split(' ').any(|word| word == line) {
                return Ok(Some(false));
            }
            writeln!(out, "{}", text!(self.language, "chat-yes-or-no"))?;
        }
    }
}

/// One trimmed line, or `None` at end of input.
fn read_line(input: &mut impl BufRead) -> anyhow::Result<Option<String>> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_owned()))
}

/// Discord markdown made readable in a terminal.
fn plain(text: &str) -> String {
    text.replace("**", "").replace("__", "")
}

fn one_line(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// What `helpdesk export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON document with every table.
    Json,
    /// One CSV file per table, for spreadsheets.
    Csv,
}

/// `helpdesk export`: per-entry stats, votes with comments and unanswered
/// questions. JSON goes to `output` (a file) or stdout; CSV needs `output`,
/// a folder that gets `entries.csv`, `votes.csv` and `unanswered.csv`.
///
/// Who voted and who asked are left out unless `with_user_ids`. CSV cells
/// that a spreadsheet would run as a formula are neutralised (see
/// [`formula_safe`]). Files are created readable by their owner only.
pub async fn export(
    assistant: &Assistant,
    format: ExportFormat,
    output: Option<&Path>,
    with_user_ids: bool,
) -> anyhow::Result<()> {
    let export = assistant.export().await?;
    let user = |id: &str| with_user_ids.then(|| id.to_owned());
    let votes: Vec<VoteRow> = export
        .votes
        .into_iter()
        .map(|vote| VoteRow {
            user_id: user(&vote.user_id),
            answer_id: vote.answer_id,
            entry: vote.entry,
            helpful: vote.helpful,
            comment: vote.comment,
            voted_at: vote.voted_at,
        })
        .collect();
    let unanswered: Vec<UnansweredRow> = export
        .unanswered
        .into_iter()
        .map(|question| UnansweredRow {
            user_id: user(&question.user_id),
            id: question.id,
            question: question.question,
            guild_id: question.guild_id,
            channel_id: question.channel_id,
            escalated: question.escalated,
            created_at: question.created_at,
        })
        .collect();
    match format {
        ExportFormat::Json => {
            let document = ExportDocument {
                entries: &export.entries,
                votes: &votes,
                unanswered: &unanswered,
            };
            let text = serde_json::to_string_pretty(&document)? + "\n";
            match output {
                Some(path) => create_private(path)
                    .and_then(|mut file| file.write_all(text.as_bytes()))
                    .with_context(|| format!("writing {}", path.display()))?,
                None => write!(std::io::stdout().lock(), "{text}")?,
            }
        }
        ExportFormat::Csv => {
            let Some(dir) = output else {
                bail!("--format csv writes three files: name a folder with --output");
            };
            create_private_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
            write_csv(&dir.join("entries.csv"), &export.entries)?;
            write_csv(&dir.join("votes.csv"), &votes)?;
            write_csv(&dir.join("unanswered.csv"), &unanswered)?;
        }
    }
    Ok(())
}

/// The JSON export: one document with every table.
#[derive(serde::Serialize)]
struct ExportDocument<'a> {
    entries: &'a [crate::store::EntryStats],
    votes: &'a [VoteRow],
    unanswered: &'a [UnansweredRow],
}

/// A vote as exported; `user_id` only when asked for.
#[derive(serde::Serialize)]
struct VoteRow {
    answer_id: AnswerId,
    entry: String,
    helpful: bool,
    comment: Option<String>,
    voted_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
}

/// An unanswered question as exported; `user_id` only when asked for.
#[derive(serde::Serialize)]
struct UnansweredRow {
    id: i64,
    question: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    guild_id: Option<String>,
    channel_id: Option<String>,
    escalated: bool,
    created_at: i64,
}

/// A CSV cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`)
/// or that starts with a tab or carriage return gets a leading `'`, so the
/// spreadsheet shows it as text (OWASP's advice on CSV injection): a
/// question `=HYPERLINK("http://x","x")` must not become a link, nor a
/// comment `@SUM(…)` a calculation.
pub fn formula_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Writes rows as CSV with a header, every cell through [`formula_safe`]:
/// the rows are serialised first, then each cell of the result is
/// neutralised, so no column can be missed.
fn write_csv<T: serde::Serialize>(path: &Path, rows: &[T]) -> anyhow::Result<()> {
    let context = || format!("writing {}", path.display());
    let mut plain = csv::Writer::from_writer(Vec::new());
    for row in rows {
        plain.serialize(row).with_context(context)?;
    }
    let plain = plain.into_inner().map_err(|e| e.into_error())?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(plain.as_slice());
    let mut writer = csv::Writer::from_writer(create_private(path).with_context(context)?);
    for record in reader.records() {
        let record = record.with_context(context)?;
        writer
            .write_record(record.iter().map(formula_safe).map(|c| c.into_owned()))
            .with_context(context)?;
    }
    writer.flush().with_context(context)?;
    Ok(())
}

/// Creates (or truncates) a file only its owner may read and write: mode
/// 0600 on Unix, also when the file was there before.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        // An existing regular file keeps its mode when opened; a device
        // such as /dev/stdout is left alone.
        if file.metadata()?.is_file() {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

/// Creates a folder (and its parents) only its owner may enter: 0700 on
/// Unix for the folders it creates.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// A recommendation's reasons, then what to keep in mind with it.
fn write_recommendation_details(
    out: &mut impl Write,
    recommendation: &Recommendation,
) -> std::io::Result<()> {
    for reason in &recommendation.reasons {
        writeln!(out, "  - {}", plain(&reason.text))?;
    }
    for note in &recommendation.notes {
        writeln!(out, "  * {}", plain(&note.text))?;
    }
    for caveat in &recommendation.caveats {
        writeln!(out, "  * {}", plain(caveat))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::formula_safe;

    #[test]
    fn cells_that_start_a_formula_are_neutralised() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(formula_safe(cell), format!("'{cell}"));
        }
        for cell in ["", "imap", "1", " =not at the start", "'quoted"] {
            assert_eq!(formula_safe(cell), cell);
        }
    }
}
