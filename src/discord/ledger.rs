//! What the Discord front end remembers for itself, apart from the core's
//! records: the threads it answers in (and who asked there), and the
//! interactions it has handled (so a replay is acknowledged, never applied
//! twice). The store implements it in the same database, so a restart or a
//! second process sees the same.

use async_trait::async_trait;

use crate::store::{StoreError, ThreadRecord};

#[async_trait]
pub trait Ledger: Send + Sync + std::fmt::Debug {
    /// Remembers a thread the bot answers in and who asked there.
    async fn record_thread(&self, thread: &ThreadRecord) -> Result<(), StoreError>;
    async fn thread(&self, thread_id: &str) -> Result<Option<ThreadRecord>, StoreError>;
    /// Claims an interaction id; false if it was claimed before.
    async fn claim_interaction(&self, interaction_id: &str) -> Result<bool, StoreError>;
}
