import { api, ApiError } from '@/api/client'
import { notifyError } from '@/utils/notify'

/** Open a file that needs the bearer token (a plain link would arrive without it) in a new tab. */
export async function openProtectedFile(path) {
  const tab = window.open('', '_blank')
  try {
    const blob = await api.blob(path)
    const url = URL.createObjectURL(blob)
    if (tab) tab.location.href = url
    else window.location.assign(url)
    setTimeout(() => URL.revokeObjectURL(url), 60000)
  } catch (err) {
    tab?.close()
    notifyError(err)
  }
}

/** Hand a Blob to the browser as a download under the given name. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** Download a file behind authentication (the bearer token goes with the request) under the given name. */
export async function downloadProtectedFile(path, filename, client = api) {
  const blob = await client.blob(path)
  saveBlob(blob, filename)
  return blob
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Filters as the list endpoint takes them: empty values dropped (the export validates them the same way). */
export function exportFilters(filters) {
  const out = {}
  for (const [key, value] of Object.entries(filters || {})) {
    if (value === undefined || value === null || value === '' || key === 'limit' || key === 'cursor') continue
    out[key] = value
  }
  return out
}

/**
 * Server-side export of a list: ask for it, follow the background job until it ends, and answer its final state.
 * onProgress(job) is called with every status read; a failed job throws with the API's Chinese message.
 */
export async function runExport(
  { source, filters, format },
  { client = api, onProgress = () => {}, interval = 800, wait = sleep, maxPolls = 900 } = {},
) {
  let job = await client.post('/exports', { list: source, filters: exportFilters(filters), format })
  onProgress(job)
  for (let polls = 0; job.status === 'queued' || job.status === 'running'; polls += 1) {
    if (polls >= maxPolls) throw new ApiError(0, { code: 'export_timeout', message: '导出时间过长，请缩小筛选范围后重试' })
    await wait(interval)
    job = await client.get(`/exports/${job.id}`)
    onProgress(job)
  }
  if (job.status !== 'done') throw new ApiError(200, { code: 'export_failed', message: job.error || '导出失败，请重试' })
  return job
}

// Route names of pages.js → export sources on the server (backend/modules/exports/registry.py).
export const EXPORT_SOURCES = Object.freeze({
  organizations: 'organizations',
  practitioners: 'practitioners',
  projects: 'projects',
  visits: 'visits',
  documents: 'documents',
  feedback: 'feedback',
  inspections: 'inspections',
  'spot-checks': 'spot-checks',
  penalties: 'penalties',
  'audit-logs': 'audit-logs',
  supervisors: 'supervisors',
  warnings: 'warnings',
  'monitoring-warnings': 'warnings',
  reports: 'reports',
  'monitoring-reports': 'reports',
  tracking: 'tracking',
  'monitoring-tracking': 'tracking',
  scores: 'scores',
  'monitoring-scores': 'scores',
})

export function exportSourceFor(routeName) {
  return (routeName && EXPORT_SOURCES[routeName]) || ''
}
