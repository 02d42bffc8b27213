import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { ApiError } from '@/api/client'
import ScoreExplain from '@/components/ScoreExplain.vue'
import WarningDrawer from '@/components/WarningDrawer.vue'
import { canSee, menuFor, PAGES } from '@/pages'
import { useAuthStore } from '@/stores/auth'
import { latestTotal, trendOption } from '@/utils/stats'
import {
  changedThresholds,
  evidenceRows,
  explainScore,
  flatFieldErrors,
  formatRate,
  noteError,
  rankedRow,
  recentMonths,
  reportQuery,
  reportState,
  scoreChartOption,
  shiftMonth,
  subjectTarget,
  thresholdErrors,
  warningActions,
} from '@/views/monitoring/monitoring'
import ReportsView from '@/views/monitoring/ReportsView.vue'
import RulesView from '@/views/monitoring/RulesView.vue'
import { subjectFromQuery, timelinePath, visitDuration } from '@/views/timeline/timeline'

import { fakeFetch, json, ME_CORPS, ME_HUANGPU } from './helpers'

// Element Plus shows a form item's error after a 100 ms debounce.
const settle = async () => {
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 150))
}

const WARNING = {
  id: 4,
  rule: 'plan_items_not_done',
  rule_title: '维保计划项目未按月完成',
  rule_version: 0,
  severity: 'medium',
  subject_kind: 'project',
  subject_id: 1,
  subject_name: 'WB-310101-2026-000001',
  period_key: '2026-11',
  org_id: 1,
  practitioner_id: null,
  project_id: 1,
  district_code: '310101',
  summary: '项目WB-310101-2026-000001 2026-11维保计划应完成11项，11项未按计划完成',
  evidence: { plan_item_ids: [1, 2], work_record_ids: [] },
  status: 'open',
  status_name: '待处理',
  detected_at: '2026-11-25T23:17:00+08:00',
}

const SCORE = {
  subject_kind: 'organization',
  subject_id: 1,
  name: '上海耀安消防设施检测有限公司',
  score: 74.0,
  grade: 'C',
  factors: [
    { key: 'ratings', label: '委托单位评价', weight: 25, points: 20.0, detail: '暂无评价，按中性值计' },
    { key: 'warnings', label: '预警', weight: 20, points: 13.0, detail: '预警4条（高0、中3、低1），扣7分' },
    { key: 'penalties', label: '行政处罚与信用', weight: 20, points: 13.0, detail: '行政处罚1起，信用扣分2，共扣7分' },
    { key: 'spot_checks', label: '实时抽查', weight: 15, points: 12.0, detail: '暂无实时抽查，按中性值计' },
    { key: 'plan', label: '维保计划执行', weight: 10, points: 8.0, detail: '暂无维保计划数据，按中性值计' },
    { key: 'onsite', label: '现场执业合规', weight: 10, points: 8.0, detail: '暂无现场签到，按中性值计' },
  ],
  computed_at: '2026-11-25T23:17:32+08:00',
}

const RULE = {
  code: 'certificate_expiring',
  family: 'certificates',
  family_name: '执业证书',
  title: '执业证书即将到期',
  description: '在职从业人员的有效证书将在设定天数内到期',
  params: [{ key: 'days', label: '提前预警天数', unit: '天', minimum: 1, maximum: 180, integer: true }],
  version: 0,
  enabled: true,
  severity: 'low',
  thresholds: { days: 30 },
}

function makeRouter() {
  const blank = { template: '<div />' }
  return createRouter({
    history: createMemoryHistory('/admin/'),
    routes: ['home', 'timeline', 'documents', 'feedback', 'spot-checks', 'monitoring-reports', 'monitoring-tracking', 'monitoring-warnings'].map(
      (name) => ({ path: name === 'home' ? '/' : `/${name}`, name, component: blank }),
    ),
  })
}

let pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  localStorage.clear()
})
afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('monitoring pages in the menu', () => {
  const names = (me) => menuFor(me).flatMap((g) => g.pages.map((p) => p.name))

  it('offers supervisors and the corps admin the monitoring group and the timeline', () => {
    for (const me of [ME_HUANGPU, ME_CORPS]) {
      const seen = names(me)
      for (const page of ['monitoring-warnings', 'monitoring-tracking', 'monitoring-reports', 'monitoring-scores', 'timeline']) {
        expect(seen, page).toContain(page)
      }
      expect(menuFor(me).map((g) => g.title)).toContain('过程监控')
    }
  })

  it('offers the rule thresholds only with the manage_rules permission (the corps admin holds every permission)', () => {
    const rules = PAGES.find((p) => p.name === 'monitoring-rules')
    expect(canSee(rules, ME_CORPS)).toBe(true)
    expect(canSee(rules, ME_HUANGPU)).toBe(false)
    expect(canSee(rules, { ...ME_HUANGPU, permissions: ['manage_rules'] })).toBe(true)
  })
})

describe('warning logic', () => {
  it('offers the actions the status still allows', () => {
    expect(warningActions('open')).toEqual(['acknowledge', 'resolve', 'dismiss'])
    expect(warningActions('acknowledged')).toEqual(['resolve', 'dismiss'])
    expect(warningActions('resolved')).toEqual([])
    expect(warningActions('dismissed')).toEqual([])
    expect(warningActions('open', { supervisor: false })).toEqual(['acknowledge'])
  })

  it('requires a note to resolve or dismiss, not to acknowledge', () => {
    expect(noteError('acknowledge', '')).toBe('')
    expect(noteError('resolve', ' x ')).toMatch(/至少 2 个字/)
    expect(noteError('dismiss', '误报，已核实')).toBe('')
    expect(noteError('acknowledge', 'x'.repeat(1001))).toMatch(/1000/)
  })

  it('links each subject kind to its drawer or page', () => {
    expect(subjectTarget({ subject_kind: 'organization', subject_id: 6 })).toEqual({ kind: 'organization', id: 6 })
    expect(subjectTarget({ subject_kind: 'project', subject_id: 1 })).toEqual({ kind: 'project', id: 1 })
    expect(subjectTarget({ subject_kind: 'practitioner', subject_id: 9 }).route).toEqual({
      name: 'timeline',
      query: { kind: 'practitioner', id: 9 },
    })
    expect(subjectTarget(null)).toBeNull()
  })

  it('turns evidence ids into labelled links', () => {
    const rows = evidenceRows(WARNING)
    expect(rows.map((r) => r.label)).toEqual(['维保计划项目', '工作记录'])
    expect(rows[0].items.map((i) => i.text)).toEqual(['#1', '#2'])
    expect(rows[0].items[0].to).toEqual({ name: 'monitoring-tracking', query: { project: 1, month: '2026-11' } })
    const org = evidenceRows({ ...WARNING, evidence: { unmet: ['engineers'], event_ids: [257], months: ['2026-10'] } })
    expect(org[0].items[0].text).toBe('注册消防工程师')
    expect(org[1].items[0].to).toEqual({ name: 'timeline', query: { kind: 'organization', id: 1 } })
    expect(org[2].items[0].to).toEqual({ name: 'monitoring-reports', query: { org_id: 1, month: '2026-10' } })
    expect(evidenceRows({ evidence: { something_new: [3] } })[0]).toMatchObject({ label: 'something_new', items: [{ text: '#3', to: null }] })
  })
})

