//! The blocking path's fan-out worker: one thread per client that runs the
//! requests sent to that server by multi-master algorithms (Redlock, NextId),
//! one after another.
//!
//! A per-request thread would cost more than the round trip it waits for, and
//! requests to one server from separate threads could overtake each other: a
//! late `SET NX` abandoned at its deadline could land after the release meant to
//! undo it, leaving a stale hold. Through one worker per client, the requests of
//! a caller reach each server in the order they were made, and only the first
//! use of a client starts a thread. The worker holds its client weakly and ends
//! when the client's last handle is dropped.

use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, Weak};

use crate::client::{Client, Inner};

/// A request for the worker: it gets the client to run on.
pub(crate) type Job = Box<dyn FnOnce(&Client) + Send>;

/// A client's worker, started on first use.
#[derive(Default)]
pub(crate) struct Fanout {
    jobs: Mutex<Option<Sender<Job>>>,
}

impl Fanout {
    /// Queues `job` on the worker of the client whose state is `inner`; `false`
    /// if no worker could be started (the caller then reports an error).
    pub(crate) fn submit(&self, inner: &Arc<Inner>, job: Job) -> bool {
        let Ok(mut jobs) = self.jobs.lock() else {
            return false;
        };
        if let Some(sender) = jobs.as_ref() {
            match sender.send(job) {
                Ok(()) => return true,
                // The worker is gone (it can only have panicked): start another.
                Err(returned) => return self.start(&mut jobs, inner, returned.0),
            }
        }
        self.start(&mut jobs, inner, job)
    }

    fn start(&self, jobs: &mut Option<Sender<Job>>, inner: &Arc<Inner>, first: Job) -> bool {
        let (sender, receiver) = channel::<Job>();
        let client: Weak<Inner> = Arc::downgrade(inner);
        let started = std::thread::Builder::new()
            .name("pottery-fanout".to_owned())
            .spawn(move || {
                for job in receiver {
                    let Some(inner) = client.upgrade() else {
                        return;
                    };
                    job(&Client::from_inner(inner));
                }
            });
        if started.is_err() || sender.send(first).is_err() {
            return false;
        }
        *jobs = Some(sender);
        true
    }
}
