//! Pure decisions of [`RedisList`](crate::RedisList)'s flows.

/// The SHA-1 (lowercase hex) of a list's elements as `lua/list/retain.lua`
/// computes it with `redis.sha1hex`: `"<byte length>:<bytes>"` of each element,
/// in order, so that no two different lists share the input.
pub(crate) fn content_hash(elements: &[Vec<u8>]) -> String {
    let mut sha = sha1_smol::Sha1::new();
    for element in elements {
        sha.update(element.len().to_string().as_bytes());
        sha.update(b":");
        sha.update(element);
    }
    sha.digest().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_separates_elements_by_their_lengths() {
        // `["ab", "c"]` and `["a", "bc"]` join to the same bytes.
        let a = content_hash(&[b"ab".to_vec(), b"c".to_vec()]);
        let b = content_hash(&[b"a".to_vec(), b"bc".to_vec()]);
        assert_ne!(a, b);
        // SHA-1 of "" for the empty list, as `redis.sha1hex('')` gives.
        assert_eq!(
            content_hash(&[]),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        assert_eq!(a.len(), 40);
    }
}
