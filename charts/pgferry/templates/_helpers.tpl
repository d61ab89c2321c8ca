{{/* Names, labels and the pieces several templates share. */}}

{{- define "pgferry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: fullnameOverride, else "<release>" when it already contains the
chart name, else "<release>-<chart>"; at most 63 characters (a DNS label). */}}
{{- define "pgferry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pgferry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pgferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pgferry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pgferry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "pgferry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pgferry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pgferry.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* "true" when the operator runs with --leader-elect: asked for, or more than one replica. */}}
{{- define "pgferry.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* What the operator does in each namespace it watches, and nothing more: the calls an
end-to-end run made (tests/chart/observed-api-calls.txt) plus tests/chart/implied-api-calls.txt. */}}
{{- define "pgferry.watchRules" -}}
# List-then-watch (an informer), and the cleanup finalizer written with an update.
- apiGroups: [pgferry.io]
  resources: [pgmigrations]
  verbs: [get, list, watch, update]
- apiGroups: [pgferry.io]
  resources: [pgmigrations/status]
  verbs: [update]
# Lets the operator set blockOwnerDeletion on the role-passwords Secret it owns.
- apiGroups: [pgferry.io]
  resources: [pgmigrations/finalizers]
  verbs: [update]
# Credentials referenced by PgMigrations, watched so a rotated password triggers a reconcile.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
# Only to write the <migration>-role-passwords Secret (owned by its PgMigration, so the garbage
# collector deletes it). RBAC cannot limit create to a name pattern.
- apiGroups: [""]
  resources: [secrets]
  verbs: [create, update]
# Events through the core API; a repeated event is patched (its count goes up).
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}
