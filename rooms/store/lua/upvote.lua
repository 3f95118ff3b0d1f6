-- An attendee upvotes another's question on a Q&A board, once per identity:
-- a second upvote (or a retry) changes nothing and says "repeat".
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = voters      vote:{b:ID}:voters ("i:" identity -> owner,
--                       "u:" question id ":" owner -> 1 for each upvote given)
-- KEYS[3] = event log   vote:{b:ID}:log
-- KEYS[4] = questions   vote:{b:ID}:answers (id -> {..., state, up, o = owner})
-- ARGV[1] = identities, comma separated
-- ARGV[2] = question id
-- ARGV[3] = the room the phone acts in
-- returns {"ok", seq, upvotes now, "new"|"repeat"} or {"err", code}
-- (open_now and owner_of: open_ballot.lua)
local refused, now = open_now(KEYS[1], ARGV[3])
if refused then return {'err', refused} end
local raw = redis.call('HGET', KEYS[4], ARGV[2])
local question = raw and cjson.decode(raw)
if not question or question.state ~= 'approved' then return {'err', 'answer_not_found'} end
local owner = owner_of(KEYS[2], ARGV[1])
if question.o == owner then return {'err', 'own_question'} end
if redis.call('HSETNX', KEYS[2], 'u:' .. ARGV[2] .. ':' .. owner, 1) == 0 then
  return {'ok', tonumber(redis.call('HGET', KEYS[1], 'seq')), question.up, 'repeat'}
end
question.up = question.up + 1
redis.call('HSET', KEYS[4], ARGV[2], cjson.encode(question))
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('RPUSH', KEYS[3], cjson.encode({type = 'upvote', seq = seq, ts = now,
  question = ARGV[2]}))
return {'ok', seq, question.up, 'new'}
