// "Me", role switch and workbench: the states a signed-in or anonymous user meets.
const { freshApp, loginAs, error } = require('../helpers/setup')
const { openPage, tap, tapNth, text, texts, stateOf, find } = require('../helpers/page')

let server
let session

beforeEach(() => {
  ;({ server, session } = freshApp())
  server.on('GET /api/v1/jurisdictions', () => ({ status: 200, body: [{ code: '310104', name: '徐汇区支队', kind: 'district' }] }))
})

function me(roles) {
  return { id: 7, phone_masked: '138****8000', display_name: '张伟', wechat_bound: true, roles, jurisdiction: null, permissions: [], org_ids: [] }
}

describe('me', () => {
  test('anonymous: asks to log in', async () => {
    const page = await openPage('pages/me/index')
    expect(stateOf(page)).toBe('login')
    await tap(page, '.page-state >>> .state-go-login')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/pages/login/index'])
  })

  test('data: the profile and roles from GET /me, jurisdictions by name', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/me', () => ({ status: 200, body: me([{ role: 'supervisor', role_name: '监督管理人员', jurisdiction: '310104' }, { role: 'practitioner', role_name: '从业人员' }]) }))
    const page = await openPage('pages/me/index')
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.me-phone')).toBe('手机号 138****8000')
    expect(text(page, '.me-wechat')).toBe('已绑定微信')
    // the role active before stays active: it is still one of the user's roles
    expect(texts(page, '.me-role')).toEqual(['监督管理人员徐汇区支队', '从业人员当前'])
    expect(find(page, '.me-switch-role')).not.toBeNull()
    expect(find(page, '.me-register-practitioner')).toBeNull() // already a practitioner
  })

  test('loading: shown until the first answer when nothing is cached', async () => {
    session.save({ access_token: 'a', refresh_token: 'r', user: null })
    let release
    server.on('GET /api/v1/me', () => new Promise((r) => (release = () => r({ status: 200, body: me([]) }))))
    const page = await openPage('pages/me/index')
    expect(stateOf(page)).toBe('loading')
    release()
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.me-no-role')).toContain('暂无角色')
    // a new user is shown the way in: real-name registration, or registering an organisation
    await tap(page, '.me-register-practitioner')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/practitioner/pages/realname/index'])
    await tap(page, '.me-register-org')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/org/pages/register/index'])
  })

  test('error: nothing cached and the server fails', async () => {
    session.save({ access_token: 'a', refresh_token: 'r', user: null })
    server.on('GET /api/v1/me', () => ({ status: 503, body: { code: 'service_unavailable', message: '服务暂时不可用，请稍后重试', details: {} } }))
    const page = await openPage('pages/me/index')
    expect(stateOf(page)).toBe('error')
    expect(text(page, '.page-state >>> .state-message')).toBe('服务暂时不可用，请稍后重试')
  })

  test('offline: the cached profile stays on screen', async () => {
    loginAs(session, ['practitioner'])
    wx.__setOnline(false)
    const page = await openPage('pages/me/index')
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.me-phone')).toBe('手机号 138****8000')
  })

  test('logout revokes the session on the server and warns about unsent records', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/me', () => ({ status: 200, body: me([{ role: 'practitioner' }]) }))
    server.on('POST /api/v1/auth/logout', () => ({ status: 200, body: { code: 'ok', message: '已退出登录' } }))
    wx.setStorageSync('offline_queue.entries', [{ key: 'k1', kind: 'check_in', userId: 7, path: '/x', state: 'waiting', nextAttemptAt: 0 }])
    const page = await openPage('pages/me/index')
    await tap(page, '.me-logout')
    expect(wx.__calls.modal[0].content).toBe('还有 1 条记录未提交，退出后需本人重新登录才会继续提交。确定退出？')
    expect(server.calls('POST /api/v1/auth/logout')[0].token).toBe('access-7')
    expect(session.isLoggedIn()).toBe(false)
    expect(stateOf(page)).toBe('login')
  })
})

