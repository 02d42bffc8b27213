const { installWx } = require('../helpers/wx')
const { FakeServer, error } = require('../helpers/fake-server')

let server
let api
let session

function login(access, refresh) {
  session.save({ access_token: access, refresh_token: refresh, user: { id: 7, roles: [{ role: 'practitioner' }] } })
}

/** A backend whose valid access token is `state.valid`; /auth/refresh with R1 issues the next one. */
function tokenServer() {
  const state = { valid: 'A2', refreshes: 0 }
  server.on('POST /api/v1/auth/refresh', async (req) => {
    state.refreshes += 1
    await new Promise((r) => setTimeout(r, 5)) // a refresh takes a moment: requests pile up behind it
    if (req.token !== 'R1') return error(401, 'token_revoked', '登录凭证已失效，请重新登录')
    return { status: 200, body: { access_token: state.valid, token_type: 'Bearer', expires_in: 1800 } }
  })
  server.on('GET /api/v1/me', (req) =>
    req.token === state.valid ? { status: 200, body: { id: 7, token: req.token } } : error(401, 'token_expired', '登录已过期，请重新登录'),
  )
  return state
}

beforeEach(() => {
  jest.resetModules()
  server = new FakeServer()
  installWx({ transport: server.transport() })
  api = require('../../src/utils/api')
  session = require('../../src/utils/session')
})

test('sends the bearer token to the configured base URL and returns the body', async () => {
  login('A2', 'R1')
  tokenServer()
  const body = await api.get('/me')
  expect(body).toEqual({ id: 7, token: 'A2' })
  const call = server.calls('GET /api/v1/me')[0]
  expect(wx.request.mock.calls[0][0].url).toBe('http://127.0.0.1:5000/api/v1/me')
  expect(call.header.authorization).toBe('Bearer A2')
})

test('a base URL override from the developer settings is used', async () => {
  require('../../src/utils/config').setBaseUrlOverride('http://192.0.2.10:8000/')
  server.on('GET /api/v1/jurisdictions', () => ({ status: 200, body: [] }))
  await api.get('/jurisdictions', null, { auth: false })
  expect(wx.request.mock.calls[0][0].url).toBe('http://192.0.2.10:8000/api/v1/jurisdictions')
})

test('query parameters are encoded and empty ones left out', () => {
  expect(api.buildUrl('/public/organizations', { q: '消防 维保', cursor: null, limit: 20, district: '' })).toBe(
    'http://127.0.0.1:5000/api/v1/public/organizations?q=%E6%B6%88%E9%98%B2%20%E7%BB%B4%E4%BF%9D&limit=20',
  )
})

test('an expired access token is refreshed silently and the request retried once', async () => {
  login('A1', 'R1')
  const state = tokenServer()
  const body = await api.get('/me')
  expect(body.token).toBe('A2')
  expect(state.refreshes).toBe(1)
  expect(session.accessToken()).toBe('A2')
  expect(session.refreshToken()).toBe('R1')
  expect(server.calls('POST /api/v1/auth/refresh')[0].header.authorization).toBe('Bearer R1')
  expect(wx.__calls.modal).toHaveLength(0)
  expect(wx.__calls.toast).toHaveLength(0)
})

test('concurrent 401s share one refresh; every queued request is retried and succeeds', async () => {
  login('A1', 'R1')
  const state = tokenServer()
  const results = await Promise.all([api.get('/me'), api.get('/me'), api.get('/me')])
  expect(results.map((r) => r.token)).toEqual(['A2', 'A2', 'A2'])
  expect(state.refreshes).toBe(1)
  // three first attempts with the old token, three retries with the new one
  expect(server.calls('GET /api/v1/me').map((c) => c.token).sort()).toEqual(['A1', 'A1', 'A1', 'A2', 'A2', 'A2'])
})

test('a request made while a refresh is running waits for it instead of sending the old token', async () => {
  login('A1', 'R1')
  const state = tokenServer()
  const first = api.get('/me')
  await new Promise((r) => setTimeout(r, 1)) // the first request got its 401; the refresh is under way
  const second = api.get('/me')
  await Promise.all([first, second])
  expect(state.refreshes).toBe(1)
  const tokens = server.calls('GET /api/v1/me').map((c) => c.token)
  expect(tokens.filter((t) => t === 'A1')).toHaveLength(1)
})

test('a refused refresh ends the session and asks the user to log in again', async () => {
  login('A1', 'R-revoked')
  tokenServer()
  await expect(api.get('/me')).rejects.toMatchObject({ status: 401, code: 'token_expired', message: '登录已过期，请重新登录' })
  expect(session.isLoggedIn()).toBe(false)
  expect(wx.__calls.modal).toHaveLength(1)
  expect(wx.__calls.modal[0].title).toBe('需要重新登录')
  await new Promise((r) => setTimeout(r, 0))
  expect(wx.__calls.nav).toContainEqual(['navigateTo', '/pages/login/index'])
})

test('a network failure during the refresh keeps the session (offline is not logged out)', async () => {
  login('A1', 'R1')
  server.on('GET /api/v1/me', () => error(401, 'token_expired', '登录已过期，请重新登录'))
  server.on('POST /api/v1/auth/refresh', () => ({ fail: 'request:fail timeout' }))
  await expect(api.get('/me', null, { silent: true })).rejects.toMatchObject({ code: 'network_timeout', network: true })
  expect(session.accessToken()).toBe('A1')
  expect(session.refreshToken()).toBe('R1')
})

