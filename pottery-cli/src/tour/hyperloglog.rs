//! `HyperLogLog`: counting distinct elements in ~12 KB, merging, membership.

use pottery::sync::HyperLogLog;

use super::{BoxError, Ctx, Step, let_step, step};

/// pottery's README Google searches, counted, merged and tested.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "HyperLogLog: approximate distinct counts in 12 KB, mergeable",
    )];
    let_step!(steps; py "searches = HyperLogLog(redis=redis)";
        let searches = HyperLogLog::<String>::temporary(&client));
    ctx.track(searches.key());
    let_step!(steps; py "more = HyperLogLog(redis=redis)";
        let more = HyperLogLog::<String>::temporary(&client));
    ctx.track(more.key());
    steps.extend([
        step!(py "searches.add('sonic the hedgehog video game')"; [searches]
            searches.insert("sonic the hedgehog video game")?),
        step!(py "searches.update({'minesweeper', 'joey tribbiani', 'snake'})"; [searches]
            searches.extend(["minesweeper", "joey tribbiani", "snake"])?),
        step!(py "'joey tribbiani' in searches"; [searches] searches.contains("joey tribbiani")?),
        step!(py "'jennifer aniston' in searches"; [searches]
            searches.contains("jennifer aniston")?),
        step!(py "more.update({'snake', 'pac-man'})"; [more] more.extend(["snake", "pac-man"])?),
        // The union is a temporary HyperLogLog, deleted as the line ends.
        step!(py "len(searches.union(more))"; [searches, more] searches.union([&more])?.len()?),
        step!(py "searches.update(more)"; [searches, more] searches.merge([&more])?),
        step!(py "len(searches)"; [searches] searches.len()?),
    ]);
    Ok(steps)
}
