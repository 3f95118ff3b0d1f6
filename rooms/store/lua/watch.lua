-- A member's video session starting or stopping: the access log of who
-- watched the meeting, from when to when, kept with its record.
-- KEYS[1] = video sessions  mtg:{r:ID}:video (member number -> {n = connections
--           open now, iv = {{from, to}}}, times to the minute, to 0 while open)
-- KEYS[2] = meeting log     mtg:{r:ID}:log
-- ARGV[1] = member number
-- ARGV[2] = "start" or "stop"
-- ARGV[3] = the member's per-room pseudonym (the ledger names members by it)
-- ARGV[4] = the agenda item under way ("" between items)
-- returns the member's record as JSON
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local minute = now - now % 60000
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local rec = {n = 0, iv = {}}
if raw then rec = cjson.decode(raw) end
local action = ARGV[2]
if action == 'start' then
  rec.n = rec.n + 1
  if rec.n > 1 then  -- a second tab or device: one session goes on
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
    return cjson.encode(rec)
  end
  rec.iv[#rec.iv + 1] = {minute, 0}
elseif rec.n > 0 then
  rec.n = rec.n - 1
  if rec.n > 0 then
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
    return cjson.encode(rec)
  end
  rec.iv[#rec.iv][2] = minute
else
  return cjson.encode(rec)
end
local encoded = cjson.encode(rec)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
redis.call('RPUSH', KEYS[2], cjson.encode({type = 'video_' .. action, ts = minute,
  member = ARGV[3], item = ARGV[4]}))
return encoded
