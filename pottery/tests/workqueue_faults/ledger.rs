//! The consumers' ledger: what every consumer of every worker process did,
//! one line per event, appended to a file of its process. A line is written
//! with one `write` on a file opened for appending, so a SIGKILL loses at most
//! the line being written, never an earlier one, and lines of concurrent
//! consumers never interleave.
//!
//! A consumer logs `recv` when `receive` returns a delivery, `done` when it
//! has processed it (before acking: at-least-once processing), then `acked`
//! when the ack returned Ok, or `ackerr` with the error kind. The checks read
//! every file of a run's directory.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a consumer did with a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Event {
    Recv,
    Done,
    Acked,
    AckErr,
    Err,
}

impl Event {
    fn word(self) -> &'static str {
        match self {
            Event::Recv => "recv",
            Event::Done => "done",
            Event::Acked => "acked",
            Event::AckErr => "ackerr",
            Event::Err => "err",
        }
    }

    fn parse(word: &str) -> Option<Event> {
        Some(match word {
            "recv" => Event::Recv,
            "done" => Event::Done,
            "acked" => Event::Acked,
            "ackerr" => Event::AckErr,
            "err" => Event::Err,
            _ => return None,
        })
    }
}

/// One line: `event item deliveries pid consumer micros [detail]`, `micros` the
/// wall clock (one machine: every process reads the same clock).
#[derive(Clone, Debug)]
pub(crate) struct Line {
    pub(crate) event: Event,
    pub(crate) item: u32,
    pub(crate) deliveries: u32,
    pub(crate) pid: u32,
    /// `b0`, `b1` (blocking threads), `a0`, `a1` (async tasks).
    pub(crate) consumer: String,
    /// When it was logged, µs since the Unix epoch.
    pub(crate) micros: u128,
    pub(crate) detail: String,
}

/// A consumer's pen: its process's file, opened for appending.
pub(crate) struct Pen {
    file: File,
    pid: u32,
    consumer: String,
}

impl Pen {
    pub(crate) fn open(path: &Path, consumer: &str) -> Pen {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        Pen {
            file,
            pid: std::process::id(),
            consumer: consumer.to_owned(),
        }
    }

    /// Appends one line, in one `write`.
    pub(crate) fn log(&self, event: Event, item: u32, deliveries: u32, detail: &str) {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros();
        let line = format!(
            "{} {item} {deliveries} {} {} {micros} {detail}\n",
            event.word(),
            self.pid,
            self.consumer
        );
        (&self.file).write_all(line.as_bytes()).unwrap();
    }
}

/// A run's directory of ledger files, removed on drop.
pub(crate) struct Dir {
    pub(crate) path: PathBuf,
}

impl Dir {
    pub(crate) fn new(name: &str) -> Dir {
        let path = std::env::temp_dir().join(format!(
            "pottery-wq-{name}-{}-{}",
            std::process::id(),
            pottery::random_key().replace(':', "-")
        ));
        std::fs::create_dir_all(&path).unwrap();
        Dir { path }
    }

    /// The ledger file of the `n`-th worker process started.
    pub(crate) fn log(&self, n: usize) -> PathBuf {
        self.path.join(format!("worker-{n}.log"))
    }

    /// The file whose existence tells the workers to stop once idle.
    pub(crate) fn stop(&self) -> PathBuf {
        self.path.join("stop")
    }

    /// Every complete line of every ledger file (a torn last line, from a
    /// SIGKILL in the middle of a write, is skipped).
    pub(crate) fn lines(&self) -> Vec<Line> {
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(&self.path).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "log") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for raw in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
                let mut words = raw.trim_end().splitn(7, ' ');
                let mut next = || words.next().unwrap_or_default().to_owned();
                let (event, item, deliveries, pid, consumer, micros, detail) =
                    (next(), next(), next(), next(), next(), next(), next());
                lines.push(Line {
                    event: Event::parse(&event).unwrap_or_else(|| panic!("bad line {raw:?}")),
                    item: item.parse().unwrap(),
                    deliveries: deliveries.parse().unwrap(),
                    pid: pid.parse().unwrap(),
                    consumer,
                    micros: micros.parse().unwrap(),
                    detail,
                });
            }
        }
        lines
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The ledger's lines by item.
pub(crate) struct Books {
    pub(crate) lines: Vec<Line>,
    pub(crate) by_item: BTreeMap<u32, Vec<Line>>,
}

impl Books {
    pub(crate) fn of(lines: Vec<Line>) -> Books {
        let mut by_item: BTreeMap<u32, Vec<Line>> = BTreeMap::new();
        for line in lines.iter().filter(|l| l.event != Event::Err) {
            by_item.entry(line.item).or_default().push(line.clone());
        }
        for lines in by_item.values_mut() {
            lines.sort_by_key(|l| (l.deliveries, l.event));
        }
        Books { lines, by_item }
    }

    /// Lines of `event`.
    pub(crate) fn count(&self, event: Event) -> usize {
        self.lines.iter().filter(|l| l.event == event).count()
    }

    /// Items with at least one line of `event`.
    pub(crate) fn items_with(&self, event: Event) -> BTreeSet<u32> {
        self.lines
            .iter()
            .filter(|l| l.event == event)
            .map(|l| l.item)
            .collect()
    }

    /// The `err` lines (receive errors), for failure messages.
    pub(crate) fn errors(&self) -> Vec<&Line> {
        self.lines
            .iter()
            .filter(|l| l.event == Event::Err)
            .collect()
    }
}

impl Books {
    /// Checks that no item was held by two live consumers at once: for each
    /// item, the deliveries of processes not in `killed`, from their `recv` to
    /// their `acked`, never overlap, except after one whose ack reported a lost
    /// lease (it was taken over: a zombie, not a holder). Returns how many
    /// deliveries were checked.
    pub(crate) fn assert_one_live_holder(&self, killed: &BTreeSet<u32>) -> usize {
        let mut checked = 0;
        for (item, lines) in &self.by_item {
            let end = |recv: &Line, event: Event| {
                lines
                    .iter()
                    .find(|l| {
                        l.event == event && l.deliveries == recv.deliveries && l.pid == recv.pid
                    })
                    .map(|l| l.micros)
            };
            let mut held: Vec<(u128, Option<u128>, bool)> = lines
                .iter()
                .filter(|l| l.event == Event::Recv && !killed.contains(&l.pid))
                .map(|recv| {
                    let lost = end(recv, Event::AckErr);
                    (
                        recv.micros,
                        end(recv, Event::Acked).or(lost),
                        lost.is_some(),
                    )
                })
                .collect();
            held.sort_by_key(|&(from, _, _)| from);
            for pair in held.windows(2) {
                if let [(_, until, lost), (next, _, _)] = pair
                    && !lost
                {
                    let until = until.unwrap_or_else(|| {
                        panic!("item {item}: a live delivery never ended: {lines:?}")
                    });
                    assert!(
                        until <= *next,
                        "item {item} held by two live consumers at once: {lines:?}"
                    );
                }
            }
            checked += held.len();
        }
        checked
    }
}
