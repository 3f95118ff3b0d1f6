-- Set (or, with 0, cancel) the countdown of an open ballot.
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = event log   vote:{b:ID}:log
-- ARGV[1] = milliseconds from now, 0 to cancel
-- returns {"ok", closes_at_ms} or {"err", code}
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'err', 'ballot_not_found'} end
if state ~= 'open' then return {'err', 'state:time:' .. state} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local closes_at = 0
if tonumber(ARGV[1]) > 0 then closes_at = now + tonumber(ARGV[1]) end
redis.call('HSET', KEYS[1], 'closes_at', closes_at)
redis.call('RPUSH', KEYS[2], cjson.encode({type = 'countdown', ts = now, closes_at = closes_at}))
redis.call('HINCRBY', KEYS[1], 'seq', 1)
return {'ok', closes_at}
