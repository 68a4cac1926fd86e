#!/usr/bin/env bash
# The manual fix the action replaces, as a person would type it (issue 5, side a).
# Usage: manual-fix.sh JOB FUNCTION REGION INVOKER_SA AUDIENCE
# gcloud is pointed wherever the environment says (the benchmark passes the stand-in's gcloudEnv).
set -euo pipefail
JOB=$1 FN=$2 REGION=$3 SA=$4 AUDIENCE=$5

# 1. grant the invoker role (gen 2: roles/run.invoker lands on the underlying Cloud Run service)
gcloud functions add-invoker-policy-binding "$FN" --region "$REGION" --member "serviceAccount:$SA" --quiet >/dev/null

# 2. give the job its OIDC token
gcloud scheduler jobs update http "$JOB" --location "$REGION" \
  --oidc-service-account-email "$SA" --oidc-token-audience "$AUDIENCE" --quiet >/dev/null

# 3. run it
RUN_AT=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
gcloud scheduler jobs run "$JOB" --location "$REGION" --quiet

# 4. watch the execution log until this run's attempt shows up (a person with a watch: every second)
FILTER="resource.type=\"cloud_scheduler_job\" AND resource.labels.job_id=\"$JOB\" AND jsonPayload.@type=\"type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished\" AND timestamp>=\"$RUN_AT\""
for _ in $(seq 1 120); do
  STATUS=$(gcloud logging read "$FILTER" --limit 1 --format 'value(httpRequest.status)')
  if [ -n "$STATUS" ]; then
    echo "attempt finished: HTTP $STATUS"
    exit 0
  fi
  sleep 1
done
echo "no attempt in the log after 120 polls" >&2
exit 1
