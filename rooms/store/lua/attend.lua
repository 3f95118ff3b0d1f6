-- Record a member arriving, leaving, or dropping off line, atomically.
-- KEYS[1] = attendance  mtg:{r:ID}:attend (holding -> {iv = {{start, end, mode, dropped}}})
-- KEYS[2] = meeting log mtg:{r:ID}:log
-- ARGV[1] = holding
-- ARGV[2] = "arrive", "leave" or "drop" (an online member's connection ended)
-- ARGV[3] = mode for arrive: "in_person", "proxy" or "online"
-- ARGV[4] = grace in ms: a member who drops and comes back online within it
--           keeps one unbroken stay
-- ARGV[5] = the member's per-room pseudonym: the ledger (published in bundles)
--           names members by it, with times to the minute, never by holding
-- returns the member's record as JSON
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local rec = {iv = {}}
if raw then rec = cjson.decode(raw) end
local last = rec.iv[#rec.iv]
local open = last and last[2] == 0
local action, mode = ARGV[2], ARGV[3]
if action == 'arrive' then
  if open and (last[3] == mode or (mode == 'online' and last[3] ~= 'online')) then
    return cjson.encode(rec)
  end
  if last and last[4] == 1 and last[3] == mode and now - last[2] <= tonumber(ARGV[4]) then
    last[2] = 0
    last[4] = 0
  else
    if open then last[2] = now end
    rec.iv[#rec.iv + 1] = {now, 0, mode, 0}
  end
elseif open and (action == 'leave' or (action == 'drop' and last[3] == 'online')) then
  last[2] = now
  if action == 'drop' then last[4] = 1 end
else
  return cjson.encode(rec)
end
local encoded = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
redis.call('RPUSH', KEYS[2], cjson.encode({type = action, ts = now - now % 60000,
  member = ARGV[5], mode = mode}))
return encoded
