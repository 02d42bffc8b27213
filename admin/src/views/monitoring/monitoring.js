// Labels and small rules shared by the monitoring pages (预警、维保跟踪、月度报表、画像评分、规则阈值).
// The API validates every value; these are for people and for the forms' own first check.

export const SEVERITIES = [
  { value: 'high', label: '高', type: 'danger' },
  { value: 'medium', label: '中', type: 'warning' },
  { value: 'low', label: '低', type: 'info' },
]

export const WARNING_STATUSES = [
  { value: 'open', label: '待处理', type: 'danger' },
  { value: 'acknowledged', label: '已确认', type: 'warning' },
  { value: 'resolved', label: '已处置', type: 'success' },
  { value: 'dismissed', label: '已排除', type: 'info' },
]

export const SUBJECT_KINDS = [
  { value: 'organization', label: '机构' },
  { value: 'practitioner', label: '从业人员' },
  { value: 'project', label: '项目' },
]

export const REPORT_STATES = [
  { value: 'compiled', label: '待提交' },
  { value: 'submitted', label: '已提交' },
  { value: 'late', label: '逾期提交' },
]

export const ITEM_STATUSES = {
  done: { label: '完成', type: 'success' },
  partial: { label: '部分完成', type: 'warning' },
  not_done: { label: '未做', type: 'danger' },
  outside_window: { label: '仅容许期外', type: 'warning' },
}

export const FREQUENCIES = { daily: '每日', weekly: '每周', monthly: '每月', quarterly: '每季度', half_yearly: '每半年', yearly: '每年' }

const find = (options, value) => options.find((o) => o.value === value)
export const severityOf = (value) => find(SEVERITIES, value) || { value, label: value || '—', type: 'info' }
export const statusOf = (value) => find(WARNING_STATUSES, value) || { value, label: value || '—', type: 'info' }
export const subjectKindLabel = (value) => find(SUBJECT_KINDS, value)?.label || value || '—'

/** Which workflow actions a warning's status still allows (the API enforces the same). */
export function warningActions(status, { supervisor = true } = {}) {
  if (status === 'open') return supervisor ? ['acknowledge', 'resolve', 'dismiss'] : ['acknowledge']
  if (status === 'acknowledged') return supervisor ? ['resolve', 'dismiss'] : []
  return []
}

export const ACTIONS = {
  acknowledge: { label: '确认', title: '确认预警', noteRequired: false, done: '预警已确认' },
  resolve: { label: '处置完毕', title: '处置完毕，关闭预警', noteRequired: true, done: '预警已处置' },
  dismiss: { label: '排除', title: '经核查排除（误报）', noteRequired: true, done: '预警已排除' },
}

/** The note a workflow action needs: resolve and dismiss require 2–1000 characters, acknowledge is optional. */
export function noteError(action, note) {
  const text = (note || '').trim()
  if (ACTIONS[action]?.noteRequired && text.length < 2) return '请填写处置结果或排除理由（至少 2 个字）'
  if (text.length > 1000) return '说明不能超过 1000 个字'
  return ''
}

/** Where a warning's subject opens: an organisation or project drawer, or a practitioner's timeline. */
export function subjectTarget(w) {
  if (!w) return null
  if (w.subject_kind === 'organization') return { kind: 'organization', id: w.subject_id }
  if (w.subject_kind === 'project') return { kind: 'project', id: w.subject_id }
  if (w.subject_kind === 'practitioner') {
    return { kind: 'practitioner', id: w.subject_id, route: { name: 'timeline', query: { kind: 'practitioner', id: w.subject_id } } }
  }
  return null
}

const EVIDENCE = {
  visit_ids: { label: '现场签到', kind: 'visit' },
  work_record_ids: { label: '工作记录', kind: 'record' },
  document_ids: { label: '书面结论文件', kind: 'document' },
  feedback_ids: { label: '委托单位反馈', kind: 'feedback' },
  spot_check_ids: { label: '实时抽查', kind: 'spot_check' },
  certificate_ids: { label: '证书', kind: 'certificate' },
  plan_item_ids: { label: '维保计划项目', kind: 'plan_item' },
  report_ids: { label: '月度报表', kind: 'report' },
  event_ids: { label: '时间线事件', kind: 'event' },
  months: { label: '月份', kind: 'month' },
  unmet: { label: '未满足的条件', kind: 'condition' },
}

