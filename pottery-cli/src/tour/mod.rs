//! `pottery tour`: the README's walkthrough, run for real against Redis.
//!
//! The tour is a list of [`SECTIONS`]; each builds a list of [`Step`]s: a line of
//! Rust shown after `>>> ` and a closure that runs that very line (the label is the
//! `stringify!` of the code, so they cannot drift apart), whose value is printed
//! with `{:?}`; a structure itself is shown with its `repr()` (its `Debug` is
//! only its type and key), as a Python REPL prints `repr`. A new structure adds
//! a module here and a row to [`SECTIONS`].
//!
//! Every key the tour makes is a temporary one (`pottery:<uuid4>`, deleted when its
//! last handle drops) and is also [tracked](Ctx::track): at the end, and if a step
//! fails, tracked keys still present are deleted, so the tour leaves nothing behind.
//! A step whose line makes a new temporary container (`c.add(&d, None)?`) is built
//! with [`tracked_step!`], which tracks the new key before showing its `repr()`.

mod basics;
mod bloom;
mod cache;
mod cached_dict;
mod counter;
mod dict;
mod hyperloglog;
mod list;
mod nextid;
mod queue;
mod redlock;
mod set;
mod slot;
mod timer;
mod workqueue;

use std::cell::RefCell;
use std::fmt::Debug;
use std::rc::Rc;
use std::sync::Arc;

use pottery::Client;

use crate::output::out;
use tokio::runtime::Runtime;

/// The error of a step: anything, shown with its message.
pub(crate) type BoxError = Box<dyn std::error::Error>;

/// Builds one section's steps; building may make (lazy) handles, running does the I/O.
type Section = fn(&Ctx) -> Result<Vec<Step>, BoxError>;

/// The tour, in order.
const SECTIONS: &[Section] = &[
    basics::client,
    dict::steps,
    list::steps,
    set::steps,
    counter::steps,
    queue::steps,
    workqueue::steps,
    bloom::steps,
    hyperloglog::steps,
    redlock::steps,
    cache::steps,
    nextid::steps,
    cached_dict::steps,
    timer::steps,
    basics::codec,
];

/// The column where a `# Python:` comment starts when it fits on the step's line.
const PYTHON_COLUMN: usize = 52;

/// Lines longer than this put the `# Python:` comment on a line of its own.
const MAX_WIDTH: usize = 110;

/// What the sections share.
pub(crate) struct Ctx {
    /// The server's URL.
    pub(crate) url: String,
    /// A handle on it.
    pub(crate) client: Client,
    /// The runtime the async steps block on.
    pub(crate) runtime: Arc<Runtime>,
    keys: Tracker,
}

/// The keys the tour writes; clones share the list, so a step can track a key it
/// makes while it runs.
#[derive(Clone, Default)]
pub(crate) struct Tracker(Rc<RefCell<Vec<String>>>);

impl Tracker {
    /// Notes `key`, to make sure it is gone at the end.
    pub(crate) fn track(&self, key: &str) {
        self.0.borrow_mut().push(key.to_owned());
    }
}

impl Ctx {
    /// Notes a key the tour writes, to make sure it is gone at the end.
    pub(crate) fn track(&self, key: &str) {
        self.keys.track(key);
    }

    /// A handle on the tracked keys, for steps that make keys while they run.
    pub(crate) fn tracker(&self) -> Tracker {
        self.keys.clone()
    }

    /// Deletes the tracked keys that still exist; returns how many there were.
    fn clean_up(&self) -> pottery::Result<u64> {
        let keys = self.keys.0.borrow();
        if keys.is_empty() {
            return Ok(0);
        }
        self.client
            .with_connection(|con| redis::cmd("UNLINK").arg(keys.as_slice()).query(con))
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        let _ = self.clean_up();
    }
}

/// One line of the tour.
pub(crate) enum Step {
    /// A section title.
    Heading(&'static str),
    /// Rust code, its Python equivalent, and the closure that runs it (`None` for a
    /// `let` the section builder ran: its value has no output).
    Code {
        /// The Rust line.
        code: String,
        /// The Python pottery line that does the same.
        python: Option<&'static str>,
        /// Runs the line; returns what to print.
        run: Option<Box<dyn FnOnce() -> Result<String, BoxError>>>,
    },
}

impl Step {
    /// A step that runs `run` and prints what it returns.
    pub(crate) fn run(
        code: &str,
        python: Option<&'static str>,
        run: impl FnOnce() -> Result<String, BoxError> + 'static,
    ) -> Step {
        Step::Code {
            code: one_line(code),
            python,
            run: Some(Box::new(run)),
        }
    }

    /// A step that only shows `code` (a `let` already run while building).
    pub(crate) fn shown(code: &str, python: Option<&'static str>) -> Step {
        Step::Code {
            code: one_line(code),
            python,
            run: None,
        }
    }

