import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { useAuthStore } from '@/stores/auth'
import DashboardView from '@/views/DashboardView.vue'

import { json, ME_HUANGPU } from './helpers'

// The map draws on a canvas happy-dom lacks; its own behaviour is not what this file tests.
vi.mock('@/components/DistrictMap.vue', () => ({
  __esModule: true,
  default: { props: ['values', 'highlight', 'metric', 'height'], template: '<div data-test="district-map" :data-values="JSON.stringify(values)" />' },
}))

const SUMMARY = {
  figures: [
    { key: 'organizations', label: '技术服务机构', unit: '家', value: 1 },
    { key: 'practitioners', label: '从业人员', unit: '人', value: 10 },
    { key: 'projects_in_service', label: '服务中项目', unit: '个', value: 1 },
    { key: 'visits_today', label: '今日现场执业', unit: '次', value: 3 },
    { key: 'warnings_open', label: '未处理预警', unit: '条', value: 2 },
  ],
  by_district: [{ district_code: '310101', district_name: '黄浦区', value: 1 }],
  district_metric: '服务中项目',
}
const TREND = {
  metric: 'projects',
  label: '现场执业（有效签到）',
  unit: '次',
  by: 'none',
  months: ['2026-10', '2026-11'],
  series: [{ key: 'all', label: '现场执业（有效签到）', values: [5, 7] }],
}
const WARNINGS = [
  { id: 9, rule_title: '月度报表逾期未提交', severity: 'low', subject_kind: 'organization', subject_id: 1, subject_name: '上海耀安消防设施检测有限公司', district_code: '310101', status: 'open', status_name: '待处理', detected_at: '2026-11-25T23:17:00+08:00' },
  { id: 4, rule_title: '维保计划项目未按月完成', severity: 'medium', subject_kind: 'practitioner', subject_id: 12, subject_name: '韩*浩', district_code: '310101', status: 'open', status_name: '待处理', detected_at: '2026-11-25T23:16:00+08:00' },
]

/** Answers by path (the dashboard's requests run concurrently, in no fixed order). */
function routedFetch(routes) {
  const calls = []
  const fn = async (url) => {
    calls.push(url)
    const path = url.replace(/^\/api\/v1/, '').split('?')[0]
    const handler = routes[path]
    if (handler) return handler(url)
    return json(200, { items: [], next_cursor: null })
  }
  fn.calls = calls
  return fn
}

function makeRouter() {
  const blank = { template: '<div />' }
  const names = ['dashboard', 'timeline', 'monitoring-warnings', 'review-queue', 'organizations', 'projects', 'spot-checks', 'visits', 'documents', 'feedback', 'inspections']
  return createRouter({ history: createMemoryHistory('/admin/'), routes: names.map((name) => ({ path: `/${name}`, name, component: blank })) })
}

let pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('dashboard', () => {
  it('shows the jurisdiction’s figures, the monthly trend and the latest warnings linking to their subjects', async () => {
    const fetch = routedFetch({
      '/stats/summary': () => json(200, SUMMARY),
      '/stats/trends': () => json(200, TREND),
      '/monitoring/warnings': () => json(200, { items: WARNINGS, next_cursor: null }),
      '/jurisdictions': () => json(200, [{ code: '310101', name: '黄浦区消防救援支队', kind: 'district' }]),
      '/orgs/1': () => json(200, { id: 1, name: '上海耀安消防设施检测有限公司', status: 'verified' }),
    })
    vi.stubGlobal('fetch', fetch)
    useAuthStore().me = ME_HUANGPU
    const router = makeRouter()
    await router.push('/dashboard')
    const wrapper = mount(DashboardView, { global: { plugins: [pinia, router] }, attachTo: document.body })
    await flushPromises()
    await new Promise((r) => setTimeout(r, 50))
    await flushPromises()

    const figures = wrapper.find('[data-test="stats-figures"]').text()
    for (const label of ['技术服务机构', '从业人员', '服务中项目', '今日现场执业', '未处理预警']) expect(figures).toContain(label)
    expect(wrapper.find('[data-test="district-map"]').attributes('data-values')).toBe('{"310101":1}')

    expect(fetch.calls).toContain('/api/v1/stats/trends?metric=projects&months=12&by=none')
    expect(wrapper.find('[data-test="trend-latest"]').text()).toBe('7')

    expect(fetch.calls).toContain('/api/v1/monitoring/warnings?open_only=true&limit=8')
    const latest = wrapper.find('[data-test="latest-warnings"]').text()
    expect(latest).toContain('月度报表逾期未提交')
    expect(latest).toContain('韩*浩') // exactly as the API returned it (masked)

    // The drawer's code loads on the first click, then it reads the organisation.
    await wrapper.find('[data-test="latest-subject-9"]').trigger('click')
    await vi.waitFor(() => expect(fetch.calls).toContain('/api/v1/orgs/1'), { timeout: 5000 })
    await wrapper.find('[data-test="latest-subject-4"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('timeline')
    expect(router.currentRoute.value.query).toEqual({ kind: 'practitioner', id: '12' })
    wrapper.unmount()
  })

  it('says when the warnings cannot be read, keeping the rest of the page', async () => {
    vi.stubGlobal(
      'fetch',
      routedFetch({
        '/stats/summary': () => json(200, SUMMARY),
        '/stats/trends': () => json(200, TREND),
        '/monitoring/warnings': () => json(500, { code: 'internal_error', message: '系统繁忙，请稍后再试', details: {} }),
      }),
    )
    useAuthStore().me = ME_HUANGPU
    const router = makeRouter()
    await router.push('/dashboard')
    const wrapper = mount(DashboardView, { global: { plugins: [pinia, router] } })
    await flushPromises()
    await new Promise((r) => setTimeout(r, 50))
    await flushPromises()
    expect(wrapper.text()).toContain('预警加载失败：系统繁忙，请稍后再试')
    expect(wrapper.find('[data-test="stats-figures"]').exists()).toBe(true)
    wrapper.unmount()
  })
})
