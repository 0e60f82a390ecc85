//! The use cases every front end shares: answer a question, run a
//! dialogue, take a vote, record what had no answer.
//!
//! Front ends turn their input into one of these calls and render the
//! result; rules such as "one vote per person per answer" or "an
//! unanswered question is recorded" live here (and in the store's
//! constraints), once.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use crate::dialogue::{self, DialogueState, Recommendation, Step};
use crate::knowledge::{Dialogue, Entry, Knowledge, Question};
use crate::language::{Detector, Language};
use crate::matcher::{normalize, Match, Matcher, Taught};
use crate::operations::metric;
use crate::store::{
    AnswerId, AnswerKind, AnswerRecord, DailyQuestions, Export, ForgetReport, LearnedExample,
    LearnedMarker, NewAnswer, NewLearnedExample, NewStaffPost, NewUnanswered, Origin, SessionId,
    StaffPostRecord, Stats, Store, StoreError, Tally, ThreadRecord, UnansweredRecord,
};

/// The knowledge and the matchers built from it and from what staff
/// taught, one for each language spoken, swapped whole on reload and
/// whenever a taught question is added or removed.
///
/// The English matcher is built with the brain; another language's is
/// built the first time a question in it arrives, so a bot whose servers
/// speak only English never holds the others (about 3 MB each).
#[derive(Debug)]
pub struct Brain {
    pub knowledge: Knowledge,
    /// The matcher of the knowledge's own language (English).
    pub matcher: Matcher,
    /// The matchers of the other languages spoken, over their translations,
    /// each built on first use.
    translated: BTreeMap<Language, OnceLock<Matcher>>,
    /// The languages spoken: those the knowledge has, of those enabled.
    languages: Vec<Language>,
    /// What staff taught, by the language each question is in: that
    /// language's matcher has it.
    lessons: BTreeMap<Language, Vec<Taught>>,
    /// The store's learned examples this brain was built from.
    marker: LearnedMarker,
}

impl Brain {
    /// A brain speaking every language the knowledge is written in.
    pub fn new(knowledge: Knowledge, threshold: f32) -> Self {
        let languages = knowledge.languages();
        Self::speaking(knowledge, threshold, &languages)
    }

    /// A brain speaking `enabled`, of the languages the knowledge has.
    pub fn speaking(knowledge: Knowledge, threshold: f32, enabled: &[Language]) -> Self {
        Self::taught(
            knowledge,
            threshold,
            enabled,
            Vec::new(),
            LearnedMarker::default(),
        )
    }

    fn taught(
        knowledge: Knowledge,
        threshold: f32,
        enabled: &[Language],
        taught: Vec<Taught>,
        marker: LearnedMarker,
    ) -> Self {
        let languages: Vec<Language> = knowledge
            .languages()
            .into_iter()
            .filter(|language| enabled.contains(language))
            .collect();
        // A taught question teaches the matcher of the language it is in.
        let detector = Detector::new(&languages);
        let mut lessons: BTreeMap<Language, Vec<Taught>> = BTreeMap::new();
        for lesson in taught {
            let language = detector.choose(&lesson.text, &[Some(Language::PRIMARY)]);
            lessons.entry(language).or_default().push(lesson);
        }
        let matcher = matcher_for(&knowledge, &lessons, Language::PRIMARY, threshold);
        let translated = languages
            .iter()
            .filter(|&&language| language != Language::PRIMARY)
            .map(|&language| (language, OnceLock::new()))
            .collect();
        Self {
            knowledge,
            matcher,
            translated,
            languages,
            lessons,
            marker,
        }
    }

    /// Builds every spoken language's matcher now rather than on its first
    /// question (what a bench of a full start measures).
    pub fn built(self) -> Self {
        for &language in &self.languages {
            self.matcher_in(language);
        }
        self
    }

    /// Matches a question asked in `language`. Where that language's
    /// knowledge lacks an entry, its matcher ranks the English entry in
    /// its place, and the English matcher may also find it (a question in
    /// English words): that entry is the answer, shown in English
    /// ([`Self::entry_in`]).
    pub fn find(&self, question: &str, language: Language) -> Match {
        let found = self.matcher_in(language).find(question);
        if found.entry.is_some() || language == Language::PRIMARY || !self.speaks(language) {
            return found;
        }
        let english = self.matcher.find(question);
        let untranslated = english
            .entry
            .as_deref()
            .is_some_and(|id| self.knowledge_in(language).entry(id).is_none());
        if untranslated {
            english
        } else {
            found
        }
    }

    /// The matcher of `language`, or English's if it is not spoken.
    pub fn matcher_in(&self, language: Language) -> &Matcher {
        match self.translated.get(&language) {
            Some(cell) => cell.get_or_init(|| {
                let matcher = matcher_for(
                    &self.knowledge,
                    &self.lessons,
                    language,
                    self.matcher.threshold(),
                );
                crate::operations::return_free_memory();
                matcher
            }),
            None => &self.matcher,
        }
    }

