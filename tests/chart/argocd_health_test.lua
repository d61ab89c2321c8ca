-- Runs docs/argocd-health.lua (path in arg[1]) on PgMigration objects the way Argo CD does (the
-- object in the global `obj`) and prints "PASS: ..." / "FAIL: ..." per scenario.
-- Works with Lua 5.1 (what Argo CD's gopher-lua implements) and 5.2+.
local script = arg[1]

local function health(obj)
  local env = {obj = obj, ipairs = ipairs, pairs = pairs, tostring = tostring, table = table,
               string = string, type = type}
  local chunk, err
  if setfenv ~= nil then
    chunk, err = loadfile(script)
    if chunk ~= nil then setfenv(chunk, env) end
  else
    chunk, err = loadfile(script, "t", env)
  end
  if chunk == nil then error(err) end
  return chunk()
end

local function cond(type, status, gen, message)
  return {type = type, status = status, reason = "R", message = message or "",
          observedGeneration = gen}
end

local function migration(generation, status, extra)
  local o = {apiVersion = "pgferry.io/v1alpha1", kind = "PgMigration",
             metadata = {name = "orders", generation = generation}, spec = {}, status = status}
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local cases = {
  {"no status yet", migration(1, nil), "Progressing"},
  {"validating", migration(1, {observedGeneration = 1, phase = "Validating", conditions = {
    cond("Ready", "False", 1), cond("Reconciling", "True", 1), cond("Stalled", "False", 1)}}),
   "Progressing"},
  {"syncing and in sync", migration(2, {observedGeneration = 2, phase = "Syncing",
    progress = "3/3", conditions = {cond("Ready", "True", 2), cond("Stalled", "False", 2)}}),
   "Healthy", "phase Syncing, 3/3 databases done or syncing"},
  {"done", migration(3, {observedGeneration = 3, phase = "Done", progress = "2/2",
    conditions = {cond("Ready", "True", 3), cond("Reconciling", "False", 3)}}), "Healthy"},
  {"ready, but for an older generation (cutover just set)", migration(4, {observedGeneration = 3,
    phase = "Syncing", conditions = {cond("Ready", "True", 3), cond("Stalled", "False", 3)}}),
   "Progressing", "Waiting for pgferry to observe generation 4"},
  {"stalled: a database failed", migration(1, {observedGeneration = 1, phase = "Failed",
    error = "database \"app\" failed: boom", conditions = {cond("Ready", "False", 1),
    cond("Stalled", "True", 1, "database \"app\" failed: boom")}}),
   "Degraded", "database \"app\" failed: boom"},
  {"stalled for an older generation (the user fixed the spec)", migration(2, {
    observedGeneration = 1, phase = "Failed", conditions = {cond("Ready", "False", 1),
    cond("Stalled", "True", 1, "x")}}), "Progressing"},
  {"condition without observedGeneration uses status.observedGeneration",
   migration(5, {observedGeneration = 5, phase = "Done", conditions = {
     {type = "Ready", status = "True", reason = "Done", message = ""}}}), "Healthy"},
  {"suspended", migration(1, {observedGeneration = 1, conditions = {cond("Ready", "False", 1)}},
    {spec = {suspend = true}}), "Suspended"},
  {"deleting", migration(1, {observedGeneration = 1, phase = "Deleting", conditions = {
    cond("Ready", "True", 1)}}, {metadata = {name = "orders", generation = 1,
    deletionTimestamp = "2026-01-01T00:00:00Z"}}), "Progressing"},
}

for _, c in ipairs(cases) do
  local ok, hs = pcall(health, c[2])
  if not ok then
    print("FAIL: argocd-health.lua, " .. c[1] .. ": error " .. tostring(hs))
  elseif hs.status ~= c[3] then
    print("FAIL: argocd-health.lua, " .. c[1] .. ": want " .. c[3] .. ", got " ..
          tostring(hs.status) .. " (" .. tostring(hs.message) .. ")")
  elseif c[4] ~= nil and hs.message ~= c[4] then
    print("FAIL: argocd-health.lua, " .. c[1] .. ": want message " .. c[4] .. ", got " ..
          tostring(hs.message))
  elseif type(hs.message) ~= "string" or hs.message == "" then
    print("FAIL: argocd-health.lua, " .. c[1] .. ": no message")
  else
    print("PASS: argocd-health.lua, " .. c[1] .. ": " .. hs.status)
  end
end
