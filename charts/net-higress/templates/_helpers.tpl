{{/* Chart name, overridable. */}}
{{- define "net-higress.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of the controller's objects; also of the cluster-scoped ones, so two releases never collide. */}}
{{- define "net-higress.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "net-higress.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "net-higress.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The controller pods' selector: stable across upgrades (a Deployment's selector is immutable). */}}
{{- define "net-higress.selectorLabels" -}}
app.kubernetes.io/name: {{ include "net-higress.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "net-higress.serviceAccountName" -}}
{{- default (include "net-higress.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "net-higress.systemNamespace" -}}
{{- required "knative.systemNamespace is required" .Values.knative.systemNamespace -}}
{{- end -}}

{{- define "net-higress.higressNamespace" -}}
{{- required "higress.namespace is required" .Values.higress.namespace -}}
{{- end -}}

{{- define "net-higress.gatewaysNamespace" -}}
{{- default (include "net-higress.systemNamespace" .) .Values.gateways.namespace -}}
{{- end -}}

{{- define "net-higress.leaseNamespace" -}}
{{- default .Release.Namespace .Values.controller.leaderElection.namespace -}}
{{- end -}}

{{/*
The shared Gateways' selector: gateways.selector, else the `higress` pod label alone (what Higress selects
its own gateway with), else every gateway pod label.
*/}}
{{- define "net-higress.gatewaySelector" -}}
{{- $pod := .Values.higress.gatewayPodLabels | default dict -}}
{{- if .Values.gateways.selector -}}
{{- toYaml .Values.gateways.selector -}}
{{- else if hasKey $pod "higress" -}}
higress: {{ get $pod "higress" | quote }}
{{- else if $pod -}}
{{- toYaml $pod -}}
{{- else -}}
{{- fail "set higress.gatewayPodLabels or gateways.selector: the Gateways must select the Higress gateway pods" -}}
{{- end -}}
{{- end -}}

{{/* FQDNs config-istio names; the first external one is what KIngress status reports as the public LB. */}}
{{- define "net-higress.publicServiceURL" -}}
{{- printf "%s.%s.svc.%s" (required "higress.gatewayService is required" .Values.higress.gatewayService) (include "net-higress.higressNamespace" .) .Values.knative.clusterDomain -}}
{{- end -}}

{{- define "net-higress.localServiceURL" -}}
{{- printf "%s.%s.svc.%s" .Values.localGatewayService.name (include "net-higress.higressNamespace" .) .Values.knative.clusterDomain -}}
{{- end -}}

{{- define "net-higress.image" -}}
{{- $img := .Values.controller.image -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) -}}
{{- end -}}
{{- end -}}

{{/* Annotations of the uninstall hook's objects: run before helm deletes anything, gone once it worked. */}}
{{- define "net-higress.uninstallHook" -}}
helm.sh/hook: pre-delete
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end -}}

{{/* With uninstall.keepRoutes, what routes are served through outlives the release. */}}
{{- define "net-higress.keepOnUninstall" -}}
{{- if .Values.uninstall.keepRoutes }}
annotations:
  helm.sh/resource-policy: keep
{{- end }}
{{- end -}}