test('errors keep the server shape and the Chinese message is shown', async () => {
  server.on('POST /api/v1/auth/sms-codes', () =>
    error(429, 'sms_too_frequent', '验证码发送过于频繁，请稍后再试', { retry_after: 42 }),
  )
  const err = await api.post('/auth/sms-codes', { phone: '13800138000' }, { auth: false }).catch((e) => e)
  expect(err).toBeInstanceOf(api.ApiError)
  expect(err).toMatchObject({ status: 429, code: 'sms_too_frequent', details: { retry_after: 42 } })
  expect(err.retryable).toBe(true)
  expect(err.definitive).toBe(false)
  expect(wx.__calls.toast[0]).toMatchObject({ title: '验证码发送过于频繁，请稍后再试', icon: 'none' })
})

test('validation errors show the Chinese field messages in a modal, not marshmallow English', async () => {
  server.on('POST /api/v1/auth/sms-login', () =>
    error(422, 'validation_error', '提交的数据有误，请检查后重试', {
      fields: { json: { phone: ['手机号码格式不正确'], code: ['Missing data for required field.'] } },
    }),
  )
  const err = await api.post('/auth/sms-login', {}, { auth: false }).catch((e) => e)
  expect(err.definitive).toBe(true)
  expect(wx.__calls.modal[0].content).toBe('提交的数据有误，请检查后重试\n手机号码格式不正确')
})

test('silent requests show nothing; the caller shows the error', async () => {
  server.on('GET /api/v1/me', () => error(403, 'forbidden', '没有权限执行此操作'))
  await expect(api.get('/me', null, { silent: true })).rejects.toMatchObject({ status: 403, code: 'forbidden' })
  expect(wx.__calls.toast).toHaveLength(0)
  expect(wx.__calls.modal).toHaveLength(0)
})

test('a non-JSON 502 from a proxy becomes service_unavailable in Chinese', async () => {
  server.on('GET /api/v1/jurisdictions', () => ({ status: 502, body: '<html>Bad Gateway</html>' }))
  const err = await api.get('/jurisdictions', null, { auth: false, silent: true }).catch((e) => e)
  expect(err).toMatchObject({ status: 502, code: 'service_unavailable', message: '服务暂时不可用，请稍后重试' })
  expect(err.retryable).toBe(true)
})

test('no network: a retryable network error with a Chinese message', async () => {
  wx.__setOnline(false)
  const err = await api.get('/jurisdictions', null, { auth: false }).catch((e) => e)
  expect(err).toMatchObject({ status: 0, code: 'network_error', network: true, message: '网络连接失败，请检查网络后重试' })
  expect(err.retryable).toBe(true)
  expect(err.definitive).toBe(false)
  expect(wx.__calls.toast[0].title).toBe('网络连接失败，请检查网络后重试')
})

test('uploads go through wx.uploadFile with the token and their JSON answer is parsed', async () => {
  login('A1', 'R1')
  tokenServer()
  server.on('POST /api/v1/projects/<id>/check-ins', (req) =>
    req.token === 'A2' ? { status: 201, body: { id: 5, project: req.params.id, fields: req.formData } } : error(401, 'token_expired', '登录已过期'),
  )
  const body = await api.upload({ path: '/projects/3/check-ins', filePath: 'wxfile://p.jpg', name: 'photo', formData: { lng: '121.4' } })
  expect(body).toEqual({ id: 5, project: '3', fields: { lng: '121.4' } })
  expect(wx.uploadFile).toHaveBeenCalledTimes(2) // once with the expired token, once after the refresh
  expect(wx.uploadFile.mock.calls[1][0]).toMatchObject({ filePath: 'wxfile://p.jpg', name: 'photo' })
})

test('one loading indicator for overlapping calls, hidden when the last one ends', async () => {
  server.on('GET /api/v1/jurisdictions', () => ({ status: 200, body: [] }))
  server.on('GET /api/v1/jurisdictions/slow', () => new Promise((r) => setTimeout(() => r({ status: 200, body: [] }), 10)))
  const a = api.get('/jurisdictions', null, { auth: false, loading: true })
  const b = api.get('/jurisdictions/slow', null, { auth: false, loading: '查询中' })
  expect(wx.showLoading).toHaveBeenCalledTimes(1)
  await a
  expect(wx.__loadingVisible()).toBe(true)
  await b
  expect(wx.__loadingVisible()).toBe(false)
  expect(wx.hideLoading).toHaveBeenCalledTimes(1)
})

test('the keyset pager follows next_cursor until it is empty', async () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ id: 5 - i }))
  server.on('GET /api/v1/things', (req) => {
    const after = req.query.cursor ? Number(req.query.cursor) : Infinity
    const page = rows.filter((r) => r.id < after).slice(0, Number(req.query.limit))
    const more = rows.filter((r) => r.id < after).length > page.length
    return { status: 200, body: { items: page, next_cursor: more ? String(page[page.length - 1].id) : null } }
  })
  const pager = new api.Pager('/things', { q: 'x' }, { limit: 2 })
  await pager.next()
  expect(pager.items.map((r) => r.id)).toEqual([5, 4])
  expect(pager.done).toBe(false)
  await pager.next()
  await pager.next()
  expect(pager.items.map((r) => r.id)).toEqual([5, 4, 3, 2, 1])
  expect(pager.done).toBe(true)
  await pager.next() // nothing more is fetched once done
  expect(server.calls('GET /api/v1/things').map((c) => c.query.cursor)).toEqual([undefined, '4', '2'])
  expect(server.calls('GET /api/v1/things')[0].query.q).toBe('x')
})
