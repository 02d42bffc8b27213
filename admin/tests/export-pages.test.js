// The maintenance-plan and defects pages (移动执业): states, filters and what they ask the API.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { useAuthStore } from '@/stores/auth'
import DefectsView from '@/views/projects/DefectsView.vue'
import PlanView from '@/views/projects/PlanView.vue'

import { json, ME_HUANGPU } from './helpers'

const PROJECTS = { items: [{ id: 5, project_no: 'WB-310101-2026-000001', name: '上海博物馆消防设施维护保养' }], next_cursor: null }
const CATALOGUE = { systems: [{ code: 'water_supply', name: '消防供水设施' }] }
const PLAN = {
  id: 1,
  project_id: 5,
  catalogue_version: 'GB25201-2026.1',
  start_month: '2026-09',
  end_month: '2026-10',
  tolerance_days: 7,
  items: [
    { id: 11, system_code: 'water_supply', item_code: 'pump_manual_start', name: '消防水泵手动启动运转', frequency: 'monthly', frequency_name: '每月', clause: 'GB 50974', months: ['2026-09', '2026-10'], enabled: true },
    { id: 12, system_code: 'water_supply', item_code: 'pump_flow', name: '消防水泵出流量和压力试验', frequency: 'quarterly', frequency_name: '每季度', clause: null, months: ['2026-10'], enabled: false },
  ],
}
const CHECKLIST = {
  project_id: 5,
  month: '2026-10',
  tolerance_days: 7,
  window_start: '2026-09-24',
  window_end: '2026-11-07',
  summary: { due: 1, done: 0, not_done: 1, overdue: 1 },
  entries: [{ item: PLAN.items[0], required: 1, done: 0, status: 'not_done', flagged: false, overdue: true, record_ids: [] }],
}
const DEFECTS = [
  { id: 1, project_id: 5, system_code: 'water_supply', severity: 'serious', severity_name: '严重', description: '水泵出水压力不足', status: 'closed', created_at: '2026-10-10T09:00:00+08:00', closed_at: '2026-10-13T09:00:00+08:00', repairs: [{ id: 3, description: '更换叶轮', photo_file_ids: [7], created_at: '2026-10-12T09:00:00+08:00', verified_at: '2026-10-13T09:00:00+08:00', verdict: 'approved' }] },
  { id: 2, project_id: 5, system_code: null, severity: 'general', severity_name: '一般', description: '应急照明灯不亮', status: 'open', created_at: '2026-10-11T09:00:00+08:00', closed_at: null, repairs: [] },
]

/** A fetch double answering by path; records every URL asked. */
function routes(table) {
  const calls = []
  const fn = async (url) => {
    calls.push(url)
    const path = url.replace('/api/v1', '')
    for (const [prefix, answer] of table) if (path.startsWith(prefix)) return typeof answer === 'function' ? answer(path) : answer()
    throw new Error(`unexpected ${url}`)
  }
  fn.calls = calls
  return fn
}

let pinia
const realFetch = globalThis.fetch
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = ME_HUANGPU
  localStorage.setItem('fire-admin.access', 'token')
})
afterEach(() => {
  globalThis.fetch = realFetch
  localStorage.clear()
  document.body.innerHTML = ''
})

async function mountAt(component, url) {
  const router = createRouter({
    history: createMemoryHistory('/admin/'),
    routes: [
      { path: '/projects/plans', name: 'plans', component },
      { path: '/projects/defects', name: 'defects', component },
    ],
  })
  await router.push(url)
  const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [pinia, router] }, attachTo: document.body })
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 20))
  await flushPromises()
  return { wrapper, router }
}

