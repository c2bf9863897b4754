{{/* Labels on every object of the release. */}}
{{- define "microride.labels" -}}
app.kubernetes.io/part-of: microride
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The one image every function, the notifier and the jobs run. */}}
{{- define "microride.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{- define "microride.secretName" -}}
{{ .Values.secrets.existingSecret | default "microride-secrets" }}
{{- end }}

{{/* env entries for secret keys: (dict "keys" list "root" $) */}}
{{- define "microride.secretEnv" -}}
{{- $secret := include "microride.secretName" .root -}}
{{- range .keys }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ . }}
{{- end }}
{{- end }}

{{- define "microride.podSecurity" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Is a trigger's subscriber deployed? (dict "t" trigger "root" $) */}}
{{- define "microride.subscriberEnabled" -}}
{{- if eq .t.subscriber.kind "Service" -}}
{{- if eq .t.subscriber.apiVersion "v1" -}}
{{- if .root.Values.notifier.enabled }}true{{ end -}}
{{- else -}}
{{- $fn := index .root.Values.functions .t.function | default dict -}}
{{- if $fn.enabled }}true{{ end -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* The OIDC audience of a function's Knative Service: what its Trigger names and its pod
     checks. Knative Serving announces none, so the chart picks one in Knative Eventing's
     <group>/<kind>/<namespace>/<name> form. (dict "name" function "root" $) */}}
{{- define "microride.audience" -}}
{{ printf "serving.knative.dev/service/%s/%s" .root.Release.Namespace .name | lower }}
{{- end }}

{{/* The notifier's audience (a core Service). */}}
{{- define "microride.notifierAudience" -}}
{{ printf "service/%s/notifier" .Release.Namespace | lower }}
{{- end }}

{{/* Event authentication on: EVENT_OIDC=on; with RabbitMQBroker only if the operator states
     that their broker sends tokens (eventing-rabbitmq's dispatcher does not). */}}
{{- define "microride.oidcEnabled" -}}
{{- $o := .Values.eventAuth.oidc -}}
{{- if $o.enabled -}}
{{- if and (eq .Values.broker.class "RabbitMQBroker") (not $o.brokerSendsTokens) -}}
{{- fail "eventAuth.oidc.enabled: the RabbitMQ broker's dispatcher sends no OIDC token, so every event would be refused (401). Use a broker class that sends them, or set eventAuth.oidc.brokerSendsTokens=true if yours does (docs/deploy.md)." -}}
{{- end -}}
true
{{- end -}}
{{- end }}

{{/* env entries that make a receiver check event tokens: (dict "audience" aud "root" $) */}}
{{- define "microride.oidcEnv" -}}
{{- $o := .root.Values.eventAuth.oidc }}
- name: EVENT_OIDC
  value: "on"
- name: EVENT_OIDC_ISSUER
  value: {{ required "eventAuth.oidc.issuer is required when eventAuth.oidc.enabled" $o.issuer | quote }}
- name: EVENT_OIDC_AUDIENCE
  value: {{ .audience | quote }}
{{- with $o.jwksUrl }}
- name: EVENT_OIDC_JWKS_URL
  value: {{ . | quote }}
{{- end }}
# The API server serves its keys to service accounts: the pod's token, and its CA.
- name: EVENT_OIDC_JWKS_TOKEN_FILE
  value: /var/run/secrets/kubernetes.io/serviceaccount/token
- name: NODE_EXTRA_CA_CERTS
  value: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
{{- end }}

{{/* Event functions a function POSTs to directly (values functions.*.calls whose callee is an
     event function): (dict "fn" $fn "root" $) → JSON list of [setting, callee]. */}}
{{- define "microride.eventCallees" -}}
{{- $out := list -}}
{{- range $k, $callee := .fn.calls -}}
{{- $c := index $.root.Values.functions $callee | default dict -}}
{{- if eq ($c.kind | default "") "event" }}{{ $out = append $out $callee }}{{ end -}}
{{- end -}}
{{- $out | uniq | toJson -}}
{{- end }}
