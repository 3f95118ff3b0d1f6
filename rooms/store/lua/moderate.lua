-- The host approves or hides one open-text answer (also after close: what is
-- shown changes, the sealed record of what was said does not).
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = event log   vote:{b:ID}:log
-- KEYS[3] = answers     vote:{b:ID}:answers (answer id -> {text, state, at})
-- ARGV[1] = answer id
-- ARGV[2] = new state: "approved" or "hidden" (or "pending" again)
-- returns {"ok", seq, old state} or {"err", code}
if not redis.call('HGET', KEYS[1], 'state') then return {'err', 'ballot_not_found'} end
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if not raw then return {'err', 'answer_not_found'} end
local answer = cjson.decode(raw)
local old = answer.state
if old == ARGV[2] then return {'ok', tonumber(redis.call('HGET', KEYS[1], 'seq')), old} end
answer.state = ARGV[2]
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(answer))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('RPUSH', KEYS[2], cjson.encode({type = 'moderate', ts = now, answer = ARGV[1],
  state = ARGV[2]}))
return {'ok', seq, old}
