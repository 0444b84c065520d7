//! Scalars as Python's `json.dumps` sees them: `repr(float)`, integer digits, and map
//! keys, which are scalars that Python sorts by their original type.
//!
//! # `repr(float)`
//!
//! CPython prints the shortest digit string that reads back as the same `f64`
//! (David Gay's dtoa, mode 0), and so does Rust's `{:e}` formatting. Both pick, among
//! the shortest strings that round-trip, the one closest to the exact binary value, but
//! on an exact tie Rust rounds up and CPython to even; [`round_half_even`] repairs that.
//! The layout is then CPython's (`float_repr_style = 'short'`):
//!
//! * fixed notation when the decimal exponent `e` (value = `d.ddd × 10^e`) satisfies
//!   `-4 <= e < 16`, always with at least one digit after the point: `100.0`, `0.0001`,
//!   `1234567890123456.0`;
//! * otherwise scientific, with no `.0` when there is a single digit, an explicit sign
//!   and at least two exponent digits: `1e+16`, `1e-05`, `1.2345678901234568e+17`;
//! * `0.0`, `-0.0`, and the non-finite values bare as `json.dumps` writes them with
//!   `allow_nan=True`: `NaN`, `Infinity`, `-Infinity`.
//!
//! # Keys
//!
//! [`KeySer`] turns a serde map key into a [`Key`] (`str`, `int`, `float`, `bool` or
//! `None`); [`cmp_num`] orders numeric keys exactly as Python compares them.

use std::cmp::Ordering;
use std::fmt::Write as _;

