//! Writes that pile up while one of their kind is being written go out
//! together, as one statement.
//!
//! Linking an answer to the message that shows it is a write per question
//! that nobody waits for (the answer is already posted), yet in a flood
//! there are as many of them as there are questions, and each costs the
//! database a statement. A caller queues its value and waits for its turn;
//! whoever's turn comes takes every value queued so far (its own, if no
//! one took it before) and writes them in one go; the others find theirs
//! taken and wait for its result. Turns are first come, first served.

use std::future::Future;
use std::sync::Mutex;

use tokio::sync::oneshot;

use super::StoreError;

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// Values of one kind of write, waiting to be written together.
pub(super) struct Coalesced<T> {
    queued: Mutex<Vec<(T, Reply)>>,
    turn: tokio::sync::Mutex<()>,
}

impl<T> Default for Coalesced<T> {
    fn default() -> Self {
        Self {
            queued: Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> std::fmt::Debug for Coalesced<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalesced").finish_non_exhaustive()
    }
}

impl<T> Coalesced<T> {
    /// Writes `value`, with whatever else is queued, through `write_all`,
    /// which gets the values in the order they came and gives one result
    /// for each, in the same order.
    pub(super) async fn write<F, W>(&self, value: T, write_all: F) -> Result<(), StoreError>
    where
        F: FnOnce(Vec<T>) -> W,
        W: Future<Output = Vec<Result<(), StoreError>>>,
    {
        let (reply, written) = oneshot::channel();
        self.lock().push((value, reply));
        {
            let _turn = self.turn.lock().await;
            let batch = std::mem::take(&mut *self.lock());
            if !batch.is_empty() {
                let (values, replies): (Vec<T>, Vec<Reply>) = batch.into_iter().unzip();
                let results = write_all(values).await;
                for (reply, result) in replies.into_iter().zip(results) {
                    reply.send(result).ok();
                }
            }
        }
        written.await.unwrap_or_else(|_| {
            // Only if the caller writing it was dropped mid-write.
            Err(StoreError::Database(sqlx::Error::Protocol(
                "the write was abandoned before it finished".to_owned(),
            )))
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(T, Reply)>> {
        self.queued.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn values_queued_during_a_write_go_out_together_in_order() {
        let coalesced = Arc::new(Coalesced::<u32>::default());
        let batches = Arc::new(Mutex::new(Vec::<Vec<u32>>::new()));
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let hold = Arc::new(tokio::sync::Mutex::new(Some(hold)));
        let write = |value: u32| {
            let (coalesced, batches, hold) = (coalesced.clone(), batches.clone(), hold.clone());
            tokio::spawn(async move {
                coalesced
                    .write(value, |values| async move {
                        // The first write waits until the others queued.
                        if let Some(hold) = hold.lock().await.take() {
                            hold.await.ok();
                        }
                        let results = values.iter().map(|_| Ok(())).collect();
                        batches.lock().unwrap().push(values);
                        results
                    })
                    .await
            })
        };
        let first = write(1);
        tokio::task::yield_now().await;
        while coalesced.turn.try_lock().is_ok() {
            tokio::task::yield_now().await;
        }
        let rest: Vec<_> = (2..=5).map(write).collect();
        while coalesced.lock().len() < 4 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        first.await.unwrap().unwrap();
        for task in rest {
            task.await.unwrap().unwrap();
        }
        assert_eq!(*batches.lock().unwrap(), vec![vec![1], vec![2, 3, 4, 5]]);
    }

    #[tokio::test]
    async fn each_value_gets_its_own_result() {
        let coalesced = Coalesced::<u32>::default();
        let odd_fails = |values: Vec<u32>| async move {
            values
                .iter()
                .map(|v| {
                    if v % 2 == 1 {
                        Err(StoreError::NoSuchAnswer(crate::store::AnswerId(i64::from(
                            *v,
                        ))))
                    } else {
                        Ok(())
                    }
                })
                .collect()
        };
        assert!(coalesced.write(2, odd_fails).await.is_ok());
        assert!(matches!(
            coalesced.write(3, odd_fails).await,
            Err(StoreError::NoSuchAnswer(_))
        ));
    }
}
