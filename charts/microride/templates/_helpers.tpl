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
