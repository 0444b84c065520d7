//! The `pottery` binary against private Redis servers: `inspect` on data written by
//! Python's pottery 3.0.1, and `tour` with and without a URL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

use pottery::json::{self, Value};
use pottery_testkit::{Server, python};

/// Runs the built `pottery` with `args` and only the `env` variables given among
/// `REDIS_URL` and `PATH` changed (`REDIS_URL` is never inherited).
fn pottery_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pottery"));
    cmd.args(args)
        .env_remove("REDIS_URL")
        .envs(env.iter().copied());
    cmd.output().expect("run pottery")
}

fn pottery(args: &[&str]) -> Output {
    pottery_env(args, &[])
}

/// `pottery --url URL inspect KEY`: (exit code, parsed stdout, stdout, stderr).
fn inspect(server: &Server, key: &str) -> (i32, Value, String, String) {
    let out = pottery(&["--url", &server.url(), "inspect", key]);
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = json::from_str::<Value>(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}\n{stderr}"));
    (out.status.code().expect("exit code"), doc, stdout, stderr)
}

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn obj(entries: &[(&str, Value)]) -> Value {
    Value::Object(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

/// The document `inspect` prints for an existing key without expiry.
fn report(key: &str, ty: &str, size: i128, contents: Value) -> Value {
    obj(&[
        ("key", s(key)),
        ("type", s(ty)),
        ("size", Value::Int(size)),
        ("ttl_ms", Value::Null),
        ("contents", contents),
    ])
}

/// `doc` with every NaN replaced by the string `"<NaN>"`, so that it compares equal.
fn tame_nan(doc: Value) -> Value {
    match doc {
        Value::Float(x) if x.is_nan() => s("<NaN>"),
        Value::Array(items) => Value::Array(items.into_iter().map(tame_nan).collect()),
        Value::Object(entries) => {
            Value::Object(entries.into_iter().map(|(k, v)| (k, tame_nan(v))).collect())
        }
        other => other,
    }
}

fn dbsize(server: &Server) -> i64 {
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_connection().unwrap();
    redis::cmd("DBSIZE").query(&mut con).unwrap()
}

const PRELUDE: &str = "import os\nfrom redis import Redis\nfrom pottery import *\n\
                       r = Redis.from_url(os.environ['REDIS_URL'])\n";

#[test]
fn inspect_a_python_dict() {
    let server = Server::start();
    python(
        &format!(
            "{PRELUDE}d = RedisDict(redis=r, key='tel')\n\
             d['caf\u{e9}'] = {{'nested': {{'b': [1.5, None], 'a': 1e16}}}}\n\
             d['\u{1f600}'] = 2**70\n\
             d[3] = None\n\
             d[(1, 2)] = True\n\
             d['flag'] = False\n\
             d['tiny'] = 1e-05\n"
        ),
        &server.url(),
        "",
    );
    let (code, doc, stdout, stderr) = inspect(&server, "tel");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    // Ordered by the stored field bytes: "\ud83d..." < "caf..." < "flag" < "tiny" < 3 < [1, 2].
    let contents = obj(&[
        ("\u{1f600}", Value::Int(1 << 70)),
        (
            "caf\u{e9}",
            obj(&[(
                "nested",
                obj(&[
                    ("a", Value::Float(1e16)),
                    ("b", Value::Array(vec![Value::Float(1.5), Value::Null])),
                ]),
            )]),
        ),
        ("flag", Value::Bool(false)),
        ("tiny", Value::Float(1e-5)),
        ("3", Value::Null),
        ("[1, 2]", Value::Bool(true)),
    ]);
    assert_eq!(doc, report("tel", "hash", 6, contents));
    // Scalars are written in pottery's (Python's) JSON form.
    for text in [
        r#""\ud83d\ude00": 1180591620717411303424"#,
        r#""caf\u00e9": {"#,
        r#""a": 1e+16"#,
        r#""tiny": 1e-05"#,
        r#""[1, 2]": true"#,
    ] {
        assert!(stdout.contains(text), "{text} not in\n{stdout}");
    }
    assert!(
        stdout.starts_with("{\n  \"key\": \"tel\",\n  \"type\": \"hash\",\n"),
        "{stdout}"
    );
}

/// `--format text`: the same document, non-ASCII characters as themselves, still
/// JSON (Python's `json.loads` reads it to the same value); `--format json` is the
/// default; another format is a usage error.
#[test]
fn inspect_format_text_is_human_readable() {
    let server = Server::start();
    python(
        &format!(
            "{PRELUDE}d = RedisDict(redis=r, key='caf\u{e9}')\n\
             d['\u{1f600}'] = ['na\u{ef}ve', 'tab\\there', 2**70]\n"
        ),
        &server.url(),
        "",
    );
    let url = server.url();
    let run = |format: &[&str]| {
        let mut args = vec!["--url", &url, "inspect", "caf\u{e9}"];
        args.extend_from_slice(format);
        let out = pottery(&args);
        let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
        (out.status.code().expect("exit code"), stdout)
    };
    let (code, text) = run(&["--format", "text"]);
    assert_eq!(code, 0, "{text}");
    for shown in [
        "\"key\": \"caf\u{e9}\"",
        "\"\u{1f600}\": [",
        "\"na\u{ef}ve\"",
        "\"tab\\there\"",
        "1180591620717411303424",
    ] {
        assert!(text.contains(shown), "{shown} not in\n{text}");
    }
    assert!(!text.contains("\\u"), "escaped in text:\n{text}");
    let (code, default) = run(&[]);
    assert_eq!(code, 0);
    assert!(default.contains(r#""caf\u00e9""#), "{default}");
    assert!(default.is_ascii());
    assert_eq!(run(&["--format", "json"]).1, default);
    // Both are the same document.
    assert_eq!(
        json::from_str::<Value>(&text).unwrap(),
        json::from_str::<Value>(&default).unwrap()
    );
    let (code, _) = run(&["--format", "yaml"]);
    assert_eq!(code, 2);
}

#[test]
fn inspect_a_python_list_set_and_queue() {
    let server = Server::start();
    python(
        &format!(
            "{PRELUDE}RedisList([1, 'two', {{'three': 3.0}}, None, float('nan')], redis=r, key='l')\n\
             RedisSet({{1, 'a', (1, 2)}}, redis=r, key='s')\n\
             r.pexpire('s', 100000)\n\
             q = RedisSimpleQueue(redis=r, key='q')\n\
             for item in ['first', 2, [2.5, None]]: q.put(item)\n"
        ),
        &server.url(),
        "",
    );

    let (code, doc, stdout, _) = inspect(&server, "l");
    assert_eq!(code, 0);
    let items = vec![
        Value::Int(1),
        s("two"),
        obj(&[("three", Value::Float(3.0))]),
        Value::Null,
        s("<NaN>"),
    ];
    assert_eq!(tame_nan(doc), report("l", "list", 5, Value::Array(items)));
    assert!(stdout.contains("    NaN\n"), "{stdout}");

    // Members ordered by their stored bytes: "a" < 1 < [1, 2].
    let (code, doc, _, _) = inspect(&server, "s");
    assert_eq!(code, 0);
    let Value::Object(mut fields) = doc else {
        panic!()
    };
    let (name, ttl) = fields.remove(3);
    assert_eq!(name, "ttl_ms");
    assert!(
        matches!(ttl, Value::Int(ms) if ms > 0 && ms <= 100_000),
        "{ttl:?}"
    );
    fields.insert(3, ("ttl_ms".to_owned(), Value::Null));
    let members = Value::Array(vec![
        s("a"),
        Value::Int(1),
        Value::Array(vec![Value::Int(1), Value::Int(2)]),
    ]);
    assert_eq!(Value::Object(fields), report("s", "set", 3, members));

    let (code, doc, _, _) = inspect(&server, "q");
    assert_eq!(code, 0);
    let items = Value::Array(vec![
        s("first"),
        Value::Int(2),
        Value::Array(vec![Value::Float(2.5), Value::Null]),
    ]);
    assert_eq!(doc, report("q", "stream", 3, items));
}

#[test]
fn inspect_pages_through_long_structures() {
    let server = Server::start();
    let script = format!(
        "{PRELUDE}RedisList(list(range(1234)), redis=r, key='list')\n\
         RedisDict({{i: -i for i in range(1234)}}, redis=r, key='dict')\n\
         RedisSet(range(1234), redis=r, key='set')\n\
         q = RedisSimpleQueue(redis=r, key='queue')\n\
         for i in range(1234): q.put(i)\n"
    );
    python(&script, &server.url(), "");
    let numbers = || Value::Array((0..1234).map(Value::Int).collect());
    for (key, ty) in [("list", "list"), ("queue", "stream")] {
        let (code, doc, _, _) = inspect(&server, key);
        assert_eq!(code, 0);
        assert_eq!(doc, report(key, ty, 1234, numbers()));
    }
    // Sets and dicts are ordered by their stored bytes: "0" < "1" < "10" < "100" ...
    let mut by_bytes: Vec<i128> = (0..1234).collect();
    by_bytes.sort_by_key(|n| n.to_string());
    let (_, doc, _, _) = inspect(&server, "set");
    let members = Value::Array(by_bytes.iter().map(|&n| Value::Int(n)).collect());
    assert_eq!(doc, report("set", "set", 1234, members));
    let (_, doc, _, _) = inspect(&server, "dict");
    let entries = by_bytes
        .iter()
        .map(|&n| (n.to_string(), Value::Int(-n)))
        .collect();
    assert_eq!(doc, report("dict", "hash", 1234, Value::Object(entries)));
}

#[test]
fn inspect_a_python_counter_and_deque() {
    let server = Server::start();
    python(
        &format!(
            "{PRELUDE}c = RedisCounter('abracadabra', redis=r, key='c')\n\
             c[10] = -2\n\
             c.update({{(1, 2): 4}})\n\
             d = RedisDeque([1, 'two', None], maxlen=3, redis=r, key='d')\n\
             d.appendleft({{'x': 2.5}})\n\
             d.append('last')\n"
        ),
        &server.url(),
        "",
    );

    // A counter is a hash whose values are plain integers ("5"), decoded as JSON.
    let (code, doc, stdout, stderr) = inspect(&server, "c");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    // Ordered by the stored field bytes: "\"a\"" ... "\"r\"" < "10" < "[1, 2]".
    let counts = obj(&[
        ("a", Value::Int(5)),
        ("b", Value::Int(2)),
        ("c", Value::Int(1)),
        ("d", Value::Int(1)),
        ("r", Value::Int(2)),
        ("10", Value::Int(-2)),
        ("[1, 2]", Value::Int(4)),
    ]);
    assert_eq!(doc, report("c", "hash", 7, counts));
    assert!(stdout.contains("    \"a\": 5,\n"), "{stdout}");

    // A full deque drops from the other end: appendleft dropped None, append dropped
    // {'x': 2.5}.
    let (code, doc, _, stderr) = inspect(&server, "d");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    let items = Value::Array(vec![Value::Int(1), s("two"), s("last")]);
    assert_eq!(doc, report("d", "list", 3, items));
}

#[test]
fn undecodable_entries_are_marked_and_warned_about() {
    let server = Server::start();
    python(
        &format!("{PRELUDE}r.hset('h', mapping={{'\"ok\"': '1', 'not json': '{{oops'}})\n"),
        &server.url(),
        "",
    );
    let (code, doc, _, stderr) = inspect(&server, "h");
    assert_eq!(code, 0);
    let marker = |raw: &str| obj(&[("undecodable", s(raw))]);
    let contents = obj(&[
        ("ok", Value::Int(1)),
        (r#"{"undecodable": "not json"}"#, marker("{oops")),
    ]);
    assert_eq!(doc, report("h", "hash", 2, contents));
    assert_eq!(stderr.matches("warning:").count(), 2, "{stderr}");
}

/// The `(size, top-level ttl_ms, holder, contents' ttl_ms, last_token)` of a Redlock key's report.
fn redlock_report(doc: &Value, key: &str) -> (i128, i128, String, i128, i128) {
    let Value::Object(fields) = doc else {
        panic!("{doc:?}")
    };
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["key", "type", "size", "ttl_ms", "contents"]);
    assert_eq!(fields[0].1, s(key));
    assert_eq!(fields[1].1, s("string"));
    let (Value::Int(size), Value::Int(ttl)) = (&fields[2].1, &fields[3].1) else {
        panic!("{doc:?}")
    };
    let Value::Object(contents) = &fields[4].1 else {
        panic!("{doc:?}")
    };
    match contents.as_slice() {
        [
            (h, Value::String(holder)),
            (t, Value::Int(left)),
            (l, Value::Int(last)),
        ] if h == "holder" && t == "ttl_ms" && l == "last_token" => {
            (*size, *ttl, holder.clone(), *left, *last)
        }
        _ => panic!("{doc:?}"),
    }
}

#[test]
fn inspect_a_redlock_held_by_python_and_by_ours() {
    let server = Server::start();
    // Python's pottery holds `redlock:printer` for 100 s (it stays held after the
    // script exits: nothing releases it).
    let token = python(
        &format!(
            "{PRELUDE}lock = Redlock(key='printer', masters={{r}}, auto_release_time=100)\n\
             assert lock.acquire()\n\
             print(lock._uuid)\n"
        ),
        &server.url(),
        "",
    );
    let token = token.trim();
    assert_eq!(token.len(), 36, "{token}");
    let (code, doc, _, stderr) = inspect(&server, "redlock:printer");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    let (size, ttl, holder, left, last) = redlock_report(&doc, "redlock:printer");
    assert_eq!((size, holder.as_str()), (36, token));
    assert_eq!(last, 0, "Python pottery takes no fencing token");
    assert!(0 < left && left <= 100_000, "{doc:?}");
    assert!(0 < ttl && ttl <= 100_000, "{doc:?}");

    // Ours holds `redlock:scanner` for 60 s.
    let client = pottery::Client::open(&server.url()).unwrap();
    let scanner: pottery::sync::Redlock = pottery::Redlock::builder("scanner")
        .master(client)
        .auto_release_time(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    scanner.acquire().unwrap().release().unwrap();
    let guard = scanner.acquire().unwrap();
    assert_eq!(guard.fencing_token(), 2);
    let (code, doc, _, stderr) = inspect(&server, "redlock:scanner");
    assert_eq!(code, 0, "{stderr}");
    let (size, _, holder, left, last) = redlock_report(&doc, "redlock:scanner");
    assert_eq!((size, holder.as_str()), (36, guard.token()));
    assert_eq!(last, 2, "the last fencing token");
    assert!(0 < left && left <= 60_000, "{doc:?}");
    // Released: the key is gone.
    guard.release().unwrap();
    let (code, doc, _, _) = inspect(&server, "redlock:scanner");
    assert_eq!(code, 1);
    assert_eq!(doc, report("redlock:scanner", "none", 0, Value::Null));
    // A string key outside `redlock:` is still read as a plain string.
    python(
        &format!("{PRELUDE}r.set('printer', '\"idle\"')\n"),
        &server.url(),
        "",
    );
    let (code, doc, _, _) = inspect(&server, "printer");
    assert_eq!(code, 0);
    assert_eq!(doc, report("printer", "string", 6, s("idle")));
}

#[test]
fn inspect_a_nextid_written_by_python_and_by_ours() {
    let server = Server::start();
    python(
        &format!(
            "{PRELUDE}ids = NextID(key='tweets', masters={{r}})\n\
             print([next(ids) for _ in range(3)])\n"
        ),
        &server.url(),
        "",
    );
    let id_report = |id: i128, size: i128, key: &str| {
        report(
            key,
            "string",
            size,
            obj(&[("id", Value::Int(id)), ("next", Value::Int(id + 1))]),
        )
    };
    let (code, doc, _, stderr) = inspect(&server, "nextid:tweets");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(doc, id_report(3, 1, "nextid:tweets"));
    // Ours continues the sequence.
    let client = pottery::Client::open(&server.url()).unwrap();
    let ids: pottery::sync::NextId = pottery::NextId::new(&client, "tweets");
    assert_eq!(ids.next().unwrap(), 4);
    let (_, doc, _, _) = inspect(&server, "nextid:tweets");
    assert_eq!(doc, id_report(4, 1, "nextid:tweets"));
    // pottery's exponent form above ~1e14, read as the integer it denotes.
    python(
        &format!("{PRELUDE}r.set('nextid:big', '1.2345678901235e+14')\n"),
        &server.url(),
        "",
    );
    let (code, doc, _, _) = inspect(&server, "nextid:big");
    assert_eq!(code, 0);
    assert_eq!(doc, id_report(123_456_789_012_350, 19, "nextid:big"));
    // Not an ID: marked and warned about.
    python(
        &format!("{PRELUDE}r.set('nextid:bad', 'twelve')\n"),
        &server.url(),
        "",
    );
    let (code, doc, _, stderr) = inspect(&server, "nextid:bad");
    assert_eq!(code, 0);
    assert_eq!(
        doc,
        report(
            "nextid:bad",
            "string",
            6,
            obj(&[("undecodable", s("twelve"))])
        )
    );
    assert!(stderr.contains("nextid:bad"), "{stderr}");
}

/// `pottery inspect --masters URLS KEY`: (exit code, parsed stdout, stderr).
fn inspect_masters(urls: &[String], key: &str) -> (i32, Value, String) {
    let joined = urls.join(",");
    let out = pottery(&["inspect", "--masters", &joined, key]);
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = json::from_str::<Value>(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}\n{stderr}"));
    (out.status.code().expect("exit code"), doc, stderr)
}

/// A field of a JSON object.
fn field<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let Value::Object(fields) = doc else {
        panic!("not an object: {doc:?}")
    };
    fields
        .iter()
        .find_map(|(k, v)| (k == name).then_some(v))
        .unwrap_or_else(|| panic!("no {name:?} in {doc:?}"))
}

/// The quorum object of a NextId's multi-master document.
fn quorum(masters: i128, needed: i128, answered: i128, current: Option<i128>) -> Value {
    let id = |x: Option<i128>| x.map_or(Value::Null, Value::Int);
    obj(&[
        ("masters", Value::Int(masters)),
        ("needed", Value::Int(needed)),
        ("answered", Value::Int(answered)),
        ("current", id(current)),
        ("next", id(current.map(|c| c + 1))),
    ])
}

#[test]
fn inspect_a_nextid_on_several_masters() {
    let mut masters = pottery_testkit::Masters::start(3);
    let urls = masters.urls();
    let clients: Vec<_> = urls
        .iter()
        .map(|u| pottery::Client::open(u).unwrap())
        .collect();
    let ids: pottery::sync::NextId = pottery::NextId::builder()
        .key("orders")
        .masters(clients.clone())
        .build()
        .unwrap();
    for want in 1..=5 {
        assert_eq!(ids.next().unwrap(), want);
    }
    // next() returns at a quorum: the last proposal may still be on its way to
    // a third master. Wait until every master holds 5.
    let get = |i: usize| -> Option<String> {
        clients[i]
            .with_connection(|con| redis::cmd("GET").arg("nextid:orders").query(con))
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while (0..3).any(|i| get(i).as_deref() != Some("5")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the masters never all held 5"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // The second master missed the last two IDs (as if it had been down).
    clients[1]
        .with_connection(|con| {
            redis::cmd("SET")
                .arg("nextid:orders")
                .arg("3")
                .query::<()>(con)
        })
        .unwrap();
    let (code, doc, stderr) = inspect_masters(&urls, "nextid:orders");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    let values: Vec<Value> = match field(&doc, "masters") {
        Value::Array(entries) => entries
            .iter()
            .map(|e| field(field(e, "contents"), "id").clone())
            .collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(values, [Value::Int(5), Value::Int(3), Value::Int(5)]);
    let Value::Array(entries) = field(&doc, "masters") else {
        panic!()
    };
    for (entry, url) in entries.iter().zip(&urls) {
        assert_eq!(field(entry, "url"), &s(url));
        assert_eq!(field(entry, "type"), &s("string"));
    }
    assert_eq!(field(&doc, "key"), &s("nextid:orders"));
    assert_eq!(field(&doc, "quorum"), &quorum(3, 2, 3, Some(5)));

    // The first master down: marked unreachable; two answers are still a quorum.
    masters.servers[0].stop();
    let (code, doc, stderr) = inspect_masters(&urls, "nextid:orders");
    assert_eq!(code, 0, "{stderr}");
    let Value::Array(entries) = field(&doc, "masters") else {
        panic!()
    };
    let Value::String(why) = field(&entries[0], "error") else {
        panic!("{doc:?}")
    };
    assert!(!why.is_empty());
    assert!(
        stderr.contains(&urls[0]) && stderr.contains("cannot read master"),
        "{stderr}"
    );
    assert_eq!(field(&doc, "quorum"), &quorum(3, 2, 2, Some(5)));
    // The next ID is the one the quorum's view announced.
    assert_eq!(ids.next().unwrap(), 6);

    // Two down: no quorum, no current value.
    masters.servers[2].stop();
    let (code, doc, _) = inspect_masters(&urls, "nextid:orders");
    assert_eq!(code, 0);
    assert_eq!(field(&doc, "quorum"), &quorum(3, 2, 1, None));
    // All down: nothing could be read.
    masters.servers[1].stop();
    let (code, doc, stderr) = inspect_masters(&urls, "nextid:orders");
    assert_eq!(code, 2);
    assert_eq!(field(&doc, "quorum"), &quorum(3, 2, 0, None));
    assert!(stderr.contains("no master could be read"), "{stderr}");
}

#[test]
fn inspect_several_masters_for_a_redlock_and_a_missing_key() {
    let masters = pottery_testkit::Masters::start(3);
    let urls = masters.urls();
    let lock: pottery::sync::Redlock = pottery::Redlock::builder("printer")
        .masters(urls.iter().map(|u| pottery::Client::open(u).unwrap()))
        .build()
        .unwrap();
    let guard = lock.acquire().unwrap();
    // The acquire returns at a quorum: wait for the third master's answer (its
    // first script call loads the script, a round trip more).
    let clients: Vec<_> = urls
        .iter()
        .map(|u| pottery::Client::open(u).unwrap())
        .collect();
    let started = std::time::Instant::now();
    while !clients.iter().all(|c| {
        c.with_connection(|con| redis::cmd("EXISTS").arg(lock.key()).query::<i64>(con))
            .unwrap()
            == 1
    }) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "not held everywhere"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // --masters repeated rather than comma-separated.
    let mut args = vec!["inspect"];
    for url in &urls {
        args.extend(["--masters", url.as_str()]);
    }
    args.push("redlock:printer");
    let out = pottery(&args);
    assert_eq!(out.status.code(), Some(0));
    let doc = json::from_slice::<Value>(&out.stdout).unwrap();
    let Value::Object(top) = &doc else { panic!() };
    let names: Vec<&str> = top.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["key", "masters"], "no quorum for a Redlock");
    let Value::Array(entries) = field(&doc, "masters") else {
        panic!()
    };
    assert_eq!(entries.len(), 3);
    for entry in entries {
        assert_eq!(field(field(entry, "contents"), "holder"), &s(guard.token()));
        let token = i128::from(guard.fencing_token());
        assert_eq!(
            field(field(entry, "contents"), "last_token"),
            &Value::Int(token)
        );
    }
    guard.release().unwrap();
    // A missing NextId everywhere: exit 1, and a quorum whose current ID is 0.
    let (code, doc, stderr) = inspect_masters(&urls, "nextid:nothing");
    assert_eq!(code, 1);
    assert!(stderr.contains("does not exist on any master"), "{stderr}");
    assert_eq!(field(&doc, "quorum"), &quorum(3, 2, 3, Some(0)));
}

#[test]
fn a_missing_key_exits_1() {
    let server = Server::start();
    // The server comes from REDIS_URL this time.
    let out = pottery_env(
        &["inspect", "nothing here"],
        &[("REDIS_URL", &server.url())],
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = json::from_slice::<Value>(&out.stdout).unwrap();
    assert_eq!(doc, report("nothing here", "none", 0, Value::Null));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn an_unreachable_server_exits_2() {
    let mut server = Server::start();
    let url = server.url();
    server.stop();
    let out = pottery(&["--url", &url, "inspect", "k"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error:"));
}

/// The line printed right after the step whose code line starts with `>>> {code}`.
fn after<'a>(stdout: &'a str, code: &str) -> &'a str {
    let prefix = format!(">>> {code}");
    let mut lines = stdout.lines();
    lines
        .by_ref()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no step `{code}` in\n{stdout}"));
    lines.next().unwrap_or_default()
}

#[test]
fn tour_without_a_url_starts_its_own_server() {
    let out = pottery(&["tour"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.starts_with("# No --url and no REDIS_URL: started a private redis-server"));
    assert!(
        stdout.contains(">>> tel.insert(\"guido\", 4127)?"),
        "{stdout}"
    );
    assert!(stdout.contains("RedisDict{\"jack\": 4098, \"sape\": 4139, \"guido\": 4127}"));
    assert!(
        stdout.contains(">>> atel.get(\"jack\").await?\nSome(4098)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(">>> atel.exists().await?\nfalse\n"),
        "{stdout}"
    );
    // The codec step shows the encoded text as a Rust string literal ({:?}).
    let encoded = r#""[\"caf\\u00e9\", 1e+16, NaN, 1180591620717411303424, null]""#;
    assert!(stdout.contains(encoded), "{stdout}");
    assert!(
        stdout
            .trim_end()
            .ends_with("# Stopped the private redis-server.")
    );
    // RedisSet: membership, algebra against another RedisSet and a local set.
    assert_eq!(
        after(&stdout, "basket.contains_many([\"apple\", \"kiwi\"])?"),
        "[true, false]"
    );
    assert_eq!(
        after(
            &stdout,
            "BTreeSet::from_iter(basket.intersection(&market)?)"
        ),
        r#"{"banana", "pear"}"#
    );
    assert!(
        stdout
            .contains("# Python: basket - {'pear', 'fig'}\n{\"apple\", \"banana\", \"orange\"}\n"),
        "{stdout}"
    );
    // RedisCounter: counting words, then arithmetic into new (tracked) counters.
    assert_eq!(
        after(&stdout, "cnt.most_common(Some(1))?"),
        r#"[("yes", 2)]"#
    );
    assert_eq!(after(&stdout, "cnt.increment(\"maybe\", 2)?"), "3");
    assert_eq!(
        after(&stdout, "c.add(&d, None)?"),
        "RedisCounter{'a': 4, 'b': 3}"
    );
    assert_eq!(after(&stdout, "c.sub(&d, None)?"), "RedisCounter{'a': 2}");
    // RedisSimpleQueue: put, get_nowait, an async get woken by another task's put,
    // and a get that returns None once its 200 ms are up.
    assert_eq!(after(&stdout, "q.qsize()?"), "1");
    assert_eq!(
        after(&stdout, "q.get_nowait()?"),
        r#"Some("resize photo.jpg")"#
    );
    assert_eq!(after(&stdout, "{ tokio::spawn("), r#"Some("ding")"#);
    let timed_out = after(&stdout, "{ let start = Instant::now();");
    let waited: u64 = timed_out
        .strip_prefix("(None, ")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("{timed_out}"));
    assert!(waited >= 200, "{timed_out}");
    // Redlock: a hold of about 10 s (less the clock-drift allowance), a second
    // attempt that finds it held, then `run` around a closure.
    let left = after(&stdout, "guard.locked()?");
    let secs: f64 = left
        .strip_suffix('s')
        .and_then(|secs| secs.parse().ok())
        .unwrap_or_else(|| panic!("{left}"));
    assert!((9.0..10.0).contains(&secs), "{left}");
    assert_eq!(after(&stdout, "printer.try_acquire()?"), "None");
    assert_eq!(
        after(&stdout, "printer.run(|| \"printed\")?"),
        "\"printed\""
    );
    assert!(stdout.contains(">>> guard.release()?"), "{stdout}");
    // A hand-off between two threads (its time is only printed), then fencing:
    // B's token is larger, A's late write is refused, B's data stays.
    let handoff = after(&stdout, "// thread A holds printer for 50 ms");
    assert!(
        handoff.starts_with("hand-off: B held the lock "),
        "{handoff}"
    );
    let token = |name: &str| -> u64 {
        let line = format!("let {name} = lock.acquire()?; {name}.fencing_token()");
        after(&stdout, &line).parse().unwrap()
    };
    assert!(token("b") > token("a"), "{stdout}");
    assert_eq!(
        after(
            &stdout,
            "files.fenced(a).insert(\"report\", \"A's, late\").map_err(|e| e.kind())"
        ),
        "Err(StaleFence)"
    );
    assert_eq!(after(&stdout, "files.get(\"report\")?"), "Some(\"B's\")");
    // RedisCache: a miss, a hit, the counts, one computation.
    assert_eq!(
        after(&stdout, "area.cache().cache_info()?"),
        "CacheInfo { hits: 1, misses: 1, maxsize: None, currsize: 1 }"
    );
    assert_eq!(after(&stdout, "shown_runs.load(Ordering::Relaxed)"), "1");
    // NextId: two generators share one sequence; reset starts it over.
    assert_eq!(after(&stdout, "other.next()?"), "2");
    assert_eq!(
        after(
            &stdout,
            "tweet_ids.take(3).collect::<pottery::Result<Vec<u64>>>()?"
        ),
        "[3, 4, 5]"
    );
    assert_eq!(
        after(&stdout, "tweet_ids.reset()?"),
        ">>> other.next()?                                     # Python: next(other)"
    );
    // CachedOrderedDict: the second request finds what the first cached.
    assert_eq!(after(&stdout, "docs.misses()"), "[3, 1, 2]");
    assert_eq!(
        after(&stdout, "again.iter()"),
        r#"[(2, Some("two")), (4, None), (3, Some("three"))]"#
    );
    assert_eq!(after(&stdout, "again.misses()"), "[4]");
    assert_eq!(
        after(&stdout, "again.get_or_insert(4, \"four\")?"),
        "\"four\""
    );
    assert_eq!(after(&stdout, "again.ttl()?"), "true");
    // ContextTimer.
    assert_eq!(after(&stdout, "timer.elapsed_ms()? >= 50"), "true");
    assert_eq!(after(&stdout, "timer.stop().err()"), "Some(AlreadyStopped)");
    assert_eq!(after(&stdout, "{ let mut lap"), "true");
    // The Redlock's fencing counter, and the work queue's stream, dead letters,
    // counters and dedup key (a work queue is not a temporary container).
    assert!(
        stdout.contains("; 8 were left to delete at the end."),
        "{stdout}"
    );
    // RedisWorkQueue: a unique put and its duplicate, receive + ack, a nack and
    // its redelivery, a dead letter after max_deliveries (2), a delayed item
    // that receive waited for, an async receive woken by a put.
    let unique = "jobs.put_unique(\"bill order 42\", \"order-42\")?";
    assert!(
        after(&stdout, unique).starts_with("Added(ItemId(\""),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(">>> {unique}\nDuplicate\n")),
        "{stdout}"
    );
    assert_eq!(
        after(&stdout, "{ let job = jobs.receive()?; let item"),
        "\"resize photo.jpg\""
    );
    assert_eq!(
        after(&stdout, "{ let job = jobs.receive()?; let seen"),
        r#"("bill order 42", 1)"#
    );
    assert!(stdout.contains("\n(\"bill order 42\", 2)\n"), "{stdout}");
    assert_eq!(after(&stdout, "jobs.try_receive()?.is_none()"), "true");
    assert_eq!(
        after(&stdout, "{ let dead = jobs.dead_letters(10)?;"),
        r#"[(Ok("bill order 42"), 2, "max_deliveries")]"#
    );
    assert_eq!(
        after(
            &stdout,
            "{ let start = Instant::now(); let job = jobs.receive()?;"
        ),
        r#"("send reminder", true)"#
    );
    assert_eq!(
        after(
            &stdout,
            "{ tokio::spawn(async move { sleep(Duration::from_millis(100)).await; producer.put(\"ding\").await }); let job"
        ),
        "\"ding\""
    );
    assert_eq!(after(&stdout, "{ let ids: Vec<_>"), "1");
    // BloomFilter and HyperLogLog: pottery's README examples.
    assert_eq!(
        after(&stdout, "(dilberts.size(), dilberts.num_hashes())"),
        "(959, 7)"
    );
    assert_eq!(
        after(&stdout, "dilberts.contains_many([\"raj\", \"eric\"])?"),
        "[true, false]"
    );
    assert_eq!(after(&stdout, "dilberts.len()?"), "3");
    assert_eq!(
        after(&stdout, "searches.contains(\"jennifer aniston\")?"),
        "false"
    );
    assert_eq!(after(&stdout, "searches.union([&more])?.len()?"), "5");
    assert!(
        // About a screenful per section.
        stdout.lines().count() <= 330,
        "{} lines",
        stdout.lines().count()
    );
}

#[test]
fn tour_without_redis_server_fails_cleanly() {
    let out = pottery_env(&["tour"], &[("PATH", "")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("redis-server is not installed"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn tour_with_a_url_leaves_no_keys_behind() {
    let server = Server::start();
    let out = pottery(&["--url", &server.url(), "tour"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("private redis-server"), "{stdout}");
    assert!(
        stdout.contains(&format!("Client {{ server: \"{}\" }}", server.url())),
        "{stdout}"
    );
    // The new counters made by `c + d` and `c - d` were tracked too. Left at
    // the end: the two Redlocks' fencing counters, which outlive every hold,
    // the fencing step's dict and its fence, and the work queue's stream,
    // dead letters, counters and dedup key (a work queue is not a temporary
    // container).
    assert!(
        stdout.contains("; 8 were left to delete at the end."),
        "{stdout}"
    );
    assert_eq!(dbsize(&server), 0);
}

/// Python: a BloomFilter(100, 0.01) of three Dilberts and a HyperLogLog of four
/// words, at the keys given on stdin.
const PY_PROBABILISTIC: &str = r#"
import os, sys
from redis import Redis
from pottery import BloomFilter, HyperLogLog
r = Redis.from_url(os.environ['REDIS_URL'])
bloom_key, hll_key = sys.stdin.read().split()
bf = BloomFilter({'rajiv', 'raj', 'dan'}, num_elements=100, false_positives=0.01, redis=r, key=bloom_key)
HyperLogLog({'foo', 'bar', 'zap', 'a'}, redis=r, key=hll_key)
print(r.bitcount(bloom_key), r.strlen(bloom_key))
"#;

/// The `bloom_filter` figures of an `inspect --bloom` document.
fn bloom_figures(doc: &Value) -> Vec<(String, Value)> {
    let Value::Object(top) = doc else {
        panic!("{doc:?}")
    };
    let contents = &top.iter().find(|(k, _)| k == "contents").unwrap().1;
    let Value::Object(inner) = contents else {
        panic!("{contents:?}")
    };
    let (name, figures) = &inner[0];
    assert_eq!(name, "bloom_filter");
    let Value::Object(figures) = figures else {
        panic!("{figures:?}")
    };
    figures.clone()
}

#[test]
fn inspect_a_python_bloom_filter_and_hyperloglog() {
    let server = Server::start();
    let out = python(PY_PROBABILISTIC, &server.url(), "dilberts searches");
    let (bits_set, strlen): (i128, i128) = {
        let mut parts = out.split_whitespace().map(|n| n.parse().unwrap());
        (parts.next().unwrap(), parts.next().unwrap())
    };
    let url = server.url();
    let run = |args: &[&str]| {
        let out = pottery(&[&["--url", url.as_str(), "inspect"], args].concat());
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code().unwrap(), stdout, stderr)
    };

    // Given its (n, p): size, fill ratio, estimated count, false-positive rate.
    let (code, stdout, stderr) = run(&["dilberts", "--bloom", "100,0.01"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let doc = json::from_str::<Value>(&stdout).unwrap();
    let figures = bloom_figures(&doc);
    let fill = bits_set as f64 / 959.0;
    let expected = [
        ("num_elements", Value::Int(100)),
        ("false_positives", Value::Float(0.01)),
        ("size_bits", Value::Int(959)),
        ("num_hashes", Value::Int(7)),
        ("bits_set", Value::Int(bits_set)),
        ("fill_ratio", Value::Float(fill)),
        ("estimated_len", Value::Int(3)),
        ("false_positive_rate", Value::Float(fill.powi(7))),
    ];
    let expected: Vec<(String, Value)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    assert_eq!(figures, expected);
    let Value::Object(top) = &doc else { panic!() };
    assert_eq!(top[1], ("type".to_owned(), s("string")));
    assert_eq!(top[2], ("size".to_owned(), Value::Int(strlen)));

    // With another (n, p) the string is too long for the filter: a warning.
    let (code, _, stderr) = run(&["dilberts", "--bloom", "10,0.1"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("another (n, p)"), "{stderr}");
    // Not a string: an error (exit 2) and no report, not an empty one.
    let mut con = redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap();
    redis::cmd("RPUSH")
        .arg("a-list")
        .arg("x")
        .query::<()>(&mut con)
        .unwrap();
    let (code, stdout, stderr) = run(&["a-list", "--bloom", "100,0.01"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("holds a Redis list, not a Bloom filter's string"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "{stdout}");
    // Bad shapes are usage errors (exit 2), and a missing key exits 1.
    for bad in ["100", "0,0.01", "100,1.5", "x,0.1"] {
        let (code, stdout, stderr) = run(&["dilberts", "--bloom", bad]);
        assert_eq!(code, 2, "{bad}: {stderr}");
        assert!(
            stdout.is_empty() && stderr.contains("--bloom"),
            "{bad}: {stderr}"
        );
    }
    let (code, _, _) = run(&["no-such-filter", "--bloom", "100,0.01"]);
    assert_eq!(code, 1);

    // A HyperLogLog is recognised without flags: its count.
    let (code, doc, _, stderr) = inspect(&server, "searches");
    assert_eq!(code, 0, "{stderr}");
    let Value::Object(top) = &doc else { panic!() };
    let count = obj(&[("hyperloglog", obj(&[("count", Value::Int(4))]))]);
    assert_eq!(top[4], ("contents".to_owned(), count));
}
