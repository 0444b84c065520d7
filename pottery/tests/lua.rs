//! Every Lua script of the crate (`pottery::__private::lua_scripts()`, the one
//! copy the library, the bench and the CLI use) loads with `SCRIPT LOAD`: on a
//! single server, and on every master of a 3-master cluster. The set is checked
//! against the `.lua` files on disk, so a file no script uses is caught too.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use crate::support;

use std::collections::HashSet;
use std::path::Path;

use support::{Ctx, Target};

/// Every script: its name and text.
fn scripts() -> Vec<(&'static str, &'static str)> {
    pottery::__private::lua_scripts().collect()
}

/// The `.lua` files under `pottery/src/lua/`, as `group/file.lua`.
fn lua_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lua");
    let mut files = Vec::new();
    for group in std::fs::read_dir(&root).unwrap() {
        let group = group.unwrap().path();
        if !group.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&group).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "lua") {
                let name = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files
}

fn names_are_unique_and_cover_every_file(_: &Ctx) {
    let scripts = scripts();
    assert!(!scripts.is_empty());
    let names: HashSet<&str> = scripts.iter().map(|(name, _)| *name).collect();
    assert_eq!(names.len(), scripts.len(), "a name is used twice");
    for (name, text) in &scripts {
        assert!(name.ends_with(".lua"), "{name}");
        assert_eq!(pottery::__private::lua(name), Some(*text), "{name}");
    }
    let files = lua_files();
    for (file, text) in &files {
        // A file is a script, a prelude that scripts start with, or a part
        // of the fenced twins (`fence/pre.lua` and `fence/post.lua` around a
        // structure's script).
        let used = names.contains(file.as_str())
            || (file.ends_with("/prelude.lua") && scripts.iter().any(|(_, t)| t.starts_with(text)))
            || (file.starts_with("fence/")
                && scripts
                    .iter()
                    .any(|(n, t)| n.starts_with("fence/") && t.contains(text.as_str())));
        assert!(used, "{file} is not part of any script");
    }
    for name in &names {
        // A fenced twin is named `fence/<the file it fences>`.
        let file = |f: &str| f == *name || name.strip_prefix("fence/") == Some(f);
        assert!(files.iter().any(|(f, _)| file(f)), "{name} has no file");
    }
    assert_eq!(pottery::__private::lua("no/such.lua"), None);
}

/// `SCRIPT LOAD`s every script on the node at `url`; each reply is its SHA1.
fn load_all(url: &str) {
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let role: Vec<redis::Value> = redis::cmd("ROLE").query(&mut con).unwrap();
    assert_eq!(
        role.first(),
        Some(&redis::Value::BulkString(b"master".to_vec())),
        "{url}"
    );
    let scripts = scripts();
    for (name, text) in &scripts {
        let sha: String = redis::cmd("SCRIPT")
            .arg("LOAD")
            .arg(*text)
            .query(&mut con)
            .unwrap_or_else(|err| panic!("{name} does not load on {url}: {err}"));
        assert_eq!(sha, redis::Script::new(text).get_hash(), "{name}");
    }
    let shas: Vec<String> = scripts
        .iter()
        .map(|(_, t)| redis::Script::new(t).get_hash().to_owned())
        .collect();
    let present: Vec<bool> = redis::cmd("SCRIPT")
        .arg("EXISTS")
        .arg(&shas)
        .query(&mut con)
        .unwrap();
    assert!(present.iter().all(|&p| p), "{url}");
}

fn every_script_loads(ctx: &Ctx) {
    match ctx.target {
        Target::Server => load_all(&ctx.url()),
        Target::Cluster => {
            let masters = ctx.env.cluster().urls();
            assert_eq!(masters.len(), 3);
            for url in &masters {
                load_all(url);
            }
        }
    }
}

pub(crate) fn suite() -> support::Suite {
    let cases = cases![names_are_unique_and_cover_every_file, every_script_loads];
    support::Suite::one("lua", &[Target::Server, Target::Cluster], cases)
}
