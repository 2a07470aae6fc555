{{/* Labels that select pods. Call with (dict "root" $ "component" "web"). */}}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/instance: {{ .root.Values.name }}
app.kubernetes.io/name: {{ .root.Values.name }}
{{- end }}

{{/* Labels on every object; component is optional. */}}
{{- define "app.labels" -}}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/instance: {{ .root.Values.name }}
app.kubernetes.io/managed-by: slipway
app.kubernetes.io/name: {{ .root.Values.name }}
app.kubernetes.io/part-of: {{ .root.Values.name }}
{{- with (include "app.version" .root) }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
slipway.dev/environment: {{ .root.Values.environment }}
{{- end }}

{{/* The image tag as a label value: at most 63 characters, ending in a letter or digit. */}}
{{- define "app.version" -}}
{{- regexReplaceAll "[-_.]+$" (trunc 63 (toString .Values.image.tag)) "" -}}
{{- end }}

{{- define "app.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ required "image.tag or image.digest is required" .Values.image.tag }}
{{- end -}}
{{- end }}

{{/* Container env: secret references and database wiring. Call with (dict "root" $ "phase" "web"); setup connects as the admin user. */}}
{{- define "app.env" -}}
{{- $v := .root.Values -}}
{{- $admin := eq (toString .phase) "setup" -}}
{{- if eq (toString .phase) "web" }}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ $v.port | int | toString | quote }}
{{- end }}
- name: SLIPWAY_APP
  value: {{ $v.name | quote }}
- name: SLIPWAY_ENVIRONMENT
  value: {{ $v.environment | quote }}
{{- range $v.secrets.names }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      key: {{ . }}
      name: {{ $v.secrets.secretName }}
{{- end }}
{{- if $v.database.enabled }}
- name: DB_ENGINE
  value: {{ $v.database.engine | quote }}
- name: DB_HOST
  valueFrom:
    secretKeyRef:
      key: host
      name: {{ $v.database.secretName }}
- name: DB_PORT
  value: {{ $v.database.port | int | toString | quote }}
- name: DB_NAME
  value: {{ $v.database.name | quote }}
- name: DB_USER
  value: {{ ternary $v.database.adminUser $v.database.user $admin | quote }}
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef:
      key: password
      name: {{ ternary $v.database.adminSecretName $v.database.secretName $admin }}
{{- if $admin }}
- name: DB_APP_USER
  value: {{ $v.database.user | quote }}
- name: DB_APP_PASSWORD
  valueFrom:
    secretKeyRef:
      key: password
      name: {{ $v.database.secretName }}
{{- end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      key: url
      name: {{ ternary $v.database.adminSecretName $v.database.secretName $admin }}
{{- end }}
{{- end }}

{{/* An ExternalSecret that fills Secret NAME from the store. Call with (dict "root" $ "name" NAME "data" LIST "template" MAP); the template (External Secrets' own Go templates, kept in values so Helm leaves them alone) is optional. */}}
{{- define "app.externalSecret" -}}
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" .root) | nindent 4 }}
spec:
  data:
    {{- toYaml .data | nindent 4 }}
  refreshInterval: {{ .root.Values.externalSecrets.refreshInterval }}
  secretStoreRef:
    kind: ClusterSecretStore
    name: {{ .root.Values.externalSecrets.store }}
  target:
    creationPolicy: Owner
    name: {{ .name }}
    {{- with .template }}
    template:
      data:
        {{- toYaml . | nindent 8 }}
      engineVersion: v2
    {{- end }}
{{- end }}

{{/* Pod spec fields shared by the web pods and the release jobs. */}}
{{- define "app.podBase" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
serviceAccountName: {{ .Values.name }}
{{- end }}

{{/* Container fields shared by the web container and the release jobs. Call with (dict "root" $ "phase" NAME "command" LIST "args" LIST). */}}
{{- define "app.containerBase" -}}
{{- $v := .root.Values -}}
name: app
image: {{ include "app.image" .root | quote }}
imagePullPolicy: {{ $v.image.pullPolicy }}
{{- with .command }}
command:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .args }}
args:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (include "app.env" (dict "root" .root "phase" .phase)) }}
env:
  {{- . | nindent 2 }}
{{- end }}
envFrom:
  - configMapRef:
      name: {{ $v.name }}-env
resources:
  {{- toYaml $v.resources | nindent 2 }}
securityContext:
  {{- toYaml $v.containerSecurityContext | nindent 2 }}
volumeMounts:
  - mountPath: /tmp
    name: tmp
{{- end }}
