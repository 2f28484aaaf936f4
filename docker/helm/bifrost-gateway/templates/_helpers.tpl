{{/*
Names and labels, the usual Helm way: every object is named <release>-bifrost-gateway unless overridden.
*/}}
{{- define "bifrost-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bifrost-gateway.fullname" -}}
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

{{- define "bifrost-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bifrost-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bifrost-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bifrost-gateway.labels" -}}
helm.sh/chart: {{ include "bifrost-gateway.chart" . }}
{{ include "bifrost-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The Secret this chart creates, holding whatever secret the user gave as a plain value (JWT secret, Redis URL).
*/}}
{{- define "bifrost-gateway.secretName" -}}
{{- include "bifrost-gateway.fullname" . }}
{{- end }}

{{/* True (non-empty) when the chart creates its own Secret. */}}
{{- define "bifrost-gateway.createsSecret" -}}
{{- if or .Values.jwt.secret .Values.redis.url }}true{{- end }}
{{- end }}

{{/*
Whether Redis is configured at all, from a value or an existing Secret.
*/}}
{{- define "bifrost-gateway.redisEnabled" -}}
{{- if or .Values.redis.url .Values.redis.existingSecret }}true{{- end }}
{{- end }}

{{/*
The checks that must hold before anything renders. Each message names the value to set and why.
Included by the Deployment, so every render runs them (helm lint only logs a failed check as INFO).
*/}}
{{- define "bifrost-gateway.validate" -}}
{{- if and (not .Values.jwt.secret) (not .Values.jwt.existingSecret) }}
{{- fail "bifrost-gateway: no JWT secret. Set jwt.secret (at least 64 characters, e.g. openssl rand -hex 64), or jwt.existingSecret (and jwt.existingSecretKey) to a Secret holding it: the gateway refuses to start in production without JWT_SECRET." }}
{{- end }}
{{- if and .Values.jwt.secret .Values.jwt.existingSecret }}
{{- fail "bifrost-gateway: jwt.secret and jwt.existingSecret are both set; set only one, so it is clear which secret the gateway uses." }}
{{- end }}
{{- if and .Values.jwt.secret (lt (len (toString .Values.jwt.secret)) 64) }}
{{- fail (printf "bifrost-gateway: jwt.secret is %d characters; HS512 needs at least 64 (generate one with: openssl rand -hex 64)." (len (toString .Values.jwt.secret))) }}
{{- end }}
{{- if and .Values.jwt.existingSecret (not .Values.jwt.existingSecretKey) }}
{{- fail "bifrost-gateway: jwt.existingSecret is set but jwt.existingSecretKey is empty; name the key of that Secret that holds the JWT secret." }}
{{- end }}
{{- if and .Values.redis.existingSecret (not .Values.redis.existingSecretKey) }}
{{- fail "bifrost-gateway: redis.existingSecret is set but redis.existingSecretKey is empty; name the key of that Secret that holds the Redis URL." }}
{{- end }}
{{- if and .Values.redis.url .Values.redis.existingSecret }}
{{- fail "bifrost-gateway: redis.url and redis.existingSecret are both set; set only one, so it is clear which Redis the gateway uses." }}
{{- end }}
{{- if and .Values.redis.url (not (regexMatch "^rediss?://" .Values.redis.url)) }}
{{- fail "bifrost-gateway: redis.url must start with redis:// or rediss:// (TLS), like redis://:password@redis-master:6379/0." }}
{{- end }}
{{- if not (include "bifrost-gateway.redisEnabled" .) }}
{{- if .Values.autoscaling.enabled }}
{{- fail "bifrost-gateway: autoscaling.enabled needs Redis. Set redis.url or redis.existingSecret: replicas only form one cluster through Redis, and without it a broadcast reaches only the sockets of the replica that received it." }}
{{- end }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- fail (printf "bifrost-gateway: replicaCount is %d but no Redis is configured. Set redis.url or redis.existingSecret (replicas only form one cluster through Redis; without it a broadcast reaches only the sockets of the replica that received it), or set replicaCount to 1." (int .Values.replicaCount)) }}
{{- end }}
{{- end }}
{{- if not (has .Values.redis.tlsVerify (list "full" "ca" "none")) }}
{{- fail (printf "bifrost-gateway: redis.tlsVerify is '%v'; use full, ca or none (Heroku Redis presents a self-signed certificate and needs none)." .Values.redis.tlsVerify) }}
{{- end }}
{{- if not .Values.redis.prefix }}
{{- fail "bifrost-gateway: redis.prefix is empty; keep the default bifrost: or give each app sharing the Redis its own, like myapp:." }}
{{- end }}
{{- if or (lt (int .Values.drainSeconds) 1) (gt (int .Values.drainSeconds) 86400) }}
{{- fail (printf "bifrost-gateway: drainSeconds is %d; it must be between 1 and 86400 (the gateway spreads its 1012 closes over this window)." (int .Values.drainSeconds)) }}
{{- end }}
{{- if lt (int .Values.preStopSleepSeconds) 0 }}
{{- fail "bifrost-gateway: preStopSleepSeconds must be 0 or more." }}
{{- end }}
{{- if lt (int .Values.terminationGraceMarginSeconds) 0 }}
{{- fail "bifrost-gateway: terminationGraceMarginSeconds must be 0 or more." }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail (printf "bifrost-gateway: autoscaling.minReplicas (%d) is above autoscaling.maxReplicas (%d)." (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- end }}
{{- if not (has .Values.logFormat (list "plain" "json")) }}
{{- fail (printf "bifrost-gateway: logFormat is '%v'; use plain or json." .Values.logFormat) }}
{{- end }}
{{- end }}

{{/*
The pod's grace period: the preStop sleep, then the drain window, then a margin for the last close frames and the
JVM's exit. Computed here so the three values can never disagree.
*/}}
{{- define "bifrost-gateway.terminationGracePeriodSeconds" -}}
{{- add (int .Values.preStopSleepSeconds) (int .Values.drainSeconds) (int .Values.terminationGraceMarginSeconds) }}
{{- end }}

{{/* The fewest replicas the Deployment runs, to decide whether a PodDisruptionBudget can ever allow an eviction. */}}
{{- define "bifrost-gateway.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ int .Values.autoscaling.minReplicas }}{{ else }}{{ int .Values.replicaCount }}{{ end }}
{{- end }}

{{/*
A map of annotations with every value quoted: Kubernetes takes only strings, and an unquoted 3000 or true in the
values would otherwise reach the API server as a number or a boolean and be refused.
*/}}
{{- define "bifrost-gateway.annotations" -}}
{{- range $key, $value := . }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
