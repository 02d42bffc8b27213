import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { ApiError, createClient } from '@/api/client'
import ExportButton from '@/components/ExportButton.vue'
import { useAuthStore } from '@/stores/auth'
import { exportFilters, exportSourceFor, runExport } from '@/utils/download'

import { fakeFetch, json, ME_EXPORTER, ME_HUANGPU, memoryStorage } from './helpers'

const noWait = () => Promise.resolve()

function client(...handlers) {
  const fetchImpl = fakeFetch(...handlers)
  return { fetchImpl, api: createClient({ storage: memoryStorage({ 'fire-admin.access': 'a' }), fetchImpl }) }
}

describe('runExport', () => {
  it('asks for the export with the list filters and follows the job until it is done', async () => {
    const { fetchImpl, api } = client(
      () => json(202, { id: 7, status: 'queued', progress_done: 0 }),
      () => json(200, { id: 7, status: 'running', progress_done: 100 }),
      () => json(200, { id: 7, status: 'done', progress_done: 180, rows: 180, filename: '项目-1.xlsx' }),
    )
    const seen = []
    const job = await runExport(
      { source: 'projects', filters: { status: 'in_service', org_id: '', district_code: null, limit: 20 }, format: 'xlsx' },
      { client: api, wait: noWait, onProgress: (j) => seen.push(j.progress_done) },
    )
    expect(job.rows).toBe(180)
    expect(seen).toEqual([0, 100, 180])
    expect(fetchImpl.calls[0]).toMatchObject({
      url: '/api/v1/exports',
      method: 'POST',
      body: { list: 'projects', filters: { status: 'in_service' }, format: 'xlsx' },
    })
    expect(fetchImpl.calls.slice(1).map((c) => c.url)).toEqual(['/api/v1/exports/7', '/api/v1/exports/7'])
  })

  it('turns a failed job into an error carrying its Chinese message', async () => {
    const { api } = client(
      () => json(202, { id: 8, status: 'running', progress_done: 0 }),
      () => json(200, { id: 8, status: 'failed', error: '导出失败，请重试' }),
    )
    const err = await runExport({ source: 'visits', filters: {}, format: 'csv' }, { client: api, wait: noWait }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.message).toBe('导出失败，请重试')
  })

  it('passes on the refusal of the API (no permission, other list)', async () => {
    const { api } = client(() => json(403, { code: 'forbidden', message: '您没有执行此操作的权限', details: {} }))
    const err = await runExport({ source: 'audit-logs', filters: {}, format: 'csv' }, { client: api, wait: noWait }).catch((e) => e)
    expect(err.status).toBe(403)
  })

  it('maps the pages to the server export sources', () => {
    expect(exportSourceFor('spot-checks')).toBe('spot-checks')
    expect(exportSourceFor('audit-logs')).toBe('audit-logs')
    expect(exportSourceFor('monitoring-reports')).toBe('reports')
    expect(exportSourceFor('monitoring-scores')).toBe('scores')
    expect(exportSourceFor('dashboard')).toBe('')
    expect(exportFilters({ a: 0, b: false, c: '', d: undefined })).toEqual({ a: 0, b: false })
  })
})

describe('export button', () => {
  let pinia
  let fetchImpl
  const realFetch = globalThis.fetch
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
    localStorage.setItem('fire-admin.access', 'token')
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
  })
  afterEach(() => {
    globalThis.fetch = realFetch
    localStorage.clear()
    document.body.innerHTML = ''
  })

  async function mountOn(routeName, props = {}) {
    const router = createRouter({
      history: createMemoryHistory('/admin/'),
      routes: [{ path: '/p', name: routeName, component: { template: '<div />' } }],
    })
    await router.push('/p')
    return mount(ExportButton, { props, global: { plugins: [pinia, router] }, attachTo: document.body })
  }

  it('is offered only with the export_data permission', async () => {
    useAuthStore().me = ME_HUANGPU
    expect((await mountOn('projects', { list: { currentFilters: () => ({}) } })).find('button').exists()).toBe(false)
    useAuthStore().me = ME_EXPORTER
    const wrapper = await mountOn('projects', { list: { currentFilters: () => ({}) } })
    expect(wrapper.find('[data-test="export-xlsx"]').text()).toBe('导出 Excel')
    expect(wrapper.find('[data-test="export-csv"]').text()).toBe('导出 CSV')
  })

  it('exports the page list with its current filters on the server, shows progress and downloads the file', async () => {
    useAuthStore().me = ME_EXPORTER
    let release
    const gate = new Promise((resolve) => (release = resolve))
    fetchImpl = fakeFetch(
      () => json(202, { id: 5, status: 'running', progress_done: 40 }),
      async () => {
        await gate
        return json(200, { id: 5, status: 'done', progress_done: 60, rows: 60, filename: '项目-20260101.xlsx' })
      },
      () => new Response(new Blob(['PK']), { status: 200 }),
    )
    globalThis.fetch = fetchImpl
    const clicks = []
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function () {
      clicks.push(this.download)
    })
    const wrapper = await mountOn('projects', { list: { currentFilters: () => ({ status: 'in_service', org_id: '' }) } })
    await wrapper.find('[data-test="export-xlsx"]').trigger('click')
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 900)) // the button polls every 800 ms
    expect(wrapper.find('[data-test="export-progress"]').text()).toBe('导出中，已写入 40 行')
    release()
    await new Promise((resolve) => setTimeout(resolve, 50))
    await flushPromises()
    expect(fetchImpl.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /api/v1/exports',
      'GET /api/v1/exports/5',
      'GET /api/v1/exports/5/file',
    ])
    expect(fetchImpl.calls[0].body).toEqual({ list: 'projects', filters: { status: 'in_service' }, format: 'xlsx' })
    expect(fetchImpl.calls[2].headers.Authorization).toBe('Bearer token')
    expect(clicks).toEqual(['项目-20260101.xlsx'])
    expect(wrapper.find('[data-test="export-progress"]').exists()).toBe(false)
    click.mockRestore()
  })

  it('an explicit source and CSV format go to the server as asked', async () => {
    useAuthStore().me = ME_EXPORTER
    fetchImpl = fakeFetch(
      () => json(202, { id: 6, status: 'done', progress_done: 2, rows: 2, filename: '预警-1.csv' }),
      () => new Response(new Blob(['\ufeff编号']), { status: 200 }),
    )
    globalThis.fetch = fetchImpl
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    const wrapper = await mountOn('some-page', { source: 'warnings', filters: { severity: 'high' } })
    await wrapper.find('[data-test="export-csv"]').trigger('click')
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(fetchImpl.calls[0].body).toEqual({ list: 'warnings', filters: { severity: 'high' }, format: 'csv' })
    expect(click).toHaveBeenCalledTimes(1)
    click.mockRestore()
  })
})
