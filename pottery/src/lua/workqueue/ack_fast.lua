-- The ack of a lease known to hold (see Delivery::ack): XDEL entry ARGV[2] of
-- stream KEYS[1], then XACK it for group ARGV[1]; replies XACK's count (0:
-- it was not pending any more). The pipeline of these two on a single
-- server; a script on a cluster, whose blocking connections have no pipelines.
redis.call('XDEL', KEYS[1], ARGV[2])
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
