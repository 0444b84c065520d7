//! `NextId`: increasing IDs, here on the tour's one server (pass several masters
//! to the builder for a quorum).

use pottery::sync::NextId;

use super::{BoxError, Ctx, Step, let_step, step};

/// Two generators on one sequence, a batch, then a reset.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "NextId: increasing IDs from a quorum of masters (one master here)",
    )];
    let_step!(steps; py "name = random_key(redis=redis)"; let name = pottery::random_key());
    let_step!(steps; py "tweet_ids = NextID(key=name, masters={redis})";
        let tweet_ids = NextId::new(&client, &name));
    ctx.track(tweet_ids.key());
    let_step!(steps; py "other = NextID(key=name, masters={redis})";
        let other = NextId::new(&client, &name));
    steps.extend([
        step!(py "tweet_ids.key"; [tweet_ids] tweet_ids.key().to_owned()),
        step!(py "next(tweet_ids)"; [tweet_ids] tweet_ids.next()?),
        step!(py "next(other)"; [other] other.next()?),
        step!(py "[next(tweet_ids) for _ in range(3)]"; [tweet_ids]
            tweet_ids.take(3).collect::<pottery::Result<Vec<u64>>>()?),
        step!(py "tweet_ids.reset()"; [tweet_ids] tweet_ids.reset()?),
        step!(py "next(other)"; [other] other.next()?),
        step!(py "other.reset()"; [other] other.reset()?),
    ]);
    Ok(steps)
}
