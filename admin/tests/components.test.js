import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import ExportButton from '@/components/ExportButton.vue'
import ReasonsDialog from '@/components/ReasonsDialog.vue'
import { useAuthStore } from '@/stores/auth'
import { useReferenceStore } from '@/stores/reference'
import LoginView from '@/views/LoginView.vue'
import SupervisorsView from '@/views/corps/SupervisorsView.vue'

import { fakeFetch, json, ME_CORPS, ME_EXPORTER, ME_HUANGPU } from './helpers'

const JURISDICTIONS = [
  { code: 'corps', name: '上海市消防救援总队', kind: 'corps' },
  { code: '310101', name: '黄浦区消防救援支队', kind: 'district' },
  { code: '310106', name: '静安区消防救援支队', kind: 'district' },
]

// Element Plus shows a form item's error after a 100 ms debounce.
const settle = async () => {
  await flushPromises()
  await new Promise((resolve) => setTimeout(resolve, 150))
}

function makeRouter() {
  const blank = { template: '<div />' }
  return createRouter({
    history: createMemoryHistory('/admin/'),
    routes: [
      { path: '/login', name: 'login', component: blank },
      { path: '/', name: 'home', component: blank },
      { path: '/corps/jobs', name: 'jobs', component: blank },
    ],
  })
}

let pinia
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  localStorage.clear()
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
  document.body.innerHTML = ''
})

