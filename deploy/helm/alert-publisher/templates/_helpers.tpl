{{- define "alert-publisher.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "alert-publisher.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "alert-publisher.selectorLabels" -}}
app.kubernetes.io/name: {{ include "alert-publisher.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "alert-publisher.labels" -}}
{{ include "alert-publisher.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The listening port: config.server.port, default 8080. */}}
{{- define "alert-publisher.port" -}}
{{- (.Values.config.server | default dict).port | default 8080 -}}
{{- end -}}

{{/* True (non-empty) when PostgreSQL is configured, by Secret or in the config. */}}
{{- define "alert-publisher.hasDatabase" -}}
{{- if or .Values.database.existingSecret (.Values.config.storage | default dict).database_url -}}true{{- end -}}
{{- end -}}

{{/*
/data on a volume claim (when persistence is on): it holds the embedded database, or in memory
mode the DLQ journal (dead letters the database could not take at a stop).
*/}}
{{- define "alert-publisher.persistent" -}}
{{- $mode := (.Values.config.queue | default dict).mode | default "memory" -}}
{{- if and .Values.persistence.enabled (or (not (include "alert-publisher.hasDatabase" .)) (eq $mode "memory")) -}}true{{- end -}}
{{- end -}}

{{/* Whole seconds of a duration written <n>ms, <n>s, <n>m or <n>h, rounded up. */}}
{{- define "alert-publisher.seconds" -}}
{{- $d := toString . -}}
{{- if regexMatch "^[0-9]+ms$" $d -}}
{{- div (add (trimSuffix "ms" $d | int) 999) 1000 -}}
{{- else if regexMatch "^[0-9]+s$" $d -}}
{{- trimSuffix "s" $d | int -}}
{{- else if regexMatch "^[0-9]+m$" $d -}}
{{- mul (trimSuffix "m" $d | int) 60 -}}
{{- else if regexMatch "^[0-9]+h$" $d -}}
{{- mul (trimSuffix "h" $d | int) 3600 -}}
{{- else -}}
{{- fail (printf "cannot read the duration %q: write it as <n>ms, <n>s, <n>m or <n>h for the chart to size terminationGracePeriodSeconds" $d) -}}
{{- end -}}
{{- end -}}

{{/*
The grace period: above preStop + shutdown_timeout + 2 × shutdown_flush_timeout (attempts in
flight at the deadline get one flush window, storing what is left another), so Kubernetes never
kills the service in the middle of its drain.
*/}}
{{- define "alert-publisher.terminationGracePeriodSeconds" -}}
{{- $shutdown := include "alert-publisher.seconds" (.Values.config.shutdown_timeout | default "30s") | int -}}
{{- $flush := include "alert-publisher.seconds" (.Values.config.shutdown_flush_timeout | default "5s") | int -}}
{{- $needed := add (int .Values.preStopSleepSeconds) $shutdown $flush $flush -}}
{{- if eq (toString .Values.terminationGracePeriodSeconds) "" -}}
{{- add $needed 10 -}}
{{- else if le (int .Values.terminationGracePeriodSeconds) $needed -}}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed preStopSleepSeconds + shutdown_timeout + 2 × shutdown_flush_timeout (%d)" .Values.terminationGracePeriodSeconds $needed) -}}
{{- else -}}
{{- int .Values.terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* More than one replica only in durable mode with PostgreSQL: memory mode keeps jobs in
one process, and the embedded database belongs to one process. */}}
{{- define "alert-publisher.checkReplicas" -}}
{{- if gt (int .Values.replicaCount) 1 -}}
{{- if ne ((.Values.config.queue | default dict).mode | default "memory") "durable" -}}
{{- fail "replicaCount > 1 needs config.queue.mode: durable (memory mode keeps each instance's jobs to itself)" -}}
{{- end -}}
{{- if not (include "alert-publisher.hasDatabase" .) -}}
{{- fail "replicaCount > 1 needs PostgreSQL: set database.existingSecret (the embedded database belongs to one process)" -}}
{{- end -}}
{{- end -}}
{{- end -}}
