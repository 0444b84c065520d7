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
        // (Without the `async` feature there is no runtime to spare.)
        #[cfg(feature = "async")]
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Ok(mut con) = client.async_connection().await {
                    let _: redis::RedisResult<i64> = unlink.query_async(&mut con).await;
                }
            });
            return;
        }
        let _: redis::RedisResult<i64> = client.blocking(|con| unlink.query(con));
    }
}
