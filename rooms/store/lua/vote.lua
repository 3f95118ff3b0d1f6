-- Cast, change or retry votes on one ballot, each atomically, and log them in the
-- ledger. ARGV[1] is a JSON array with one array of 10 strings per vote, in
-- arrival order; the script applies them one after another and returns a JSON
-- array with one reply per vote (one argument in and one string out keep the
-- client's per-vote encoding and parsing small).
-- KEYS[1] = ballot meta  vote:{b:ID}:meta   (state, n, max, change, closes_at, seq)
-- KEYS[2] = counts       vote:{b:ID}:counts (option index -> votes, "voters")
-- KEYS[3] = voters       vote:{b:ID}:voters ("i:" identity -> owner, "v:" owner -> entry)
--           entry = {k = client key, r = receipt, m = mode, p = pseudonym, s = choices,
--                    and for named ballots c = choices, t = tracker, n = nonce}
-- KEYS[4] = event log    vote:{b:ID}:log
-- KEYS[5] = secret box   vote:{b:ID}:secret (tracker -> "choices|nonce")
-- KEYS[6] = secret links vote:{b:ID}:links (owner -> tracker of the owner's standing
--           secret ballot), kept only while the ballot is open so that a member's
--           ballot can be replaced or withdrawn without its receipt; deleted at close
--           (and the append-only file rewritten), after which nothing stored links a
--           voter to a choice. The ledger's secret cast events carry no tracker.
-- per vote, A = its array of 10 strings:
-- A[1] = identities, comma separated (device, verified phone, member); a vote
--           counts once for all of them, so a second phone number on one device,
--           or one phone on a second device, finds the first vote
-- A[2] = client key (a retry with the same key is applied once)
-- A[3] = choices, comma separated option indices, sorted and distinct
-- A[4] = receipt for this vote if it is applied
-- A[5] = tracker, SHA-256 of the canonical {ballot, choices, nonce}
-- A[6] = nonce
-- A[7] = voter pseudonym for the ledger (used if this is the voter's first vote)
-- A[8] = mode: "live", "early" or "written"
-- A[9] = "1" for a secret ballot
-- A[10] = secret ballots: tracker of the ballot this one replaces ("" if none)
-- A[11] = the room the voter acts in: a ballot of another room is not found
-- A[12] = precedence of this ballot (meeting items: 4 in the hall, on a phone or on
--          paper; 3 verified online; 2 advance e-vote; 1 written resolution; event
--          polls 0). A lower one never replaces a higher one; a higher one replaces
--          a lower one even where the item does not allow changes.
-- A[13] = "1" for a ballot cast by a statutory proxy: it never replaces the
--          principal's own ballot, and the principal's own ballot replaces it
-- reply per vote: ["ok", seq, receipt, "new"|"changed"|"repeat", choices, tracker] or
-- ["err", code]
local function vote(A)
  local meta = redis.call('HMGET', KEYS[1], 'state', 'n', 'max', 'change', 'closes_at', 'room')
  local state = meta[1]
  if not state or meta[6] ~= A[11] then return {'err', 'ballot_not_found'} end
  if state == 'closed' then return {'err', 'ballot_closed'} end
  if state ~= 'open' then return {'err', 'ballot_not_open'} end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local closes_at = tonumber(meta[5]) or 0
  if closes_at > 0 and now >= closes_at then return {'err', 'ballot_closed'} end

  local n = tonumber(meta[2])
  local choices = {}
  for c in string.gmatch(A[3], '[^,]+') do
    local i = tonumber(c)
    if not i or i < 0 or i >= n or i ~= math.floor(i) then return {'err', 'invalid_option'} end
    choices[#choices + 1] = i
  end
  if #choices == 0 then return {'err', 'invalid_option'} end
  if #choices > tonumber(meta[3]) then return {'err', 'too_many_choices'} end

  local ids = {}
  local owner
  for id in string.gmatch(A[1], '[^,]+') do
    ids[#ids + 1] = id
    owner = owner or redis.call('HGET', KEYS[3], 'i:' .. id)
  end
  owner = owner or ids[1]
  local secret = A[9] == '1'
  local prev = redis.call('HGET', KEYS[3], 'v:' .. owner)
  local old, old_choices
  if prev then
    old = cjson.decode(prev)
    if old.k == A[2] then
      local seq = redis.call('HGET', KEYS[1], 'seq')
      return {'ok', tonumber(seq), old.r, 'repeat', old.s, old.t or ''}
    end
    local rank, old_rank = tonumber(A[12]) or 0, tonumber(old.g) or 0
    local by_proxy, over_proxy = A[13] == '1', old.x == 1 and A[13] ~= '1'
    -- The member's own ballot always replaces the proxy's, whatever its rank.
    if rank < old_rank and not over_proxy then return {'err', 'outranked'} end
    if by_proxy and old.x ~= 1 then return {'err', 'principal_voted'} end
    if rank == old_rank and not over_proxy and meta[4] ~= '1' then
      return {'err', 'already_voted'}
    end
  end
  local old_tracker
  if secret then
    old_tracker = old and (redis.call('HGET', KEYS[6], owner) or A[10]) or ''
    -- Every standing secret ballot has its own tracker: a copied receipt (the
    -- same choices and nonce as someone else's) must not take another's place.
    if A[5] ~= old_tracker and redis.call('HEXISTS', KEYS[5], A[5]) == 1 then
      return {'err', 'tracker_taken'}
    end
  end
  if old then
    if secret then
      local boxed = old_tracker ~= '' and redis.call('HGET', KEYS[5], old_tracker)
      if not boxed then return {'err', 'receipt_needed'} end
      old_choices = {}
      for c in string.gmatch(string.match(boxed, '^[^|]*'), '[^,]+') do
        old_choices[#old_choices + 1] = tonumber(c)
      end
      redis.call('HDEL', KEYS[5], old_tracker)
    else
      old_choices = old.c
    end
  end

  if old then
    for _, i in ipairs(old_choices) do redis.call('HINCRBY', KEYS[2], tostring(i), -1) end
  else
    redis.call('HINCRBY', KEYS[2], 'voters', 1)
  end
  for _, i in ipairs(choices) do redis.call('HINCRBY', KEYS[2], tostring(i), 1) end
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  for _, id in ipairs(ids) do redis.call('HSETNX', KEYS[3], 'i:' .. id, owner) end
  local voter = A[7]
  if old then voter = old.p end
  local entry = {k = A[2], r = A[4], m = A[8], p = voter, s = A[3], g = tonumber(A[12]) or 0}
  if A[13] == '1' then entry.x = 1 end
  local event = {type = 'cast', seq = seq, ts = now, tracker = A[5], mode = A[8]}
  if secret then
    entry.s = ''
    redis.call('HSET', KEYS[5], A[5], A[3] .. '|' .. A[6])
    redis.call('HSET', KEYS[6], owner, A[5])
    event.tracker = nil
    event.secret = true
    if old then event.replaced = true end
  else
    entry.c, entry.t, entry.n = choices, A[5], A[6]
    event.voter = voter
    if old then event.replaces = old.t end
  end
  redis.call('HSET', KEYS[3], 'v:' .. owner, cjson.encode(entry))
  redis.call('RPUSH', KEYS[4], cjson.encode(event))
  local status = 'new'
  if old then status = 'changed' end
  return {'ok', seq, A[4], status, A[3], A[5]}
end

local replies = {}
for i, A in ipairs(cjson.decode(ARGV[1])) do
  replies[i] = vote(A)
end
return cjson.encode(replies)
