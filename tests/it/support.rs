//! What the Discord tests share: the stand-in crate (`tests/standin/`)
//! under the names the tests use, a [`Workspace`] whose database a test can
//! open, and the bot's component ids, read and written with the bot's own
//! codec ([`Action`]) rather than spelled out.

use std::ops::Deref;

use helpdesk::discord::custom_id::Action;
use helpdesk::store::{AnswerId, SessionId};
use helpdesk_standin::StoredMessage;

pub use helpdesk_standin as standin;
pub use helpdesk_standin::database;

/// The stand-in crate's bot harness, with this module's [`Workspace`].
pub mod bot {
    pub use super::Workspace;
    pub use helpdesk_standin::bot::*;
}

/// The scratch folder of one test's bot ([`helpdesk_standin::bot::Workspace`],
/// which it derefs to), plus access to the bot's database.
pub struct Workspace(helpdesk_standin::bot::Workspace);

impl Workspace {
    pub fn new() -> Self {
        Self(helpdesk_standin::bot::Workspace::new())
    }

    /// Opens the bot's database, as staff tools would.
    pub async fn store(&self) -> helpdesk::store::SqliteStore {
        helpdesk::store::SqliteStore::open(&self.database_url())
            .await
            .expect("database opens")
    }
}

impl Deref for Workspace {
    type Target = helpdesk_standin::bot::Workspace;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The title of a message's first embed ("" if it has none).
pub fn embed_title(message: &StoredMessage) -> String {
    message
        .embeds()
        .first()
        .and_then(|e| e["title"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The shipped knowledge's title of `entry`: what its answer's embed is
/// titled.
pub fn title_of(entry: &str) -> String {
    helpdesk::knowledge::Knowledge::load_dir(&bot::knowledge_dir())
        .expect("shipped knowledge")
        .entry(entry)
        .expect("entry exists")
        .title
        .clone()
}

/// What a message's components do, decoded; ids the bot cannot read are
/// left out.
pub fn actions(message: &StoredMessage) -> Vec<Action> {
    message
        .custom_ids()
        .iter()
        .filter_map(|id| Action::parse(id).ok())
        .collect()
}

/// True if one of the message's components does something `wanted` accepts.
pub fn offers(message: &StoredMessage, wanted: impl Fn(&Action) -> bool) -> bool {
    actions(message).iter().any(wanted)
}

/// The first of the message's actions `wanted` accepts; panics, listing
/// the message's ids, if there is none.
pub fn action(message: &StoredMessage, wanted: impl Fn(&Action) -> bool) -> Action {
    actions(message)
        .into_iter()
        .find(|action| wanted(action))
        .unwrap_or_else(|| panic!("no such component on {:?}", message.custom_ids()))
}

/// The stored answer a message's vote buttons are about.
pub fn answer_id(message: &StoredMessage) -> AnswerId {
    actions(message)
        .into_iter()
        .find_map(|action| match action {
            Action::Vote { answer, .. } => Some(answer),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no vote button on {:?}", message.custom_ids()))
}

/// The id of a 👍 (`helpful`) or 👎 vote on the answer `message` shows.
pub fn vote(message: &StoredMessage, helpful: bool) -> String {
    Action::Vote {
        answer: answer_id(message),
        helpful,
    }
    .encode()
}

/// The id of the "Help me choose" button on `message`.
pub fn choose(message: &StoredMessage) -> String {
    action(message, |a| matches!(a, Action::Choose { .. })).encode()
}

/// The dialogue session a step's buttons belong to.
pub fn session_id(message: &StoredMessage) -> SessionId {
    actions(message)
        .into_iter()
        .find_map(|action| match action {
            Action::DialogueAnswer { session, .. }
            | Action::DialogueBack { session }
            | Action::DialogueRestart { session } => Some(session),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no dialogue button on {:?}", message.custom_ids()))
}

/// True for a dialogue step's buttons (a choice, back or restart).
pub fn is_dialogue(action: &Action) -> bool {
    matches!(
        action,
        Action::DialogueAnswer { .. }
            | Action::DialogueBack { .. }
            | Action::DialogueRestart { .. }
    )
}

/// `helpdesk serve` run inside the test's own process, on its own
/// listener and with its own shutdown, against the stand-in: as the
/// binary runs it, minus what is process-wide (signals, the metrics
/// recorder, the log writer). Tests that kill, restart or signal the bot,
/// run a second process on its database, or read its logs or `/metrics`
/// (both process-wide), start the binary instead ([`bot::Bot`]).
pub struct InProcess {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcess {
    /// Starts the bot with the settings the binary gets from
    /// [`bot::Bot::spawn`] (and `extra` over them), and waits until it has
    /// registered its commands.
    pub async fn start(
        standin: &standin::StandIn,
        workspace: &Workspace,
        extra: &[(&str, &str)],
    ) -> Self {
        use bot::{FORUM, ROLE, TEXT, TRIAGE, WAIT};
        let registered_before = standin
            .requests_to("PUT", "/applications/{application_id}/commands")
            .len();
        let knowledge_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge");
        let base = [
            ("DISCORD_TOKEN", "standin-secret-token".to_owned()),
            ("DISCORD_API_BASE", standin.base_url()),
            ("HELPDESK_SUPPORT_CHANNELS", format!("{TEXT},{FORUM}")),
            ("HELPDESK_SUPPORT_ROLE", ROLE.to_string()),
            ("HELPDESK_TRIAGE_CHANNEL", TRIAGE.to_string()),
            ("HELPDESK_DATABASE_URL", workspace.database_url()),
            ("HELPDESK_KNOWLEDGE", knowledge_dir.to_owned()),
        ];
        // The settings the binary would read from its environment, given
        // as the flags that read the same keys, `extra` replacing them.
        let mut args = vec!["serve".to_owned()];
        let base = base
            .into_iter()
            .filter(|(key, _)| !extra.iter().any(|(given, _)| given == key));
        let extra = extra.iter().map(|(key, value)| (*key, (*value).to_owned()));
        for (key, value) in base.chain(extra) {
            args.push(format!("{}={value}", flag_for(key)));
        }
        let config = helpdesk::config::Config::parse_from(args).expect("valid settings");
        let knowledge = helpdesk::knowledge::Knowledge::load_default(config.knowledge.as_deref())
            .expect("valid knowledge");
        let (store, ledger) = helpdesk::store::open_with_ledger(&config.database_url)
            .await
            .expect("the database opens");
        let brain = helpdesk::assistant::Brain::new(knowledge, config.threshold);
        let assistant = std::sync::Arc::new(helpdesk::assistant::Assistant::new(brain, store));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(helpdesk::discord::serve(
            config, assistant, ledger, None, listener, shutdown,
        ));
        standin
            .wait_until_true("the bot to register its commands", WAIT, |s| {
                s.requests_to("PUT", "/applications/{application_id}/commands")
                    .len()
                    > registered_before
            })
            .await;
        Self {
            stop: Some(stop),
            task,
        }
    }

    /// Stops it as a shutdown signal would, and returns how `serve` ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.expect("serve does not panic")
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The `serve` flag that reads the environment key `key`.
fn flag_for(key: &str) -> String {
    let command = helpdesk::config::serve_command();
    let long = command
        .get_arguments()
        .find(|arg| arg.get_env().is_some_and(|env| env == key))
        .and_then(|arg| arg.get_long())
        .unwrap_or_else(|| panic!("no serve setting reads {key}"));
    format!("--{long}")
}

/// A counter's value on the running binary's `/metrics`, summed over the
/// series whose labels contain `labels` (e.g. `operation="record_answer"`;
/// empty for a counter without labels). 0 for a counter not yet counted.
pub fn counter(bot: &bot::Bot, name: &str, labels: &str) -> u64 {
    let (_, metrics) = bot.http_get("/metrics");
    let series = |line: &str| {
        line.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
    };
    metrics
        .lines()
        .filter(|line| series(line) && line.contains(labels))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}
