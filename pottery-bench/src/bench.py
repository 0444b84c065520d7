# Python pottery's side of pottery-bench (see python.rs for the protocol).
#
# Every structure gets its own key (cfg['redis_keys']) and the same contents as
# ours. Before a slice of an operation in PREP, untimed work keeps the
# structure in shape: an appended list or stream is deleted, a popped deque or
# queue is topped up for TOPUP_RATE ops/s (about 20x Python's fastest rate; an
# empty RedisSimpleQueue.get_nowait would block forever in XREAD BLOCK 0).
import importlib.metadata, json, os, sys, time, warnings
warnings.simplefilter('ignore')  # InefficientAccessWarning on update(), l[i], ...
import redis
from pottery import (BloomFilter, HyperLogLog, RedisCounter, RedisDeque, RedisDict,
                     RedisList, RedisSet, RedisSimpleQueue, Redlock, NextID, redis_cache)

TOPUP_RATE = 100_000
CHUNK = 10_000

cfg = json.loads(sys.stdin.readline())
r = redis.Redis.from_url(os.environ['REDIS_URL'])
K = cfg['redis_keys']
keys, values, counts = cfg['keys'], cfg['values'], cfg['counts']
many, maxlen = cfg['many'], cfg['maxlen']
n = len(keys)
starts = list(range(0, n - many + 1, many))
windows = [keys[s:s + many] for s in starts]
mapping = dict(zip(keys, values))

d = RedisDict(redis=r, key=K['dict'])
d.update(mapping)
s = RedisSet(keys, redis=r, key=K['set'])
l = RedisList(values, redis=r, key=K['list'])
la = RedisList(redis=r, key=K['list_append'])
dp = RedisDeque(values, maxlen=maxlen, redis=r, key=K['deque_push'])
dq = RedisDeque(redis=r, key=K['deque_pop'])
c = RedisCounter({k: 1 for k in keys}, redis=r, key=K['counter'])
cc = RedisCounter(dict(zip(keys, counts)), redis=r, key=K['counter_common'])
qp = RedisSimpleQueue(redis=r, key=K['queue_put'])
qg = RedisSimpleQueue(redis=r, key=K['queue_get'])
bf = BloomFilter(keys, num_elements=n, false_positives=0.01, redis=r, key=K['bloom'])
h = HyperLogLog(keys, redis=r, key=K['hll'])

# redis_cache: a hit calls with an argument cached before the run; a miss with
# one never seen (a counter shared by all slices), into a hash emptied first.
@redis_cache(redis=r, key=K['cache_hit'])
def cached_hit(i): return values[i % n]
@redis_cache(redis=r, key=K['cache_miss'])
def cached_miss(i): return values[i % n]
for i in range(n):
    cached_hit(i)
miss_counter = [10**6]
def cache_hit(i): return cached_hit(i % n)
def cache_miss(i):
    miss_counter[0] += 1
    return cached_miss(miss_counter[0])

def missing(seconds, have): return max(0, int(seconds * TOPUP_RATE) + n - have)

def top_up_deque(seconds):
    need = missing(seconds, len(dq))
    for start in range(0, need, CHUNK):
        dq.extend([values[i % n] for i in range(start, min(need, start + CHUNK))])

def top_up_queue(seconds):
    need = missing(seconds, qg.qsize())
    for start in range(0, need, CHUNK):
        p = r.pipeline(transaction=False)
        for i in range(start, min(need, start + CHUNK)):
            p.xadd(K['queue_get'], {'item': qg._encode(values[i % n])}, id='*')
        p.execute()

PREP = {
    'list_append': lambda seconds: r.delete(K['list_append']),
    'deque_pop': top_up_deque,
    'queue_put': lambda seconds: r.delete(K['queue_put']),
    'queue_get': top_up_queue,
    'cache_miss': lambda seconds: r.delete(K['cache_miss']),
}

def insert(i): d[keys[i % n]] = values[i % n]
def get(i): return d[keys[i % n]]
def contains_key(i): return keys[i % n] in d
def length(i): return len(d)
def get_many(i): return [d[k] for k in windows[i % len(windows)]]
def extend(i): d.update(mapping)
def set_insert(i): s.add(keys[i % n])
def set_contains(i): return keys[i % n] in s
def set_contains_many(i): return list(s.contains_many(*windows[i % len(windows)]))
def list_append(i): la.append(values[i % n])
def list_index(i): return l[i % n]
def list_range(i):
    start = starts[i % len(starts)]
    return l[start:start + many]
def deque_push(i): dp.append(values[i % n])
def deque_pop(i): return dq.popleft()
def counter_increment(i): c[keys[i % n]] += 1
def counter_most_common(i): return cc.most_common(10)
def queue_put(i): qp.put(values[i % n])
def queue_get(i): return qg.get_nowait()
def bloom_insert(i): bf.add(keys[i % n])
def bloom_contains(i): return keys[i % n] in bf
def bloom_contains_many(i): return list(bf.contains_many(*windows[i % len(windows)]))
def hll_insert(i): h.add(keys[i % n])
def hll_contains(i): return keys[i % n] in h

# Redlock: one acquire+release cycle (default settings: 10 s auto-release) on the
# main server, and on the many-master servers if the bench started them.
lock_1 = Redlock(key=K['redlock_name'], masters={r})
lock_many = Redlock(key=K['redlock_name'],
                    masters={redis.Redis.from_url(u) for u in cfg['redlock_masters']})
def redlock_cycle(lock):
    def cycle(i):
        if not lock.acquire():
            raise RuntimeError('the Redlock was not acquired')
        lock.release()
    return cycle

# NextID: one ID (default settings: 3 tries) on the main server, and on the
# many-master servers if the bench started them.
nextid_1 = NextID(key=K['nextid_name'], masters={r})
nextid_many = NextID(key=K['nextid_name'],
                     masters={redis.Redis.from_url(u) for u in cfg['redlock_masters']})
def nextid(ids):
    def one(i): return next(ids)
    return one

OPS = {'insert': insert, 'get': get, 'contains_key': contains_key, 'len': length,
       'get_many': get_many, 'extend': extend, 'set_insert': set_insert,
       'set_contains': set_contains, 'set_contains_many': set_contains_many,
       'list_append': list_append, 'list_index': list_index, 'list_range': list_range,
       'deque_push': deque_push, 'deque_pop': deque_pop,
       'counter_increment': counter_increment, 'counter_most_common': counter_most_common,
       'queue_put': queue_put, 'queue_get': queue_get,
       'cache_hit': cache_hit, 'cache_miss': cache_miss,
       'bloom_insert': bloom_insert, 'bloom_contains': bloom_contains,
       'bloom_contains_many': bloom_contains_many,
       'hll_insert': hll_insert, 'hll_contains': hll_contains,
       'redlock_1': redlock_cycle(lock_1), 'redlock_many': redlock_cycle(lock_many),
       'nextid_1': nextid(nextid_1), 'nextid_many': nextid(nextid_many)}
print(json.dumps({'ready': True, 'pottery': importlib.metadata.version('pottery')}), flush=True)
for line in sys.stdin:
    if line.strip() == 'quit':
        break
    name, seconds = line.split()
    if name in PREP:
        PREP[name](float(seconds))
    op, count = OPS[name], 0
    start = time.perf_counter()
    deadline = start + float(seconds)
    while True:
        op(count)
        count += 1
        if time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - start
    print(json.dumps({'op': name, 'count': count, 'seconds': elapsed}), flush=True)
