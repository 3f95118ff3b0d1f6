-- Open a draft ballot, optionally with a countdown.
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = event log   vote:{b:ID}:log
-- ARGV[1] = countdown in milliseconds, 0 for none
-- ARGV[2] = SHA-256 of the manifest published for this opening
-- returns {"ok", opened_at_ms, closes_at_ms} or {"err", code}
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'err', 'ballot_not_found'} end
if state ~= 'draft' then return {'err', 'state:open:' .. state} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local closes_at = 0
if tonumber(ARGV[1]) > 0 then closes_at = now + tonumber(ARGV[1]) end
redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at', now, 'closes_at', closes_at,
  'manifest', ARGV[2])
redis.call('RPUSH', KEYS[2], cjson.encode({type = 'open', ts = now, manifest = ARGV[2],
  closes_at = closes_at}))
redis.call('HINCRBY', KEYS[1], 'seq', 1)
return {'ok', now, closes_at}
