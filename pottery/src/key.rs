//! Redis keys of structures, and the clean-up of random ones.

use std::sync::Arc;

use crate::client::Client;

/// The prefix of random keys, as in Python's pottery.
pub const RANDOM_KEY_PREFIX: &str = "pottery:";

/// A fresh random key: `pottery:` and a lowercase hyphenated UUIDv4.
///
/// Python's pottery also asks Redis whether the key exists (up to three times);
/// with 122 random bits a collision is not a practical event, so we skip that
/// round trip.
///
/// ```
/// let key = pottery::random_key();
/// assert!(key.starts_with("pottery:"));
/// assert_eq!(key.len(), "pottery:".len() + 36);
/// ```
pub fn random_key() -> String {
    format!("{RANDOM_KEY_PREFIX}{}", uuid::Uuid::new_v4())
}

/// A structure's key, shared by its clones.
///
/// A temporary key (one the crate made up) is deleted with `UNLINK` when the last
/// clone of its structure is dropped, as Python's pottery deletes it when the
/// object is garbage-collected.
#[derive(Clone, Debug)]
pub(crate) struct Key(Arc<KeyInner>);

#[derive(Debug)]
struct KeyInner {
    name: Arc<str>,
    cleanup: Option<Client>,
}

impl Key {
    /// A key the caller chose; never deleted by us.
    pub(crate) fn named(name: &str) -> Self {
        Key(Arc::new(KeyInner {
            name: name.into(),
            cleanup: None,
        }))
    }

    /// A random key, deleted when the last handle on it is dropped.
    pub(crate) fn temporary(client: &Client) -> Self {
        Key(Arc::new(KeyInner {
            name: random_key().into(),
            cleanup: Some(client.clone()),
        }))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0.name
    }

    /// The name, shared without copying (operations carry it for error messages).
    pub(crate) fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0.name)
    }
}

impl Drop for KeyInner {
    fn drop(&mut self) {
        let Some(client) = self.cleanup.take() else {
            return;
        };
        let mut unlink = redis::cmd("UNLINK");
        unlink.arg(&*self.name);
        // Inside a Tokio runtime, never block it: delete in the background.
        // Outside one, delete now on a pooled connection. Errors are ignored:
        // a drop has no one to report to, and the key is merely left behind.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Ok(mut con) = client.async_connection().await {
                    let _: redis::RedisResult<i64> = unlink.query_async(&mut con).await;
                }
            });
        } else {
            let _: redis::RedisResult<i64> = client.blocking(|con| unlink.query(con));
        }
    }
}

/// A companion key of `key`, ending in `suffix`, that lives in the same cluster
/// hash slot, so that one script (or MULTI) may touch both on a cluster.
///
/// Redis hashes only a key's hash tag (what is between its first `{` and the next
/// `}`, when not empty), or else the whole key:
/// - a key with a hash tag keeps it: `key` + `suffix`;
/// - a key without one and without `}` becomes the tag: `{key}` + `suffix`;
/// - otherwise (rare: a `}` but no usable tag) the tag is the shortest number
///   whose slot is the key's, found by trying `{0}`, `{1}`, ... (16,384 slots,
///   so a few thousand tries at most).
pub(crate) fn same_slot(key: &str, suffix: &str) -> String {
    if hash_tag(key).is_some() {
        return format!("{key}{suffix}");
    }
    if !key.contains('}') {
        return format!("{{{key}}}{suffix}");
    }
    let slot = redis::cluster_routing::Slot::for_key(key);
    (0u32..)
        .map(|n| format!("{{{n}}}"))
        .find(|tag| redis::cluster_routing::Slot::for_key(tag) == slot)
        .map(|tag| format!("{tag}{key}{suffix}"))
        .unwrap_or_else(|| format!("{key}{suffix}"))
}

/// The hash tag of `key`, as Redis Cluster reads it.
fn hash_tag(key: &str) -> Option<&str> {
    let open = key.find('{')?;
    let rest = key.get(open + 1..)?;
    let close = rest.find('}')?;
    rest.get(..close).filter(|tag| !tag.is_empty())
}

#[cfg(test)]
mod tests {
    use super::same_slot;
    use redis::cluster_routing::Slot;

    #[test]
    fn companions_share_the_slot() {
        for key in [
            "plain",
            "{user1}:cart",
            "a{}b",
            "a{b",
            "}x",
            "x}{",
            "{}",
            "",
            "é{ü}",
        ] {
            let companion = same_slot(key, ":lock");
            assert!(companion.ends_with(":lock"), "{companion}");
            assert_eq!(
                Slot::for_key(&companion),
                Slot::for_key(key),
                "{key} -> {companion}"
            );
        }
        assert_eq!(same_slot("plain", ":x"), "{plain}:x");
        assert_eq!(same_slot("{u}:cart", ":x"), "{u}:cart:x");
    }
}
