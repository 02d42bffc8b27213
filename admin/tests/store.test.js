import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { useAuthStore } from '@/stores/auth'

import { fakeFetch, json, ME_HUANGPU } from './helpers'

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
})
afterEach(() => vi.unstubAllGlobals())

describe('auth store', () => {
  it('logs in by phone and code, stores both tokens and loads the profile', async () => {
    const fetch = fakeFetch(
      () => json(200, { access_token: 'a1', refresh_token: 'r1', expires_in: 1800, user: { id: 2 } }),
      () => json(200, ME_HUANGPU),
    )
    vi.stubGlobal('fetch', fetch)
    const auth = useAuthStore()
    await auth.login('13900000002', '123456')
    expect(fetch.calls[0].body).toEqual({ phone: '13900000002', code: '123456' })
    expect(localStorage.getItem('fire-admin.access')).toBe('a1')
    expect(localStorage.getItem('fire-admin.refresh')).toBe('r1')
    expect(auth.loggedIn).toBe(true)
    expect(auth.jurisdiction).toBe('310101')
    expect(auth.roleNames).toEqual(['监督管理人员'])
    expect(auth.canExport).toBe(false)
    expect(auth.loading).toBe(false)
  })

  it('keeps no session when the code is wrong', async () => {
    vi.stubGlobal('fetch', fakeFetch(() => json(400, { code: 'code_invalid', message: '验证码错误', details: { remaining_attempts: 4 } })))
    const auth = useAuthStore()
    await expect(auth.login('13900000002', '000000')).rejects.toMatchObject({ code: 'code_invalid' })
    expect(auth.loggedIn).toBe(false)
    expect(localStorage.getItem('fire-admin.access')).toBeNull()
    expect(auth.loading).toBe(false)
  })

  it('resumes a stored session on reload and forgets one the server refuses', async () => {
    localStorage.setItem('fire-admin.access', 'a1')
    vi.stubGlobal('fetch', fakeFetch(() => json(200, ME_HUANGPU)))
    expect((await useAuthStore().restore()).id).toBe(2)

    setActivePinia(createPinia())
    localStorage.setItem('fire-admin.access', 'a1')
    localStorage.setItem('fire-admin.refresh', 'r1')
    const expired = () => json(401, { code: 'token_expired', message: '登录已过期，请重新登录', details: {} })
    vi.stubGlobal('fetch', fakeFetch(expired, expired))
    expect(await useAuthStore().restore()).toBeNull()
    expect(localStorage.getItem('fire-admin.refresh')).toBeNull()
  })

  it('logs out locally even when the server cannot be reached', async () => {
    localStorage.setItem('fire-admin.access', 'a1')
    localStorage.setItem('fire-admin.refresh', 'r1')
    const fetch = fakeFetch(() => Promise.reject(new TypeError('offline')))
    vi.stubGlobal('fetch', fetch)
    const auth = useAuthStore()
    auth.me = ME_HUANGPU
    await auth.logout()
    expect(fetch.calls[0].url).toBe('/api/v1/auth/logout')
    expect(auth.me).toBeNull()
    expect(localStorage.getItem('fire-admin.access')).toBeNull()
  })
})
