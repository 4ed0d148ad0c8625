{{- define "costwarden.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "costwarden.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "costwarden.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "costwarden.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The container every role runs: same image, its role, probes on the app's health endpoints. */}}
{{- define "costwarden.container" -}}
{{- $root := .root -}}
- name: costwarden
  image: {{ include "costwarden.image" $root }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  args: ["serve"]
  ports:
    - name: http
      containerPort: 8080
      protocol: TCP
  env:
    - name: COSTWARDEN_ROLES
      value: {{ .role | quote }}
    - name: JAVA_OPTS_APPEND
      value: {{ printf "-Djava.util.logging.manager=org.jboss.logmanager.LogManager %s" .javaOpts | quote }}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: COSTWARDEN_API_AUTH_INTERNAL_TOKEN
      valueFrom: {secretKeyRef: {name: {{ $root.Values.api.tokensSecret }}, key: {{ $root.Values.api.internalTokenKey }}}}
    {{- range $root.Values.api.tokens }}
    - name: API_TOKEN_{{ .name | upper | replace "-" "_" }}
      valueFrom: {secretKeyRef: {name: {{ $root.Values.api.tokensSecret }}, key: {{ .key }}}}
    {{- end }}
    {{- range .extraEnv }}
    - {{ toYaml . | nindent 6 | trim }}
    {{- end }}
  {{- if or $root.Values.kafka.clientSecret .secrets }}
  envFrom:
    {{- if $root.Values.kafka.clientSecret }}
    - secretRef: {name: {{ $root.Values.kafka.clientSecret }}}
    {{- end }}
    {{- range .secrets }}
    - secretRef: {name: {{ . }}, optional: false}
    {{- end }}
  {{- end }}
  livenessProbe:
    httpGet: {path: /q/health/live, port: http}
    initialDelaySeconds: 20
    periodSeconds: 10
    failureThreshold: 6
  readinessProbe:
    httpGet: {path: /q/health/ready, port: http}
    initialDelaySeconds: 10
    periodSeconds: 5
    failureThreshold: 3
  startupProbe:
    httpGet: {path: /q/health/started, port: http}
    periodSeconds: 5
    failureThreshold: 60
  resources:
    {{- toYaml .resources | nindent 4 }}
  securityContext:
    {{- toYaml $root.Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: config
      mountPath: /deployments/config
      readOnly: true
    - name: policies
      mountPath: /etc/costwarden/policies
      readOnly: true
    - name: tmp
      mountPath: /tmp
    - name: data
      mountPath: /var/lib/costwarden
{{- end -}}

{{- define "costwarden.volumes" -}}
- name: config
  configMap: {name: {{ include "costwarden.fullname" .root }}-config}
- name: policies
  configMap: {name: {{ include "costwarden.fullname" .root }}-policies}
- name: tmp
  emptyDir: {}
{{- if not .persistent }}
- name: data
  emptyDir: {}
{{- end }}
{{- end -}}

{{- define "costwarden.podSpecCommon" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
