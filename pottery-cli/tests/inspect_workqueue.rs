//! `pottery inspect` on a `RedisWorkQueue`'s stream: its stats (the library's
//! own `stats()`, per consumer group) and its items.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::Duration;

use pottery::json::{self, Value};
use pottery::sync::RedisWorkQueue;
use pottery_testkit::Server;

/// `pottery --url URL inspect KEY`: (exit code, parsed stdout, stderr).
fn inspect(server: &Server, key: &str) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pottery"))
        .args(["--url", &server.url(), "inspect", key])
        .env_remove("REDIS_URL")
        .output()
        .expect("run pottery");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = json::from_str::<Value>(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}\n{stderr}"));
    (out.status.code().expect("exit code"), doc, stderr)
}

fn field<'a>(doc: &'a Value, name: &str) -> &'a Value {
    match doc {
        Value::Object(fields) => fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no {name} in {doc:?}")),
        other => panic!("not an object: {other:?}"),
    }
}

#[test]
fn inspect_shows_a_work_queues_stats_and_items() {
    let server = Server::start();
    let client = pottery::Client::open(&server.url()).unwrap();
    let jobs: RedisWorkQueue<String> = RedisWorkQueue::builder(&client, "jobs")
        .max_deliveries(1)
        .build()
        .unwrap();
    jobs.put_many(["a", "b", "c", "d"]).unwrap();
    jobs.put_delayed("later", Duration::from_secs(60)).unwrap();
    // "a" dead (nacked at its last delivery), "b" in flight, "c" and "d" ready.
    jobs.receive().unwrap().nack(Duration::ZERO).unwrap();
    let held = jobs.receive().unwrap();
    assert_eq!(held.item(), "b");
    // A second group on the same stream, which sees every entry there: it
    // holds "b" too.
    let other: RedisWorkQueue<String> = RedisWorkQueue::builder(&client, "jobs")
        .group("audit")
        .build()
        .unwrap();
    let audited = other
        .try_receive()
        .unwrap()
        .expect("the audit group sees b");
    assert_eq!(audited.item(), "b");

    let (code, doc, stderr) = inspect(&server, "jobs");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "work queue entries decode without warnings");
    assert_eq!(field(&doc, "type"), &Value::String("stream".to_owned()));
    let contents = field(&doc, "contents");
    let items: Vec<Value> = ["b", "c", "d"]
        .iter()
        .map(|s| Value::String((*s).to_owned()))
        .collect();
    assert_eq!(field(contents, "items"), &Value::Array(items));
    let Value::Array(groups) = field(contents, "workqueue") else {
        panic!("{contents:?}")
    };
    assert_eq!(groups.len(), 2, "{groups:?}");
    let group = |name: &str| {
        groups
            .iter()
            .find(|g| field(g, "group") == &Value::String(name.to_owned()))
            .unwrap_or_else(|| panic!("no group {name}: {groups:?}"))
    };
    let count = |g: &Value, name: &str| match field(g, name) {
        Value::Int(n) => *n,
        other => panic!("{name}: {other:?}"),
    };
    let ours = group("pottery");
    let figures: Vec<i128> = ["ready", "in_flight", "delayed", "dead"]
        .iter()
        .map(|name| count(ours, name))
        .collect();
    assert_eq!(figures, [2, 1, 1, 1], "{ours:?}");
    assert!(count(ours, "oldest_age_ms") >= 0, "{ours:?}");
    let audit = group("audit");
    assert_eq!(count(audit, "ready"), 2, "{audit:?}");
    assert_eq!(count(audit, "in_flight"), 1, "{audit:?}");
    drop((held, audited));
}