/// A fixed-size stack buffer that `{:e}` formatting can write into.
struct StackBuf {
    buf: [u8; 48],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl std::io::Write for StackBuf {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let end = self.len + bytes.len();
        let slot = self
            .buf
            .get_mut(self.len..end)
            .ok_or(std::io::ErrorKind::WriteZero)?;
        slot.copy_from_slice(bytes);
        self.len = end;
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The significant digits of a decimal number and its exponent `e` (value =
/// `d.ddd × 10^e`).
struct Decimal {
    digits: [u8; 32],
    len: usize,
    exp: i32,
}

impl Decimal {
    /// Reads a positive number written like `123.45`, `1e-7`, `1.5e+300` or `0.0001`.
    fn parse(text: &[u8]) -> Option<Decimal> {
        let mut d = Decimal {
            digits: [0; 32],
            len: 0,
            exp: 0,
        };
        let (mantissa, exponent) = match text.iter().position(|&b| b == b'e' || b == b'E') {
            Some(at) => (text.get(..at)?, text.get(at + 1..)?),
            None => (text, &b""[..]),
        };
        let exponent = std::str::from_utf8(exponent).ok()?;
        let exponent: i32 = if exponent.is_empty() {
            0
        } else {
            exponent.parse().ok()?
        };
        // Position of the decimal point counted in digits from the first one kept.
        let mut point: i32 = 0;
        let mut seen_point = false;
        for &b in mantissa {
            match b {
                b'.' if !seen_point => seen_point = true,
                b'0' if d.len == 0 => point -= i32::from(seen_point),
                b'0'..=b'9' => {
                    *d.digits.get_mut(d.len)? = b;
                    d.len += 1;
                    point += i32::from(!seen_point);
                }
                _ => return None,
            }
        }
        while d.len > 1 && d.digits.get(d.len - 1) == Some(&b'0') {
            d.len -= 1;
        }
        d.exp = point.checked_add(exponent)? - 1;
        (d.len > 0 && d.len <= 17).then_some(d)
    }

    /// Shortest round-trip digits of a positive finite `x`: from `serde_json` (Żmij, fast),
    /// or from Rust's `{:e}` formatting should that ever not parse.
    fn shortest(x: f64) -> Option<Decimal> {
        let mut buf = StackBuf {
            buf: [0; 48],
            len: 0,
        };
        if serde_json::to_writer(&mut buf, &x).is_ok()
            && let Some(d) = Decimal::parse(buf.buf.get(..buf.len)?)
        {
            return Some(d);
        }
        buf.len = 0;
        write!(buf, "{x:e}").ok()?;
        Decimal::parse(buf.buf.get(..buf.len)?)
    }
}

/// Appends `repr(x)` as CPython's `json.dumps` writes it.
pub(crate) fn write_f64(out: &mut Vec<u8>, x: f64) {
    if x.is_nan() {
        out.extend_from_slice(b"NaN");
        return;
    }
    if x.is_infinite() {
        out.extend_from_slice(if x > 0.0 { b"Infinity" } else { b"-Infinity" });
        return;
    }
    if x == 0.0 {
        out.extend_from_slice(if x.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    let Some(mut d) = Decimal::shortest(x.abs()) else {
        // Unreachable; stay valid JSON that reads back as `x` anyway.
        out.extend_from_slice(format!("{x:e}").as_bytes());
        return;
    };
    round_half_even(&mut d, x.abs());
    let digits = d.digits.get(..d.len).unwrap_or_default();
    if x.is_sign_negative() {
        out.push(b'-');
    }
    if (-4..16).contains(&d.exp) {
        write_fixed(out, digits, d.exp + 1);
    } else {
        write_scientific(out, digits, d.exp);
    }
}

/// Both CPython and the digit generators used here print the shortest digits that read
/// back as `x` and, among those, the closest to `x`. When `x` lies exactly halfway
/// between two such candidates CPython's dtoa takes the even one (`1608882928643910.25`
/// is `1608882928643910.2`), and so does Żmij, but Rust's `{:e}` takes the upper one.
/// This detects an exact tie next to an odd last digit and moves to the even neighbour.
fn round_half_even(d: &mut Decimal, x: f64) {
    let digits = d.digits.get(..d.len).unwrap_or_default();
    let Some(&last) = digits.last() else { return };
    // ASCII digits have the parity of their value.
    if last.is_multiple_of(2) || digits.len() < 2 {
        return;
    }
    let value = digits
        .iter()
        .fold(0u128, |acc, &b| acc * 10 + u128::from(b - b'0'));
    let p = i64::from(d.exp) - digits.len() as i64;
    let step = if is_exactly(x, value * 10 - 5, p) {
        -1
    } else if last != b'9' && is_exactly(x, value * 10 + 5, p) {
        1
    } else {
        return;
    };
    if let Some(slot) = d.digits.get_mut(d.len - 1) {
        *slot = slot.wrapping_add_signed(step);
    }
}

/// Whether `x` equals `n × 10^p` exactly, for an odd `n`.
fn is_exactly(x: f64, n: u128, p: i64) -> bool {
    // `x = m × 2^e` with `m` odd.
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1 << 52) - 1);
    let (mut m, mut e) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, biased - 1075)
    };
    if m == 0 {
        return false;
    }
    e += i64::from(m.trailing_zeros());
    m >>= m.trailing_zeros();
    // m × 2^e = n × 2^p × 5^p with m and n odd: the powers of two must match, and then
    // m × 5^-p = n (p < 0) or m = n × 5^p (p >= 0).
    let five = |k: i64| u32::try_from(k).ok().and_then(|k| 5u128.checked_pow(k));
    e == p
        && if p < 0 {
            five(-p).and_then(|f| f.checked_mul(u128::from(m))) == Some(n)
        } else {
            five(p).and_then(|f| f.checked_mul(n)) == Some(u128::from(m))
        }
}

/// Fixed notation; `decpt` is where the point goes relative to the digits
/// (value = `0.DIGITS × 10^decpt`).
fn write_fixed(out: &mut Vec<u8>, digits: &[u8], decpt: i32) {
    let nd = digits.len();
    if decpt <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', decpt.unsigned_abs() as usize));
        out.extend_from_slice(digits);
    } else {
        let point = decpt.unsigned_abs() as usize;
        if point >= nd {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(b'0', point - nd));
            out.extend_from_slice(b".0");
        } else {
            let (int, frac) = digits.split_at(point);
            out.extend_from_slice(int);
            out.push(b'.');
            out.extend_from_slice(frac);
        }
    }
}

