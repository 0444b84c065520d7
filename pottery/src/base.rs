//! What every container holds, and the helpers its operations are built with.

use redis::{Cmd, Script, ToRedisArgs, Value};
use serde::Serialize;

use crate::client::Client;
use crate::codec::Codec;
use crate::engine::{Op, Request};
use crate::error::{Error, Result};
use crate::key::Key;

/// A container's client, key, codec and Redis type.
///
/// Structures hold one and build their [`Op`]s through it, so that encoding
/// errors name the key and every reply decoder knows the key and type.
pub(crate) struct Base<C> {
    client: Client,
    key: Key,
    codec: C,
    redis_type: &'static str,
}

impl<C: Codec> Base<C> {
    /// A container at the caller's `key`, stored as a Redis `redis_type`.
    pub(crate) fn named(client: &Client, key: &str, codec: C, redis_type: &'static str) -> Self {
        Base {
            client: client.clone(),
            key: Key::named(key),
            codec,
            redis_type,
        }
    }

    /// A container at a fresh random key, deleted when the last clone drops.
    pub(crate) fn temporary(client: &Client, codec: C, redis_type: &'static str) -> Self {
        Base {
            client: client.clone(),
            key: Key::temporary(client),
            codec,
            redis_type,
        }
    }

    pub(crate) fn key(&self) -> &str {
        self.key.as_str()
    }

    /// The key's name, shared without copying.
    pub(crate) fn key_shared(&self) -> std::sync::Arc<str> {
        self.key.shared()
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn codec(&self) -> &C {
        &self.codec
    }

    pub(crate) fn redis_type(&self) -> &'static str {
        self.redis_type
    }

    /// Encodes `value`; the error names the key.
    pub(crate) fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>> {
        self.codec
            .encode(value)
            .map_err(|e| Error::encode(self.key(), e))
    }

    /// Encodes every item, stopping at the first that fails.
    pub(crate) fn encode_each<I>(&self, items: I) -> Result<Vec<Vec<u8>>>
    where
        I: IntoIterator<Item: Serialize>,
    {
        items.into_iter().map(|item| self.encode(&item)).collect()
    }

    /// `name key`.
    pub(crate) fn cmd(&self, name: &str) -> Cmd {
        let mut cmd = redis::cmd(name);
        cmd.arg(self.key());
        cmd
    }

    /// `name key args...`.
    pub(crate) fn cmd_with(&self, name: &str, args: impl ToRedisArgs) -> Cmd {
        let mut cmd = self.cmd(name);
        cmd.arg(args);
        cmd
    }

    /// A call of `script` with this key as `KEYS[1]` and `args` as `ARGV`.
    pub(crate) fn script(&self, script: &'static Script, args: &[Vec<u8>]) -> Request {
        Request::script(script, &[self.key().as_bytes()], args)
    }

    /// An operation on this key: `request`, then `decode` of its reply.
    pub(crate) fn op<T>(
        &self,
        request: impl Into<Request>,
        decode: impl FnOnce(&str, Value) -> Result<T> + Send + 'static,
    ) -> Op<T> {
        Op::new(self.key.shared(), self.redis_type, request, decode)
    }
}

impl<C: Clone> Clone for Base<C> {
    fn clone(&self) -> Self {
        Base {
            client: self.client.clone(),
            key: self.key.clone(),
            codec: self.codec.clone(),
            redis_type: self.redis_type,
        }
    }
}
