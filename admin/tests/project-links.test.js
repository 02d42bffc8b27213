// Documents and feedback opened from a link (a warning's evidence, a project) are filtered to that project,
// and the filter can be cleared.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import ElementPlus from 'element-plus'

import { useAuthStore } from '@/stores/auth'
import DocumentsView from '@/views/projects/DocumentsView.vue'
import FeedbackView from '@/views/projects/FeedbackView.vue'

import { json, ME_HUANGPU } from './helpers'

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
  const calls = []
  globalThis.fetch = async (asked) => {
    calls.push(asked)
    return json(200, { items: [], next_cursor: null })
  }
  const router = createRouter({ history: createMemoryHistory('/admin/'), routes: [{ path: '/page', component }] })
  await router.push(url)
  const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [pinia, router, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, calls }
}

describe.each([
  ['documents', DocumentsView, '/documents'],
  ['feedback', FeedbackView, '/feedback'],
])('%s opened for a project', (_, component, endpoint) => {
  it('asks the API for that project only, and shows the filter', async () => {
    const { wrapper, calls } = await mountAt(component, '/page?project_id=7')
    const listed = calls.filter((u) => u.includes(`/api/v1${endpoint}?`))
    expect(listed.at(-1)).toContain('project_id=7')
    expect(wrapper.find('.filter-project').text()).toContain('项目 #7')
  })

  it('ignores a project id that is not a number, and lists everything', async () => {
    const { wrapper, calls } = await mountAt(component, '/page?project_id=abc')
    expect(calls.filter((u) => u.includes(`/api/v1${endpoint}?`)).at(-1)).not.toContain('project_id')
    expect(wrapper.find('.filter-project').exists()).toBe(false)
  })
})
