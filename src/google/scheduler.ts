import { RateLimit } from '../limit'
import { GoogleHttp, listAll, withContext } from './http'
import type { Job } from './types'

/** Cloud Scheduler v1: the four job methods the action needs. */
export interface SchedulerClient {
  getJob(name: string): Promise<Job>
  /** Every job in `projects/P/locations/L`, following pages. */
  listJobs(parent: string): Promise<Job[]>
  /** PATCH with an explicit mask, so fields outside it (schedule, body, headers, retries) are never rewritten. */
  patchJob(name: string, job: Partial<Job>, updateMask: string[]): Promise<Job>
  /** `deadline`: not started at all when the write cap has no slot before it (see RateLimit.take). */
  runJob(name: string, deadline?: number): Promise<Job>
}

export class RestSchedulerClient implements SchedulerClient {
  /**
   * Cloud Scheduler allows 500 writes (patch, run) per minute per project by default; staying
   * at 400 leaves room for other writers and never trips it on a project-wide fix and test run.
   */
  constructor(
    private readonly http: GoogleHttp,
    private readonly writes = new RateLimit(400, 60_000)
  ) {}

  getJob(name: string): Promise<Job> {
    return withContext(`Failed to read job ${name}`, () => this.http.request<Job>(`v1/${name}`))
  }

  listJobs(parent: string): Promise<Job[]> {
    return withContext(`Failed to list jobs in ${parent}`, () => listAll<Job>(this.http, `v1/${parent}/jobs`, 'jobs'))
  }

  async patchJob(name: string, job: Partial<Job>, updateMask: string[]): Promise<Job> {
    await this.writes.take()
    return withContext(`Failed to update job ${name}`, () =>
      this.http.request<Job>(`v1/${name}`, { method: 'PATCH', body: job, query: { updateMask: updateMask.join(',') } })
    )
  }

  async runJob(name: string, deadline?: number): Promise<Job> {
    await this.writes.take(deadline)
    return withContext(`Failed to run job ${name}`, () => this.http.request<Job>(`v1/${name}:run`, { body: {} }))
  }
}
