-- One step of a meeting's speaking queue (발언 신청), atomically.
-- KEYS[1] = requests  mtg:{r:ID}:speak (request id -> request JSON)
-- KEYS[2] = queue     mtg:{r:ID}:speakq (ids waiting, in the order asked)
-- KEYS[3] = meta      mtg:{r:ID}:meta ('speaking' = the id now speaking)
-- KEYS[4] = room log  mtg:{r:ID}:log (the room's ledger events)
-- ARGV[1] = action: request, cancel, grant, decline, end
-- ARGV[2] = request: the new request's JSON; cancel: the member; grant, decline,
--           end: the request id ("" for end: whoever is speaking)
-- ARGV[3] = the member's per-room pseudonym (request, cancel)
-- returns {"ok", request JSON} or {"refused", code}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local action, arg = ARGV[1], ARGV[2]
if action == 'request' and redis.call('HEXISTS', KEYS[3], 'adjourned_at') == 1 then
  return {'refused', 'meeting_adjourned'}
end

local function log(kind, req)
  redis.call('RPUSH', KEYS[4], cjson.encode({type = kind, member = req.who,
    item = req.ballot, ts = now, request = req.id}))
end

local function standing(member)
  for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    local req = cjson.decode(redis.call('HGET', KEYS[1], id))
    if req.member == member then return req end
  end
  local current = redis.call('HGET', KEYS[3], 'speaking')
  if current then
    local req = cjson.decode(redis.call('HGET', KEYS[1], current))
    if req.member == member then return req end
  end
  return nil
end

local function save(req)
  local encoded = cjson.encode(req)
  redis.call('HSET', KEYS[1], req.id, encoded)
  return {'ok', encoded}
end

if action == 'request' then
  local req = cjson.decode(arg)
  local already = standing(req.member)
  if already then return {'ok', cjson.encode(already)} end
  req.at, req.state, req.who = now, 'queued', ARGV[3]
  redis.call('RPUSH', KEYS[2], req.id)
  log('speak_request', req)
  return save(req)
elseif action == 'cancel' then
  local req = standing(arg)
  if not req or req.state ~= 'queued' then return {'refused', 'nothing_to_cancel'} end
  redis.call('LREM', KEYS[2], 0, req.id)
  req.state, req.ended_at = 'cancelled', now
  log('speak_cancel', req)
  return save(req)
end

local id = arg
if action == 'end' and id == '' then id = redis.call('HGET', KEYS[3], 'speaking') or '' end
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return {'refused', 'request_not_found'} end
local req = cjson.decode(raw)
if action == 'grant' then
  if req.state ~= 'queued' then return {'refused', 'request_not_queued'} end
  if redis.call('HEXISTS', KEYS[3], 'speaking') == 1 then return {'refused', 'someone_speaking'} end
  redis.call('LREM', KEYS[2], 0, id)
  redis.call('HSET', KEYS[3], 'speaking', id)
  req.state, req.granted_at = 'granted', now
  log('speak_grant', req)
  return save(req)
elseif action == 'decline' then
  if req.state ~= 'queued' then return {'refused', 'request_not_queued'} end
  redis.call('LREM', KEYS[2], 0, id)
  req.state, req.ended_at = 'declined', now
  log('speak_decline', req)
  return save(req)
elseif action == 'end' then
  if req.state ~= 'granted' then return {'refused', 'not_speaking'} end
  redis.call('HDEL', KEYS[3], 'speaking')
  req.state, req.ended_at = 'ended', now
  log('speak_end', req)
  return save(req)
end
return {'refused', 'bad_action'}
