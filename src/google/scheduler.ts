import { GoogleHttp, listAll, withContext } from './http'
import type { Job } from './types'

/** Cloud Scheduler v1: the four job methods the action needs. */
export class SchedulerClient {
  constructor(private readonly http: GoogleHttp) {}

  getJob(name: string): Promise<Job> {
    return withContext(`Failed to read job ${name}`, () => this.http.request<Job>(`v1/${name}`))
  }

  /** Every job in `projects/P/locations/L`, following pages. */
  listJobs(parent: string): Promise<Job[]> {
    return withContext(`Failed to list jobs in ${parent}`, () => listAll<Job>(this.http, `v1/${parent}/jobs`, 'jobs'))
  }

  /** PATCH with an explicit mask, so fields outside it (schedule, body, headers, retries) are never rewritten. */
  patchJob(name: string, job: Partial<Job>, updateMask: string[]): Promise<Job> {
    return withContext(`Failed to update job ${name}`, () =>
      this.http.request<Job>(`v1/${name}`, { method: 'PATCH', body: job, query: { updateMask: updateMask.join(',') } })
    )
  }

  runJob(name: string): Promise<Job> {
    return withContext(`Failed to run job ${name}`, () => this.http.request<Job>(`v1/${name}:run`, { body: {} }))
  }
}
