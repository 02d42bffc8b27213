const { freshApp, error } = require('../helpers/setup')
const { openPage, tap, input, text, find } = require('../helpers/page')

let server
let session

const PAIR = {
  access_token: 'A',
  refresh_token: 'R',
  token_type: 'Bearer',
  expires_in: 1800,
  user: { id: 3, phone_masked: '138****8000', roles: [{ role: 'practitioner', role_name: '从业人员' }] },
}

beforeEach(() => {
  ;({ server, session } = freshApp())
  server.on('GET /api/v1/me', () => ({ status: 200, body: Object.assign({}, PAIR.user, { jurisdiction: null, org_ids: [] }) }))
})

async function agree(page) {
  find(page, '.login-agree').dispatchEvent('change', { detail: { value: ['agree'] } })
  await new Promise((r) => setTimeout(r, 0))
}

test('WeChat login for a bound user stores the session and returns to where the user was', async () => {
  server.on('POST /api/v1/auth/wechat-login', (req) => (req.data.code === 'wx-login-code' ? { status: 200, body: PAIR } : error(400, 'wechat_invalid_code', '微信登录凭证无效或已过期，请重新登录')))
  const page = await openPage('pages/login/index')
  await agree(page)
  await tap(page, '.login-wechat')
  expect(session.accessToken()).toBe('A')
  expect(server.calls('POST /api/v1/auth/wechat-login')[0].token).toBe('')
  expect(wx.__calls.nav).toContainEqual(['switchTab', '/pages/workbench/index'])
})

test('nothing is sent before the privacy notice is accepted', async () => {
  const page = await openPage('pages/login/index')
  await tap(page, '.login-wechat')
  expect(wx.login).not.toHaveBeenCalled()
  expect(wx.__calls.toast[0].title).toBe('请先阅读并同意隐私保护指引')
})

test('an unbound WeChat user binds a phone by SMS code, then is logged in', async () => {
  server.on('POST /api/v1/auth/wechat-login', () => error(409, 'wechat_not_bound', '该微信尚未绑定手机号', { bind_token: 'BT' }))
  server.on('POST /api/v1/auth/sms-codes', () => ({ status: 202, body: { expires_in: 300, resend_after: 60 } }))
  server.on('POST /api/v1/auth/wechat-bind', (req) =>
    req.data.bind_token === 'BT' && req.data.code === '123456' ? { status: 200, body: PAIR } : error(400, 'sms_code_invalid', '验证码错误'),
  )
  const page = await openPage('pages/login/index')
  await agree(page)
  await tap(page, '.login-wechat')
  expect(text(page, '.login-sub')).toBe('首次使用微信登录，请绑定本人手机号')
  expect(text(page, '.login-submit')).toBe('绑定并登录')

  await input(page, '.login-phone', '13800138000')
  await tap(page, '.login-send-code')
  expect(server.calls('POST /api/v1/auth/sms-codes')[0].data).toEqual({ phone: '13800138000', purpose: 'bind' })
  expect(text(page, '.login-send-code')).toBe('60 秒后重发')

  await input(page, '.login-code', '123456')
  await tap(page, '.login-submit')
  expect(server.calls('POST /api/v1/auth/wechat-bind')[0].data).toEqual({ bind_token: 'BT', phone: '13800138000', code: '123456' })
  expect(session.accessToken()).toBe('A')
  page.instance.stopCountdown()
})

test('SMS login checks the phone and code before sending, and shows the server refusal in Chinese', async () => {
  server.on('POST /api/v1/auth/sms-login', () => error(400, 'sms_code_invalid', '验证码错误或已过期'))
  const page = await openPage('pages/login/index', { mode: 'sms' })
  await agree(page)
  await input(page, '.login-phone', '1380013')
  await tap(page, '.login-submit')
  expect(text(page, '.login-phone-error')).toBe('手机号码格式不正确')
  expect(text(page, '.login-code-error')).toBe('请输入验证码')
  expect(server.log).toHaveLength(0)

  await input(page, '.login-phone', '13800138000')
  await input(page, '.login-code', '654321')
  await tap(page, '.login-submit')
  expect(server.calls('POST /api/v1/auth/sms-login')).toHaveLength(1)
  expect(wx.__calls.toast.map((t) => t.title)).toContain('验证码错误或已过期')
  expect(session.isLoggedIn()).toBe(false)
  expect(find(page, '.login-submit').dom.getAttribute('disabled')).not.toBe('true')
})

test('a user with several roles chooses one after logging in', async () => {
  const several = Object.assign({}, PAIR, {
    user: Object.assign({}, PAIR.user, { roles: [{ role: 'practitioner' }, { role: 'org_admin', org_id: 4 }] }),
  })
  server.on('POST /api/v1/auth/sms-login', () => ({ status: 200, body: several }))
  server.on('GET /api/v1/me', () => ({ status: 200, body: several.user }))
  const page = await openPage('pages/login/index', { mode: 'sms' })
  await agree(page)
  await input(page, '.login-phone', '13800138000')
  await input(page, '.login-code', '123456')
  await tap(page, '.login-submit')
  expect(wx.__calls.nav).toContainEqual(['redirectTo', '/pages/role/index?after=login'])
})

test('the resend wait the server imposes is respected', async () => {
  server.on('POST /api/v1/auth/sms-codes', () => error(429, 'sms_too_frequent', '验证码发送过于频繁，请稍后再试', { retry_after: 42 }))
  const page = await openPage('pages/login/index', { mode: 'sms' })
  await input(page, '.login-phone', '13800138000')
  await tap(page, '.login-send-code')
  expect(text(page, '.login-send-code')).toBe('42 秒后重发')
  expect(wx.__calls.toast[0].title).toBe('验证码发送过于频繁，请稍后再试')
  page.instance.stopCountdown()
})
