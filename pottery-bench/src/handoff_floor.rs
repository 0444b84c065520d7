//! The hand-off table's floor: how fast a pub/sub hand-off can be on this
//! machine with no library at all, to read ours against (the round-trip
//! target counts PINGs, but a hand-off is at least a release script, a
//! message, a thread wake-up and a `SET NX`).
//!
//! [`CONTENDERS`](crate::handoff::CONTENDERS) threads on one server, each with
//! a command connection and a connection SUBSCRIBEd (before its first try, so
//! no message is missed) to the lock's channel: `SET K token NX PX 10000`; on
//! failure, wait for a message (every waiter gets it, as with plain pub/sub)
//! or 200 ms, then try again. The release is the library's release script, so
//! it publishes exactly as ours does. The contest and the clock are ours's
//! ([`Tally`]).

use std::time::Duration;

use crate::handoff::{Config, HOLD, Run, Tally};
use crate::measure::Result;

pub(crate) fn run(config: &Config<'_>) -> Result<Run> {
    let url = config.urls.first().ok_or("no master")?;
    let key = format!("{}{}", pottery::REDLOCK_KEY_PREFIX, config.name);
    let channel = format!("{key}:released");
    let release = redis::Script::new(
        pottery::__private::lua("redlock/release.lua").ok_or("no release script")?,
    );
    let tally = Tally::new(config.acquisitions);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..config.contenders)
            .map(|me| {
                let (tally, key, channel, release) = (&tally, &key, &channel, &release);
                scope.spawn(move || -> Result<()> {
                    let client = redis::Client::open(url.as_str())?;
                    let mut con = client.get_connection()?;
                    let mut sub = client.get_connection()?;
                    let mut messages = sub.as_pubsub();
                    messages.subscribe(channel)?;
                    messages.set_read_timeout(Some(Duration::from_millis(200)))?;
                    loop {
                        let token = uuid_like(me, tally.now());
                        loop {
                            let took: Option<String> = redis::cmd("SET")
                                .arg(key)
                                .arg(&token)
                                .arg("NX")
                                .arg("PX")
                                .arg(10_000)
                                .query(&mut con)?;
                            if took.is_some() {
                                break;
                            }
                            // A message, or the timeout: try again.
                            let _ = messages.get_message();
                        }
                        let acquired = tally.now();
                        let release_it = |con: &mut redis::Connection| -> Result<()> {
                            let _: i64 = release
                                .key(key)
                                .arg(&token)
                                .arg(channel)
                                .arg("0")
                                .invoke(con)?;
                            Ok(())
                        };
                        if tally.acquired(me) {
                            return release_it(&mut con);
                        }
                        std::thread::sleep(HOLD);
                        let releasing = tally.now();
                        release_it(&mut con)?;
                        tally.released((me, acquired, releasing));
                        if !tally.wait_blocking(me) {
                            return Ok(());
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| "a contender panicked")?)
    })?;
    let mut run = tally.run();
    run.library = "redis-rs (no library)".to_owned();
    Ok(run)
}

/// A token unique to this contender and moment.
fn uuid_like(me: usize, now: u64) -> String {
    format!("floor-{me}-{now}")
}
