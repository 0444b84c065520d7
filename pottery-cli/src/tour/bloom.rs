//! `BloomFilter`: "have I seen this?" in a fixed number of bits, shared with Python.

use pottery::sync::BloomFilter;

use super::{BoxError, Ctx, Step, let_step, step};

/// pottery's README Dilbert characters in a filter for 100 names at 1% false positives.
pub(super) fn steps(ctx: &Ctx) -> Result<Vec<Step>, BoxError> {
    let client = ctx.client.clone();
    let mut steps = vec![Step::Heading(
        "BloomFilter: set membership in m bits, no false negatives (pottery's bit layout)",
    )];
    let_step!(steps; py "dilberts = BloomFilter(num_elements=100, false_positives=0.01, redis=redis)";
        let dilberts = BloomFilter::<String>::temporary(&client, 100, 0.01)?);
    ctx.track(dilberts.key());
    steps.extend([
        step!(py "dilberts.size(), dilberts.num_hashes()"; [dilberts]
            (dilberts.size(), dilberts.num_hashes())),
        step!(py "dilberts.add('rajiv')"; [dilberts] dilberts.insert("rajiv")?),
        step!(py "'rajiv' in dilberts"; [dilberts] dilberts.contains("rajiv")?),
        step!(py "dilberts.update({'raj', 'dan'})"; [dilberts] dilberts.extend(["raj", "dan"])?),
        step!(py "tuple(dilberts.contains_many('raj', 'eric'))"; [dilberts]
            dilberts.contains_many(["raj", "eric"])?),
        step!(py "len(dilberts)"; [dilberts] dilberts.len()?),
        step!([dilberts] {
            let s = dilberts.stats()?;
            (s.bits_set, format!("{:.4}", s.fill_ratio()), format!("{:.1e}", s.false_positive_rate()))
        }),
    ]);
    Ok(steps)
}
