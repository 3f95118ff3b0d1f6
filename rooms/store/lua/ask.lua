-- An attendee asks a question on a Q&A board (kind "qa"), anonymously or with a
-- name; up to ARGV[8] questions per identity; a retry with the same client key
-- is answered with the first question and changes nothing.
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = counts      vote:{b:ID}:counts  ("voters": identities that asked)
-- KEYS[3] = voters      vote:{b:ID}:voters  ("i:" identity -> owner, "n:" owner -> questions
--                       asked, "k:" owner ":" client key -> question id)
-- KEYS[4] = event log   vote:{b:ID}:log
-- KEYS[5] = questions   vote:{b:ID}:answers (id -> {text, name, state, at, up, pinned,
--                       answered, o = owner (never shown)})
-- ARGV[1] = identities, comma separated
-- ARGV[2] = client key
-- ARGV[3] = question id (used if the question is stored)
-- ARGV[4] = the question's text (checked for length and blocked words)
-- ARGV[5] = the asker's name, "" for anonymous
-- ARGV[6] = first state: "pending" (held for approval) or "approved"
-- ARGV[7] = the room the phone acts in
-- ARGV[8] = how many questions one identity may ask
-- ARGV[9] = SHA-256 of the text, for the ledger
-- returns {"ok", seq, question id, "new"|"repeat", state} or {"err", code}
-- (open_now and owner_of: open_ballot.lua)
local refused, now = open_now(KEYS[1], ARGV[7])
if refused then return {'err', refused} end
local owner = owner_of(KEYS[3], ARGV[1])
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq'))
local asked = redis.call('HGET', KEYS[3], 'k:' .. owner .. ':' .. ARGV[2])
if asked then
  local kept = cjson.decode(redis.call('HGET', KEYS[5], asked) or '{}')
  return {'ok', seq, asked, 'repeat', kept.state or ''}
end
local n = tonumber(redis.call('HGET', KEYS[3], 'n:' .. owner) or '0')
if n >= tonumber(ARGV[8]) then return {'err', 'too_many_questions'} end
if n == 0 then redis.call('HINCRBY', KEYS[2], 'voters', 1) end
redis.call('HSET', KEYS[3], 'n:' .. owner, n + 1, 'k:' .. owner .. ':' .. ARGV[2], ARGV[3])
redis.call('HSET', KEYS[5], ARGV[3], cjson.encode({text = ARGV[4], name = ARGV[5],
  state = ARGV[6], at = now, up = 0, pinned = false, answered = false, o = owner}))
seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('RPUSH', KEYS[4], cjson.encode({type = 'ask', seq = seq, ts = now,
  question = ARGV[3], sha256 = ARGV[9]}))
return {'ok', seq, ARGV[3], 'new', ARGV[6]}