describe('reports, months and rates', () => {
  it('names a report’s state and maps the state filter to the API’s query', () => {
    expect(reportState({ status: 'compiled', late: false }).label).toBe('待提交')
    expect(reportState({ status: 'compiled', late: true }).label).toBe('待提交（已逾期）')
    expect(reportState({ status: 'submitted', late: false }).label).toBe('已提交')
    expect(reportState({ status: 'submitted', late: true })).toEqual({ label: '逾期提交', type: 'danger' })
    expect(reportQuery('late')).toEqual({ late: true })
    expect(reportQuery('submitted')).toEqual({ status: 'submitted' })
    expect(reportQuery('')).toEqual({})
  })

  it('counts months across years and never offers the future', () => {
    expect(shiftMonth('2026-01', -1)).toBe('2025-12')
    expect(shiftMonth('2026-12', 1)).toBe('2027-01')
    expect(recentMonths(3, new Date('2026-01-15T00:00:00+08:00'))).toEqual(['2026-01', '2025-12', '2025-11'])
  })

  it('formats the API’s percentages', () => {
    expect(formatRate(null)).toBe('—')
    expect(formatRate(100)).toBe('100%')
    expect(formatRate(66.7)).toBe('66.7%')
  })
})

describe('scores', () => {
  it('explains a score: the factors’ points sum to it', () => {
    const e = explainScore(SCORE)
    expect(e.total).toBe(74)
    expect(e.weight).toBe(100)
    expect(e.consistent).toBe(true)
    expect(e.factors.find((f) => f.key === 'warnings').lost).toBe(7)
    expect(explainScore({ ...SCORE, score: 80 }).consistent).toBe(false)
  })

  it('draws earned and lost points stacked per factor', () => {
    const option = scoreChartOption(SCORE)
    expect(option.yAxis.data).toHaveLength(6)
    expect(option.series[0].data).toEqual([20, 13, 13, 12, 8, 8])
    expect(option.series[1].data).toEqual([5, 7, 7, 3, 2, 2])
  })

  it("shows the server's practitioner ranking as it came", () => {
    const item = { rank: 2, practitioner_id: 7, name_masked: '张*明', org_id: 1, org_name: '甲', score: 88.5, grade: 'B', computed_at: null }
    expect(rankedRow(item)).toEqual({ id: 7, rank: 2, name: '张*明', score: 88.5, grade: 'B' })
  })

  it('renders the factor table with the sum', async () => {
    const wrapper = mount(ScoreExplain, { props: { score: SCORE }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.find('[data-test="score-value"]').text()).toBe('74')
    expect(wrapper.find('[data-test="score-grade"]').text()).toBe('C 级')
    const text = wrapper.find('[data-test="score-factors"]').text()
    expect(text).toContain('预警4条（高0、中3、低1），扣7分')
    expect(text).toContain('合计')
    expect(wrapper.text()).not.toContain('不一致')
    wrapper.unmount()
  })
})

describe('rules', () => {
  it('checks thresholds against the published ranges and sends only what changed', () => {
    expect(thresholdErrors(RULE, { days: 500 })).toEqual({ days: '须在 1～180天 之间' })
    expect(thresholdErrors(RULE, { days: 1.5 })).toEqual({ days: '须为整数' })
    expect(thresholdErrors(RULE, { days: null })).toEqual({ days: '请填写数字' })
    expect(thresholdErrors(RULE, { days: 90 })).toEqual({})
    expect(changedThresholds(RULE, { days: 90 })).toEqual({ days: 90 })
    expect(changedThresholds(RULE, { days: 30 })).toEqual({})
  })

  it('flattens the API’s nested field errors', () => {
    const err = new ApiError(422, {
      code: 'rule_threshold_invalid',
      message: '预警规则阈值有误，请检查后重试',
      details: { fields: { thresholds: { days: ['阈值须在 1～180 天之间'] }, json: { note: ['太短'] } } },
    })
    expect(flatFieldErrors(err)).toEqual({ 'thresholds.days': '阈值须在 1～180 天之间', note: '太短' })
    expect(flatFieldErrors(new Error('x'))).toEqual({})
  })
})

describe('trends and the timeline', () => {
  const TREND = {
    metric: 'visits',
    label: '现场执业（有效签到）',
    unit: '次',
    by: 'district',
    months: ['2026-10', '2026-11'],
    series: [
      { key: '310101', label: '黄浦区', values: [3, 4] },
      { key: '310104', label: '徐汇区', values: [1, null] },
    ],
  }

  it('builds a chart option per series with month labels', () => {
    const option = trendOption(TREND, { type: 'bar' })
    expect(option.xAxis.data).toEqual(['10月', '11月'])
    expect(option.series.map((s) => [s.name, s.stack])).toEqual([
      ['黄浦区', 'total'],
      ['徐汇区', 'total'],
    ])
    expect(option.legend).toBeDefined()
    expect(latestTotal(TREND)).toBe(4)
    expect(latestTotal({ months: [], series: [] })).toBeNull()
  })

  it('reads the timeline subject from the URL', () => {
    expect(subjectFromQuery({ kind: 'project', id: '12' })).toEqual({ kind: 'project', id: 12 })
    expect(subjectFromQuery({ kind: 'building', id: '1' })).toBeNull()
    expect(subjectFromQuery({ kind: 'organization', id: '1;drop' })).toBeNull()
    expect(timelinePath({ kind: 'practitioner', id: 9 })).toBe('/timeline/practitioners/9')
    expect(visitDuration(3900)).toBe('1 小时 5 分')
    expect(visitDuration(null)).toBe('—')
  })
})

describe('warning drawer', () => {
  it('shows the evidence, refuses to dismiss without a reason and acknowledges with a note', async () => {
    const fetch = fakeFetch(
      () => json(200, WARNING),
      (call) => json(200, { ...WARNING, status: 'acknowledged', status_name: '已确认', acknowledge_note: call.body.note }),
    )
    vi.stubGlobal('fetch', fetch)
    useAuthStore().me = ME_HUANGPU
    const wrapper = mount(WarningDrawer, {
      props: { warningId: 4, modelValue: true },
      global: { plugins: [pinia, makeRouter()] },
      attachTo: document.body,
    })
    await settle()
    const detail = () => document.querySelector('[data-test="warning-detail"]')
    expect(detail().textContent).toContain('维保计划项目：')
    expect(detail().textContent).toContain('#2')
    expect(fetch.calls[0].url).toBe('/api/v1/monitoring/warnings/4')

    document.querySelector('[data-test="warning-dismiss"]').click()
    await settle()
    document.querySelector('[data-test="warning-action-submit"]').click()
    await settle()
    expect(document.body.textContent).toContain('请填写处置结果或排除理由')
    expect(fetch.calls).toHaveLength(1)

    document.querySelector('.el-dialog .el-dialog__footer button').click() // cancel
    await settle()
    document.querySelector('[data-test="warning-acknowledge"]').click()
    await settle()
    const note = document.querySelector('[data-test="warning-action-form"] textarea')
    note.value = '已通知机构'
    note.dispatchEvent(new Event('input'))
    document.querySelector('[data-test="warning-action-submit"]').click()
    await settle()
    expect(fetch.calls[1]).toMatchObject({ method: 'POST', url: '/api/v1/monitoring/warnings/4/acknowledge', body: { note: '已通知机构' } })
    expect(document.querySelector('[data-test="warning-status"]').textContent).toBe('已确认')
    expect(document.querySelector('[data-test="warning-acknowledge"]')).toBeNull()
    expect(wrapper.emitted('changed')).toHaveLength(1)
    wrapper.unmount()
  })
})

describe('rules page', () => {
  it('shows the client’s and the API’s errors under the threshold field', async () => {
    const fetch = fakeFetch(
      () => json(200, [RULE]),
      () =>
        json(422, {
          code: 'rule_threshold_invalid',
          message: '预警规则阈值有误，请检查后重试',
          details: { fields: { thresholds: { days: ['阈值须在 1～180 天之间（服务器）'] } } },
        }),
    )
    vi.stubGlobal('fetch', fetch)
    useAuthStore().me = ME_CORPS
    const wrapper = mount(RulesView, { global: { plugins: [pinia, makeRouter()] }, attachTo: document.body })
    await settle()
    expect(wrapper.find('[data-test="thresholds-certificate_expiring"]').text()).toBe('提前预警天数 30天')
    await wrapper.find('[data-test="edit-certificate_expiring"]').trigger('click')
    await settle()
    const input = document.querySelector('input[name="threshold-days"]')
    input.value = '500'
    input.dispatchEvent(new Event('input'))
    input.dispatchEvent(new Event('change'))
    const note = document.querySelector('[data-test="rule-form"] textarea')
    note.value = '按新规定调整'
    note.dispatchEvent(new Event('input'))
    document.querySelector('[data-test="save-rule"]').click()
    await settle()
    expect(document.querySelector('[data-test="rule-form"]').textContent).toContain('须在 1～180天 之间')
    expect(fetch.calls).toHaveLength(1) // refused before any request

    input.value = '90'
    input.dispatchEvent(new Event('input'))
    input.dispatchEvent(new Event('change'))
    document.querySelector('[data-test="save-rule"]').click()
    await settle()
    expect(fetch.calls[1]).toMatchObject({
      method: 'PATCH',
      url: '/api/v1/monitoring/rules/certificate_expiring',
      body: { thresholds: { days: 90 }, note: '按新规定调整' },
    })
    expect(document.querySelector('[data-test="rule-form"]').textContent).toContain('阈值须在 1～180 天之间（服务器）')
    wrapper.unmount()
  })

  it('says so when the API refuses the list', async () => {
    vi.stubGlobal('fetch', fakeFetch(() => json(403, { code: 'forbidden', message: '无权执行此操作', details: {} })))
    useAuthStore().me = ME_HUANGPU
    const wrapper = mount(RulesView, { global: { plugins: [pinia, makeRouter()] } })
    await settle()
    expect(wrapper.text()).toContain('无权查看预警规则')
    expect(wrapper.find('[data-test="edit-certificate_expiring"]').exists()).toBe(false)
    wrapper.unmount()
  })
})

describe('reports page', () => {
  it('opens a report and downloads its PDF with the bearer token', async () => {
    const report = {
      id: 7,
      org_id: 1,
      org_name: '上海耀安消防设施检测有限公司',
      month: '2026-10',
      status: 'compiled',
      status_name: '待提交',
      figures: { visits: { accepted: 12, hours: 30.5 }, plan: { completion_rate: 91.7 }, plan_projects: [] },
      compiled_at: '2026-11-02T09:00:00+08:00',
      due_on: '2026-11-10',
      late: false,
      district_code: '310101',
    }
    const pdf = new Blob(['%PDF-1.7 …'], { type: 'application/pdf' })
    const fetch = fakeFetch(
      () => json(200, { items: [report], next_cursor: null }),
      () => json(200, report),
      () => new Response(pdf, { status: 200, headers: { 'Content-Type': 'application/pdf' } }),
    )
    vi.stubGlobal('fetch', fetch)
    const created = []
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => (created.push(b), 'blob:x'))
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {})
    localStorage.setItem('fire-admin.access', 'tok')
    useAuthStore().me = ME_HUANGPU
    const router = makeRouter()
    const wrapper = mount(ReportsView, { global: { plugins: [pinia, router] }, attachTo: document.body })
    await settle()
    expect(fetch.calls[0].url).toBe('/api/v1/monitoring/reports?limit=20')
    expect(wrapper.find('[data-test="reports"]').text()).toContain('待提交')
    await wrapper.find('[data-test="reports"] .el-button').trigger('click')
    await settle()
    const detail = document.querySelector('[data-test="report-detail"]')
    expect(detail.textContent).toContain('91.7%')
    expect(detail.textContent).toContain('30.5')
    document.querySelector('[data-test="report-pdf"]').click()
    await settle()
    expect(fetch.calls[2].url).toBe('/api/v1/monitoring/reports/7/pdf')
    expect(fetch.calls[2].headers.Authorization).toBe('Bearer tok')
    expect(created).toHaveLength(1)
    expect(await created[0].text()).toMatch(/^%PDF/)
    wrapper.unmount()
  })
})