    /// Prints the step, runs it, prints its value.
    fn perform(self) -> Result<(), BoxError> {
        let (code, python, run) = match self {
            Step::Heading(title) => {
                out(format_args!("\n## {title}"))?;
                return Ok(());
            }
            Step::Code { code, python, run } => (code, python, run),
        };
        let line = format!(">>> {code}");
        match python {
            Some(py) if line.len().max(PYTHON_COLUMN) + py.len() + 11 <= MAX_WIDTH => {
                out(format_args!("{line:<PYTHON_COLUMN$}  # Python: {py}"))?;
            }
            Some(py) => out(format_args!("# Python: {py}\n{line}"))?,
            None => out(&line)?,
        }
        if let Some(run) = run {
            let shown =
                run().map_err(|err| format!("`{code}` failed: {}", crate::output::chain(&*err)))?;
            if !shown.is_empty() {
                out(&shown)?;
            }
        }
        Ok(())
    }
}

/// `value` as the tour prints it: `{:?}`, and nothing for `()`.
pub(crate) fn show<T: Debug + ?Sized>(value: &T) -> String {
    let shown = format!("{value:?}");
    if shown == "()" { String::new() } else { shown }
}

/// `stringify!` output on one line (it breaks long closures).
fn one_line(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A blocking step: `step!(py "tel['jack'] = 4098"; [tel] tel.insert("jack", 4098)?)`.
/// The names in brackets are cloned into the closure; `py` is optional.
macro_rules! step {
    (@ $py:expr; [$($cap:ident),*] $($code:tt)+) => {{
        $(let $cap = $cap.clone();)*
        $crate::tour::Step::run(stringify!($($code)+), $py, move || {
            let value = { $($code)+ };
            Ok($crate::tour::show(&value))
        })
    }};
    (py $py:literal; [$($cap:ident),*] $($code:tt)+) => {
        $crate::tour::step!(@ Some($py); [$($cap),*] $($code)+)
    };
    ([$($cap:ident),*] $($code:tt)+) => {
        $crate::tour::step!(@ None; [$($cap),*] $($code)+)
    };
}
pub(crate) use step;

/// An async step, `await_step!(ctx; [atel] atel.get("jack").await?)`: the code runs
/// in an `async` block on the tour's runtime.
macro_rules! await_step {
    ($ctx:expr; [$($cap:ident),*] $($code:tt)+) => {{
        $(let $cap = $cap.clone();)*
        let runtime = $ctx.runtime.clone();
        $crate::tour::Step::run(stringify!($($code)+), None, move || {
            let value = runtime.block_on(async move {
                Ok::<_, $crate::tour::BoxError>({ $($code)+ })
            })?;
            Ok($crate::tour::show(&value))
        })
    }};
}
pub(crate) use await_step;

/// A blocking step whose value is a container the line made at a new temporary key:
/// `tracked_step!(ctx; py "c + d"; [c, d] c.add(&d, None)?)`. The key is tracked
/// before the container's `repr()` is shown; `py` is optional.
macro_rules! tracked_step {
    (@ $ctx:expr; $py:expr; [$($cap:ident),*] $($code:tt)+) => {{
        $(let $cap = $cap.clone();)*
        let tracker = $ctx.tracker();
        $crate::tour::Step::run(stringify!($($code)+), $py, move || {
            let value = { $($code)+ };
            tracker.track(::pottery::Container::key(&value));
            Ok(value.repr()?)
        })
    }};
    ($ctx:expr; py $py:literal; [$($cap:ident),*] $($code:tt)+) => {
        $crate::tour::tracked_step!(@ $ctx; Some($py); [$($cap),*] $($code)+)
    };
    ($ctx:expr; [$($cap:ident),*] $($code:tt)+) => {
        $crate::tour::tracked_step!(@ $ctx; None; [$($cap),*] $($code)+)
    };
}
pub(crate) use tracked_step;

/// A blocking step whose line is a structure's `repr()`, printed as it is (not
/// as a quoted string), as a Python REPL prints a structure:
/// `repr_step!(py "tel"; [tel] tel.repr()?)`.
macro_rules! repr_step {
    (py $py:literal; [$($cap:ident),*] $($code:tt)+) => {{
        $(let $cap = $cap.clone();)*
        $crate::tour::Step::run(stringify!($($code)+), Some($py), move || Ok({ $($code)+ }))
    }};
}
pub(crate) use repr_step;

/// Runs a `let` while building a section and shows it as a step:
/// `let_step!(steps; py "tel = RedisDict(redis=redis)"; let tel: T = expr);` (`py`
/// is optional).
macro_rules! let_step {
    ($steps:ident; $(py $py:literal;)? let $name:ident $(: $ty:ty)? = $value:expr) => {
        let $name $(: $ty)? = $value;
        $steps.push($crate::tour::Step::shown(
            concat!(
                "let ", stringify!($name), $(": ", stringify!($ty),)? " = ", stringify!($value), ";"
            ),
            None $(.or(Some($py)))?,
        ));
    };
}
pub(crate) use let_step;

/// Runs the tour against `url`, or against a private server started for it.
pub(crate) fn run(url: Option<String>) -> Result<(), BoxError> {
    let (server, url) = match url {
        Some(url) => (None, url),
        None => {
            let server = start_server()?;
            let url = server.url();
            out(format_args!(
                "# No --url and no REDIS_URL: started a private redis-server at\n\
                 # {url}; it is stopped when the tour ends."
            ))?;
            (Some(server), url)
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let ctx = Ctx {
        client: Client::open(&url)?,
        url,
        runtime: Arc::new(runtime),
        keys: Tracker::default(),
    };
    for section in SECTIONS {
        for step in section(&ctx)? {
            step.perform()?;
        }
    }
    let left = ctx.clean_up()?;
    let made = ctx.keys.0.borrow().len();
    out(format_args!(
        "\n# The tour wrote {made} key(s); {left} were left to delete at the end."
    ))?;
    drop(ctx);
    if let Some(mut server) = server {
        server.stop();
        out("# Stopped the private redis-server.")?;
    }
    Ok(())
}

/// Starts a private `redis-server`.
fn start_server() -> Result<pottery_testkit::Server, BoxError> {
    pottery_testkit::Server::try_start().map_err(|why| {
        format!("cannot start a private redis-server (pass --url to use one): {why}").into()
    })
}
