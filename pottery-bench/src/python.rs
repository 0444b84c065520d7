//! Python pottery's side: one `python3` subprocess, driven over stdin/stdout,
//! so its slices interleave with ours and raw in every round.
//!
//! Protocol: the first stdin line is a JSON [`Config`]; the script (`bench.py`)
//! fills its own structures with the same contents and prints
//! `{"ready": true, "pottery": VERSION}`. Each further line `OP SECONDS` runs
//! OP's untimed preparation if it has one, then OP in a loop for that long, and
//! prints `{"op": OP, "count": N, "seconds": S}`; `quit` ends it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::measure::Result;
use crate::ops::Profile;
use crate::setup::Keys;

/// The Python version of each operation, on pottery 3.0.1's structures.
pub(crate) const SCRIPT: &str = include_str!("bench.py");

/// The pottery version the comparison is meant for.
pub(crate) const POTTERY_VERSION: &str = "3.0.1";

/// What the script needs: its keys and the same contents ours uses.
#[derive(Serialize)]
pub(crate) struct Config<'a> {
    /// The Redis keys of Python's structures (not the ones ours and raw use).
    pub(crate) redis_keys: &'a Keys,
    /// The dict keys, set members and counter elements.
    pub(crate) keys: &'a [String],
    /// The dict values and the list, deque and queue items.
    pub(crate) values: &'a [Profile],
    /// The counts of the counter read by `most_common`.
    pub(crate) counts: &'a [i64],
    /// Elements per multi-element read.
    pub(crate) many: usize,
    /// The pushed deque's maxlen.
    pub(crate) maxlen: usize,
    /// The URLs of the many-master Redlock's and NextID's masters; empty when
    /// the bench has none (`--url`). The one-master rows use `REDIS_URL`.
    pub(crate) redlock_masters: &'a [String],
}

/// The script's first line.
#[derive(Deserialize)]
struct Ready {
    pottery: String,
}

/// The script's answer to one `OP SECONDS` line.
#[derive(Deserialize)]
struct Slice {
    count: u64,
    seconds: f64,
}

/// The running `python3` process; killed on drop if still running.
pub(crate) struct Driver {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The pottery version it imported.
    pub(crate) version: String,
}

impl Driver {
    /// Starts `python3` with `REDIS_URL=url`, sends `config`, waits until it has
    /// filled its structures. Its stderr (tracebacks) goes to ours.
    pub(crate) fn start(url: &str, config: &Config<'_>) -> Result<Driver> {
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(SCRIPT)
            .env("REDIS_URL", url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run python3: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err("python3 started without pipes".into());
        };
        let mut driver = Driver {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            version: String::new(),
        };
        driver.send(&serde_json::to_string(config)?)?;
        let ready: Ready = driver.receive()?;
        driver.version = ready.pottery;
        Ok(driver)
    }

    /// Runs the script's `op` for `slice`; returns its ops/s.
    pub(crate) fn run(&mut self, op: &str, slice: Duration) -> Result<f64> {
        self.send(&format!("{op} {}", slice.as_secs_f64()))?;
        let reply: Slice = self.receive()?;
        Ok(reply.count as f64 / reply.seconds.max(f64::MIN_POSITIVE))
    }

    /// Asks the script to exit and waits for it.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.send("quit")?;
        let status = self.child.wait()?;
        if !status.success() {
            return Err(format!("python3 exited with {status}").into());
        }
        Ok(())
    }

    fn send(&mut self, line: &str) -> Result<()> {
        writeln!(self.stdin, "{line}")?;
        self.stdin.flush()?;
        Ok(())
    }

    fn receive<T: for<'de> Deserialize<'de>>(&mut self) -> Result<T> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err("the Python driver exited early (see its traceback above)".into());
        }
        serde_json::from_str(&line)
            .map_err(|e| format!("unexpected line from the Python driver: {line:?}: {e}").into())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Best effort: it has normally exited already after `finish`.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
