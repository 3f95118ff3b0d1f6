-- Record an owner's act (consent or withdrawal) on a drive, atomically: the
-- drive is open, the deadline has not passed by the Redis clock, the act was
-- signed over the form in force; then the owner's last act, the act in the
-- drive's history and the event in the ledger, in the same order.
-- KEYS[1] = drive meta  drv:{r:ID}:meta (state, deadline, form_sha256)
-- KEYS[2] = acts        drv:{r:ID}:acts (owner -> the owner's last act, JSON)
-- KEYS[3] = room log    mtg:{r:ID}:log (the room's ledger events)
-- KEYS[4] = history     drv:{r:ID}:history (every act, in the order of the log's)
-- KEYS[5] = choices     drv:{r:ID}:choices (owner -> "consent" or "withdraw": what counts)
-- ARGV[1] = owner id
-- ARGV[2] = the act (JSON: record, sha256, signature)
-- ARGV[3] = the form's sha256 the owner read and signed
-- ARGV[4] = the ledger event (JSON, without ts)
-- ARGV[5] = the act's time (ms) as signed
-- ARGV[6] = the act's choice
-- ARGV[7] = "1" if the act carries no time stamp (counted in meta 'unstamped')
-- returns {"ok", now} or {"refused", code}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local meta = redis.call('HMGET', KEYS[1], 'state', 'deadline', 'form_sha256')
if meta[1] ~= 'open' then return {'refused', 'drive_not_open'} end
if now > tonumber(meta[2]) or tonumber(ARGV[5]) > tonumber(meta[2]) then
  return {'refused', 'drive_closed'}
end
if meta[3] ~= ARGV[3] then return {'refused', 'form_changed'} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[6])
if ARGV[7] == '1' then redis.call('HINCRBY', KEYS[1], 'unstamped', 1) end
redis.call('RPUSH', KEYS[4], ARGV[2])
local event = cjson.decode(ARGV[4])
event.ts = tonumber(ARGV[5])
redis.call('RPUSH', KEYS[3], cjson.encode(event))
return {'ok', tostring(now)}
