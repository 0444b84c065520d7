//! `pottery`: look at pottery data in Redis, and take the tour.
//!
//! - `pottery inspect KEY` prints one JSON document describing the structure at
//!   `KEY`, its contents decoded as Python's pottery and this crate store them
//!   (see [`inspect`]); `--format text` prints it for reading, non-ASCII
//!   characters unescaped.
//! - `pottery tour` runs the README's walkthrough, line by line, against Redis (see
//!   [`tour`]); without a URL it starts a private `redis-server` for itself.
//!
//! The server is `--url`, else `REDIS_URL`, else `redis://localhost:6379/0`
//! (`inspect`) or a private server (`tour`).
//!
//! Exit status: 0 on success, 1 when the inspected key does not exist, 2 on an
//! error (bad arguments, Redis unreachable, a failed tour step).

mod inspect;
mod output;
mod tour;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Look at pottery data in Redis, and take the tour.
#[derive(Debug, Parser)]
#[command(name = "pottery", version, about, long_about = None)]
#[command(
    after_help = "Exit status: 0 on success, 1 when the inspected key does not exist, 2 on errors."
)]
struct Cli {
    /// Redis URL: `redis://[user:password@]host[:port][/db]`, `rediss://...`, `unix:///path`.
    #[arg(long, env = "REDIS_URL", global = true, hide_env_values = true)]
    url: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the structure at KEY as JSON: type, size, TTL and decoded contents.
    ///
    /// Hash keys that are not strings are shown as their JSON text ("3", "[1, 2]");
    /// entries that are not pottery JSON as `{"undecodable": "<raw text>"}`, with a
    /// warning on stderr. A Redlock's key (redlock:NAME) shows who holds it:
    /// `{"holder": "<token>", "ttl_ms": N, "last_token": T}` (T: its last fencing token); a NextId's key (nextid:NAME) the ID
    /// it holds: `{"id": N, "next": N + 1}`. Without --url or REDIS_URL, reads
    /// redis://localhost:6379/0.
    ///
    /// With --masters, reads KEY on each of those independent masters (Redlock's
    /// or NextId's) instead: `{"key", "masters": [{"url", ...report} or {"url",
    /// "error"}]}`, plus for nextid:* the quorum's view `{"masters", "needed",
    /// "answered", "current", "next"}`. Exit status 2 only if no master could be
    /// read.
    ///
    /// A Bloom filter stores neither its size nor its false-positive rate: give its
    /// (n, p) with --bloom to see its size, fill ratio, estimated count and current
    /// false-positive rate. A HyperLogLog is recognised and shows its count.
    Inspect {
        /// The Redis key.
        key: String,
        /// Read KEY on each of these masters (comma-separated or repeated); --url
        /// is then not used.
        #[arg(
            long,
            value_delimiter = ',',
            value_name = "URL,...",
            conflicts_with = "bloom"
        )]
        masters: Vec<String>,
        /// Read KEY as a Bloom filter built for N elements at false-positive rate P
        /// (as pottery's `BloomFilter(num_elements=N, false_positives=P)`).
        #[arg(long, value_name = "N,P", value_parser = inspect::bloom::parse)]
        bloom: Option<inspect::bloom::Shape>,
        /// `json` (default): pottery JSON, ASCII only (`"caf\u00e9"`); `text`: the
        /// same document for reading, non-ASCII characters as themselves (`"café"`).
        #[arg(long, value_enum, default_value_t = output::Format::Json)]
        format: output::Format,
    },
    /// Walk through pottery's structures, showing each Rust line and its result.
    ///
    /// Without --url or REDIS_URL, starts a private redis-server on a free port and
    /// stops it at the end. Every key the tour writes is deleted before it ends.
    Tour,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect {
            key,
            masters,
            format,
            ..
        } if !masters.is_empty() => run_inspect_masters(&masters, &key, format),
        Command::Inspect {
            key, bloom, format, ..
        } => run_inspect(cli.url.as_deref(), &key, bloom, format),
        Command::Tour => match tour::run(cli.url) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                output::err(format_args!("error: {err}"));
                ExitCode::from(2)
            }
        },
    }
}

/// `pottery inspect --masters URL,... KEY`.
fn run_inspect_masters(urls: &[String], key: &str, format: output::Format) -> ExitCode {
    let report = inspect::masters::inspect_all(urls, key);
    for (url, why) in report.failures() {
        output::err(format_args!("warning: cannot read master {url}: {why}"));
    }
    if let Err(err) = output::out(output::render(&report.to_value(), format)) {
        output::err(format_args!("error: cannot write the report: {err}"));
        return ExitCode::from(2);
    }
    if !report.any_read() {
        output::err(format_args!("error: no master could be read"));
        ExitCode::from(2)
    } else if report.exists() {
        ExitCode::SUCCESS
    } else {
        output::err(format_args!(
            "error: key {key:?} does not exist on any master"
        ));
        ExitCode::from(1)
    }
}

/// `pottery inspect KEY [--bloom N,P]`.
fn run_inspect(
    url: Option<&str>,
    key: &str,
    bloom: Option<inspect::bloom::Shape>,
    format: output::Format,
) -> ExitCode {
    let client = match pottery::Client::open(url.unwrap_or(pottery::DEFAULT_URL)) {
        Ok(client) => client,
        Err(err) => {
            output::err(format_args!("error: {err}"));
            return ExitCode::from(2);
        }
    };
    let mut warnings = inspect::Warnings::default();
    let report = match bloom {
        Some(shape) => match inspect::bloom::inspect(&client, key, shape, &mut warnings) {
            Ok(Err(wrong_type)) => {
                output::err(format_args!("error: {wrong_type}"));
                return ExitCode::from(2);
            }
            Ok(Ok(report)) => Ok(report),
            Err(err) => Err(err),
        },
        None => inspect::inspect(&client, key, &mut warnings),
    };
    let report = match report {
        Ok(report) => report,
        Err(err) => {
            output::err(format_args!("error: cannot inspect {key:?}: {err}"));
            return ExitCode::from(2);
        }
    };
    let printed = output::out(output::render(&report.to_value(), format));
    warnings.finish();
    if let Err(err) = printed {
        output::err(format_args!("error: cannot write the report: {err}"));
        return ExitCode::from(2);
    }
    if report.exists() {
        ExitCode::SUCCESS
    } else {
        output::err(format_args!("error: key {key:?} does not exist"));
        ExitCode::from(1)
    }
}