describe('role switch', () => {
  test('anonymous: asks to log in', async () => {
    const page = await openPage('pages/role/index')
    expect(stateOf(page)).toBe('login')
  })

  test('empty: a user without roles', async () => {
    loginAs(session, ['none'])
    const page = await openPage('pages/role/index')
    expect(stateOf(page)).toBe('empty')
  })

  test('choosing a role makes it active and opens the workbench', async () => {
    loginAs(session, ['practitioner', 'supervisor'])
    const page = await openPage('pages/role/index', { after: 'login' })
    expect(texts(page, '.role-name')).toEqual(['从业人员', '监督管理人员'])
    expect(texts(page, '.role-scope')).toEqual(['管辖范围：徐汇区支队'])
    await tapNth(page, '.role-item', 1)
    expect(session.activeRole().role).toBe('supervisor')
    expect(wx.__calls.nav).toContainEqual(['switchTab', '/pages/workbench/index'])
  })
})

describe('workbench', () => {
  test('anonymous: asks to log in', async () => {
    const page = await openPage('pages/workbench/index')
    expect(stateOf(page)).toBe('login')
  })

  test('refused: signed in without any role', async () => {
    loginAs(session, ['none'])
    const page = await openPage('pages/workbench/index')
    expect(stateOf(page)).toBe('refused')
    expect(text(page, '.page-state >>> .state-message')).toContain('您还没有角色')
    await tap(page, '.workbench-register-practitioner')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/practitioner/pages/realname/index'])
    await tap(page, '.workbench-register-org')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/org/pages/register/index'])
  })

  test("data: the active role's entries lead into its subpackage", async () => {
    loginAs(session, ['practitioner', 'supervisor'])
    session.setActiveRole(session.roles()[1].key)
    const page = await openPage('pages/workbench/index')
    expect(text(page, '.workbench-role')).toBe('当前角色：监督管理人员切换')
    await tap(page, '.workbench-entry')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/supervisor/pages/index/index'])
  })
})

describe('queue page', () => {
  test('lists what waits and what was refused, and retries on demand', async () => {
    loginAs(session, ['practitioner'])
    server.on('POST /api/v1/projects/<id>/check-ins', () => ({ status: 503, body: { code: 'service_unavailable', message: '服务暂时不可用，请稍后重试', details: {} } }))
    wx.setStorageSync('offline_queue.entries', [
      { key: 'k1', kind: 'check_in', label: '签到：外滩大楼', userId: 7, path: '/projects/1/check-ins', method: 'POST', fields: {}, deviceTime: '2026-05-20T09:30:00.000+08:00', state: 'waiting', attempts: 0, nextAttemptAt: 0 },
    ])
    wx.setStorageSync('offline_queue.results', [
      { key: 'k0', kind: 'check_in', label: '签到：静安寺', ok: false, status: 422, error: { code: 'check_in_rejected', message: '签到未通过核验', details: { reasons: [{ code: 'outside_geofence', message: '不在项目电子围栏范围内' }] } }, dismissed: false },
    ])
    const page = await openPage('pages/queue/index')
    const q = '.queue-full'
    expect(text(page, q + ' >>> .queue-title')).toBe('待提交记录（1）')
    expect(text(page, q + ' >>> .queue-item')).toContain('签到：外滩大楼')
    expect(text(page, q + ' >>> .queue-item')).toContain('服务暂时不可用，请稍后重试')
    expect(text(page, q + ' >>> .queue-refused')).toContain('不在项目电子围栏范围内')
    await tap(page, q + ' >>> .queue-dismiss')
    expect(find(page, q + ' >>> .queue-refused')).toBeNull()
    await tap(page, q + ' >>> .queue-retry')
    expect(server.calls('POST /api/v1/projects/1/check-ins').length).toBeGreaterThanOrEqual(2)
  })
})