describe('maintenance plan page', () => {
  it('asks for a project first', async () => {
    globalThis.fetch = routes([
      ['/projects?', () => json(200, PROJECTS)],
      ['/catalogue', () => json(200, CATALOGUE)],
    ])
    const { wrapper } = await mountAt(PlanView, '/projects/plans')
    expect(wrapper.text()).toContain('选择一个维护保养项目查看其维保计划')
    expect(globalThis.fetch.calls.some((u) => u.includes('service_type=maintenance'))).toBe(true)
  })

  it("shows a project's plan items and the checklist of the current month in the plan", async () => {
    globalThis.fetch = routes([
      ['/projects?', () => json(200, PROJECTS)],
      ['/catalogue', () => json(200, CATALOGUE)],
      ['/projects/5/plan/checklist', () => json(200, CHECKLIST)],
      ['/projects/5/plan', () => json(200, PLAN)],
    ])
    const { wrapper } = await mountAt(PlanView, '/projects/plans?project=5')
    const items = wrapper.find('[data-test="plan-items"]').text()
    expect(items).toContain('消防水泵手动启动运转')
    expect(items).toContain('消防供水设施')
    expect(items).toContain('停用')
    expect(wrapper.find('[data-test="plan-summary"]').text()).toContain('1 / 2 项启用')
    const asked = globalThis.fetch.calls.find((u) => u.includes('/plan/checklist'))
    expect(asked).toMatch(/month=2026-(09|10)/)
    expect(wrapper.find('[data-test="checklist"]').text()).toContain('已逾期')
    expect(wrapper.find('[data-test="checklist-window"]').text()).toContain('应做 1 项')
  })

  it('says when the project has no plan, and when the API refuses', async () => {
    globalThis.fetch = routes([
      ['/projects?', () => json(200, PROJECTS)],
      ['/catalogue', () => json(200, CATALOGUE)],
      ['/projects/5/plan', () => json(404, { code: 'plan_not_found', message: '该项目尚未制定维保计划', details: {} })],
      ['/projects/6/plan', () => json(403, { code: 'out_of_jurisdiction', message: '该数据不在您的管辖范围内', details: {} })],
    ])
    let { wrapper } = await mountAt(PlanView, '/projects/plans?project=5')
    expect(wrapper.find('[data-test="plan-absent"]').text()).toContain('该项目尚未制定维保计划')
    wrapper.unmount()
    ;({ wrapper } = await mountAt(PlanView, '/projects/plans?project=6'))
    expect(wrapper.text()).toContain('无权查看该项目的维保计划')
    expect(wrapper.text()).toContain('该数据不在您的管辖范围内')
  })
})

describe('defects page', () => {
  it('lists defects with their repairs and filters by status through the API', async () => {
    globalThis.fetch = routes([
      ['/projects?', () => json(200, PROJECTS)],
      ['/catalogue', () => json(200, CATALOGUE)],
      ['/projects/5/defects', (path) => json(200, path.includes('status=open') ? DEFECTS.filter((d) => d.status === 'open') : DEFECTS)],
    ])
    const { wrapper, router } = await mountAt(DefectsView, '/projects/defects?project=5')
    const table = wrapper.find('[data-test="defects"]')
    expect(table.text()).toContain('水泵出水压力不足')
    expect(table.text()).toContain('已关闭')
    expect(table.text()).toContain('待维修')

    const open = wrapper.findAll('[data-test="defect-status"] label').find((l) => l.text() === '待维修')
    await open.find('input').setValue(true)
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(globalThis.fetch.calls.at(-1)).toContain('/projects/5/defects?status=open')
    expect(router.currentRoute.value.query).toMatchObject({ project: '5', status: 'open' })
    expect(wrapper.find('[data-test="defects"]').text()).not.toContain('水泵出水压力不足')
  })

  it('shows a refusal', async () => {
    globalThis.fetch = routes([
      ['/projects?', () => json(200, PROJECTS)],
      ['/catalogue', () => json(200, CATALOGUE)],
      ['/projects/9/defects', () => json(403, { code: 'out_of_jurisdiction', message: '该数据不在您的管辖范围内', details: {} })],
    ])
    const { wrapper } = await mountAt(DefectsView, '/projects/defects?project=9')
    expect(wrapper.text()).toContain('无权查看该项目的故障隐患')
  })
})
