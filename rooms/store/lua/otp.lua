-- Use a one-time code: single use, limited tries, atomically.
-- KEYS[1] = pending code  gate:{r:ID}:otp:PHONEHASH      (hash: code, tries)
-- KEYS[2] = used codes    gate:{r:ID}:otp-used:PHONEHASH (set of code hashes)
-- ARGV[1] = hash of the code given
-- ARGV[2] = tries allowed
-- ARGV[3] = seconds to remember used codes
-- returns "ok", "used", "wrong" or "expired"
local code = redis.call('HGET', KEYS[1], 'code')
if not code then
  if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 'used' end
  return 'expired'
end
if code == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
  return 'ok'
end
if redis.call('HINCRBY', KEYS[1], 'tries', 1) >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
end
return 'wrong'
