//! Redis keys of structures: the names of temporary ones, their clean-up, and
//! the companion keys a structure derives from its key (computed once).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::client::Client;

/// The default prefix of random keys, as in Python's pottery
/// ([`Client::with_temporary_prefix`] picks another).
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
    random_key_in(RANDOM_KEY_PREFIX)
}

/// `prefix` and a lowercase hyphenated UUIDv4.
fn random_key_in(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4())
}

impl Client {
    /// A handle on the same connections whose temporary structures (every
    /// `temporary()`, and results of combining structures without a
    /// destination key) are named
    /// `prefix<uuid4>` instead of `pottery:<uuid4>`: so that a Redis user
    /// limited by an ACL to `~app:*` can make them
    /// (`client.with_temporary_prefix("app:tmp:")`).
    ///
    /// ```
    /// use pottery::sync::RedisSet;
    ///
    /// let client = pottery::Client::open("redis://localhost")?.with_temporary_prefix("app:tmp:");
    /// assert_eq!(client.temporary_prefix(), "app:tmp:");
    /// let scratch: RedisSet<String> = RedisSet::temporary(&client);
    /// assert!(scratch.key().starts_with("app:tmp:"));
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn with_temporary_prefix(&self, prefix: &str) -> Client {
        let mut client = self.clone();
        client.temporary_prefix = Some(prefix.into());
        client
    }

    /// Where this handle's temporary keys start: [`RANDOM_KEY_PREFIX`] unless
    /// set by [`with_temporary_prefix`](Client::with_temporary_prefix).
    ///
    /// ```
    /// let client = pottery::Client::open("redis://localhost")?;
    /// assert_eq!(client.temporary_prefix(), pottery::RANDOM_KEY_PREFIX);
    /// # Ok::<(), pottery::Error>(())
    /// ```
    pub fn temporary_prefix(&self) -> &str {
        self.temporary_prefix
            .as_deref()
            .unwrap_or(RANDOM_KEY_PREFIX)
    }
}

/// A structure's key, shared by its clones.
///
/// A temporary key (one the crate made up) is deleted with `UNLINK` when the last
/// clone of its structure is dropped, as Python's pottery deletes it when the
/// object is garbage-collected; [`Container::close`](crate::Container::close)
/// deletes it at once and reports the outcome.
///
/// Public only so that [`Container`](crate::Container) can hand it to its
/// default methods; its module is private, so no one outside can name it.
#[derive(Clone, Debug)]
#[allow(unreachable_pub)]
pub struct Key(Arc<KeyInner>);

#[derive(Debug)]
struct KeyInner {
    name: Arc<str>,
    cleanup: Option<Client>,
    /// Set once `close` deleted the key: the drop has nothing left to do.
    closed: AtomicBool,
    /// What companion keys start with (see [`crate::slot::companion_base`]):
    /// searched once per structure, not on every call (a key with a `}` may
    /// need thousands of CRC16s to find a tag in its slot).
    companion: OnceLock<Box<str>>,
}

impl Key {
    fn new(name: Arc<str>, cleanup: Option<Client>) -> Self {
        Key(Arc::new(KeyInner {
            name,
            cleanup,
            closed: AtomicBool::new(false),
            companion: OnceLock::new(),
        }))
    }

    /// A key the caller chose; never deleted by us.
    pub(crate) fn named(name: &str) -> Self {
        Key::new(name.into(), None)
    }

    /// A random key under the client's temporary prefix, deleted when the last
    /// handle on it is dropped.
    pub(crate) fn temporary(client: &Client) -> Self {
        let name = random_key_in(client.temporary_prefix());
        Key::new(name.into(), Some(client.clone()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0.name
    }

    /// The name, shared without copying (operations carry it for error messages).
    pub(crate) fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0.name)
    }

    /// Whether the crate made the key up and deletes it.
    pub(crate) fn is_temporary(&self) -> bool {
        self.0.cleanup.is_some()
    }

    /// The start of every companion key of this key, computed on first use.
    pub(crate) fn companion_base(&self) -> &str {
        self.0
            .companion
            .get_or_init(|| crate::slot::companion_base(&self.0.name).into())
    }

    /// A companion key in this key's cluster slot, ending in `suffix`.
    pub(crate) fn companion_key(&self, suffix: &str) -> String {
        let mut key = String::with_capacity(self.companion_base().len() + suffix.len());
        key.push_str(self.companion_base());
        key.push_str(suffix);
        key
    }

    /// A scratch key for a script's own use, in this key's cluster slot.
    pub(crate) fn scratch_key(&self) -> String {
        crate::slot::scratch_key_from(self.companion_base())
    }

    /// Records that the key was deleted on purpose: no drop deletes it again.
    pub(crate) fn mark_closed(&self) {
        self.0.closed.store(true, Ordering::Release);
    }
}

impl Drop for KeyInner {
    fn drop(&mut self) {
        let Some(client) = self.cleanup.take() else {
            return;
        };
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        let name = Arc::clone(&self.name);
        let mut unlink = redis::cmd("UNLINK");
        unlink.arg(&*name);
        // Inside a Tokio runtime, never block it: delete in the background (a
        // runtime shutting down may drop that task: `close()` is the sure way).
        // Outside one, delete now on a pooled connection. A drop has no one to
        // return an error to: a failure is a warning event, and the key stays.
        // (Without the `async` feature there is no runtime to spare.)
        #[cfg(feature = "async")]
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let task = async move {
                match client.async_connection().await {
                    Ok(mut con) => {
                        if let Err(err) = unlink.query_async::<i64>(&mut con).await {
                            not_deleted(&name, &err);
                        }
                    }
                    Err(err) => not_deleted(&name, &err),
                }
            };
            runtime.spawn(crate::trace::with_current_subscriber(task));
            return;
        }
        if let Err(err) = client.blocking(|con| unlink.query::<i64>(con)) {
            not_deleted(&name, &err);
        }
    }
}

/// The warning that a temporary key was left behind.
fn not_deleted(_key: &str, _err: &dyn std::fmt::Display) {
    crate::trace::warn_event!(key = _key, error = %_err, "pottery: a temporary key was not deleted");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_tag_is_found_once_per_key() {
        // A key with a `}` and no tag: its tag has to be searched.
        let key = Key::named("a}b");
        let first: *const str = key.companion_base();
        let again: *const str = key.clone().companion_base();
        assert!(
            std::ptr::eq(first, again),
            "the tag is stored, not searched again"
        );
        assert!(key.scratch_key().starts_with(key.companion_base()));
        assert_eq!(
            key.companion_key(":flight:x"),
            format!("{}:flight:x", key.companion_base())
        );
    }
}
