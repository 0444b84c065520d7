//! Python pottery's side: one `python3` subprocess, driven over stdin/stdout,
//! so its slices interleave with ours and raw in every round.
//!
//! Protocol: the first stdin line is a JSON [`Config`]; the script fills its own
//! `RedisDict` with the same entries and prints `{"ready": true, "pottery": VERSION}`.
//! Each further line `OP SECONDS` runs OP in a loop for that long and prints
//! `{"op": OP, "count": N, "seconds": S}`; `quit` ends it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::measure::Result;
use crate::ops::Profile;

/// The Python version of each operation, on pottery 3.0.1's `RedisDict`.
pub(crate) const SCRIPT: &str = r#"
import importlib.metadata, json, os, sys, time, warnings
warnings.simplefilter('ignore')  # InefficientAccessWarning on update()
import redis
from pottery import RedisDict

cfg = json.loads(sys.stdin.readline())
d = RedisDict(redis=redis.Redis.from_url(os.environ['REDIS_URL']), key=cfg['key'])
keys, values, many = cfg['keys'], cfg['values'], cfg['many']
n = len(keys)
windows = [keys[s:s + many] for s in range(0, n - many + 1, many)]
mapping = dict(zip(keys, values))
d.update(mapping)

def insert(i): d[keys[i % n]] = values[i % n]
def get(i): return d[keys[i % n]]
def contains_key(i): return keys[i % n] in d
def length(i): return len(d)
def get_many(i): return [d[k] for k in windows[i % len(windows)]]
def extend(i): d.update(mapping)

OPS = {'insert': insert, 'get': get, 'contains_key': contains_key, 'len': length,
       'get_many': get_many, 'extend': extend}
print(json.dumps({'ready': True, 'pottery': importlib.metadata.version('pottery')}), flush=True)
for line in sys.stdin:
    if line.strip() == 'quit':
        break
    name, seconds = line.split()
    op, count = OPS[name], 0
    start = time.perf_counter()
    deadline = start + float(seconds)
    while True:
        op(count)
        count += 1
        if time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - start
    print(json.dumps({'op': name, 'count': count, 'seconds': elapsed}), flush=True)
"#;

/// The pottery version the comparison is meant for.
pub(crate) const POTTERY_VERSION: &str = "3.0.1";

/// What the script needs: its key and the same entries ours uses.
#[derive(Serialize)]
pub(crate) struct Config<'a> {
    /// The Redis key of Python's dict (not the one ours and raw use).
    pub(crate) key: &'a str,
    /// The keys.
    pub(crate) keys: &'a [String],
    /// The values.
    pub(crate) values: &'a [Profile],
    /// Fields per `get_many`.
    pub(crate) many: usize,
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
    /// filled its dict. Its stderr (tracebacks) goes to ours.
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
