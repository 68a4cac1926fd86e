import { GoogleHttp, listAll, withContext } from './http'
import type { Workflow, WorkflowExecution } from './types'

/**
 * Workflows v1 (the workflow) and Workflow Executions v1 (its runs): two APIs, one client, as a
 * person thinks of them. Workflows has no per-workflow IAM: invocation is granted on the project.
 */
export interface WorkflowsClient {
  getWorkflow(name: string): Promise<Workflow>
  /** A workflow's executions, newest first. */
  listExecutions(workflow: string): Promise<WorkflowExecution[]>
  getExecution(name: string): Promise<WorkflowExecution>
}

export class RestWorkflowsClient implements WorkflowsClient {
  constructor(
    private readonly workflows: GoogleHttp,
    private readonly executions: GoogleHttp
  ) {}

  getWorkflow(name: string): Promise<Workflow> {
    return withContext(`Failed to read workflow ${name}`, () => this.workflows.request<Workflow>(`v1/${name}`))
  }

  listExecutions(workflow: string): Promise<WorkflowExecution[]> {
    return withContext(`Failed to list the executions of ${workflow}`, () =>
      listAll<WorkflowExecution>(this.executions, `v1/${workflow}/executions`, 'executions')
    )
  }

  getExecution(name: string): Promise<WorkflowExecution> {
    return withContext(`Failed to read execution ${name}`, () => this.executions.request<WorkflowExecution>(`v1/${name}`))
  }
}
