-- The chair closes the general meeting (폐회), once: the time, by the Redis
-- clock, in the meeting's record and an event of its ledger.
-- KEYS[1] = meta      mtg:{r:ID}:meta ('adjourned_at')
-- KEYS[2] = room log  mtg:{r:ID}:log (the room's ledger events)
-- returns {1, time} the first time, {0, the time it was closed} after
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('HSETNX', KEYS[1], 'adjourned_at', now) == 0 then
  return {0, tonumber(redis.call('HGET', KEYS[1], 'adjourned_at'))}
end
redis.call('RPUSH', KEYS[2], cjson.encode({type = 'meeting_adjourned', ts = now}))
return {1, now}