    /// The knowledge in `language`, or English's if it is not spoken.
    pub fn knowledge_in(&self, language: Language) -> &Knowledge {
        if self.speaks(language) {
            self.knowledge.in_language(language)
        } else {
            &self.knowledge
        }
    }

    /// Whether answers can be given in `language`.
    pub fn speaks(&self, language: Language) -> bool {
        self.languages.contains(&language)
    }

    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// An entry as shown in `language`: its translation, else the English
    /// entry; with the language it is written in.
    pub fn entry_in(&self, language: Language, id: &str) -> Option<(&Entry, Language)> {
        let own = self.knowledge_in(language);
        own.entry(id)
            .map(|entry| (entry, own.language()))
            .or_else(|| {
                self.knowledge
                    .entry(id)
                    .map(|entry| (entry, Language::PRIMARY))
            })
    }

    /// A dialogue in `language`, else in English.
    pub fn dialogue_in(&self, language: Language, id: &str) -> Option<&Dialogue> {
        self.knowledge_in(language)
            .dialogue(id)
            .or_else(|| self.knowledge.dialogue(id))
    }
}

/// The matcher of `language`: its translation's entries, the English
/// entries it lacks, and the questions taught in it.
fn matcher_for(
    knowledge: &Knowledge,
    lessons: &BTreeMap<Language, Vec<Taught>>,
    language: Language,
    threshold: f32,
) -> Matcher {
    let lessons = lessons
        .get(&language)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let own = knowledge.in_language(language);
    let untranslated: Vec<&Entry> = knowledge
        .entries()
        .iter()
        .filter(|entry| own.entry(&entry.id).is_none())
        .collect();
    Matcher::with_borrowed(own, &untranslated, lessons).with_threshold(threshold)
}

/// The reply to a question.
// One reply per question, never stored in bulk: boxing the answer would
// buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Reply {
    Answer(Answer),
    NoAnswer(NoAnswer),
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub record: AnswerRecord,
    pub entry: Entry,
    /// The language the entry is written in: the conversation's
    /// (`record.language`), or English where its knowledge lacks the entry.
    pub shown_in: Language,
    pub found: Match,
    /// Runners-up worth offering as "Did you mean…", with their titles.
    pub close_alternatives: Vec<(String, String)>,
}

/// How an entry came to be shown: the question that found it (none when
/// it was chosen from "Did you mean…"), who asked where, and the thread
/// the answer goes to.
struct Asked<'a> {
    question: Option<&'a str>,
    origin: Origin,
    thread: Option<ThreadRecord>,
}

#[derive(Debug, Clone)]
pub struct NoAnswer {
    pub record: UnansweredRecord,
    pub found: Match,
}

/// What a dialogue shows after an event.
#[derive(Debug, Clone)]
pub struct DialogueView {
    pub session_id: SessionId,
    /// The language of the conversation it runs in.
    pub language: Language,
    pub dialogue: Dialogue,
    pub state: DialogueState,
    pub step: DialogueStep,
}

#[derive(Debug, Clone)]
pub enum DialogueStep {
    Ask {
        question: Question,
        /// 1-based number of this question among those still possible.
        number: usize,
    },
    Done {
        recommendation: Recommendation,
        answer_id: AnswerId,
    },
}

/// Something a person does in a dialogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogueEvent {
    Answer { slot: String, value: String },
    Back,
    Restart,
}

