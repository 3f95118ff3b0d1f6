-- Put an open ballot back to draft, discarding its votes, and record that.
-- KEYS[1] = ballot meta  vote:{b:ID}:meta
-- KEYS[2] = counts       vote:{b:ID}:counts
-- KEYS[3] = voters       vote:{b:ID}:voters
-- KEYS[4] = reset log    vote:{b:ID}:resets (list of JSON entries)
-- KEYS[5] = event log    vote:{b:ID}:log
-- KEYS[6] = secret box   vote:{b:ID}:secret  (discarded with the votes)
-- KEYS[7] = secret links vote:{b:ID}:links
-- KEYS[8] = answers      vote:{b:ID}:answers (open-text questions; discarded too)
-- ARGV[1] = reason given by the host
-- returns {"ok", votes_discarded} or {"err", code}
local meta = redis.call('HMGET', KEYS[1], 'state', 'opened_at')
if not meta[1] then return {'err', 'ballot_not_found'} end
if meta[1] ~= 'open' then return {'err', 'state:reset:' .. meta[1]} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local discarded = tonumber(redis.call('HGET', KEYS[2], 'voters') or '0')
redis.call('RPUSH', KEYS[4], cjson.encode({at = now, opened_at = tonumber(meta[2]),
  votes_discarded = discarded, reason = ARGV[1]}))
redis.call('RPUSH', KEYS[5], cjson.encode({type = 'reset', ts = now,
  votes_discarded = discarded, reason = ARGV[1]}))
redis.call('DEL', KEYS[2], KEYS[3], KEYS[6], KEYS[7], KEYS[8])
redis.call('HSET', KEYS[1], 'state', 'draft', 'opened_at', 0, 'closes_at', 0)
redis.call('HINCRBY', KEYS[1], 'resets', 1)
redis.call('HINCRBY', KEYS[1], 'seq', 1)
return {'ok', discarded}
