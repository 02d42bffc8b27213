// Figures the dashboard can show before the statistics API exists, each read from an endpoint that exists
// now and shown only to roles that may call it. Counts walk keyset pages up to a cap (no COUNT endpoint yet).

import { api } from '@/api/client'
import { canSee, ROLE } from '@/pages'

const CAP = 500

export async function countRows(path, query = {}, cap = CAP, client = api) {
  let count = 0
  let cursor = null
  do {
    const page = await client.get(path, { ...query, limit: 100, cursor })
    count += page.items.length
    cursor = page.next_cursor
  } while (cursor && count < cap)
  return { value: count, more: Boolean(cursor) }
}

// The supervisor list has no status filter: read it once per dashboard load and count by status.
async function assignmentsWithStatus(status, client, shared) {
  shared.assignments ||= (async () => {
    const rows = []
    let cursor = null
    do {
      const page = await client.get('/admin/supervisors', { limit: 100, cursor })
      rows.push(...page.items)
      cursor = page.next_cursor
    } while (cursor && rows.length < CAP)
    return { rows, more: Boolean(cursor) }
  })()
  const { rows, more } = await shared.assignments
  return { value: rows.filter((a) => a.status === status).length, more }
}

const SUPERVISORY = [ROLE.SUPERVISOR, ROLE.CORPS_ADMIN]
const count = (path, query) => (client) => countRows(path, query, CAP, client)

// group: 'work' = the jurisdiction's supervision figures, 'system' = the corps admin's operations.
export const FIGURES = [
  { key: 'orgs_pending', label: '待审核机构', unit: '家', group: 'work', roles: SUPERVISORY, route: 'review-queue', alert: true, load: count('/orgs/review-queue') },
  { key: 'orgs_verified', label: '已核准机构', unit: '家', group: 'work', roles: SUPERVISORY, route: 'organizations', load: count('/orgs', { status: 'verified' }) },
  { key: 'projects_published', label: '公示中项目', unit: '个', group: 'work', roles: SUPERVISORY, route: 'projects', load: count('/projects', { status: 'published' }) },
  { key: 'projects_in_service', label: '服务中项目', unit: '个', group: 'work', roles: SUPERVISORY, route: 'projects', load: count('/projects', { status: 'in_service' }) },
  { key: 'on_site_now', label: '当前在岗人员', unit: '人', group: 'work', roles: SUPERVISORY, route: 'spot-checks', load: count('/supervision/live-visits') },
  { key: 'spot_checks_issued', label: '待答复抽查', unit: '次', group: 'work', roles: SUPERVISORY, route: 'spot-checks', load: count('/supervision/spot-checks', { status: 'issued' }) },
  { key: 'visits_flagged', label: '有异常提示的签到', unit: '次', group: 'work', roles: SUPERVISORY, route: 'visits', alert: true, load: count('/visits', { flagged: true }) },
  { key: 'documents_blocked', label: '未生效的结论文件', unit: '份', group: 'work', roles: SUPERVISORY, route: 'documents', alert: true, load: count('/documents', { status: 'blocked' }) },
  { key: 'feedback_disputed', label: '委托单位有异议', unit: '条', group: 'work', roles: SUPERVISORY, route: 'feedback', alert: true, load: count('/feedback', { status: 'disputed' }) },
  { key: 'inspections_overdue', label: '整改逾期的检查', unit: '次', group: 'work', roles: SUPERVISORY, route: 'inspections', alert: true, load: count('/supervision/inspections', { overdue: true }) },
  {
    key: 'supervisors_active',
    label: '已启用监督账号',
    unit: '个',
    group: 'system',
    roles: [ROLE.CORPS_ADMIN],
    route: 'supervisors',
    load: (client, shared) => assignmentsWithStatus('active', client, shared),
  },
  {
    key: 'supervisors_pending',
    label: '待激活监督账号',
    unit: '个',
    group: 'system',
    roles: [ROLE.CORPS_ADMIN],
    route: 'supervisors',
    load: (client, shared) => assignmentsWithStatus('pending', client, shared),
  },
  {
    key: 'jobs_failed',
    label: '失败的后台任务',
    unit: '个',
    group: 'system',
    roles: [ROLE.CORPS_ADMIN],
    route: 'jobs',
    alert: true,
    load: (client) => countRows('/admin/jobs', { status: 'failed' }, CAP, client),
  },
  {
    key: 'jobs_queued',
    label: '排队中的后台任务',
    unit: '个',
    group: 'system',
    roles: [ROLE.CORPS_ADMIN],
    route: 'jobs',
    load: (client) => countRows('/admin/jobs', { status: 'queued' }, CAP, client),
  },
]

export function figuresFor(me, figures = FIGURES) {
  return figures.filter((f) => canSee(f, me))
}