describe('login page', () => {
  it('refuses to send a code to a malformed phone number without calling the API', async () => {
    const fetch = fakeFetch()
    vi.stubGlobal('fetch', fetch)
    const router = makeRouter()
    const wrapper = mount(LoginView, { global: { plugins: [pinia, router] } })
    await wrapper.find('input[name="phone"]').setValue('1390000')
    await wrapper.find('[data-test="send-code"]').trigger('click')
    await settle()
    expect(wrapper.text()).toContain('请输入11位中国大陆手机号')
    expect(fetch.calls).toHaveLength(0)
  })

  it('asks for a code, counts down, logs in and follows the redirect', async () => {
    const fetch = fakeFetch(
      () => json(202, { expires_in: 300, resend_after: 60 }),
      () => json(200, { access_token: 'a', refresh_token: 'r', expires_in: 1800 }),
      () => json(200, ME_CORPS),
    )
    vi.stubGlobal('fetch', fetch)
    const router = makeRouter()
    await router.push('/login?redirect=/corps/jobs')
    const wrapper = mount(LoginView, { global: { plugins: [pinia, router] } })
    await wrapper.find('input[name="phone"]').setValue('13900000001')
    await wrapper.find('[data-test="send-code"]').trigger('click')
    await flushPromises()
    expect(fetch.calls[0].body).toEqual({ phone: '13900000001', purpose: 'login' })
    expect(wrapper.find('[data-test="send-code"]').text()).toBe('60 秒后重发')
    expect(wrapper.find('[data-test="send-code"]').attributes('disabled')).toBeDefined()
    await wrapper.find('input[name="code"]').setValue('123456')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(fetch.calls[1].body).toEqual({ phone: '13900000001', code: '123456' })
    expect(useAuthStore().me.id).toBe(1)
    expect(router.currentRoute.value.fullPath).toBe('/corps/jobs')
    wrapper.unmount()
  })

  it('shows the backend message and waits out the resend interval it names', async () => {
    vi.stubGlobal(
      'fetch',
      fakeFetch(() =>
        json(429, { code: 'sms_too_frequent', message: '验证码发送过于频繁，请60秒后再试', details: { retry_after: 42 } }),
      ),
    )
    const wrapper = mount(LoginView, { global: { plugins: [pinia, makeRouter()] } })
    await wrapper.find('input[name="phone"]').setValue('13900000001')
    await wrapper.find('[data-test="send-code"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('验证码发送过于频繁，请60秒后再试')
    expect(wrapper.find('[data-test="send-code"]').text()).toBe('42 秒后重发')
    wrapper.unmount()
  })

  it('tells the user the session expired', async () => {
    const router = makeRouter()
    await router.push('/login?expired=1')
    const wrapper = mount(LoginView, { global: { plugins: [pinia, router] } })
    expect(wrapper.text()).toContain('登录已过期，请重新登录')
  })
})

describe('supervisor accounts page', () => {
  const page = {
    items: [
      {
        id: 5,
        phone_masked: '139****0002',
        name: '黄浦支队 王监督',
        role: 'supervisor',
        jurisdiction: '310101',
        permissions: ['read_personal_data'],
        status: 'active',
        created_at: '2026-11-25T02:00:00+00:00',
        activated_at: '2026-11-25T02:10:00+00:00',
      },
    ],
    next_cursor: 'abc',
  }

  async function mountPage(...handlers) {
    const fetch = fakeFetch(() => json(200, page), ...handlers)
    vi.stubGlobal('fetch', fetch)
    const reference = useReferenceStore()
    reference.jurisdictions = JURISDICTIONS
    reference.loaded = true
    useAuthStore().me = ME_CORPS
    const wrapper = mount(SupervisorsView, { global: { plugins: [pinia, makeRouter()] }, attachTo: document.body })
    await flushPromises()
    return { wrapper, fetch }
  }

  it('lists accounts with masked phones and jurisdiction names and pages by cursor', async () => {
    const { wrapper, fetch } = await mountPage(() => json(200, { items: [], next_cursor: null }))
    const text = wrapper.find('[data-test="supervisors"]').text()
    expect(text).toContain('139****0002')
    expect(text).not.toContain('13900000002')
    expect(text).toContain('黄浦区消防救援支队')
    expect(text).toContain('查看未脱敏的身份证号和手机号')
    expect(fetch.calls[0].url).toBe('/api/v1/admin/supervisors?limit=20')
    const next = wrapper.findAll('.keyset-pager button').at(1)
    await next.trigger('click')
    await flushPromises()
    expect(fetch.calls[1].url).toBe('/api/v1/admin/supervisors?limit=20&cursor=abc')
    wrapper.unmount()
  })

  it('creates an account with phone, jurisdiction and permission flags', async () => {
    const created = { ...page.items[0], id: 6, name: '静安支队 周监督', jurisdiction: '310106', status: 'pending' }
    const { wrapper, fetch } = await mountPage(
      () => json(201, created),
      () => json(200, { items: [created, ...page.items], next_cursor: null }),
    )
    await wrapper.find('[data-test="create-supervisor"]').trigger('click')
    await flushPromises()
    const form = document.querySelector('[data-test="supervisor-form"]')
    const setInput = async (name, value) => {
      const input = form.querySelector(`input[name="${name}"]`)
      input.value = value
      input.dispatchEvent(new Event('input'))
      await flushPromises()
    }
    await setInput('phone', '13900000009')
    await setInput('name', '静安支队 周监督')
    // The select and checkboxes are Element Plus widgets: drive the component state they bind to.
    const view = wrapper.vm.$.setupState
    view.form.jurisdiction = '310106'
    view.form.permissions = ['export_data']
    await flushPromises()
    document.querySelector('[data-test="save-supervisor"]').click()
    await flushPromises()
    expect(fetch.calls[1]).toMatchObject({
      method: 'POST',
      url: '/api/v1/admin/supervisors',
      body: { phone: '13900000009', name: '静安支队 周监督', role: 'supervisor', jurisdiction: '310106', permissions: ['export_data'] },
    })
    expect(fetch.calls[2].url).toBe('/api/v1/admin/supervisors?limit=20')
    wrapper.unmount()
  })

  it('shows field errors from the API under the inputs', async () => {
    const { wrapper } = await mountPage(() =>
      json(409, { code: 'supervisor_exists', message: '该手机号已分配监督管理账号', details: { fields: { phone: ['该手机号已分配监督管理账号'] } } }),
    )
    await wrapper.find('[data-test="create-supervisor"]').trigger('click')
    await flushPromises()
    const view = wrapper.vm.$.setupState
    Object.assign(view.form, { phone: '13900000002', name: '重复', jurisdiction: '310101' })
    await flushPromises()
    document.querySelector('[data-test="save-supervisor"]').click()
    await settle()
    expect(document.querySelector('[data-test="supervisor-form"]').textContent).toContain('该手机号已分配监督管理账号')
    wrapper.unmount()
  })
})

describe('export button', () => {
  const list = { collectAll: vi.fn() }
  const columns = [{ label: '姓名', value: (r) => r.name }]

  it('is offered only with the export_data permission', () => {
    useAuthStore().me = ME_HUANGPU
    expect(mount(ExportButton, { props: { list, columns, filename: 'x' }, global: { plugins: [pinia] } }).find('button').exists()).toBe(false)
    useAuthStore().me = ME_EXPORTER
    expect(mount(ExportButton, { props: { list, columns, filename: 'x' }, global: { plugins: [pinia] } }).find('button').exists()).toBe(true)
  })
})

describe('reasons dialog', () => {
  it('requires a reason and sends ticked presets plus one reason per line', async () => {
    const wrapper = mount(ReasonsDialog, {
      props: { modelValue: true, title: '退回登记申请', presets: ['工作场所建筑面积不符合要求', '仪器设备不全或检定/校准已过期'] },
      global: { plugins: [pinia] },
      attachTo: document.body,
    })
    await flushPromises()
    document.querySelector('[data-test="confirm-reasons"]').click()
    await settle()
    expect(document.querySelector('[data-test="reasons-form"]').textContent).toContain('请至少选择或填写一条理由')
    expect(wrapper.emitted('confirm')).toBeUndefined()

    const view = wrapper.vm.$.setupState
    view.picked = ['工作场所建筑面积不符合要求']
    view.text = '  请补充租赁合同 \n\n营业执照副本不清晰'
    await flushPromises()
    document.querySelector('[data-test="confirm-reasons"]').click()
    await flushPromises()
    expect(wrapper.emitted('confirm')[0][0]).toEqual(['工作场所建筑面积不符合要求', '请补充租赁合同', '营业执照副本不清晰'])
    wrapper.unmount()
  })

  it('lets an approval go without reasons', async () => {
    const wrapper = mount(ReasonsDialog, {
      props: { modelValue: true, title: '通过登记审核', required: false },
      global: { plugins: [pinia] },
      attachTo: document.body,
    })
    await flushPromises()
    document.querySelector('[data-test="confirm-reasons"]').click()
    await flushPromises()
    expect(wrapper.emitted('confirm')[0][0]).toEqual([])
    wrapper.unmount()
  })
})