const CONDITIONS = {
  engineers: '注册消防工程师',
  operators: '消防设施操作员',
  equipment: '设备',
  premises: '办公场所',
  technical_lead: '技术负责人',
}

/**
 * A warning's evidence as rows of links: what each id is and where it opens. Known kinds link to the page
 * that shows them (filtered to the warning's project or organisation); unknown keys are shown as they are.
 */
export function evidenceRows(w) {
  const rows = []
  for (const [key, raw] of Object.entries(w?.evidence || {})) {
    const values = [].concat(raw ?? [])
    const known = EVIDENCE[key]
    const label = known?.label || key
    const items = values.map((v) => {
      const text = key === 'unmet' ? CONDITIONS[v] || v : known?.kind === 'month' ? v : `#${v}`
      return { text, value: v, to: evidenceRoute(known?.kind, v, w) }
    })
    rows.push({ key, label, items })
  }
  return rows
}

function evidenceRoute(kind, value, w) {
  switch (kind) {
    case 'visit':
    case 'record':
      return w.project_id ? { name: 'timeline', query: { kind: 'project', id: w.project_id, tab: 'visits' } } : null
    case 'document':
      return { name: 'documents', query: w.project_id ? { project_id: w.project_id } : {} }
    case 'feedback':
      return { name: 'feedback', query: w.project_id ? { project_id: w.project_id } : {} }
    case 'spot_check':
      return { name: 'spot-checks' }
    case 'report':
      return { name: 'monitoring-reports', query: { report: value } }
    case 'plan_item':
      return w.project_id ? { name: 'monitoring-tracking', query: { project: w.project_id, month: w.period_key?.slice(0, 7) } } : null
    case 'month':
      return w.org_id ? { name: 'monitoring-reports', query: { org_id: w.org_id, month: value } } : null
    case 'event':
    case 'certificate':
    case 'condition':
      return w.org_id ? { name: 'timeline', query: { kind: 'organization', id: w.org_id } } : null
    default:
      return null
  }
}

// --- months -----------------------------------------------------------------------------------------------

/** "YYYY-MM" of a date in Shanghai. */
export function monthOf(date = new Date()) {
  return date.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 7)
}