describe('warnings list', () => {
  it('sends the rule, severity, subject and status filters and opens the warning named in the URL', async () => {
    // The list, the rules for the filter and the drawer's warning load concurrently: answer by path.
    const calls = []
    const fetch = async (url) => {
      calls.push({ url })
      if (url.startsWith('/api/v1/monitoring/warnings/4')) return json(200, WARNING)
      if (url.startsWith('/api/v1/monitoring/rules')) return json(200, [RULE])
      return json(200, { items: calls.length > 3 ? [] : [WARNING], next_cursor: null })
    }
    fetch.calls = calls
    vi.stubGlobal('fetch', fetch)
    useAuthStore().me = ME_HUANGPU
    const router = makeRouter()
    router.addRoute({ path: '/monitoring/warnings', name: 'warnings-page', component: { template: '<div />' } })
    await router.push('/monitoring/warnings?warning=4&severity=medium&subject_kind=project')
    const { default: WarningsView } = await import('@/views/monitoring/WarningsView.vue')
    const wrapper = mount(WarningsView, { global: { plugins: [pinia, router] }, attachTo: document.body })
    await settle()
    expect(fetch.calls[0].url).toBe('/api/v1/monitoring/warnings?severity=medium&subject_kind=project&limit=20')
    expect(fetch.calls.map((c) => c.url)).toContain('/api/v1/monitoring/warnings/4')
    expect(wrapper.find('[data-test="warnings"]').text()).toContain('维保计划项目未按月完成')
    expect(document.querySelector('[data-test="warning-detail"]').textContent).toContain('WB-310101-2026-000001')
    await wrapper.find('input[type="checkbox"]').setValue(true) // 只看未结束
    await settle()
    expect(fetch.calls.at(-1).url).toBe('/api/v1/monitoring/warnings?open_only=true&severity=medium&subject_kind=project&limit=20')
    wrapper.unmount()
  })
})

