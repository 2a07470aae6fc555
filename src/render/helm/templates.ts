/*
 * The chart's templates. They are the same for every app: all app-specific data lives in the
 * values files. Each template mirrors one object of render/kubernetes; the chart-equivalence test
 * runs the real `helm template` against slipway's own render for every example and environment.
 */

const helpers = `{{/* Labels that select pods. Call with (dict "root" $ "component" "web"). */}}
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
`;

const namespace = `{{- if .Values.namespace.create }}
apiVersion: v1
kind: Namespace
metadata:
  name: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $) | nindent 4 }}
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
{{- end }}
`;

const serviceAccount = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Values.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $) | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
`;

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Values.name }}-env
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $) | nindent 4 }}
{{- if .Values.env }}
data:
  {{- toYaml .Values.env | nindent 2 }}
{{- else }}
data: {}
{{- end }}
`;

const externalSecret = `{{- if .Values.externalSecrets.enabled }}
{{- $v := .Values }}
{{- $prefix := $v.externalSecrets.prefix }}
{{- if $v.secrets.names }}
{{- $data := list }}
{{- range $v.secrets.names }}
{{- $data = append $data (dict "secretKey" . "remoteRef" (dict "key" (printf "%s%s" $prefix .))) }}
{{- end }}
---
{{ include "app.externalSecret" (dict "root" $ "name" $v.secrets.secretName "data" $data) }}
{{- end }}
{{- if $v.database.enabled }}
{{- $host := dict "secretKey" "host" "remoteRef" (dict "key" (printf "%sdatabase" $prefix) "property" "host") }}
{{- $data := list $host (dict "secretKey" "password" "remoteRef" (dict "key" (printf "%sdatabase" $prefix) "property" "password")) }}
---
{{ include "app.externalSecret" (dict "root" $ "name" $v.database.secretName "data" $data "template" $v.externalSecrets.databaseTemplate) }}
{{- if $v.release.setup }}
{{- $data := list $host (dict "secretKey" "password" "remoteRef" (dict "key" (printf "%sdatabase-admin" $prefix) "property" "password")) }}
---
{{ include "app.externalSecret" (dict "root" $ "name" $v.database.adminSecretName "data" $data "template" $v.externalSecrets.databaseAdminTemplate) }}
{{- end }}
{{- end }}
{{- end }}
`;

function releaseJob(phase: "setup" | "migrate", hook: string, weight: string): string {
  return `{{- with .Values.release.${phase} }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $.Values.name }}-${phase}-{{ printf "%s\\n%s" (include "app.image" $) (toJson .) | sha256sum | trunc 10 }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $ "component" "${phase}") | nindent 4 }}
    slipway.dev/phase: ${phase}
  annotations:
    argocd.argoproj.io/hook: PreSync
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
    helm.sh/hook: ${hook}
    helm.sh/hook-delete-policy: before-hook-creation
    helm.sh/hook-weight: "${weight}"
spec:
  activeDeadlineSeconds: 1800
  backoffLimit: 0
  template:
    metadata:
      labels:
        {{- include "app.selectorLabels" (dict "root" $ "component" "${phase}") | nindent 8 }}
        slipway.dev/phase: ${phase}
    spec:
      {{- include "app.podBase" $ | nindent 6 }}
      containers:
        - {{- include "app.containerBase" (dict "root" $ "phase" "${phase}" "command" .) | nindent 10 }}
      restartPolicy: Never
      volumes:
        - emptyDir:
            sizeLimit: 256Mi
          name: tmp
  ttlSecondsAfterFinished: 3600
{{- end }}
`;
}

const deployment = `{{- $v := .Values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $v.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $ "component" "web") | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount | int }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "app.selectorLabels" (dict "root" $ "component" "web") | nindent 6 }}
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
    type: RollingUpdate
  template:
    metadata:
      annotations:
        slipway.dev/config-checksum: {{ $v.env | toJson | sha256sum }}
      labels:
        {{- include "app.labels" (dict "root" $ "component" "web") | nindent 8 }}
    spec:
      {{- include "app.podBase" $ | nindent 6 }}
      containers:
        - {{- include "app.containerBase" (dict "root" $ "phase" "web" "command" $v.command "args" $v.args) | nindent 10 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $v.shutdown.drainSeconds | int }}
          ports:
            - containerPort: {{ $v.port | int }}
              name: http
              protocol: TCP
            {{- if and $v.metrics.enabled $v.metrics.separatePort }}
            - containerPort: {{ $v.metrics.port | int }}
              name: metrics
              protocol: TCP
            {{- end }}
          startupProbe:
            {{- toYaml $v.probes.startup | nindent 12 }}
          readinessProbe:
            {{- toYaml $v.probes.readiness | nindent 12 }}
          livenessProbe:
            {{- toYaml $v.probes.liveness | nindent 12 }}
      terminationGracePeriodSeconds: {{ $v.shutdown.terminationGracePeriodSeconds | int }}
      topologySpreadConstraints:
        {{- range list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
        - labelSelector:
            matchLabels:
              {{- include "app.selectorLabels" (dict "root" $ "component" "web") | nindent 14 }}
          maxSkew: 1
          topologyKey: {{ . }}
          whenUnsatisfiable: ScheduleAnyway
        {{- end }}
      volumes:
        - emptyDir:
            sizeLimit: 256Mi
          name: tmp
`;

