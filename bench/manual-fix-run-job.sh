#!/usr/bin/env bash
# The manual fix for a scheduled Cloud Run job, as a person would type it (issue 9, side a): the
# Scheduler job carries an OIDC token where the Admin API needs an OAuth access token, and its
# account lacks roles/run.invoker on the Cloud Run job.
# Usage: manual-fix-run-job.sh JOB RUN_JOB REGION INVOKER_SA SCOPE
# gcloud is pointed wherever the environment says (the benchmark passes the stand-in's gcloudEnv).
set -euo pipefail
JOB=$1 RUN_JOB=$2 REGION=$3 SA=$4 SCOPE=$5

# 1. grant the invoker role on the Cloud Run job (run.jobs.run is checked on the job)
gcloud run jobs add-iam-policy-binding "$RUN_JOB" --region "$REGION" --member "serviceAccount:$SA" --role roles/run.invoker --quiet >/dev/null

# 2. give the Scheduler job an OAuth token instead of its OIDC token (the two are a oneof)
gcloud scheduler jobs update http "$JOB" --location "$REGION" \
  --oauth-service-account-email "$SA" --oauth-token-scope "$SCOPE" --quiet >/dev/null

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