describe('timeline page', () => {
  it('drills down organisation → projects → visits → work records', async () => {
    const fetch = fakeFetch(
      () => json(200, { items: [{ id: 1, project_no: 'WB-310101-2026-000001', name: '上海博物馆消防设施维护保养', status: 'in_service', visits: 2, work_records: 3, events: 9 }], next_cursor: null }),
      () => json(200, { items: [{ id: 31, practitioner_id: 12, practitioner_name: '韩*浩', status: 'checked_out', checked_in_at: '2026-11-20T09:00:00+08:00', duration_s: 3900, face_passed: true, distance_to_fence_m: 0, work_records: 3 }], next_cursor: null }),
      () => json(200, { items: [{ id: 5, plan_item_name: '火灾报警控制器自检', result: 'normal', result_label: '正常', photos: 2, note: null, created_at: '2026-11-20T09:30:00+08:00' }], next_cursor: null }),
    )
    vi.stubGlobal('fetch', fetch)
    useAuthStore().me = ME_HUANGPU
    const router = makeRouter()
    await router.push('/timeline?kind=organization&id=1')
    const { default: TimelineView } = await import('@/views/timeline/TimelineView.vue')
    const wrapper = mount(TimelineView, { global: { plugins: [pinia, router] }, attachTo: document.body })
    await settle()
    expect(fetch.calls[0].url).toBe('/api/v1/timeline/organizations/1/projects?limit=20')
    expect(wrapper.find('[data-test="verify-chain"]').exists()).toBe(false) // the corps admin's
    await wrapper.find('[data-test="timeline-projects"] .el-button').trigger('click')
    await settle()
    expect(fetch.calls[1].url).toBe('/api/v1/timeline/projects/1/visits?limit=20')
    const visits = wrapper.find('[data-test="timeline-visits"]')
    expect(visits.text()).toContain('韩*浩')
    expect(visits.text()).toContain('1 小时 5 分')
    await visits.find('.el-table__row').trigger('click')
    await settle()
    expect(fetch.calls[2].url).toBe('/api/v1/timeline/visits/31/records?limit=20')
    expect(wrapper.find('[data-test="timeline-records"]').text()).toContain('火灾报警控制器自检')
    wrapper.unmount()
  })
})
