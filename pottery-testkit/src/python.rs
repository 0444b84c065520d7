//! Running Python's pottery from Rust tests.

use std::io::Write;
use std::process::{Command, Stdio};

/// The pottery version interop tests pin.
pub const POTTERY_VERSION: &str = "3.0.1";

/// Panics with instructions unless `python3` can import pottery 3.0.1 and redis.
pub fn require_python_pottery() {
    let out = Command::new("python3")
        .arg("-c")
        .arg("import importlib.metadata as m, pottery, redis; print(m.version('pottery'))")
        .output();
    match out {
        Ok(out) if out.status.success() => {
            let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            assert_eq!(
                version, POTTERY_VERSION,
                "interop tests need Python pottery {POTTERY_VERSION}, found {version}"
            );
        }
        _ => panic!(
            "python3 with pottery {POTTERY_VERSION} is needed for the interop tests: run \
             `pip install pottery=={POTTERY_VERSION} redis` or the README's test command, \
             `bash scripts/dev test`, which does."
        ),
    }
}

/// Runs `script` with `python3`, feeding `stdin`, with `REDIS_URL` set to `url`;
/// returns its standard output and panics (showing stderr) if it fails.
pub fn python(script: &str, url: &str, stdin: &str) -> String {
    require_python_pottery();
    let mut child = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("REDIS_URL", url)
        .env("PYTHONWARNINGS", "ignore")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => panic!("cannot run python3: {err}"),
    };
    if let Some(mut input) = child.stdin.take() {
        let written = input.write_all(stdin.as_bytes());
        assert!(written.is_ok(), "cannot write to python3: {written:?}");
    }
    let out = match child.wait_with_output() {
        Ok(out) => out,
        Err(err) => panic!("python3 did not finish: {err}"),
    };
    assert!(
        out.status.success(),
        "python3 failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
