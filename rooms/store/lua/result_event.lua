-- Log the sealed result in the ballot's ledger, once.
-- KEYS[1] = ballot meta vote:{b:ID}:meta
-- KEYS[2] = event log   vote:{b:ID}:log
-- ARGV[1] = the result event (JSON text)
-- returns 1 if logged now, 0 if it was logged before
if redis.call('HSETNX', KEYS[1], 'result_logged', 1) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
