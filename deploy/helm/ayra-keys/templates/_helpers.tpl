{{/* Labels on every object: the kustomize base's own, and Helm's. */}}
{{- define "ayra-keys.labels" -}}
app.kubernetes.io/part-of: ayra-keys
{{ include "ayra-keys.helmLabels" . }}
{{- end -}}

{{/* Helm's own labels (what a comparison with the kustomize base leaves out). */}}
{{- define "ayra-keys.helmLabels" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "ayra-keys.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The controller's ServiceAccount as the API server names it (the admission policies match on it). */}}
{{- define "ayra-keys.controllerUser" -}}
system:serviceaccount:{{ .Release.Namespace }}:ayra-keys-controller
{{- end -}}

{{/* The keys API URL the controller calls, when not from the credential Secret. */}}
{{- define "ayra-keys.keysApiUrl" -}}
{{- if .Values.controller.keysApiUrl -}}
{{ .Values.controller.keysApiUrl }}
{{- else if .Values.keyService.enabled -}}
http://ayra-keys-service.{{ .Release.Namespace }}.svc:{{ .Values.keyService.port }}
{{- end -}}
{{- end -}}

{{/* What the controller may do where it watches: every namespace (ClusterRole) or one (Role). */}}
{{- define "ayra-keys.controllerRules" -}}
# patch: only to drop the finalizer an earlier release put on ApiKeys (no other write to the object).
- apiGroups: ["keys.ayra.ai"]
  resources: ["apikeys"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["keys.ayra.ai"]
  resources: ["apikeys/status"]
  verbs: ["update"]
# The Secret's owner reference sets blockOwnerDeletion (OwnerReferencesPermissionEnforcement, where enabled).
- apiGroups: ["keys.ayra.ai"]
  resources: ["apikeys/finalizers"]
  verbs: ["update"]
# create/update only Secrets labelled app.kubernetes.io/managed-by=ayra-keys (admission policy).
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
# patch only the restart annotation of a pod template (admission policy).
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: ["get", "patch"]
{{- end -}}
