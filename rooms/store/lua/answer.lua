-- One open-text answer per identity on a question (kind "text"), applied
-- atomically, logged in the ledger; a retry with the same client key is answered
-- with the first answer's receipt and changes nothing.
-- KEYS[1] = ballot meta vote:{b:ID}:meta    (state, room, change, closes_at, seq)
-- KEYS[2] = counts      vote:{b:ID}:counts  ("voters": answers standing)
-- KEYS[3] = voters      vote:{b:ID}:voters  ("i:" identity -> owner, "v:" owner -> entry
--                       {k = client key, r = receipt, m = "live", p = pseudonym, a = answer id})
-- KEYS[4] = event log   vote:{b:ID}:log
-- KEYS[5] = answers     vote:{b:ID}:answers (answer id -> {text, state, at})
-- ARGV[1] = identities, comma separated (the first names a new owner)
-- ARGV[2] = client key
-- ARGV[3] = answer id (used if the answer is applied)
-- ARGV[4] = receipt (likewise)
-- ARGV[5] = the answer's text (already checked for length and blocked words)
-- ARGV[6] = its first state: "pending" (held for approval) or "approved"
-- ARGV[7] = voter pseudonym for the ledger
-- ARGV[8] = the room the phone acts in
-- ARGV[9] = SHA-256 of the text, for the ledger (the text itself stays out of it)
-- returns {"ok", seq, receipt, "new"|"changed"|"repeat", answer id, state} or {"err", code}
-- (open_now and owner_of: open_ballot.lua)
local refused, now = open_now(KEYS[1], ARGV[8])
if refused then return {'err', refused} end
local owner = owner_of(KEYS[3], ARGV[1])
local prev = redis.call('HGET', KEYS[3], 'v:' .. owner)
local old
if prev then
  old = cjson.decode(prev)
  local kept = cjson.decode(redis.call('HGET', KEYS[5], old.a) or '{}')
  if old.k == ARGV[2] then
    return {'ok', tonumber(redis.call('HGET', KEYS[1], 'seq')), old.r, 'repeat', old.a,
            kept.state or ''}
  end
  if redis.call('HGET', KEYS[1], 'change') ~= '1' then return {'err', 'already_voted'} end
  redis.call('HDEL', KEYS[5], old.a)
else
  redis.call('HINCRBY', KEYS[2], 'voters', 1)
end
local voter = ARGV[7]
if old then voter = old.p end
redis.call('HSET', KEYS[3], 'v:' .. owner, cjson.encode({k = ARGV[2], r = ARGV[4], m = 'live',
  p = voter, a = ARGV[3]}))
redis.call('HSET', KEYS[5], ARGV[3], cjson.encode({text = ARGV[5], state = ARGV[6], at = now}))
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local event = {type = 'answer', seq = seq, ts = now, voter = voter, answer = ARGV[3],
  sha256 = ARGV[9]}
if old then event.replaces = old.a end
redis.call('RPUSH', KEYS[4], cjson.encode(event))
local status = 'new'
if old then status = 'changed' end
return {'ok', seq, ARGV[4], status, ARGV[3], ARGV[6]}
