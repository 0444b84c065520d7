"""CPython side of pottery's JSON compatibility tests (pottery/tests/json_python.rs).

A line-based server on stdin/stdout; every request gets exactly one reply line
(or, for C and R, reply lines closed by END). Output is ASCII only.

  E <tagged>     rebuild the tagged value exactly and reply
                 `O <json.dumps(value, sort_keys=True)>` or `X <exception name>: <message>`
  L <hex>        `json.loads(bytes.fromhex(hex))`, then reply `O <json.dumps(result,
                 sort_keys=True)>`, `S` when the result holds a lone surrogate, or
                 `X <exception name>`
  C              the fixed corpus of tricky values
  R <n> <seed>   n random values
                 (C and R reply lines `[tag, json.dumps(v, sort_keys=True),
                 json.dumps(json.loads(that), sort_keys=True)]`, then `END`)

The tagged representation, produced by the Rust test, is a JSON array:
  ["n"] None; ["b", true] bool; ["i", "-12"] int (decimal); ["f", "0x1.8p+1"] float
  (float.hex, or "nan", "inf", "-inf"); ["s", [code points]] str; ["l", [...]] list;
  ["t", [...]] tuple; ["d", [[key, value], ...]] dict (keys tagged the same way).
"""

import json
import random
import struct
import sys


class Collision(Exception):
    """Two keys of a tagged dict are equal in Python."""


def build(t):
    tag = t[0]
    if tag == "n":
        return None
    if tag == "b":
        return bool(t[1])
    if tag == "i":
        return int(t[1])
    if tag == "f":
        return float.fromhex(t[1])
    if tag == "s":
        return "".join(map(chr, t[1]))
    if tag == "l":
        return [build(x) for x in t[1]]
    if tag == "t":
        return tuple(build(x) for x in t[1])
    if tag == "d":
        d = {}
        for k, v in t[1]:
            key = build(k)
            if key in d:
                raise Collision(repr(key))
            d[key] = build(v)
        return d
    raise ValueError("unknown tag %r" % (tag,))


def dumps(v):
    return json.dumps(v, sort_keys=True)


def has_lone_surrogate(v):
    try:
        json.dumps(v, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def corpus():
    """(tag, value): the tag names the Rust type the test also decodes into."""
    ints = [0, 1, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63),
            -(2**63) - 1, 2**70, -(2**70), 2**127 - 1, 2**127, 2**128 - 1, 2**128,
            -(2**127), -(2**127) - 1, 10**40, -(10**40), 10**300]
    floats = [0.0, -0.0, 1.0, -1.5, 0.1, 1 / 3, 1e16, 1e15, 1e-5, 1e-4, 5e-324,
              2.2250738585072014e-308, 1.7976931348623157e308, 1e22, 2.0**70,
              9999999999999998.0, 1234567890123456.0, 1608882928643910.25,
              float("nan"), float("inf"), float("-inf"), 123456789.125]
    strings = ["", "a", "\x00\x01\x1f", "\x7f", '"\\/', "\u00e9", "\u2028\u2029",
               "\uffff", "\U0001f600", "\U0010ffff", "tab\tnew\nline\r", "mixed \u00e9\U0001f600 \x08\x0c"]
    out = []
    for i in ints:
        out.append(("value", i))
        if -(2**63) <= i < 2**63:
            out.append(("i64", i))
        if 0 <= i < 2**64:
            out.append(("u64", i))
        if -(2**127) <= i < 2**127:
            out.append(("i128", i))
        if 0 <= i < 2**128:
            out.append(("u128", i))
    for f in floats:
        out += [("value", f), ("f64", f)]
    for s in strings:
        out += [("value", s), ("string", s), ("value", {s: s})]
    out += [
        ("value", None), ("unit", None), ("bool", True), ("bool", False),
        ("opt_i64", None), ("opt_i64", 5),
        ("value", []), ("value", {}), ("value", [[], {}, [[]], {"a": {}}]),
        ("vec_f64", [1.0, float("nan"), float("-inf"), 1e16, -0.0]),
        ("vec_value", [1, 2.0, "3", None, True, 2**70, [1e-7]]),
        ("value", {"b": 1, "a": [1, {"d": 2, "c": 3}], "": None, "\u00e9": 0}),
        ("map_str_value", {"b": 1, "a": 2.5, "z": [float("inf")]}),
        ("value", {10: "a", 9: "b", 100: "c"}),
        ("map_i64_str", {10: "a", 9: "b", -100: "c", 0: "d"}),
        ("map_u128_f64", {2**128 - 1: 1.5, 2**64: float("nan"), 1: -0.0}),
        ("map_bool_i64", {True: 1, False: 0}),
        ("value", {1.5: "x", 0.25: "y", float("inf"): "z", -1e300: "w"}),
        ("value", {True: 1, None: 2} if False else {None: 2}),
        ("value", (1, "two", 3.0)),
        ("tuple", (-7, "\u00e9", 0.5)),
        ("struct", {"name": "pot", "size": 2**70, "ratio": float("nan"),
                    "tags": ["a", "b"], "inner": {"flag": True, "count": -3}}),
        ("enum", ["Unit", {"Newtype": 7}, {"Tuple": [1, "x"]}, {"Struct": {"b": 2.5, "a": None}}]),
        ("bytes", [0, 1, 127, 255]),
        ("char", "\U0001f600"),
        ("lone", "\ud800"),
        ("lone", ["ok", "\udc00x"]),
        ("lone", {"\ud83d": 1}),
    ]
    return out


