-- The receipt of every counted ballot, one per line, in no particular order (the
-- caller sorts them): the seal needs only these, not every ballot's whole entry.
-- KEYS[1] = voters  vote:{b:ID}:voters ("v:" owner -> entry JSON with r = receipt)
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'v:' then
    local r = string.match(all[i + 1], '"r":"([A-Z0-9%-]*)"')
    if not r then r = cjson.decode(all[i + 1]).r end
    out[#out + 1] = r
  end
end
return table.concat(out, '\n')
