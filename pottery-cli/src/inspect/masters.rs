//! `pottery inspect --masters URL1,URL2,... KEY`: one key on several independent
//! masters (a Redlock's or a NextId's), read from all of them at once.
//!
//! The document lists what each master holds, in the order given:
//!
//! ```text
//! {"key": "nextid:tweets",
//!  "masters": [{"url": "redis://a:6379", "type": "string", "size": 2, "ttl_ms": null,
//!               "contents": {"id": 12, "next": 13}},
//!              {"url": "redis://b:6379", "error": "<why it could not be read>"}, ...],
//!  "quorum": {"masters": 3, "needed": 2, "answered": 2, "current": 12, "next": 13}}
//! ```
//!
//! Each master's entry is the single-server report (see [`super`]) with its URL
//! first (a password in it shown as `***`); an unreachable master has an
//! `error` instead. `quorum` is there for a NextId key (`nextid:*`): `answered`
//! counts the masters that gave an ID (a missing key is 0), `current` is the
//! greatest of them and `next` the ID a client would propose now, both `null`
//! unless at least `needed` (more than half) answered, as the algorithm demands.

use pottery::json::Value;

use super::{Report, Warnings, inspect};

/// What one master answered.
pub(crate) struct Answer {
    /// The master's URL, password hidden.
    url: String,
    /// Its report, or why it could not be read.
    report: Result<Report, String>,
}

/// The key on every master.
pub(crate) struct MultiReport {
    key: String,
    answers: Vec<Answer>,
}

impl MultiReport {
    /// Whether any master was read.
    pub(crate) fn any_read(&self) -> bool {
        self.answers.iter().any(|a| a.report.is_ok())
    }

    /// Whether the key exists on any master.
    pub(crate) fn exists(&self) -> bool {
        self.answers
            .iter()
            .any(|a| a.report.as_ref().is_ok_and(Report::exists))
    }

    /// The unreadable masters' URLs and errors, for stderr.
    pub(crate) fn failures(&self) -> impl Iterator<Item = (&str, &str)> {
        self.answers
            .iter()
            .filter_map(|a| Some((a.url.as_str(), a.report.as_ref().err()?.as_str())))
    }

    /// The document, fields in a fixed order.
    pub(crate) fn to_value(&self) -> Value {
        let masters = self.answers.iter().map(|answer| {
            let mut fields = vec![("url".to_owned(), Value::String(answer.url.clone()))];
            match &answer.report {
                Ok(report) => match report.to_value() {
                    // Every field but the key, which the document states once.
                    Value::Object(entries) => {
                        fields.extend(entries.into_iter().filter(|(name, _)| name != "key"));
                    }
                    other => fields.push(("report".to_owned(), other)),
                },
                Err(why) => fields.push(("error".to_owned(), Value::String(why.clone()))),
            }
            Value::Object(fields)
        });
        let mut doc = vec![
            ("key".to_owned(), Value::String(self.key.clone())),
            ("masters".to_owned(), Value::Array(masters.collect())),
        ];
        if self.key.starts_with(pottery::NEXTID_KEY_PREFIX) {
            doc.push(("quorum".to_owned(), self.nextid_quorum()));
        }
        Value::Object(doc)
    }

    /// What a NextId would read from these masters now.
    fn nextid_quorum(&self) -> Value {
        let ids: Vec<u64> = self
            .answers
            .iter()
            .filter_map(|a| stored_id(a.report.as_ref().ok()?))
            .collect();
        let n = self.answers.len();
        let needed = n / 2 + 1;
        let current = ids.iter().max().copied().filter(|_| ids.len() >= needed);
        let int = |x: u64| Value::Int(i128::from(x));
        Value::Object(vec![
            ("masters".to_owned(), int(n as u64)),
            ("needed".to_owned(), int(needed as u64)),
            ("answered".to_owned(), int(ids.len() as u64)),
            ("current".to_owned(), current.map_or(Value::Null, int)),
            (
                "next".to_owned(),
                current.map_or(Value::Null, |c| Value::Int(i128::from(c) + 1)),
            ),
        ])
    }
}

/// The ID a master's report shows: 0 for a missing key; `None` for a key of
/// another type or an undecodable value (NextId fails on those too).
fn stored_id(report: &Report) -> Option<u64> {
    match (report.redis_type.as_str(), &report.contents) {
        // Missing (or deleted between TYPE and GET): 0.
        ("none", _) | ("string", Value::Null) => Some(0),
        ("string", Value::Object(fields)) => fields.iter().find_map(|(name, value)| match value {
            Value::Int(id) if name == "id" => u64::try_from(*id).ok(),
            _ => None,
        }),
        _ => None,
    }
}

/// Reads `key` on every master in `urls` at once (one thread each: an
/// unreachable master costs its connect timeout, not the sum of them).
pub(crate) fn inspect_all(urls: &[String], key: &str) -> MultiReport {
    let answers = std::thread::scope(|s| {
        let running: Vec<_> = urls
            .iter()
            .map(|url| s.spawn(move || read_one(url, key)))
            .collect();
        running
            .into_iter()
            .zip(urls)
            .map(|(run, url)| {
                run.join().unwrap_or_else(|_| Answer {
                    url: redact(url),
                    report: Err("the reading thread panicked".to_owned()),
                })
            })
            .collect()
    });
    MultiReport {
        key: key.to_owned(),
        answers,
    }
}

/// One master's report; its warnings are printed as they come.
fn read_one(url: &str, key: &str) -> Answer {
    let mut warnings = Warnings::default();
    let report = pottery::Client::open(url)
        .and_then(|client| inspect(&client, key, &mut warnings))
        .map_err(|err| crate::output::chain(&err));
    warnings.finish();
    Answer {
        url: redact(url),
        report,
    }
}

/// `url` with the password (if any) replaced by `***`: pottery's own
/// redaction, through a real URL parse.
pub(crate) fn redact(url: &str) -> String {
    pottery::redact_url(url)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("redis://localhost:6379/0"),
            "redis://localhost:6379/0"
        );
        assert_eq!(redact("redis://:secret@h:1/2"), "redis://:***@h:1/2");
        assert_eq!(redact("rediss://u:p@ss@h"), "rediss://u:***@h");
        // A lone user part may be a password written without its `:`.
        assert_eq!(redact("redis://user@h"), "redis://***@h");
        assert!(!redact("redis://:pa/ss@h:1/0").contains("pa"));
        assert_eq!(redact("unix:///tmp/r.sock"), "unix:///tmp/r.sock");
    }
}
