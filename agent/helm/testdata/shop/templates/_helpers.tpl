{{- define "shop.countdown" -}}
{{ . }}{{ if gt (int .) 0 }},{{ include "shop.countdown" (sub (int .) 1) }}{{ end }}
{{- end -}}