#[derive(Debug, thiserror::Error)]
pub enum DialogueFailure {
    #[error("this dialogue no longer exists")]
    Unknown,
    #[error("this dialogue belongs to someone else")]
    NotYours,
    #[error("that question was already answered")]
    Stale,
    #[error(transparent)]
    Invalid(#[from] dialogue::DialogueError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What came of starting the dialogue an answer offers.
#[derive(Debug, Clone)]
pub enum Offered {
    Started(Box<DialogueView>),
    /// The answer is someone else's.
    NotYours,
    /// The answer, or the dialogue it offered, no longer exists.
    Nothing,
}

/// How many of the latest unanswered questions [`Assistant::gaps`] groups.
pub const GAP_QUESTIONS: u32 = 500;

/// Days of questions the statistics chart shows, today included.
pub const CHART_DAYS: u32 = 30;

/// A runner-up this close to the best answer is offered as "Did you mean…".
const CLOSE_ALTERNATIVE_RATIO: f32 = 0.75;

#[derive(Debug)]
pub struct Assistant {
    brain: RwLock<Arc<Brain>>,
    /// Tells the language of a question among those spoken.
    detector: Detector,
    /// The language when nothing else tells.
    default_language: Language,
    store: Arc<dyn Store>,
    /// Held while the matcher is rebuilt, so a slower rebuild never
    /// replaces a newer one.
    rebuilding: tokio::sync::Mutex<()>,
}

impl Assistant {
    pub fn new(brain: Brain, store: Arc<dyn Store>) -> Self {
        crate::operations::return_free_memory();
        Self {
            detector: Detector::new(brain.languages()),
            default_language: Language::PRIMARY,
            brain: RwLock::new(Arc::new(brain)),
            store,
            rebuilding: tokio::sync::Mutex::new(()),
        }
    }

    /// The language spoken when a question's own does not tell and no
    /// other hint does; English if `language` is not spoken.
    pub fn with_default_language(mut self, language: Language) -> Self {
        if self.detector.enabled().contains(&language) {
            self.default_language = language;
        }
        self
    }

    pub fn default_language(&self) -> Language {
        self.default_language
    }

    /// Whether `language` is spoken.
    pub fn speaks(&self, language: Language) -> bool {
        self.detector.enabled().contains(&language)
    }

    /// The language to answer `text` in: its own, if it tells clearly;
    /// else the first spoken of `hints` (a server's preferred locale, say);
    /// else the default.
    pub fn language_for(&self, text: &str, hints: &[Option<Language>]) -> Language {
        let mut fallbacks = hints.to_vec();
        fallbacks.push(Some(self.default_language));
        self.detector.choose(text, &fallbacks)
    }

    /// A person's locale (`de`, `es-ES`) as a spoken language, if it is one.
    pub fn language_of_locale(&self, locale: &str) -> Option<Language> {
        Language::from_locale(locale).filter(|language| self.speaks(*language))
    }

    fn swap(&self, brain: Brain) {
        let brain = Arc::new(brain);
        match self.brain.write() {
            Ok(mut current) => *current = brain,
            Err(poisoned) => *poisoned.into_inner() = brain,
        }
        crate::operations::return_free_memory();
    }

    /// The knowledge and matcher in force now.
    pub fn brain(&self) -> Arc<Brain> {
        match self.brain.read() {
            Ok(brain) => Arc::clone(&brain),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the knowledge; questions already in flight finish with the
    /// old one.
    pub fn reload(&self, knowledge: Knowledge) {
        let current = self.brain();
        let threshold = current.matcher.threshold();
        self.swap(Brain::taught(
            knowledge,
            threshold,
            &current.languages,
            current.lessons.values().flatten().cloned().collect(),
            current.marker,
        ));
    }

    /// Rebuilds the matcher if the store's learned examples changed since
    /// it was built (by this process or another on the same database):
    /// cheap when nothing changed. True if it was rebuilt.
    pub async fn refresh_learned(&self) -> Result<bool, StoreError> {
        let _rebuilding = self.rebuilding.lock().await;
        let marker = self.store.learned_marker().await?;
        if marker == self.brain().marker {
            return Ok(false);
        }
        let taught: Vec<Taught> = self
            .store
            .learned_examples(None)
            .await?
            .into_iter()
            .map(|example| Taught {
                text: example.text,
                entry: example.entry,
            })
            .collect();
        let current = self.brain();
        // Building the index takes a while: off the async workers.
        let built = tokio::task::spawn_blocking(move || {
            let threshold = current.matcher.threshold();
            Brain::taught(
                current.knowledge.clone(),
                threshold,
                &current.languages,
                taught,
                marker,
            )
        })
        .await;
        match built {
            Ok(brain) => self.swap(brain),
            Err(panic) => std::panic::resume_unwind(panic.into_panic()),
        }
        Ok(true)
    }

    /// Keeps [`Self::refresh_learned`] running every `every`, so what staff
    /// teach through another process reaches this one within that time.
    pub async fn follow_learned(self: Arc<Self>, every: std::time::Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = self.refresh_learned().await {
                tracing::warn!(%error, "could not read the learned examples");
            }
        }
    }

    /// Teaches the matcher that `question` is answered by `entry` (`None`:
    /// not in scope), at once here and, through the store, everywhere.
    /// Refused if the question already stands as an example of something
    /// else.
    pub async fn teach(&self, lesson: Lesson<'_>) -> Result<Learned, TeachFailure> {
        let normalized = normalize(lesson.question);
        if normalized.is_empty() {
            return Err(TeachFailure::Empty);
        }
        let brain = self.brain();
        if let Some(entry) = lesson.entry {
            if brain.knowledge.entry(entry).is_none() {
                return Err(TeachFailure::UnknownEntry(entry.to_owned()));
            }
        }
        let standing = brain.languages().iter().find_map(|&language| {
            stands_as_example(brain.knowledge.in_language(language), &normalized)
        });
        if let Some(stands_for) = standing {
            if stands_for != Standing::of(lesson.entry) {
                return Err(TeachFailure::Conflict(stands_for.describe()));
            }
        }
        let (example, created) = self
            .store
            .learn_example(&NewLearnedExample {
                text: lesson.question.to_owned(),
                normalized,
                entry: lesson.entry.map(str::to_owned),
                taught_by: lesson.taught_by.to_owned(),
                asked_by: lesson.asked_by.map(str::to_owned),
                guild_id: lesson.guild.map(str::to_owned),
            })
            .await?;
        if !created && example.entry.as_deref() != lesson.entry {
            let taught = Standing::of(example.entry.as_deref()).describe();
            return Err(TeachFailure::Conflict(format!(
                "{taught} (learned example #{})",
                example.id
            )));
        }
        self.refresh_learned().await?;
        Ok(Learned { example, created })
    }

    /// The learned examples of one server (`None`: all), oldest first.
    pub async fn learned(&self, guild: Option<&str>) -> Result<Vec<LearnedExample>, StoreError> {
        self.store.learned_examples(guild).await
    }

    /// Forgets a learned example of one server (`None`: of any), here at
    /// once and elsewhere within seconds.
    pub async fn unlearn(
        &self,
        id: i64,
        guild: Option<&str>,
    ) -> Result<Option<LearnedExample>, StoreError> {
        let removed = self.store.unlearn_example(id, guild).await?;
        if removed.is_some() {
            self.refresh_learned().await?;
        }
        Ok(removed)
    }

    /// The entries to offer staff for a question, best first: those the
    /// matcher finds any evidence for, then the rest.
    pub fn suggestions(&self, question: &str) -> Vec<(String, String)> {
        let brain = self.brain();
        let asked_in = self.language_for(question, &[]);
        let mut ids = brain.matcher_in(asked_in).suggestions(question);
        for entry in brain.knowledge.entries() {
            if !ids.contains(&entry.id) {
                ids.push(entry.id.clone());
            }
        }
        // Titles in the staff's language, the default.
        ids.into_iter()
            .filter_map(|id| {
                let (entry, _) = brain.entry_in(self.default_language, &id)?;
                Some((id, entry.title.clone()))
            })
            .collect()
    }

    /// A post for staff, with the question it is about.
    pub async fn staff_case(&self, post: i64) -> Result<Option<StaffCase>, StoreError> {
        let Some(record) = self.store.staff_post(post).await? else {
            return Ok(None);
        };
        let Some(subject) = StaffSubject::parse(&record.subject) else {
            return Ok(None);
        };
        let (question, asker, comment) = match &subject {
            StaffSubject::Unanswered(id) => match self.store.unanswered(*id).await? {
                Some(unanswered) => (unanswered.question, unanswered.user_id, None),
                None => return Ok(None),
            },
            StaffSubject::Human(answer) | StaffSubject::Comment { answer, .. } => {
                let Some(shown) = self.store.answer(*answer).await? else {
                    return Ok(None);
                };
                let comment = match &subject {
                    StaffSubject::Comment { user_id, .. } => {
                        self.store.comment(*answer, user_id).await?
                    }
                    _ => None,
                };
                (shown.question, shown.user_id, comment)
            }
        };
        Ok(Some(StaffCase {
            post: record,
            subject,
            question,
            asker,
            comment,
        }))
    }

    /// The answer a button or a later event points at.
    pub async fn answer(&self, id: AnswerId) -> Result<Option<AnswerRecord>, StoreError> {
        self.store.answer(id).await
    }

    /// Links an answer to the message that shows it, so a replayed question
    /// finds it answered.
    pub async fn link_message(&self, answer: AnswerId, message_id: &str) -> Result<(), StoreError> {
        self.store.attach_message(answer, message_id).await
    }

    /// Notes that an unanswered question reached the support team.
    pub async fn mark_escalated(&self, unanswered_id: i64) -> Result<(), StoreError> {
        self.store.mark_escalated(unanswered_id).await
    }

    /// Per-entry stats, every vote and every unanswered question, for the
    /// operator's export.
    pub async fn export(&self) -> Result<Export, StoreError> {
        self.store.export().await
    }

    /// Checks the database answers (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }

    /// Finishes the writes in flight and closes the database, at shutdown.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// One round of the hourly upkeep at `now` (Unix seconds): handled
    /// interactions and idle dialogues pruned, and old texts purged when
    /// `retention` is set.
    pub async fn upkeep(&self, retention: Option<Duration>, dialogue_idle: Duration, now: i64) {
        let before =
            |age: Duration| now.saturating_sub(i64::try_from(age.as_secs()).unwrap_or(i64::MAX));
        let interactions_kept = crate::operations::INTERACTIONS_KEPT;
        match self
            .store
            .prune(before(interactions_kept), before(dialogue_idle))
            .await
        {
            Ok(report) => {
                tracing::debug!(?report, "pruned handled interactions and idle dialogues")
            }
            Err(error) => tracing::warn!(%error, "pruning failed; retrying next hour"),
        }
        if let Some(keep) = retention {
            match self.store.purge_texts_before(before(keep)).await {
                Ok(report) => {
                    metrics::counter!(metric::RETENTION_PURGES).increment(1);
                    tracing::info!(?report, "retention purge done");
                }
                Err(error) => tracing::warn!(%error, "retention purge failed; retrying next hour"),
            }
        }
    }

    /// Starts the dialogue an answer offers, for the person who asked it,
    /// with whatever their question already answers filled in.
    pub async fn start_offered_dialogue(
        &self,
        answer: AnswerId,
        origin: Origin,
    ) -> Result<Offered, DialogueFailure> {
        let Some(record) = self.store.answer(answer).await? else {
            return Ok(Offered::Nothing);
        };
        if record.user_id != origin.user_id {
            return Ok(Offered::NotYours);
        }
        let brain = self.brain();
        let Some(dialogue) = brain
            .knowledge
            .entry(&record.entry)
            .and_then(|entry| entry.dialogue.clone())
        else {
            return Ok(Offered::Nothing);
        };
        let prefilled = record
            .question
            .as_deref()
            .map(|question| brain.matcher_in(record.language).slots(question))
            .unwrap_or_default();
        // The dialogue speaks the answer's language, whoever clicks.
        let origin = Origin {
            language: record.language,
            ..origin
        };
        Ok(
            match self.start_dialogue(&dialogue, origin, &prefilled).await? {
                Some(view) => Offered::Started(Box::new(view)),
                None => Offered::Nothing,
            },
        )
    }

    /// A dialogue click again whose answer is stored already: it was
    /// handled once but never acknowledged (the process was killed, or the
    /// front end could not reply), so the person still sees the step. The
    /// view that answer led to, to show again; `None` if the click is
    /// stale. Only the latest answer counts: every earlier step was
    /// acknowledged when the next one was shown.
    pub async fn replayed_step(
        &self,
        session_id: SessionId,
        user_id: &str,
        slot: &str,
        value: &str,
    ) -> Result<Option<DialogueView>, StoreError> {
        let Some(session) = self.store.dialogue_session(session_id).await? else {
            return Ok(None);
        };
        if session.user_id != user_id {
            return Ok(None);
        }
        let Ok(state) = serde_json::from_str::<DialogueState>(&session.state) else {
            return Ok(None);
        };
        let latest = state.answers.iter().rev().find(|answer| !answer.prefilled);
        if !latest.is_some_and(|answer| answer.slot == slot && answer.value == value) {
            return Ok(None);
        }
        let brain = self.brain();
        let Some(dialogue) = brain.dialogue_in(session.language, &session.dialogue) else {
            return Ok(None);
        };
        let step = match (
            dialogue::next_step(dialogue, &state),
            session.result_answer_id,
        ) {
            (Step::Ask(question), _) if !session.finished => DialogueStep::Ask {
                question: question.clone(),
                number: state.asked() + 1,
            },
            (Step::Done(recommendation), Some(answer_id)) if session.finished => {
                DialogueStep::Done {
                    recommendation,
                    answer_id,
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(DialogueView {
            session_id,
            language: session.language,
            dialogue: dialogue.clone(),
            state,
            step,
        }))
    }

    /// Answers a question in the conversation's language
    /// (`origin.language`), or records it as unanswered. Where that
    /// language's knowledge lacks the entry the question is about, the
    /// English entry is the answer.
    pub async fn ask(&self, question: &str, origin: Origin) -> Result<Reply, StoreError> {
        self.ask_in_thread(question, origin, None).await
    }

    /// [`Self::ask`], remembering the `thread` the reply goes to in the
    /// same commit: one write on a question's way to its answer.
    pub async fn ask_in_thread(
        &self,
        question: &str,
        origin: Origin,
        thread: Option<ThreadRecord>,
    ) -> Result<Reply, StoreError> {
        metrics::counter!(metric::QUESTIONS_RECEIVED).increment(1);
        let brain = self.brain();
        let language = origin.language;
        let found = brain.find(question, language);
        match found
            .entry
            .as_deref()
            .and_then(|id| brain.entry_in(language, id))
        {
            Some((entry, shown_in)) => {
                let entry = entry.clone();
                let asked = Asked {
                    question: Some(question),
                    origin,
                    thread,
                };
                self.record_answer(&brain, (entry, shown_in), found, asked)
                    .await
            }
            None => {
                let record = self
                    .store
                    .record_unanswered(NewUnanswered {
                        question: question.to_owned(),
                        confidence: found.confidence,
                        origin,
                        thread,
                    })
                    .await?;
                if record.created {
                    metrics::counter!(metric::UNANSWERED).increment(1);
                }
                Ok(Reply::NoAnswer(NoAnswer { record, found }))
            }
        }
    }

    /// Records a question for the support team without looking for an
    /// answer (the bot is too busy to): it is listed with the unanswered
    /// ones, at confidence 0, with the `thread` it is told so in.
    /// `created` is false if it was recorded before.
    pub async fn set_aside(
        &self,
        question: &str,
        origin: Origin,
        thread: Option<ThreadRecord>,
    ) -> Result<UnansweredRecord, StoreError> {
        metrics::counter!(metric::QUESTIONS_RECEIVED).increment(1);
        let record = self
            .store
            .record_unanswered(NewUnanswered {
                question: question.to_owned(),
                confidence: 0.0,
                origin,
                thread,
            })
            .await?;
        if record.created {
            metrics::counter!(metric::UNANSWERED).increment(1);
        }
        Ok(record)
    }

    /// Shows a chosen entry (from "Did you mean…"); `None` if it is unknown.
    /// The question is matched again for the entry's slots but not stored
    /// a second time: the first answer's row holds it, so forget-me and
    /// retention find it in one place.
    pub async fn answer_with(
        &self,
        entry_id: &str,
        question: &str,
        origin: Origin,
    ) -> Result<Option<Answer>, StoreError> {
        let brain = self.brain();
        let Some((entry, shown_in)) = brain.entry_in(origin.language, entry_id) else {
            return Ok(None);
        };
        let entry = entry.clone();
        let matcher = brain.matcher_in(origin.language);
        let mut found = matcher.find(question);
        found.entry = Some(entry.id.clone());
        found.alternatives.clear();
        found.slots = if entry.dialogue.is_some() {
            matcher.slots(question)
        } else {
            Default::default()
        };
        let asked = Asked {
            question: None,
            origin,
            thread: None,
        };
        match self
            .record_answer(&brain, (entry, shown_in), found, asked)
            .await?
        {
            Reply::Answer(answer) => Ok(Some(answer)),
            Reply::NoAnswer(_) => Ok(None),
        }
    }

    async fn record_answer(
        &self,
        brain: &Brain,
        (entry, shown_in): (Entry, Language),
        found: Match,
        asked: Asked<'_>,
    ) -> Result<Reply, StoreError> {
        let record = self
            .store
            .record_answer(NewAnswer {
                kind: AnswerKind::Entry,
                entry: entry.id.clone(),
                question: asked.question.map(str::to_owned),
                confidence: found.confidence,
                origin: asked.origin,
                thread: asked.thread,
            })
            .await?;
        if record.created {
            metrics::counter!(metric::ANSWERS, "entry" => entry.id.clone()).increment(1);
        }
        let language = record.language;
        let close_alternatives = found
            .alternatives
            .iter()
            .filter(|alt| alt.confidence >= CLOSE_ALTERNATIVE_RATIO * found.confidence)
            .filter_map(|alt| {
                let (entry, _) = brain.entry_in(language, &alt.entry)?;
                Some((entry.id.clone(), entry.title.clone()))
            })
            .collect();
        Ok(Reply::Answer(Answer {
            record,
            entry,
            shown_in,
            found,
            close_alternatives,
        }))
    }

    /// Starts a dialogue, skipping what `prefilled` already answers.
    pub async fn start_dialogue(
        &self,
        dialogue_id: &str,
        origin: Origin,
        prefilled: &BTreeMap<String, String>,
    ) -> Result<Option<DialogueView>, DialogueFailure> {
        let brain = self.brain();
        let Some(dialogue) = brain.dialogue_in(origin.language, dialogue_id) else {
            return Ok(None);
        };
        let state = DialogueState::start(dialogue, prefilled);
        let session = self
            .store
            .create_dialogue(dialogue_id, &origin, &encode(&state))
            .await?;
        self.advance(dialogue, session.id, &origin, state)
            .await
            .map(Some)
    }

    /// Applies a person's event to their dialogue.
    pub async fn dialogue_event(
        &self,
        session_id: SessionId,
        origin: Origin,
        event: DialogueEvent,
    ) -> Result<DialogueView, DialogueFailure> {
        let session = self
            .store
            .dialogue_session(session_id)
            .await?
            .ok_or(DialogueFailure::Unknown)?;
        if session.user_id != origin.user_id {
            return Err(DialogueFailure::NotYours);
        }
        let brain = self.brain();
        let dialogue = brain
            .dialogue_in(session.language, &session.dialogue)
            .ok_or(DialogueFailure::Unknown)?;
        // The session keeps the language it started in.
        let origin = Origin {
            language: session.language,
            ..origin
        };
        let state: DialogueState =
            serde_json::from_str(&session.state).map_err(|_| DialogueFailure::Unknown)?;
        let state = match event {
            DialogueEvent::Restart => dialogue::restart(),
            _ if session.finished => return Err(DialogueFailure::Stale),
            DialogueEvent::Back => dialogue::back(&state),
            DialogueEvent::Answer { slot, value } => {
                match dialogue::next_step(dialogue, &state) {
                    Step::Ask(question) if question.slot == slot => {}
                    _ => return Err(DialogueFailure::Stale),
                }
                dialogue::answer(dialogue, &state, &slot, &value)?
            }
        };
        self.advance(dialogue, session_id, &origin, state).await
    }

    /// Stores the new state; on the last step, records the recommendation
    /// as an answer people can vote on.
    async fn advance(
        &self,
        dialogue: &Dialogue,
        session_id: SessionId,
        origin: &Origin,
        state: DialogueState,
    ) -> Result<DialogueView, DialogueFailure> {
        let step = match dialogue::next_step(dialogue, &state) {
            Step::Ask(question) => {
                self.store
                    .update_dialogue(session_id, &encode(&state), false, None)
                    .await?;
                metrics::counter!(metric::DIALOGUE_STEPS, "dialogue" => dialogue.id.clone())
                    .increment(1);
                DialogueStep::Ask {
                    question: question.clone(),
                    number: state.asked() + 1,
                }
            }
            Step::Done(recommendation) => {
                let record = self
                    .store
                    .record_answer(NewAnswer {
                        kind: AnswerKind::Recommendation,
                        entry: format!("{}:{}", dialogue.id, recommendation.outcome),
                        question: None,
                        confidence: 1.0,
                        origin: Origin {
                            source_message_id: None,
                            ..origin.clone()
                        },
                        thread: None,
                    })
                    .await?;
                self.store
                    .update_dialogue(session_id, &encode(&state), true, Some(record.id))
                    .await?;
                metrics::counter!(
                    metric::DIALOGUE_COMPLETIONS,
                    "dialogue" => dialogue.id.clone(),
                    "recommendation" => recommendation.outcome.clone(),
                )
                .increment(1);
                DialogueStep::Done {
                    recommendation,
                    answer_id: record.id,
                }
            }
        };
        Ok(DialogueView {
            session_id,
            language: origin.language,
            dialogue: dialogue.clone(),
            state,
            step,
        })
    }

    pub async fn vote(
        &self,
        answer: AnswerId,
        user_id: &str,
        helpful: bool,
    ) -> Result<Tally, StoreError> {
        let record = self
            .store
            .answer(answer)
            .await?
            .ok_or(StoreError::NoSuchAnswer(answer))?;
        let tally = self.store.record_vote(answer, user_id, helpful).await?;
        let value = if helpful { "helpful" } else { "not_helpful" };
        metrics::counter!(metric::VOTES, "entry" => record.entry, "value" => value).increment(1);
        Ok(tally)
    }

    /// Stores an improvement comment with the person's vote; blank comments
    /// are not stored.
    pub async fn comment(
        &self,
        answer: AnswerId,
        user_id: &str,
        comment: &str,
    ) -> Result<Tally, StoreError> {
        let comment = comment.trim();
        if comment.is_empty() {
            return self.store.tally(answer).await;
        }
        self.store.record_comment(answer, user_id, comment).await
    }

    /// Deletes a person's votes and comments and erases their questions'
    /// text, on their request.
    pub async fn forget(&self, user_id: &str) -> Result<ForgetReport, StoreError> {
        self.store.forget_user(user_id).await
    }

    /// Counts of one server (`None`: everywhere, for the operator).
    pub async fn stats(&self, guild: Option<&str>) -> Result<Stats, StoreError> {
        self.store.stats(guild).await
    }

    /// Questions a day of one server (`None`: everywhere) over the last
    /// [`CHART_DAYS`] days, oldest first, for the statistics chart.
    pub async fn questions_per_day(
        &self,
        guild: Option<&str>,
    ) -> Result<Vec<DailyQuestions>, StoreError> {
        self.store.questions_per_day(guild, CHART_DAYS).await
    }

    /// The latest unanswered questions of one server (`None`: everywhere).
    pub async fn recent_unanswered(
        &self,
        guild: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UnansweredRecord>, StoreError> {
        self.store.recent_unanswered(guild, limit).await
    }

    /// The unanswered questions of one server (`None`: everywhere), the
    /// latest [`GAP_QUESTIONS`] of them, grouped by similarity, biggest
    /// group first: what the knowledge should cover next.
    pub async fn gaps(&self, guild: Option<&str>) -> Result<Vec<crate::gaps::Gap>, StoreError> {
        let questions: Vec<String> = self
            .store
            .recent_unanswered(guild, GAP_QUESTIONS)
            .await?
            .into_iter()
            .filter_map(|unanswered| unanswered.question)
            .collect();
        Ok(crate::gaps::group(&self.brain().matcher, &questions))
    }

    /// Claims the one post for staff about `subject`, quoting `user_id`'s
    /// text: `None` if it was made (or is being made) already, so a
    /// repeated click or comment never pings or posts twice.
    pub async fn claim_staff_post(
        &self,
        subject: &StaffSubject,
        user_id: &str,
        guild_id: Option<&str>,
        thread_id: Option<&str>,
    ) -> Result<Option<StaffPost>, StoreError> {
        let claimed = self
            .store
            .claim_staff_post(&NewStaffPost {
                subject: subject.key(),
                user_id: user_id.to_owned(),
                guild_id: guild_id.map(str::to_owned),
                thread_id: thread_id.map(str::to_owned),
            })
            .await?;
        Ok(claimed.map(StaffPost))
    }

    /// Records where a claimed post was made, for forget-me.
    pub async fn posted_for_staff(
        &self,
        post: StaffPost,
        channel_id: &str,
        message_id: &str,
    ) -> Result<(), StoreError> {
        self.store
            .attach_staff_post(post.0, channel_id, message_id)
            .await
    }

    /// Gives a claim back when nobody could be told.
    pub async fn unclaim_staff_post(&self, post: StaffPost) -> Result<(), StoreError> {
        self.store.release_staff_post(post.0).await
    }
}

/// What a post for staff is about. Each subject gets one post, ever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffSubject {
    /// A question with no answer.
    Unanswered(i64),
    /// "Talk to a human" on an answer, by its asker or staff.
    Human(AnswerId),
    /// A person's improvement comment on an answer.
    Comment { answer: AnswerId, user_id: String },
}

impl StaffSubject {
    fn key(&self) -> String {
        match self {
            Self::Unanswered(id) => format!("unanswered:{id}"),
            Self::Human(answer) => format!("human:{answer}"),
            Self::Comment { answer, user_id } => format!("comment:{answer}:{user_id}"),
        }
    }

    fn parse(key: &str) -> Option<Self> {
        let number = |text: &str| text.parse::<i64>().ok();
        Some(match key.split(':').collect::<Vec<_>>().as_slice() {
            ["unanswered", id] => Self::Unanswered(number(id)?),
            ["human", answer] => Self::Human(AnswerId(number(answer)?)),
            ["comment", answer, user_id] => Self::Comment {
                answer: AnswerId(number(answer)?),
                user_id: (*user_id).to_owned(),
            },
            _ => return None,
        })
    }
}

/// A claimed post for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffPost(i64);

impl StaffPost {
    /// Its id, which the post's controls carry.
    pub fn id(self) -> i64 {
        self.0
    }
}

/// A post for staff and what it is about.
#[derive(Debug, Clone)]
pub struct StaffCase {
    pub post: StaffPostRecord,
    pub subject: StaffSubject,
    /// The question, unless it was forgotten or purged.
    pub question: Option<String>,
    /// Who asked it.
    pub asker: String,
    /// The improvement comment, for a comment's post.
    pub comment: Option<String>,
}

/// What staff teach: see [`Assistant::teach`].
#[derive(Debug, Clone, Copy)]
pub struct Lesson<'a> {
    pub question: &'a str,
    /// `None`: not in scope.
    pub entry: Option<&'a str>,
    pub taught_by: &'a str,
    pub asked_by: Option<&'a str>,
    pub guild: Option<&'a str>,
}

/// A lesson kept.
#[derive(Debug, Clone)]
pub struct Learned {
    pub example: LearnedExample,
    /// False if the very same lesson was taught before.
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TeachFailure {
    #[error("this question already stands as an example of {0}")]
    Conflict(String),
    #[error("there is no entry `{0}`")]
    UnknownEntry(String),
    #[error("there is no text to learn from")]
    Empty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a question stands as an example of.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Standing {
    Entry(String),
    OutOfScope,
}

impl Standing {
    fn of(entry: Option<&str>) -> Self {
        entry.map_or(Self::OutOfScope, |e| Self::Entry(e.to_owned()))
    }

    fn describe(&self) -> String {
        match self {
            Self::Entry(entry) => format!("the entry `{entry}`"),
            Self::OutOfScope => "what this help desk does not answer".to_owned(),
        }
    }
}

/// The entry or out-of-scope topic among whose written examples a
/// normalised question stands, if any.
fn stands_as_example(knowledge: &Knowledge, normalized: &str) -> Option<Standing> {
    let is_it = |examples: &[String]| examples.iter().any(|e| normalize(e) == normalized);
    if let Some(entry) = knowledge.entries().iter().find(|e| is_it(&e.examples)) {
        return Some(Standing::Entry(entry.id.clone()));
    }
    knowledge
        .out_of_scope()
        .iter()
        .any(|topic| is_it(&topic.examples))
        .then_some(Standing::OutOfScope)
}

fn encode(state: &DialogueState) -> String {
    // A state is plain strings and bools: serialising it cannot fail.
    serde_json::to_string(state).unwrap_or_else(|_| String::from("{\"answers\":[]}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(brain: &Brain) -> Vec<Language> {
        brain
            .translated
            .iter()
            .filter(|(_, cell)| cell.get().is_some())
            .map(|(&language, _)| language)
            .collect()
    }

    #[test]
    fn a_languages_matcher_is_built_on_its_first_question_and_answers_as_if_built_at_once() {
        let knowledge = Knowledge::builtin().unwrap();
        let lazy = Brain::new(knowledge.clone(), 0.35);
        assert!(built(&lazy).is_empty(), "nothing built before a question");

        let question = "Mein Postfach ist voll und E-Mails kommen zurück";
        let found = lazy.find(question, Language::German);
        assert_eq!(built(&lazy), vec![Language::German]);

        let eager = Brain::new(knowledge, 0.35).built();
        assert_eq!(built(&eager), vec![Language::German, Language::Spanish]);
        let expected = eager.find(question, Language::German);
        assert_eq!(found.entry, expected.entry);
        assert!(found.entry.is_some(), "{found:?}");
    }
}
