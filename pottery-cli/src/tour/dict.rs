//! `RedisDict`: blocking, then async on the same hash, then expiry and clean-up.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::TryStreamExt;
use pottery::{Container, future, sync::RedisDict};

use super::{BoxError, Ctx, Step, await_step, let_step, repr_step, step};

/// The README's telephone book, then the same dict from async code.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "RedisDict: a Redis hash that behaves like a HashMap",
    )];
    let_step!(steps; py "tel = RedisDict(redis=redis)";
        let tel: RedisDict<String, u32> = RedisDict::temporary(&client));
    ctx.track(tel.key());
    steps.extend([
        step!(py "tel.key"; [tel] tel.key()),
        step!(py "tel.update({'jack': 4098, 'sape': 4139})"; [tel]
            tel.extend([("jack", 4098), ("sape", 4139)])?),
        step!(py "tel['guido'] = 4127"; [tel] tel.insert("guido", 4127)?),
        repr_step!(py "tel"; [tel] tel.repr()?),
        step!(py "tel['jack']"; [tel] tel.get("jack")?),
        step!(py "del tel['sape']"; [tel] tel.remove("sape")?),
        step!(py "tel['irv'] = 4127"; [tel] tel.insert("irv", 4127)?),
        step!(py "sorted(tel)"; [tel] tel.keys().collect::<pottery::Result<BTreeSet<_>>>()?),
        step!(py "'guido' in tel"; [tel] tel.contains_key("guido")?),
        step!(py "len(tel)"; [tel] tel.len()?),
        step!(py "redis.hgetall(tel.key)"; [client, tel]
            client.with_connection(|con| redis::cmd("HGETALL").arg(tel.key()).query::<Vec<String>>(con))?),
        Step::Heading("The same hash from async code (any Tokio runtime)"),
    ]);
    let_step!(steps;
        let atel: future::RedisDict<String, u32> = future::RedisDict::new(&client, tel.key()));
    steps.extend([
        await_step!(ctx; [atel] atel.get("jack").await?),
        await_step!(ctx; [atel] atel.replace("jack", 4099).await?),
        await_step!(ctx; [atel] atel.iter().try_collect::<BTreeMap<_, _>>().await?),
        step!([tel] tel.get("jack")?),
        Step::Heading("Expiry, from Redis (the Container trait)"),
        step!(py "redis.pexpire(tel.key, 60_000)"; [tel] tel.expire(Duration::from_secs(60))?),
        step!(py "redis.pttl(tel.key)"; [tel] tel.ttl()?),
        step!(py "redis.persist(tel.key)"; [tel] tel.persist()?),
        Step::Heading("A temporary key is deleted when its last handle drops"),
        step!(py "del tel"; [tel] drop(tel)),
        await_step!(ctx; [atel] atel.exists().await?),
    ]);
    Ok(steps)
}
