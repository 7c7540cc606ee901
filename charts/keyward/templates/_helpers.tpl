{{/* The chart name, overridable. */}}
{{- define "keyward.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: RELEASE-keyward, or RELEASE alone when it already says keyward. */}}
{{- define "keyward.fullname" -}}
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

{{/* Labels on every object. */}}
{{- define "keyward.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "keyward.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: keyward
{{- end }}

{{/* Labels that select the controller pods; never change them across upgrades. */}}
{{- define "keyward.selectorLabels" -}}
app.kubernetes.io/name: {{ include "keyward.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "keyward.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "keyward.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "keyward.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "keyward.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{- define "keyward.metricsServiceName" -}}
{{- printf "%s-metrics" (include "keyward.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keyward.acmeHTTP01ServiceName" -}}
{{- printf "%s-acme-http01" (include "keyward.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keyward.volumeClaimName" -}}
{{- default (printf "%s-certificates" (include "keyward.fullname" .)) .Values.volumeRoot.persistence.existingClaim }}
{{- end }}

{{/*
What the controller may do, as a ClusterRole or (with watchNamespace/watchNamespaces) a Role in each watched
namespace. The same rules as manifests/cluster-rbac/rbac.yaml; scripts/check-packaging.sh compares them. Every verb
is one the code uses (docs/security.md has the table).
*/}}
{{- define "keyward.rules" -}}
- apiGroups: ["keyward.dev"]
  resources: ["certificates", "secretrotations"]
  verbs: ["get", "list", "watch", "update"]
- apiGroups: ["keyward.dev"]
  resources: ["certificates/status", "secretrotations/status"]
  verbs: ["update"]
- apiGroups: ["keyward.dev"]
  resources: ["issuers", "clusterissuers"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["keyward.dev"]
  resources: ["issuers/status", "clusterissuers/status"]
  verbs: ["update"]
- apiGroups: ["keyward.dev"]
  resources: ["certificates/finalizers", "secretrotations/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: ["get", "list", "patch"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "create", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses"]
  verbs: ["get", "create", "update", "delete"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes"]
  verbs: ["get", "create", "delete"]
{{- end }}

{{/*
The namespaces the controller watches (watchNamespace and watchNamespaces together, without repeats), comma-joined;
empty for every namespace.
*/}}
{{- define "keyward.watchNamespaces" -}}
{{- $all := list -}}
{{- with .Values.watchNamespace }}{{ $all = append $all . }}{{ end -}}
{{- range .Values.watchNamespaces }}{{ $all = append $all . }}{{ end -}}
{{- $all | uniq | join "," -}}
{{- end }}

{{/*
PromQL suffix keeping only the current leader's series. A standby replica that led before may still export the
gauges it set then; counters need no filter (a standby does not increment them).
*/}}
{{- define "keyward.onLeader" -}}
{{- if .Values.leaderElection.enabled }} and on (instance) (keyward_leader_election_is_leader == 1){{ end }}
{{- end }}
