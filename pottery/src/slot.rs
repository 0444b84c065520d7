//! Scratch keys in a structure key's Redis Cluster slot.
//!
//! A script may only touch keys it declares, and on a cluster they must all hash
//! to one slot. Redis hashes a key's *hash tag* when it has one: the bytes after
//! the first `{` up to the next `}`, if that is not empty; otherwise the whole key.
//! A companion key (a script's scratch key, a cache's single-flight claim)
//! must hash to the structure key's slot, and should start with the key so
//! that an ACL key pattern covering the key covers it: see [`companion_base`].

use std::borrow::Cow;
use std::sync::LazyLock;

use redis::cluster_routing::Slot;

/// Tags tried, at most, when searching one for a slot (there are 16384 slots and
/// CRC16 spreads consecutive names evenly: one is found within ~16k tries).
const SEARCH_LIMIT: u32 = 1 << 22;

/// This process's random part of scratch key names: no user key can be named
/// like a scratch key by chance, so a script never clobbers one.
static PROCESS: LazyLock<uuid::Uuid> = LazyLock::new(uuid::Uuid::new_v4);

/// A key in the same cluster slot as `key`, for a script's scratch work:
/// the key's companion base then `:pottery-scratch:<uuid4 of this process>`.
///
/// One name per structure key is enough: a script runs atomically and deletes
/// its scratch key before it ends, so no two scripts ever see it, and its random
/// part keeps it out of the way of user keys. (A fresh UUID per call would cost a
/// `getrandom` call each time for nothing.) Structures call
/// `Key::scratch_key`, which finds the base once.
#[cfg(test)]
pub(crate) fn scratch_key(key: &str) -> String {
    scratch_key_from(&companion_base(key))
}

/// The scratch key of the key whose companion base is `base`.
pub(crate) fn scratch_key_from(base: &str) -> String {
    format!("{base}:pottery-scratch:{}", *PROCESS)
}

/// What every companion key of `key` starts with: a string that, with any
/// suffix, hashes to `key`'s cluster slot; it starts with `key`
/// itself whenever Redis allows, so an ACL pattern such as `~app:*` that
/// covers the key covers its companions.
///
/// - `key` has a hash tag (`user:{42}:seen`): `key` (the suffix keeps the tag).
/// - `key` has no `{` (`app:hll`, `a}b`): `key{tag}`, where `tag` hashes to
///   the key's slot (the key itself when it has no `}`).
/// - otherwise (`a{b`, `{}x`: a `{` that opens no tag): `{tag}`, which does
///   not start with the key: Redis would read a tag across the key and suffix.
pub(crate) fn companion_base(key: &str) -> String {
    if hash_tag(key).is_some() {
        key.to_owned()
    } else if !key.contains('{') {
        format!("{key}{{{}}}", slot_tag(key))
    } else {
        format!("{{{}}}", slot_tag(key))
    }
}

/// A non-empty string without `}` whose slot is `key`'s slot.
pub(crate) fn slot_tag(key: &str) -> Cow<'_, str> {
    if let Some(tag) = hash_tag(key) {
        // Up to the first `}` by construction; the slot is the tag's.
        return Cow::Borrowed(tag);
    }
    if !key.is_empty() && !key.contains('}') {
        // No tag: Redis hashes the whole key, and `{key}` hashes exactly it.
        return Cow::Borrowed(key);
    }
    // A key with a `}` but no valid tag (`a}b`, `{}x`) or the empty key: `{key}`
    // would hash something else, so search a tag with the same slot.
    let slot = Slot::for_key(key);
    (0..SEARCH_LIMIT)
        .map(|n| format!("pottery-slot-{n}"))
        .find(|tag| Slot::for_key(tag) == slot)
        .map_or(Cow::Borrowed(key), Cow::Owned)
}

/// The hash tag of `key` as Redis reads it: after the first `{`, up to the next
/// `}`, if not empty.
fn hash_tag(key: &str) -> Option<&str> {
    let open = key.find('{')?;
    let rest = key.get(open + 1..)?;
    let close = rest.find('}')?;
    rest.get(..close).filter(|tag| !tag.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn slot(key: &str) -> Slot {
        Slot::for_key(key)
    }

    #[test]
    fn scratch_keys_share_the_slot() {
        let keys = [
            "plain",
            "pottery:2b1d6c3e-0000-4000-8000-000000000000",
            "user:{42}:seen",
            "{a}{b}",
            "x{{y}}",
            "a{b",
            "a}b",
            "}",
            "{}",
            "{}x{y}",
            "",
            "é{ü}",
            "{",
        ];
        for key in keys {
            let scratch = scratch_key(key);
            assert_eq!(slot(&scratch), slot(key), "{key:?} -> {scratch:?}");
            let flight = format!("{}:flight:{{x}}", companion_base(key));
            assert_eq!(slot(&flight), slot(key), "{key:?} -> {flight:?}");
            if !key.contains('{') || hash_tag(key).is_some() {
                assert!(scratch.starts_with(key), "{key:?} -> {scratch:?}");
            }
            assert_eq!(scratch, scratch_key(key), "one name per key and process");
        }
    }

    #[test]
    fn tags_follow_redis_rules() {
        assert_eq!(hash_tag("user:{42}:seen"), Some("42"));
        assert_eq!(hash_tag("{a}{b}"), Some("a"));
        assert_eq!(hash_tag("x{{y}}"), Some("{y"));
        assert_eq!(hash_tag("{}x{y}"), None);
        assert_eq!(hash_tag("a{b"), None);
        assert_eq!(slot_tag("plain"), "plain");
        assert!(!slot_tag("a}b").contains('}'));
    }
}
