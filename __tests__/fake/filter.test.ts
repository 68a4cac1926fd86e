import { parseFilter } from '../../fake-gcp'

const entry = {
  logName: 'projects/p/logs/cloudscheduler.googleapis.com%2Fexecutions',
  timestamp: '2025-05-01T10:00:00.123456Z',
  severity: 'ERROR',
  resource: { type: 'cloud_scheduler_job', labels: { job_id: 'nightly-report', location: 'us-central1' } },
  jsonPayload: { '@type': 'type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished', status: 'UNAUTHENTICATED' },
  httpRequest: { status: 401 }
}

test.each([
  ['', true],
  ['resource.type="cloud_scheduler_job"', true],
  ['resource.type = cloud_scheduler_job', true],
  ['resource.type!="cloud_scheduler_job"', false],
  ['resource.labels.job_id="nightly-report" resource.labels.location="us-central1"', true],
  ['resource.labels.job_id="nightly-report" AND resource.labels.location="europe-west1"', false],
  ['resource.labels.job_id="a" OR resource.labels.job_id="nightly-report"', true],
  ['resource.labels.job_id=("a" OR "b")', 'error'],
  ['jsonPayload.@type="type.googleapis.com/google.cloud.scheduler.logging.AttemptFinished"', true],
  ['jsonPayload."@type":"AttemptFinished"', true],
  ['timestamp>="2025-05-01T09:59:59Z"', true],
  ['timestamp>"2025-05-01T10:00:00.200Z"', false],
  ['timestamp>="2025-05-01T09:00:00Z" AND timestamp<="2025-05-01T11:00:00Z"', true],
  ['severity>=WARNING', true],
  ['severity<INFO', false],
  ['httpRequest.status>=400', true],
  ['httpRequest.status=200', false],
  ['NOT httpRequest.status=200', true],
  ['-resource.type="cloud_scheduler_job"', false],
  ['(resource.type="gce_instance" OR resource.type="cloud_scheduler_job") AND severity=ERROR', true],
  // Logging's precedence: OR binds tighter than AND
  ['resource.type="gce_instance" AND severity=ERROR OR severity=INFO', false],
  ['logName="projects/p/logs/cloudscheduler.googleapis.com%2Fexecutions"', true],
  ['log_id("cloudscheduler.googleapis.com/executions")', true],
  ['jsonPayload.status=~"^UNAUTH"', true],
  ['jsonPayload.missing="x"', false],
  ['resource.type=', 'error'],
  ['"just some text"', 'error'],
  ['(resource.type="x"', 'error'],
  ['resource.type="x" )', 'error'],
  ['resource.type=="x"', 'error']
])('%s', (filter, expected) => {
  if (expected === 'error') {
    expect(() => parseFilter(filter)).toThrow(expect.objectContaining({ code: 400, status: 'INVALID_ARGUMENT' }))
    return
  }
  expect(parseFilter(filter)(entry)).toBe(expected)
})
