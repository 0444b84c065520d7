//! Redis's error codes, read off a redis-rs error (a pipeline's too).

/// The first server error code in `err`: its own, or that of the first failed
/// command of a pipeline (which redis-rs reports as a list of errors).
pub(crate) fn server_code(err: &redis::RedisError) -> Option<String> {
    if let Some(code) = err.code() {
        return Some(code.to_owned());
    }
    let errors = err.clone().into_server_errors()?;
    errors.first().map(|(_, e)| e.code().to_owned())
}

/// Whether `err`, or any command of a failed pipeline, has the error `code`.
pub(crate) fn has_code(err: &redis::RedisError, code: &str) -> bool {
    err.code() == Some(code)
        || err
            .clone()
            .into_server_errors()
            .is_some_and(|errors| errors.iter().any(|(_, e)| e.code() == code))
}