def random_string(rng):
    def cp():
        r = rng.random()
        if r < 0.4:
            return rng.randint(0x20, 0x7E)
        if r < 0.5:
            return rng.choice([0, 8, 9, 10, 12, 13, 0x1F, 0x22, 0x5C, 0x7F])
        if r < 0.75:
            c = rng.randint(0x80, 0xFFFF)
            return c if not 0xD800 <= c < 0xE000 else 0xE000
        return rng.randint(0x10000, 0x10FFFF)

    return "".join(chr(cp()) for _ in range(rng.randint(0, 8)))


def random_float(rng):
    r = rng.random()
    if r < 0.5:
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    if r < 0.7:
        return rng.choice([0.0, -0.0, float("nan"), float("inf"), float("-inf"), 5e-324,
                           1e16, 1e-5, 0.1, 1.7976931348623157e308])
    if r < 0.85:
        return rng.randint(1, 2**53) / 2 ** rng.randint(0, 60)
    return float("%de%d" % (rng.randint(-10**17, 10**17), rng.randint(-30, 30)))


def random_int(rng):
    return rng.choice([
        rng.randint(-1000, 1000),
        rng.randint(-(2**63), 2**64),
        rng.randint(-(2**130), 2**130),
        rng.randint(-(10**60), 10**60),
    ])


def random_value(rng, depth=0):
    r = rng.random()
    if depth < 4 and r < 0.25:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    if depth < 4 and r < 0.5:
        keys = rng.choice([random_string, random_int, random_float,
                           lambda g: g.choice([True, False])])
        d = {}
        for _ in range(rng.randint(0, 5)):
            k = keys(rng)
            if isinstance(k, float) and k != k:
                continue
            d[k] = random_value(rng, depth + 1)
        return d
    return rng.choice([random_string, random_int, random_float,
                       lambda g: g.choice([True, False, None])])(rng)


def emit(tag, v):
    out = dumps(v)
    print(json.dumps([tag, out, dumps(json.loads(out))]))


def main():
    for line in sys.stdin:
        cmd, _, arg = line.rstrip("\n").partition(" ")
        if cmd == "E":
            try:
                print("O " + dumps(build(json.loads(arg))))
            except Exception as e:  # noqa: BLE001 - reported to the Rust side
                print("X %s: %s" % (type(e).__name__, e))
        elif cmd == "L":
            try:
                v = json.loads(bytes.fromhex(arg))
            except (ValueError, RecursionError) as e:
                print("X " + type(e).__name__)
            else:
                print("S" if has_lone_surrogate(v) else "O " + dumps(v))
        elif cmd == "C":
            for tag, v in corpus():
                emit(tag, v)
            print("END")
        elif cmd == "R":
            n, seed = map(int, arg.split())
            rng = random.Random(seed)
            for _ in range(n):
                emit("value", random_value(rng))
            print("END")
        else:
            print("X unknown command %r" % (cmd,))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
