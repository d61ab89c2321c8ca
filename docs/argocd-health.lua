-- Argo CD health check for pgferry.io/PgMigration (docs/argocd-health.md says how to install it).
-- Reads the kstatus conditions pgferry writes: Ready, Stalled (and Reconciling), each with the
-- observedGeneration it was computed for.
--   Healthy      Ready=True for the current generation (phase Done, or Syncing in sync)
--   Degraded     Stalled=True for the current generation (a database failed, cleanup stuck)
--   Suspended    spec.suspend is true
--   Progressing  anything else: no status yet, an older generation, validating, copying,
--                catching up, cutting over, deleting
local hs = {}

local function conditionFor(obj, type)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

-- A condition counts only when written for the generation Argo CD applied.
local function current(obj, c)
  if c == nil then
    return false
  end
  local generation = obj.metadata and obj.metadata.generation
  if generation == nil then
    return true
  end
  local observed = c.observedGeneration
  if observed == nil and obj.status ~= nil then
    observed = obj.status.observedGeneration
  end
  return observed ~= nil and observed >= generation
end

local function describe(obj, fallback)
  local s = obj.status or {}
  local parts = {}
  if s.phase ~= nil and s.phase ~= "" then
    table.insert(parts, "phase " .. s.phase)
  end
  if s.progress ~= nil and s.progress ~= "" then
    table.insert(parts, s.progress .. " databases done or syncing")
  end
  if s.lagBytes ~= nil and s.lagBytes > 0 then
    table.insert(parts, "lag " .. tostring(s.lagBytes) .. " bytes")
  end
  if #parts == 0 then
    return fallback
  end
  return table.concat(parts, ", ")
end

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Deleting: pgferry is dropping the replication objects it created"
  return hs
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true: pgferry does not work on this migration"
  return hs
end

if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for pgferry to report status"
  return hs
end

local stalled = conditionFor(obj, "Stalled")
if stalled ~= nil and stalled.status == "True" and current(obj, stalled) then
  hs.status = "Degraded"
  local message = stalled.message
  if message == nil or message == "" then
    message = obj.status.error
  end
  hs.message = message or describe(obj, "Stalled")
  return hs
end

local ready = conditionFor(obj, "Ready")
if ready ~= nil and ready.status == "True" and current(obj, ready) then
  hs.status = "Healthy"
  hs.message = describe(obj, ready.message or "Ready")
  return hs
end

hs.status = "Progressing"
if ready ~= nil and not current(obj, ready) then
  hs.message = "Waiting for pgferry to observe generation " .. tostring(obj.metadata.generation)
else
  hs.message = describe(obj, "Working towards Ready")
end
return hs
