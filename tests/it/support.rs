//! What the Discord tests share: the stand-in crate (`tests/standin/`)
//! under the names the tests use, and a [`Workspace`] whose database a test
//! can open.

use std::ops::Deref;

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
