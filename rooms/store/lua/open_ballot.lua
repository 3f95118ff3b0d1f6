-- Shared by answer.lua, ask.lua and upvote.lua (put in front of each when it is
-- registered, rooms/store/answers.py): the checks every phone's write to a
-- ballot makes first, and whose identities it counts against.

-- Is ballot `meta` open to phones of `room` now (the Redis clock)? Returns
-- nil and the time in ms when it is, else the refusal code.
local function open_now(meta, room)
  local m = redis.call('HMGET', meta, 'state', 'room', 'closes_at')
  if not m[1] or m[2] ~= room then return 'ballot_not_found' end
  if m[1] == 'closed' then return 'ballot_closed' end
  if m[1] ~= 'open' then return 'ballot_not_open' end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if (tonumber(m[3]) or 0) > 0 and now >= tonumber(m[3]) then return 'ballot_closed' end
  return nil, now
end

-- The owner of identities `csv` (comma separated; the first names a new owner)
-- in hash `voters` ("i:" identity -> owner), each identity now mapped to it.
local function owner_of(voters, csv)
  local owner
  local ids = {}
  for id in string.gmatch(csv, '[^,]+') do
    ids[#ids + 1] = id
    owner = owner or redis.call('HGET', voters, 'i:' .. id)
  end
  owner = owner or ids[1]
  for _, id in ipairs(ids) do redis.call('HSETNX', voters, 'i:' .. id, owner) end
  return owner
end
