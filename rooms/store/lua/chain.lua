-- Append hashed links to a ballot's chain, only if nobody extended it first.
-- KEYS[1] = chain vote:{b:ID}:chain (one JSON link per event of vote:{b:ID}:log)
-- ARGV[1] = the chain length these links continue from
-- ARGV[2..] = the links, in order
-- returns the new length, or -1 if the chain had moved (the caller re-reads)
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return -1 end
for i = 2, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
return redis.call('LLEN', KEYS[1])
