-- Close an open ballot exactly once, whichever worker calls first.
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = event log   vote:{b:ID}:log
-- returns {"closed", closed_at_ms} for the caller that closed it,
--         {"already", closed_at_ms} for every later caller, or {"err", code}
local meta = redis.call('HMGET', KEYS[1], 'state', 'closes_at', 'closed_at')
if not meta[1] then return {'err', 'ballot_not_found'} end
if meta[1] == 'closed' then return {'already', tonumber(meta[3])} end
if meta[1] ~= 'open' then return {'err', 'state:close:' .. meta[1]} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local closes_at = tonumber(meta[2]) or 0
-- A countdown closes at its deadline, even if the closer ran a little later.
if closes_at > 0 and closes_at < now then now = closes_at end
redis.call('HSET', KEYS[1], 'state', 'closed', 'closed_at', now)
redis.call('RPUSH', KEYS[2], cjson.encode({type = 'close', ts = now}))
redis.call('HINCRBY', KEYS[1], 'seq', 1)
return {'closed', now}
