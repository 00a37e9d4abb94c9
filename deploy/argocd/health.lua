-- Argo CD health check for keys.ayra.ai/ApiKey (kstatus conditions). Install it in argocd-cm:
--   resource.customizations.health.keys.ayra.ai_ApiKey: |
--     <this file>
local hs = {}
if obj.status ~= nil then
  if obj.metadata ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
      and obj.status.observedGeneration < obj.metadata.generation then
    hs.status = "Progressing"
    hs.message = "Waiting for the controller to observe the latest spec"
    return hs
  end
  if obj.status.conditions ~= nil then
    local ready = nil
    local reconciling = nil
    local stalled = nil
    for _, condition in ipairs(obj.status.conditions) do
      if condition.type == "Stalled" and condition.status == "True" then stalled = condition end
      if condition.type == "Reconciling" and condition.status == "True" then reconciling = condition end
      if condition.type == "Ready" then ready = condition end
    end
    if stalled ~= nil then
      hs.status = "Degraded"
      hs.message = stalled.message
      return hs
    end
    if reconciling ~= nil then
      hs.status = "Progressing"
      hs.message = reconciling.message
      return hs
    end
    if ready ~= nil and ready.status == "True" then
      hs.status = "Healthy"
      hs.message = ready.message
      return hs
    end
  end
end
hs.status = "Progressing"
hs.message = "Waiting for the controller to create the key"
return hs
