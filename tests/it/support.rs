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
