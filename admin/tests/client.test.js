import { describe, expect, it, vi } from 'vitest'

import { ApiError, createClient, errorMessage, fieldErrors } from '@/api/client'

import { fakeFetch, json, memoryStorage } from './helpers'

const TOKENS = { 'fire-admin.access': 'access-1', 'fire-admin.refresh': 'refresh-1' }

function client(fetchImpl, storage = memoryStorage(TOKENS), onAuthLost = vi.fn()) {
  return { api: createClient({ fetchImpl, storage, onAuthLost }), storage, onAuthLost }
}

describe('error shape', () => {
  it('turns {code, message, details} into an ApiError with the Chinese message and field messages', async () => {
    const body = {
      code: 'validation_error',
      message: '提交的数据有误，请检查后重试',
      details: { fields: { phone: ['手机号码格式不正确'], jurisdiction: ['管辖范围不存在'] } },
    }
    const { api } = client(fakeFetch(() => json(422, body)))
    const err = await api.post('/admin/supervisors', { phone: '1' }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(422)
    expect(err.code).toBe('validation_error')
    expect(err.details.fields.phone).toEqual(['手机号码格式不正确'])
    expect(errorMessage(err)).toBe('提交的数据有误，请检查后重试：手机号码格式不正确；管辖范围不存在')
    expect(fieldErrors(err)).toEqual({ phone: '手机号码格式不正确', jurisdiction: '管辖范围不存在' })
  })

  it('reports a failed connection in Chinese', async () => {
    const { api } = client(fakeFetch(() => Promise.reject(new TypeError('Failed to fetch'))))
    const err = await api.get('/me').catch((e) => e)
    expect(err.code).toBe('network_error')
    expect(err.status).toBe(0)
    expect(errorMessage(err)).toBe('网络连接失败，请检查网络后重试')
  })

  it('reports a non-JSON gateway error with its status', async () => {
    const { api } = client(fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 502 })))
    const err = await api.get('/me').catch((e) => e)
    expect(err.code).toBe('internal_error')
    expect(errorMessage(err)).toBe('系统繁忙，请稍后再试（HTTP 502）')
  })

  it('keeps a message without field details as is', () => {
    const err = new ApiError(429, { code: 'sms_too_frequent', message: '验证码发送过于频繁，请60秒后再试', details: { retry_after: 42 } })
    expect(errorMessage(err)).toBe('验证码发送过于频繁，请60秒后再试')
  })
})

describe('requests', () => {
  it('sends the bearer token and drops empty query parameters', async () => {
    const fetch = fakeFetch(() => json(200, { items: [], next_cursor: null }))
    const { api } = client(fetch)
    await api.get('/admin/jobs', { status: '', limit: 20, cursor: null, channel: undefined })
    expect(fetch.calls[0].url).toBe('/api/v1/admin/jobs?limit=20')
    expect(fetch.calls[0].headers.Authorization).toBe('Bearer access-1')
  })

  it('sends public requests without a token and never refreshes them', async () => {
    const fetch = fakeFetch(() => json(401, { code: 'code_invalid', message: '验证码错误', details: {} }))
    const { api, onAuthLost } = client(fetch)
    const err = await api.post('/auth/sms-login', { phone: '13900000001', code: '1' }, { auth: false }).catch((e) => e)
    expect(err.code).toBe('code_invalid')
    expect(fetch.calls).toHaveLength(1)
    expect(fetch.calls[0].headers.Authorization).toBeUndefined()
    expect(onAuthLost).not.toHaveBeenCalled()
  })
})

describe('silent refresh', () => {
  const expired = () => json(401, { code: 'token_expired', message: '登录已过期，请重新登录', details: {} })

  it('refreshes with the refresh token on 401 and retries once with the new access token', async () => {
    const fetch = fakeFetch(
      expired,
      () => json(200, { access_token: 'access-2', token_type: 'Bearer', expires_in: 1800 }),
      () => json(200, { id: 1 }),
    )
    const { api, storage, onAuthLost } = client(fetch)
    expect(await api.get('/me')).toEqual({ id: 1 })
    expect(fetch.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/v1/me',
      'POST /api/v1/auth/refresh',
      'GET /api/v1/me',
    ])
    expect(fetch.calls[1].headers.Authorization).toBe('Bearer refresh-1')
    expect(fetch.calls[2].headers.Authorization).toBe('Bearer access-2')
    expect(storage.getItem('fire-admin.access')).toBe('access-2')
    expect(storage.getItem('fire-admin.refresh')).toBe('refresh-1')
    expect(onAuthLost).not.toHaveBeenCalled()
  })

  it('shares one refresh between concurrent requests', async () => {
    let release
    const gate = new Promise((resolve) => (release = resolve))
    const fetch = fakeFetch(
      expired,
      expired,
      async () => {
        await gate
        return json(200, { access_token: 'access-2', expires_in: 1800 })
      },
      (c) => json(200, { url: c.url }),
      (c) => json(200, { url: c.url }),
    )
    const { api } = client(fetch)
    const both = Promise.all([api.get('/admin/jobs'), api.get('/admin/outbox')])
    await new Promise((r) => setTimeout(r, 0))
    release()
    const results = await both
    expect(results.map((r) => r.url).sort()).toEqual(['/api/v1/admin/jobs', '/api/v1/admin/outbox'])
    expect(fetch.calls.filter((c) => c.url === '/api/v1/auth/refresh')).toHaveLength(1)
    expect(fetch.pending()).toBe(0)
  })

  it('clears the session and reports it once when the refresh token is refused', async () => {
    const fetch = fakeFetch(expired, () => json(401, { code: 'token_revoked', message: '登录凭证已失效，请重新登录', details: {} }))
    const { api, storage, onAuthLost } = client(fetch)
    const err = await api.get('/me').catch((e) => e)
    expect(err.code).toBe('token_expired')
    expect(storage.getItem('fire-admin.access')).toBeNull()
    expect(storage.getItem('fire-admin.refresh')).toBeNull()
    expect(onAuthLost).toHaveBeenCalledTimes(1)
  })

  it('gives up without calling refresh when no refresh token is stored', async () => {
    const fetch = fakeFetch(expired)
    const { api, onAuthLost } = client(fetch, memoryStorage({ 'fire-admin.access': 'a' }))
    await expect(api.get('/me')).rejects.toMatchObject({ status: 401 })
    expect(fetch.calls).toHaveLength(1)
    expect(onAuthLost).toHaveBeenCalledTimes(1)
  })

  it('does not refresh on 403: a refusal is not an expired session', async () => {
    const fetch = fakeFetch(() => json(403, { code: 'out_of_jurisdiction', message: '该数据不在您的管辖范围内', details: {} }))
    const { api, storage, onAuthLost } = client(fetch)
    const err = await api.get('/admin/jobs').catch((e) => e)
    expect(err.message).toBe('该数据不在您的管辖范围内')
    expect(fetch.calls).toHaveLength(1)
    expect(storage.getItem('fire-admin.access')).toBe('access-1')
    expect(onAuthLost).not.toHaveBeenCalled()
  })

  it('treats a second 401 after a successful refresh as a lost session', async () => {
    const fetch = fakeFetch(expired, () => json(200, { access_token: 'access-2' }), () =>
      json(401, { code: 'token_revoked', message: '登录凭证已失效，请重新登录', details: {} }),
    )
    const { api, storage, onAuthLost } = client(fetch)
    const err = await api.get('/me').catch((e) => e)
    expect(err.code).toBe('token_revoked')
    expect(storage.getItem('fire-admin.refresh')).toBeNull()
    expect(onAuthLost).toHaveBeenCalledTimes(1)
  })
})