/// Scientific notation: `d[.ddd]e±XX`.
fn write_scientific(out: &mut Vec<u8>, digits: &[u8], exp: i32) {
    let (first, rest) = digits.split_first().unwrap_or((&b'0', &[]));
    out.push(*first);
    if !rest.is_empty() {
        out.push(b'.');
        out.extend_from_slice(rest);
    }
    out.push(b'e');
    out.push(if exp < 0 { b'-' } else { b'+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push(b'0');
    }
    let mut buf = StackBuf {
        buf: [0; 48],
        len: 0,
    };
    if write!(buf, "{e}").is_ok() {
        out.extend_from_slice(buf.buf.get(..buf.len).unwrap_or_default());
    }
}

/// `"00010203…99"`: the two digits of every number below 100.
// Evaluated at compile time, where an out-of-bounds index is a build error.
#[allow(clippy::indexing_slicing)]
const PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        table[2 * i] = b'0' + (i / 10) as u8;
        table[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    table
};

/// Appends the decimal digits of `n`.
pub(crate) fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    while n >= 10 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        at -= 2;
        if let (Some(dst), Some(src)) = (buf.get_mut(at..at + 2), PAIRS.get(pair..pair + 2)) {
            dst.copy_from_slice(src);
        }
    }
    if n > 0 || at == buf.len() {
        at -= 1;
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'0' + n as u8;
        }
    }
    out.extend_from_slice(buf.get(at..).unwrap_or_default());
}

/// Appends the decimal digits of `n`.
pub(crate) fn write_u128(out: &mut Vec<u8>, n: u128) {
    match u64::try_from(n) {
        Ok(small) => write_u64(out, small),
        Err(_) => {
            const TEN19: u128 = 10_000_000_000_000_000_000;
            write_u128(out, n / TEN19);
            let low = (n % TEN19) as u64;
            let start = out.len();
            write_u64(out, low);
            let width = out.len() - start;
            out.splice(start..start, std::iter::repeat_n(b'0', 19 - width));
        }
    }
}

/// Appends an integer given as sign and magnitude.
pub(crate) fn write_int(out: &mut Vec<u8>, neg: bool, magnitude: u128) {
    if neg && magnitude != 0 {
        out.push(b'-');
    }
    write_u128(out, magnitude);
}

/// Compares two integers given as sign and magnitude.
pub(crate) fn cmp_int(a: (bool, u128), b: (bool, u128)) -> Ordering {
    let a_neg = a.0 && a.1 != 0;
    let b_neg = b.0 && b.1 != 0;
    match (a_neg, b_neg) {
        (false, false) => a.1.cmp(&b.1),
        (true, true) => b.1.cmp(&a.1),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

/// Compares an integer with a non-NaN float exactly, as Python does.
pub(crate) fn cmp_int_float(int: (bool, u128), x: f64) -> Ordering {
    const TWO_128: f64 = 340_282_366_920_938_463_463_374_607_431_768_211_456.0;
    if x.abs() >= TWO_128 {
        return if x > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let t = x.trunc();
    // Exact: `t` is an integer below 2^128 in magnitude.
    let ord = cmp_int(int, (t < 0.0, t.abs() as u128));
    if ord != Ordering::Equal {
        return ord;
    }
    (0.0).partial_cmp(&(x - t)).unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::write_f64;

    fn repr(x: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, x);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    // The tie cases are written as their exact binary values, on purpose.
    #[allow(clippy::excessive_precision)]
    fn examples_from_python() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (2.5, "2.5"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.0, "1234567890123456.0"),
            (9999999999999998.0, "9999999999999998.0"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (1e22, "1e+22"),
            (1e100, "1e+100"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (0.00001, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (5e-324, "5e-324"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN, "-1.7976931348623157e+308"),
            (f64::EPSILON, "2.220446049250313e-16"),
            (123.456, "123.456"),
            (-1.5, "-1.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (-f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::from(0.1f32), "0.10000000149011612"),
            (9007199254740993.0, "9007199254740992.0"),
            (1e-4, "0.0001"),
            (123456789.0, "123456789.0"),
            // Exact ties between two shortest candidates: CPython rounds half to even.
            (1608882928643910.25, "1608882928643910.2"),
            (1608882928643910.75, "1608882928643910.8"),
            (259189143840433.125, "259189143840433.12"),
            (28648023506827.5625, "28648023506827.562"),
            (-4132873420888.90625, "-4132873420888.9062"),
            (1.7976931348623157e300, "1.7976931348623156e+300"),
        ];
        for &(x, want) in cases {
            assert_eq!(repr(x), want, "repr of {x:e}");
        }
    }

    #[test]
    fn round_trips() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state);
            if x.is_finite() {
                assert_eq!(
                    repr(x).parse::<f64>().ok().map(f64::to_bits),
                    Some(x.to_bits())
                );
            }
        }
    }
}
