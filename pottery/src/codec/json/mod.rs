//! CPython-compatible JSON (stub: being written).
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON encoding or decoding error.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}

/// Encodes like `json.dumps(value, sort_keys=True)`.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error(e.to_string()))
}

/// Decodes like `json.loads`.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error(e.to_string()))
}
