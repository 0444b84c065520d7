//! `RedisList` and `RedisDeque`: Redis lists that behave like `Vec` and `VecDeque`.

use pottery::sync::{RedisDeque, RedisList};

use super::{BoxError, Ctx, Step, let_step, repr_step, step};

/// A list with Python's indices and slices, then a bounded deque.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "RedisList: a Redis list that behaves like a Vec (and a Python list)",
    )];
    let_step!(steps; py "squares = RedisList(redis=redis)";
        let squares: RedisList<i64> = RedisList::temporary(&client));
    ctx.track(squares.key());
    steps.extend([
        step!(py "squares.extend([1, 4, 9, 16, 25])"; [squares] squares.extend([1, 4, 9, 16, 25])?),
        step!(py "squares[0]"; [squares] squares.get(0)?),
        step!(py "squares[-1]"; [squares] squares.get(-1)?),
        step!(py "squares[-3:]"; [squares] squares.get_range(-3..)?),
        step!(py "squares.insert(1, 2)"; [squares] squares.insert(1, 2)?),
        step!(py "squares[1:3] = [3]"; [squares] squares.splice(1..3, [3])?),
        repr_step!(py "squares"; [squares] squares.repr()?),
        step!(py "squares.sort(reverse=True)"; [squares] squares.sort_desc()?),
        step!(py "squares.pop()"; [squares] squares.pop()?),
        repr_step!(py "squares"; [squares] squares.repr()?),
        Step::Heading("RedisDeque: a bounded VecDeque; pushes trim atomically"),
    ]);
    let_step!(steps; py "d = RedisDeque(maxlen=3, redis=redis)";
        let d: RedisDeque<char> = RedisDeque::temporary(&client).bounded(3));
    ctx.track(d.key());
    steps.extend([
        step!(py "d.extend('ghi')"; [d] d.extend(['g', 'h', 'i'])?),
        step!(py "d.append('j')"; [d] d.push_back('j')?),
        step!(py "d.appendleft('f')"; [d] d.push_front('f')?),
        step!(py "d.rotate(1)"; [d] d.rotate(1)?),
        repr_step!(py "d"; [d] d.repr()?),
        step!(py "d.popleft()"; [d] d.pop_front()?),
    ]);
    Ok(steps)
}
