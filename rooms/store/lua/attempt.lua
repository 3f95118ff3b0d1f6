-- Reserve one attempt (a PIN or staff-code guess) in every bucket at once, before
-- the guess is checked, or give one back after a right guess. Each bucket holds
-- up to `capacity` attempts and refills at `capacity` per `window` (a token
-- bucket), so a burst of guesses sent together is cut off at once and a crowd
-- behind one address is slowed down, never locked out.
-- KEYS[i]      = the buckets of one kind in a room, gate:{r:ID}:bucket:KIND
--                (hash: who -> "tokens:at ms"; dropped once idle for its window)
-- ARGV[1]      = "take" or "give"
-- ARGV[3i - 1] = who (a device, an address) in KEYS[i]
-- ARGV[3i]     = capacity of that bucket
-- ARGV[3i + 1] = window in ms
-- returns {1, 0, attempts left in the emptiest bucket} if taken (or given back),
-- or {0, ms until an attempt is free, 0}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local who, capacity, window = ARGV[3 * i - 1], tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  local saved = redis.call('HGET', key, who)
  local tokens, at = capacity, now
  if saved then
    local a, b = string.match(saved, '^([^:]+):(%d+)$')
    tokens, at = tonumber(a) or capacity, tonumber(b) or now
  end
  tokens = math.min(capacity, tokens + (now - at) * capacity / window)
  levels[i] = tokens
  if ARGV[1] == 'take' and tokens < 1 then
    wait = math.max(wait, math.ceil((1 - tokens) * window / capacity))
  end
end
if wait > 0 then return {0, wait, 0} end
local left = nil
for i, key in ipairs(KEYS) do
  local who, capacity, window = ARGV[3 * i - 1], tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  local tokens = levels[i] - 1
  if ARGV[1] == 'give' then tokens = math.min(capacity, levels[i] + 1) end
  redis.call('HSET', key, who, string.format('%.4f:%d', tokens, now))
  redis.call('PEXPIRE', key, window)
  left = math.min(left or tokens, tokens)
end
return {1, 0, math.floor(left)}
