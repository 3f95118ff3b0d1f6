-- Withdraw a member's written or advance ballot, recording the withdrawal.
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = counts      vote:{b:ID}:counts
-- KEYS[3] = voters      vote:{b:ID}:voters
-- KEYS[4] = event log   vote:{b:ID}:log
-- KEYS[5] = secret box  vote:{b:ID}:secret
-- ARGV[1] = the member's identity ("m:" holding)
-- ARGV[2] = secret ballots: the tracker of the ballot being withdrawn
-- ARGV[3] = the room the request acts in: a ballot of another room is not found
-- ARGV[4] = the member's pseudonym for this ballot, as committed in the manifest's
--           roster: the withdrawal names who withdrew, and auditors check it
-- returns {"ok", mode} or {"err", code}
local meta = redis.call('HMGET', KEYS[1], 'state', 'room')
local state = meta[1]
if not state or meta[2] ~= ARGV[3] then return {'err', 'ballot_not_found'} end
if state == 'closed' then return {'err', 'ballot_closed'} end
local owner = redis.call('HGET', KEYS[3], 'i:' .. ARGV[1])
local raw = owner and redis.call('HGET', KEYS[3], 'v:' .. owner)
if not raw then return {'err', 'nothing_to_withdraw'} end
local entry = cjson.decode(raw)
if entry.m ~= 'written' and entry.m ~= 'early' then return {'err', 'nothing_to_withdraw'} end
local choices = entry.c
local tracker = entry.t
if not choices then
  local linked = redis.call('HGET', KEYS[6], owner) or ARGV[2]
  local boxed = linked ~= '' and redis.call('HGET', KEYS[5], linked)
  if not boxed then return {'err', 'receipt_needed'} end
  choices = {}
  for c in string.gmatch(string.match(boxed, '^[^|]*'), '[^,]+') do choices[#choices + 1] = tonumber(c) end
  redis.call('HDEL', KEYS[5], linked)
  redis.call('HDEL', KEYS[6], owner)
  tracker = nil
end
for _, i in ipairs(choices) do redis.call('HINCRBY', KEYS[2], tostring(i), -1) end
redis.call('HINCRBY', KEYS[2], 'voters', -1)
redis.call('HDEL', KEYS[3], 'v:' .. owner)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local t = redis.call('TIME')
local event = {type = 'withdraw', seq = seq, tracker = tracker, mode = entry.m,
  member = ARGV[4], ts = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}
if not tracker then event.secret = true end
if entry.c then event.voter = entry.p end
redis.call('RPUSH', KEYS[4], cjson.encode(event))
return {'ok', entry.m}
