//! What a URL looks like wherever pottery shows one (`Debug`, errors): rebuilt
//! from a real URL parse, with every part that may hold a secret replaced.
//!
//! A hand-written scan cannot know where a password ends: `redis://:pa/ss@h`
//! has an unencoded `/`, so the "authority" a scan finds is `:pa` and the
//! secret was printed. Here the URL is parsed by the `url` crate, the parser
//! redis-rs uses, and the shown text is built from parts known to be safe
//! (scheme, host, port, a numeric database, `#insecure`); anything else that
//! could be a piece of a password shows as `***`, and a URL that does not
//! parse shows only its scheme.

use url::Url;

/// `url` as pottery shows it: any password, and anything that might be part of
/// one, replaced by `***`.
///
/// It is what [`Client`](crate::Client)'s and
/// [`ClientBuilder`](crate::ClientBuilder)'s `Debug` and pottery's errors
/// show; use it to log a URL yourself. A URL that does not parse shows only
/// its scheme (there is no telling where a password in it ends).
///
/// ```
/// use pottery::redact_url;
///
/// assert_eq!(redact_url("redis://app:s3cret@db.local:6379/2"), "redis://app:***@db.local:6379/2");
/// // An unencoded `/` in the password: the URL does not parse as meant.
/// assert!(!redact_url("redis://:pa/ss@db.local:6379/0").contains("pa"));
/// assert_eq!(redact_url("rediss://h:6380/0#insecure"), "rediss://h:6380/0#insecure");
/// assert_eq!(redact_url("unix:///run/redis.sock?db=1&pass=pw"), "unix:///run/redis.sock?db=1&pass=***");
/// ```
pub fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => shown(&parsed),
        Err(_) => format!("{}://*** (not a valid URL)", scheme_of(url)),
    }
}

/// Why `url` does not parse, in the parser's words (they never quote the URL);
/// `None` if it parses.
pub(crate) fn parse_error(url: &str) -> Option<String> {
    Url::parse(url).err().map(|err| err.to_string())
}

/// The scheme, if `url` starts with one (letters, digits, `+ - .`), else `?`.
fn scheme_of(url: &str) -> &str {
    match url.split_once("://") {
        Some((scheme, _))
            if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            scheme
        }
        _ => "?",
    }
}

fn shown(url: &Url) -> String {
    let unix = url.scheme().ends_with("unix");
    let mut out = format!("{}:", url.scheme());
    if url.has_authority() {
        out.push_str("//");
    }
    match (url.username(), url.password()) {
        ("", None) => {}
        // A lone user part may be a password written without its `:`.
        (_, None) => out.push_str("***@"),
        (user, Some(_)) => {
            out.push_str(user);
            out.push_str(":***@");
        }
    }
    if let Some(host) = url.host_str() {
        out.push_str(host);
    }
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(&path(url.path(), unix));
    if url.query().is_some() {
        let pairs: Vec<String> = url.query_pairs().map(|(k, v)| pair(&k, &v)).collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    match url.fragment() {
        None => {}
        Some("insecure") => out.push_str("#insecure"),
        Some(_) => out.push_str("#***"),
    }
    out
}

/// A database number (`/3`) or a socket's path; anything else after the host
/// (say `/ss@h:6379/0` from `redis://u:12/ss@h:6379/0`, whose password has an
/// unencoded `/`) may be the rest of a password.
fn path(path: &str, unix: bool) -> String {
    let db = path.strip_prefix('/').unwrap_or(path);
    let safe = if unix {
        !path.contains('@')
    } else {
        db.chars().all(|c| c.is_ascii_digit())
    };
    if safe {
        path.to_owned()
    } else {
        "/***".to_owned()
    }
}

/// A query pair: the options redis-rs reads are shown, a password and
/// anything unknown (perhaps the part of a password after an unencoded `&`)
/// are not.
fn pair(key: &str, value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let valid = match key {
        "db" => value.chars().all(|c| c.is_ascii_digit()),
        "protocol" => ["2", "3", "resp2", "resp3"].contains(&value),
        "user" => plain,
        _ => false,
    };
    match key {
        _ if valid => format!("{key}={value}"),
        "pass" | "password" | "db" | "protocol" | "user" => format!("{key}=***"),
        _ => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url as redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("redis://u:pw@h:1/0"), "redis://u:***@h:1/0");
        assert_eq!(redact("redis://:pw@h"), "redis://:***@h");
        assert_eq!(redact("redis://pw@h"), "redis://***@h");
        assert_eq!(redact("redis://h:6379/2"), "redis://h:6379/2");
        assert_eq!(redact("redis://[::1]:6379/2"), "redis://[::1]:6379/2");
        assert_eq!(
            redact("unix:///tmp/r.sock?db=1&pass=pw"),
            "unix:///tmp/r.sock?db=1&pass=***"
        );
        assert_eq!(redact("redis://u:p@ss@h/0"), "redis://u:***@h/0");
        assert_eq!(redact("rediss://h/0#insecure"), "rediss://h/0#insecure");
    }

    #[test]
    fn pieces_of_a_password_with_url_delimiters_are_not_shown() {
        for (url, secret) in [
            ("redis://:pa/ss@host:6379/0", "pa"),
            ("redis://u:12/ss@host:6379/0", "ss"),
            ("redis://u:p?ss@host", "ss"),
            ("redis://u:1#ss@host", "ss"),
            ("unix:///s.sock?pass=a&bsecret", "bsecret"),
            ("unix:///s.sock?pass=a&b=secret", "secret"),
            ("redis://h/0?protocol=3&x=secret", "secret"),
            ("redis://h/0?protocol=secret", "secret"),
            ("rediss://u:p%2Fss@h:1/0", "p%2Fss"),
            ("not a url :secret@", "secret"),
            ("redis://:secret@[bad/0", "secret"),
        ] {
            let shown = redact(url);
            assert!(!shown.contains(secret), "{url} shows as {shown}");
        }
        assert_eq!(
            redact("redis://:pa/ss@host:6379/0"),
            "redis://*** (not a valid URL)"
        );
        assert_eq!(redact("no scheme"), "?://*** (not a valid URL)");
    }
}
