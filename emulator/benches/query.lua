-- wrk script: pages through query_external_assets with limit 100,
-- offsets 0, 100, ... 9900 in turn, with a bearer token from TOKEN.
local offset = 0
local token = os.getenv("TOKEN")
request = function()
  local path = "/fem/queries/external-assets/v1?limit=100&offset=" .. offset
  offset = (offset + 100) % 10000
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
