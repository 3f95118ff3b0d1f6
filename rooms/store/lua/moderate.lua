-- The host moderates one open-text answer or Q&A question: its state (approve,
-- hide, hold), or a question's pin or "answered" mark. Also after close: what is
-- shown changes, the sealed record of what was said does not.
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = event log   vote:{b:ID}:log
-- KEYS[3] = answers     vote:{b:ID}:answers (id -> {text, state, at, ...})
-- ARGV[1] = answer (or question) id
-- ARGV[2] = field: "state", "pinned" or "answered"
-- ARGV[3] = its new value, as JSON ("approved", "hidden", "pending"; true, false)
-- returns {"ok", seq, closed} or {"err", code}; closed = 1 when the ballot was
-- already closed: then the event is not added to the ballot's log (its chain
-- ended with the sealed result and its signed bundle; the caller records it in
-- the room's ledger instead)
if not redis.call('HGET', KEYS[1], 'state') then return {'err', 'ballot_not_found'} end
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if not raw then return {'err', 'answer_not_found'} end
local answer = cjson.decode(raw)
local value = cjson.decode(ARGV[3])
local closed = redis.call('HGET', KEYS[1], 'state') == 'closed' and 1 or 0
if answer[ARGV[2]] == value then
  return {'ok', tonumber(redis.call('HGET', KEYS[1], 'seq')), closed}
end
answer[ARGV[2]] = value
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(answer))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
if closed == 0 then
  redis.call('RPUSH', KEYS[2], cjson.encode({type = 'moderate', ts = now, answer = ARGV[1],
    field = ARGV[2], value = value}))
end
return {'ok', seq, closed}
