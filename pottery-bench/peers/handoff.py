# The Python peers of pottery-bench's lock hand-off rows (see src/handoff.rs).
#
#   python3 handoff.py pottery|redis_lock   < one JSON line: the run's config
#
# `contenders` threads share one lock name (each thread its own lock object, as
# separate holders have): each acquires (blocking, the library's own waiting),
# records CLOCK_MONOTONIC (time.monotonic_ns) when acquire returns, holds for
# hold_ms, records the clock again just before calling release, releases. After
# releasing, a thread contends again only once another thread has acquired, so
# every hand-off goes to a contender that was already waiting, never back to the
# releaser. Prints one JSON line: {"library", "version", "events": [[thread,
# acquired_ns, releasing_ns], ...], "failures"}; an import error exits 3.
import importlib.metadata, json, sys, threading, time

peer = sys.argv[1]
cfg = json.loads(sys.stdin.readline())
try:
    import redis
    if peer == 'pottery':
        from pottery import Redlock
        dist = 'pottery'
    else:
        import redis_lock
        dist = 'python-redis-lock'
    version = importlib.metadata.version(dist)
except Exception as e:  # the peer is not installed: the bench skips its rows
    print(f'{peer}: {e}', file=sys.stderr)
    sys.exit(3)

masters = [redis.Redis.from_url(u) for u in cfg['urls']]
name, hold = cfg['name'], cfg['hold_ms'] / 1000
total = cfg['acquisitions']


def make_lock():
    if peer == 'pottery':
        # Defaults: 10 s auto-release; a failed try sleeps random(0, 0.2 s).
        return Redlock(key=name, masters=set(masters))
    # BLPOP on a signal list the release pushes to; one server only.
    return redis_lock.Lock(masters[0], name, expire=10)


cond = threading.Condition()
state = {'count': 0, 'last': None}
events, failures = [], [0]


def contender(me):
    while True:
        lock = make_lock()
        if not lock.acquire():
            failures[0] += 1
            continue
        acquired = time.monotonic_ns()
        with cond:
            state['count'] += 1
            done = state['count'] > total
            state['last'] = me
            cond.notify_all()
        if done:  # the run is over: hand the lock on at once
            lock.release()
            return
        time.sleep(hold)
        releasing = time.monotonic_ns()
        lock.release()
        with cond:
            events.append([me, acquired, releasing])
            cond.wait_for(lambda: state['last'] != me or state['count'] > total)
            if state['count'] > total:
                return


threads = [threading.Thread(target=contender, args=(i,)) for i in range(cfg['contenders'])]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({'library': dist, 'version': version, 'events': events,
                  'failures': failures[0]}), flush=True)