export function shiftMonth(month, delta) {
  const [y, m] = month.split('-').map(Number)
  const index = y * 12 + (m - 1) + delta
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

/** The last `count` months, newest first (for month pickers that must not offer the future). */
export function recentMonths(count = 12, now = new Date()) {
  const current = monthOf(now)
  return Array.from({ length: count }, (_, i) => shiftMonth(current, -i))
}

// --- reports ----------------------------------------------------------------------------------------------

/** compiled / submitted / late, as the list shows it (a report submitted after its due day is late). */
export function reportState(r) {
  if (r.status === 'submitted') return r.late ? { label: '逾期提交', type: 'danger' } : { label: '已提交', type: 'success' }
  return r.late ? { label: '待提交（已逾期）', type: 'danger' } : { label: '待提交', type: 'warning' }
}

/** List filters for the report state select: "late" is a flag of its own in the API. */
export function reportQuery(state) {
  if (state === 'late') return { late: true }
  if (state) return { status: state }
  return {}
}

export const REPORT_SECTIONS = [
  { key: 'projects', title: '项目', fields: { active: '在服务', new: '新登记', maintenance: '维保', testing: '检测', assessment: '评估', concluded: '完结' } },
  { key: 'visits', title: '现场执业', fields: { accepted: '有效签到', refused: '被拒签到', flagged: '异常提示', practitioners: '到场人数', hours: '在场时长（小时）' } },
  { key: 'plan', title: '维保计划', fields: { projects: '项目数', due: '应做', done: '已做', not_done: '未完成', outside_window: '容许期外', completion_rate: '完成率' } },
  { key: 'defects', title: '故障隐患', fields: { found: '发现', fixed: '已整改', open_at_end: '月末未整改' } },
  { key: 'documents', title: '书面结论文件', fields: { effective: '已生效', blocked: '未生效' } },
  { key: 'feedback', title: '委托单位反馈', fields: { sent: '发出', confirmed: '确认', disputed: '有异议', average_rating: '平均评分' } },
  { key: 'warnings', title: '预警', fields: { raised: '新增预警' } },
]

/** The API's completion rates are percentages (0–100, one decimal) or null when nothing was due. */
export function formatRate(value) {
  if (value === null || value === undefined) return '—'
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`
}

// --- scores -----------------------------------------------------------------------------------------------

export const GRADE_TYPES = { A: 'success', B: 'primary', C: 'warning', D: 'danger' }

/** Each factor's share of the score: points / weight, and the points lost. The points sum to the score. */
export function explainScore(score) {
  const factors = (score?.factors || []).map((f) => ({
    ...f,
    lost: Math.max(0, Math.round((f.weight - f.points) * 100) / 100),
    ratio: f.weight ? f.points / f.weight : 0,
  }))
  const total = Math.round(factors.reduce((sum, f) => sum + f.points, 0) * 100) / 100
  const weight = factors.reduce((sum, f) => sum + f.weight, 0)
  return { factors, total, weight, consistent: Math.abs(total - (score?.score ?? 0)) < 0.01 }
}

/** A stacked bar option: what each factor earned and what it lost, out of its weight. */
export function scoreChartOption(score) {
  const { factors } = explainScore(score)
  const labels = factors.map((f) => f.label)
  return {
    grid: { left: 110, right: 30, top: 30, bottom: 20 },
    legend: { data: ['得分', '扣减'], top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', name: '分', max: Math.max(...factors.map((f) => f.weight), 1) },
    yAxis: { type: 'category', data: labels, inverse: true },
    series: [
      { name: '得分', type: 'bar', stack: 'score', data: factors.map((f) => f.points), itemStyle: { color: '#409eff' }, label: { show: true, position: 'inside' } },
      { name: '扣减', type: 'bar', stack: 'score', data: factors.map((f) => f.lost), itemStyle: { color: '#f3d19e' } },
    ],
  }
}

// --- rules ------------------------------------------------------------------------------------------------

/** The form's own check of a rule's thresholds against the ranges the API publishes in params. */
export function thresholdErrors(rule, values) {
  const errors = {}
  for (const p of rule?.params || []) {
    const v = values[p.key]
    if (v === null || v === undefined || v === '' || Number.isNaN(Number(v))) {
      errors[p.key] = '请填写数字'
      continue
    }
    const n = Number(v)
    if (p.integer && !Number.isInteger(n)) errors[p.key] = '须为整数'
    else if ((p.minimum !== undefined && p.minimum !== null && n < p.minimum) || (p.maximum !== undefined && p.maximum !== null && n > p.maximum)) {
      errors[p.key] = `须在 ${p.minimum}～${p.maximum}${p.unit || ''} 之间`
    }
  }
  return errors
}

/** Only what changed, as the PATCH body wants it. */
export function changedThresholds(rule, values) {
  const out = {}
  for (const p of rule?.params || []) {
    const n = Number(values[p.key])
    if (n !== rule.thresholds?.[p.key]) out[p.key] = n
  }
  return out
}

/**
 * The API's nested field errors flattened to "path -> message": {thresholds: {days: ['…']}} gives
 * {'thresholds.days': '…'}; flask-smorest's {json: {note: [...]}} gives {note: '…'}.
 */
export function flatFieldErrors(err) {
  const out = {}
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      const texts = node.filter((t) => typeof t === 'string')
      if (texts.length) out[path] = texts.join('；')
      return
    }
    if (typeof node === 'string') {
      out[path] = node
      return
    }
    if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, path && path !== 'json' ? `${path}.${k}` : k)
    }
  }
  walk(err?.details?.fields, '')
  return out
}

// --- files ------------------------------------------------------------------------------------------------

/**
 * Save a file that needs the bearer token (a plain link would arrive without it): fetched through the
 * authenticated client, then handed to the browser as a download with a readable name.
 */
export async function saveProtectedFile(client, path, filename) {
  const blob = await client.blob(path)
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60000)
  return blob
}

/** A row of the server's practitioner ranking as the scores page shows it (names as the API returned them). */
export function rankedRow(item) {
  return { id: item.practitioner_id, rank: item.rank, name: item.name_masked, score: item.score, grade: item.grade }
}
