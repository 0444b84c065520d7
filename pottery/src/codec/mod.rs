//! How keys, members and values become bytes in Redis.
//!
//! Every structure is generic over a [`Codec`]; the default, [`Json`], writes exactly
//! what Python's `json.dumps(x, sort_keys=True)` writes, so Python pottery and this
//! crate read each other's data. Pick another codec per structure when both sides
//! are Rust and you want something more compact.

pub mod json;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The error a [`Codec`] returns; the crate wraps it into an [`Error`](crate::Error)
/// that names the Redis key and shows a prefix of the raw bytes.
pub type CodecError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Turns serde values into the bytes stored in Redis and back.
///
/// Implement it to store data in another format. Two values that are equal must
/// encode to the same bytes (hash fields and set members are compared as bytes).
///
/// # Example
///
/// A codec that stores values as compact `serde_json` (not Python-compatible):
///
/// ```
/// use pottery::{Codec, CodecError};
///
/// #[derive(Clone, Copy, Debug, Default)]
/// struct CompactJson;
///
/// impl Codec for CompactJson {
///     fn encode<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, CodecError> {
///         Ok(serde_json::to_vec(value)?)
///     }
///     fn decode<T: serde::de::DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, CodecError> {
///         Ok(serde_json::from_slice(bytes)?)
///     }
/// }
///
/// assert_eq!(CompactJson.encode(&[1, 2]).unwrap(), b"[1,2]");
/// ```
pub trait Codec: Clone + Send + Sync + 'static {
    /// Encodes `value` into the bytes to store.
    fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, CodecError>;
    /// Decodes bytes read from Redis.
    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, CodecError>;
}

/// The default codec: JSON byte-identical to CPython's `json.dumps(x, sort_keys=True)`.
///
/// Decoding accepts everything `json.loads` accepts, including bare `NaN`,
/// `Infinity` and `-Infinity`. See [`json`] for the rules.
///
/// # Example
///
/// ```
/// use pottery::{Codec, Json};
/// use std::collections::HashMap;
///
/// let map = HashMap::from([(10, "a"), (9, "é")]);
/// assert_eq!(Json.encode(&map).unwrap(), br#"{"9": "\u00e9", "10": "a"}"#);
/// let back: HashMap<i32, String> = Json.decode(br#"{"9": "\u00e9", "10": "a"}"#).unwrap();
/// assert_eq!(back[&9], "é");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json;

impl Codec for Json {
    fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, CodecError> {
        Ok(json::to_vec(value)?)
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, CodecError> {
        Ok(json::from_slice(bytes)?)
    }
}

/// Values that encode exactly as a `T` would, so a method expecting a `T` key or
/// value can take them without a conversion: `T` itself, `&T`, `&str` for
/// `String`, and `&[T]` for `Vec<T>`.
///
/// # Example
///
/// ```
/// use pottery::{Codec, EncodeAs, Json};
///
/// fn encode_key<K: serde::Serialize>(key: impl EncodeAs<K>) -> Vec<u8> {
///     Json.encode(&key).unwrap()
/// }
/// assert_eq!(encode_key::<String>("jack"), encode_key::<String>("jack".to_owned()));
/// assert_eq!(encode_key::<Vec<u8>>(&[1u8, 2][..]), b"[1, 2]");
/// ```
pub trait EncodeAs<T: ?Sized>: Serialize {}

impl<T: Serialize> EncodeAs<T> for T {}
impl<T: Serialize + ?Sized> EncodeAs<T> for &T {}
impl EncodeAs<String> for &str {}
impl<T: Serialize> EncodeAs<Vec<T>> for &[T] {}
