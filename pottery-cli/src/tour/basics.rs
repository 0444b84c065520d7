//! The tour's first and last sections: the client, and the codec.

use std::collections::HashMap;

use pottery::Client;

use super::{BoxError, Ctx, Step, let_step, step};

/// Opening a client and talking to Redis through it.
pub(super) fn client(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let url = ctx.url.clone();
    let mut steps = vec![Step::Heading(
        "The client: one cheap-to-clone handle per server",
    )];
    let_step!(steps; py "redis = Redis.from_url(url)"; let client = Client::open(&url)?);
    steps.extend([
        step!(py "redis"; [client] client),
        step!(py "redis.ping()"; [client] client.with_connection(|con| redis::cmd("PING").query::<String>(con))?),
        step!(py "random_key(redis=redis)"; [] pottery::random_key()),
    ]);
    Ok(steps)
}

/// What the JSON codec writes: the bytes Python's pottery reads, and back.
pub(super) fn codec(_ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    Ok(vec![
        Step::Heading(
            "The codec: byte for byte what Python's json.dumps(x, sort_keys=True) writes",
        ),
        step!(py "json.dumps(['café', 1e16, float('nan'), 2**70, None])"; []
            pottery::json::to_string(&("café", 1e16, f64::NAN, 1u128 << 70, None::<u8>))?),
        step!(py "json.dumps({10: 'a', 9: 'b'}, sort_keys=True)"; []
            pottery::json::to_string(&HashMap::from([(10, "a"), (9, "b")]))?),
        step!(py "json.loads('[\"caf\\\\u00e9\", Infinity, 1180591620717411303424]')"; []
            pottery::json::from_str::<(String, f64, u128)>(r#"["caf\u00e9", Infinity, 1180591620717411303424]"#)?),
    ])
}
