//! Unit tests of the error type: classification by code, messages, lost replies.

#![allow(clippy::unwrap_used)]

use super::raw::RAW_PREFIX;
use super::*;

#[test]
fn decode_error_shows_a_bounded_prefix() {
    let raw = vec![b'x'; 1000];
    let err = Error::decode("k", &raw, "nope");
    let text = err.to_string();
    assert!(text.contains(&"x".repeat(RAW_PREFIX)));
    assert!(!text.contains(&"x".repeat(RAW_PREFIX + 1)));
    assert!(text.contains("1000 bytes"));
    // The error holds the whole value; a read removed nothing.
    assert_eq!(err.raw_value(), Some(&raw[..]));
    assert_eq!(err.removed_raw(), None);
    assert_eq!(err.into_raw_value(), Some(raw));
}

#[test]
fn a_decode_error_of_a_destructive_op_holds_all_it_took() {
    let raw = vec![b'x'; 1000];
    let err = Error::decode_taken(
        "k",
        vec![b"1".to_vec(), raw.clone()],
        1,
        Taken::Removed,
        "no",
    );
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.raw_value(), Some(&raw[..]));
    assert_eq!(err.removed_raw(), Some(&[b"1".to_vec(), raw.clone()][..]));
    let text = err.to_string();
    assert!(text.contains("removed from the key"), "{text}");
    assert!(!text.contains(&"x".repeat(RAW_PREFIX + 1)), "{text}");
    // Debug shows the message, not the raw bytes.
    assert!(!format!("{err:?}").contains(&"x".repeat(RAW_PREFIX + 1)));
    assert_eq!(err.into_raw_value(), Some(raw.clone()));
    let err = Error::decode_taken("k", vec![raw.clone()], 0, Taken::Overwritten, "no");
    assert!(err.to_string().contains("overwritten"), "{err}");
    let err = Error::malformed_taken("k", vec![b"a".to_vec(), b"b".to_vec()], "no item");
    assert_eq!(err.raw_value(), None);
    assert_eq!(err.removed_raw().map(<[_]>::len), Some(2));
    assert_eq!(err.into_raw_value(), None);
    // Other kinds hold nothing.
    let err = Error::config("nope");
    assert_eq!((err.raw_value(), err.removed_raw()), (None, None));
}

#[test]
fn redis_io_errors_are_connection_errors() {
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    let err = Error::from_redis(Some("k"), redis::RedisError::from(io));
    assert!(err.is_connection());
    assert!(!err.is_timeout());
    let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
    let err = Error::from_redis(None, redis::RedisError::from(io));
    assert!(err.is_connection());
    assert!(err.is_timeout());
}

/// A server error reply as redis-rs reports it.
fn server(reply: &str) -> redis::RedisError {
    let value = redis::parse_redis_value(format!("-{reply}\r\n").as_bytes()).unwrap();
    value.extract_error().unwrap_err()
}

#[test]
fn server_errors_are_classified_by_code() {
    let kind = |reply: &str| Error::from_redis(Some("k"), server(reply)).kind();
    assert_eq!(
        kind("WRONGPASS invalid username-password pair"),
        ErrorKind::Authentication
    );
    assert_eq!(
        kind("NOAUTH Authentication required."),
        ErrorKind::Authentication
    );
    assert_eq!(kind("NOPERM no permissions"), ErrorKind::Authentication);
    assert_eq!(kind("OOM command not allowed"), ErrorKind::OutOfMemory);
    assert_eq!(kind("TRYAGAIN multiple keys"), ErrorKind::ClusterBusy);
    assert_eq!(
        kind("CLUSTERDOWN the cluster is down"),
        ErrorKind::ClusterBusy
    );
    assert_eq!(kind("ASK 3999 127.0.0.1:6381"), ErrorKind::ClusterBusy);
    assert_eq!(kind("MOVED 3999 127.0.0.1:6381"), ErrorKind::ClusterBusy);
    assert_eq!(
        kind("WRONGTYPE Operation against a key"),
        ErrorKind::WrongType
    );
    assert_eq!(kind("ERR unknown command"), ErrorKind::Redis);
    // The code decides, not the text: an ERR that mentions WRONGTYPE is no wrong type.
    assert_eq!(kind("ERR the word WRONGTYPE and OOM"), ErrorKind::Redis);
    assert!(!Error::from_redis(None, server("WRONGPASS x")).is_connection());
    assert!(has_code(&server("NOSCRIPT No matching script"), "NOSCRIPT"));
    assert!(!has_code(&server("ERR NOSCRIPT"), "NOSCRIPT"));
}

#[test]
fn display_leaves_the_cause_to_source() {
    use std::error::Error as _;
    let err = Error::from_redis(Some("tel"), server("ERR unknown command 'NOPE'"));
    assert_eq!(
        err.to_string(),
        "Redis error at key `tel`: Redis replied with an error (ERR)"
    );
    let source = err.source().unwrap().to_string();
    assert!(source.contains("unknown command"), "{source}");
    assert!(!err.to_string().contains("unknown command"));
    let outer = Error::quorum_is_impossible("lock", 3, 3).caused_by(err);
    assert!(!outer.to_string().contains("ERR"), "{outer}");
    assert_eq!(
        outer.source().unwrap().to_string(),
        "Redis error at key `tel`: Redis replied with an error (ERR)"
    );
}

#[test]
fn a_lost_reply_of_a_sent_write_has_an_unknown_outcome() {
    let timeout = Error::no_reply("k", true);
    assert_eq!(timeout.kind(), ErrorKind::OutcomeUnknown);
    assert!(timeout.is_timeout() && timeout.is_connection());
    assert!(
        timeout
            .to_string()
            .starts_with("outcome unknown at key `k`"),
        "{timeout}"
    );
    let read = Error::no_reply("k", false);
    assert_eq!(read.kind(), ErrorKind::Connection);
    assert!(read.is_timeout());
    assert_eq!(
        read.to_string(),
        "timeout at key `k`: Redis did not answer in time"
    );
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    let err = Error::from_redis(None, refused.into()).or_key("k");
    assert_eq!(err.key(), Some("k"));
    // Only connection errors become unknown: a server's refusal changed nothing.
    let oom = Error::from_redis(Some("k"), server("OOM no")).reply_lost(true);
    assert_eq!(oom.kind(), ErrorKind::OutOfMemory);
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    let err = Error::from_redis(Some("k"), refused.into()).reply_lost(true);
    assert_eq!(err.kind(), ErrorKind::Connection);
    let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
    let err = Error::from_redis(Some("k"), reset.into()).reply_lost(true);
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert!(!err.is_timeout());
}