const service = `{{- $v := .Values -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ $v.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $ "component" "web") | nindent 4 }}
spec:
  ports:
    - name: http
      port: {{ $v.service.port | int }}
      protocol: TCP
      targetPort: http
    {{- if and $v.metrics.enabled $v.metrics.separatePort }}
    - name: metrics
      port: {{ $v.metrics.port | int }}
      protocol: TCP
      targetPort: metrics
    {{- end }}
  selector:
    {{- include "app.selectorLabels" (dict "root" $ "component" "web") | nindent 4 }}
  type: ClusterIP
`;

const ingress = `{{- $v := .Values -}}
{{- if $v.ingress.enabled }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $v.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $ "component" "web") | nindent 4 }}
  {{- with $v.ingress.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  ingressClassName: {{ $v.ingress.className }}
  rules:
    - host: {{ $v.ingress.host | quote }}
      http:
        paths:
          {{- range $v.ingress.paths }}
          - backend:
              service:
                name: {{ $v.name }}
                port:
                  name: http
            path: {{ . | quote }}
            pathType: Prefix
          {{- end }}
  {{- if $v.ingress.tls }}
  tls:
    - hosts:
        - {{ $v.ingress.host | quote }}
      {{- with $v.ingress.tlsSecretName }}
      secretName: {{ . }}
      {{- end }}
  {{- end }}
{{- end }}
`;

const hpa = `{{- $v := .Values -}}
{{- if $v.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $v.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $ "component" "web") | nindent 4 }}
spec:
  maxReplicas: {{ $v.autoscaling.maxReplicas | int }}
  metrics:
    {{- range $name, $target := dict "cpu" $v.autoscaling.targetCPUUtilizationPercentage "memory" $v.autoscaling.targetMemoryUtilizationPercentage }}
    {{- if $target }}
    - resource:
        name: {{ $name }}
        target:
          averageUtilization: {{ $target | int }}
          type: Utilization
      type: Resource
    {{- end }}
    {{- end }}
  minReplicas: {{ $v.autoscaling.minReplicas | int }}
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $v.name }}
{{- end }}
`;

const pdb = `{{- $v := .Values -}}
{{- if $v.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $v.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $ "component" "web") | nindent 4 }}
spec:
  maxUnavailable: {{ $v.podDisruptionBudget.maxUnavailable | int }}
  selector:
    matchLabels:
      {{- include "app.selectorLabels" (dict "root" $ "component" "web") | nindent 6 }}
  unhealthyPodEvictionPolicy: AlwaysAllow
{{- end }}
`;

const networkPolicy = `{{- $v := .Values -}}
{{- if $v.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $v.name }}-default-deny
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $) | nindent 4 }}
spec:
  podSelector: {}
  policyTypes:
    - Ingress
    - Egress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $v.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $) | nindent 4 }}
spec:
  egress:
    {{- toYaml $v.networkPolicy.egress | nindent 4 }}
  {{- with $v.networkPolicy.ingress }}
  ingress:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  podSelector:
    matchLabels:
      app.kubernetes.io/instance: {{ $v.name }}
      app.kubernetes.io/name: {{ $v.name }}
  policyTypes:
    - Ingress
    - Egress
{{- end }}
`;

const serviceMonitor = `{{- $v := .Values -}}
{{- if $v.metrics.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ $v.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "app.labels" (dict "root" $ "component" "web") | nindent 4 }}
spec:
  endpoints:
    - interval: {{ $v.metrics.interval }}
      path: {{ $v.metrics.path | quote }}
      port: {{ ternary "metrics" "http" $v.metrics.separatePort }}
  selector:
    matchLabels:
      {{- include "app.selectorLabels" (dict "root" $ "component" "web") | nindent 6 }}
{{- end }}
`;

const notes = `{{ .Values.name }} ({{ .Values.environment }}) is installed in namespace {{ .Release.Namespace }}.

Image: {{ include "app.image" . }}
{{- if .Values.ingress.enabled }}
URL:   {{ ternary "https" "http" .Values.ingress.tls }}://{{ .Values.ingress.host }}/
{{- end }}
{{- if not .Values.namespace.create }}

The namespace is not managed by this chart. Enforce the restricted Pod Security level on it:
  kubectl label namespace {{ .Release.Namespace }} pod-security.kubernetes.io/enforce=restricted
{{- end }}
{{- if .Values.secrets.names }}

Secrets are referenced, never stored: Secret {{ .Values.secrets.secretName }} must hold the keys
{{ join ", " .Values.secrets.names }}.
{{- end }}
{{- if .Values.database.enabled }}
Secret {{ .Values.database.secretName }} must hold the keys host, password and url for user {{ .Values.database.user }}
(url: the composed DATABASE_URL, password percent-encoded; see docs/app-contract.md).
{{- end }}

Watch the rollout: kubectl -n {{ .Release.Namespace }} rollout status deployment/{{ .Values.name }}
`;

/** Template files of the chart, by path inside templates/. */
export const chartTemplates: Readonly<Record<string, string>> = {
  "_helpers.tpl": helpers,
  "namespace.yaml": namespace,
  "serviceaccount.yaml": serviceAccount,
  "configmap.yaml": configMap,
  "externalsecret.yaml": externalSecret,
  "job-setup.yaml": releaseJob("setup", "post-install", "-10"),
  "job-migrate.yaml": releaseJob("migrate", "post-install,pre-upgrade", "-5"),
  "deployment.yaml": deployment,
  "service.yaml": service,
  "ingress.yaml": ingress,
  "hpa.yaml": hpa,
  "pdb.yaml": pdb,
  "networkpolicy.yaml": networkPolicy,
  "servicemonitor.yaml": serviceMonitor,
  "NOTES.txt": notes,
};
