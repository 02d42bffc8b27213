// Practitioner subpackage: answering a real-time spot check within its time limit, the route the subscribe
// message opens (pages/spot-check/answer?id=N), and the workbench banner while one is pending.
const { freshApp, loginAs, deferred, error } = require('../helpers/setup')
const { openPage, tap, text, texts, stateOf, find } = require('../helpers/page')

let server
let session

beforeEach(() => {
  ;({ server, session } = freshApp())
})

afterEach(() => {
  jest.useRealTimers()
})

function iso(ms) {
  return new Date(ms).toISOString()
}

function check(overrides) {
  return Object.assign(
    {
      id: 9,
      visit_id: 31,
      project: { id: 12, project_no: 'WB2026000012', name: '和平饭店消防设施维护保养' },
      org: { id: 4, name: '上海外滩消防技术服务有限公司', credit_code: '91310101MA1FL8E2XX' },
      practitioner: { id: 21, name_masked: '张*' },
      issued_at: iso(Date.now() - 60000),
      deadline_at: iso(Date.now() + 14 * 60000 + 5000),
      status: 'issued',
      status_label: '待答复',
      answered_at: null,
      identity_method: null,
      face_distance: null,
      face_passed: null,
      distance_to_fence_m: null,
      failure_reasons: [],
      flags: [],
    },
    overrides,
  )
}

describe('spot check answer', () => {
  test('anonymous: asks to log in', async () => {
    expect(stateOf(await openPage('practitioner/pages/spot-check/index', { id: '9' }))).toBe('login')
  })

  test('loading, the countdown, then photo + GCJ-02 location answered in time', async () => {
    loginAs(session, ['practitioner'])
    const gate = deferred()
    server.on('GET /api/v1/supervision/spot-checks/<id>', async () => (await gate.promise, { status: 200, body: check() }))
    server.on('POST /api/v1/supervision/my/spot-checks/<id>/answer', () => ({
      status: 200,
      body: check({ status: 'passed', status_label: '通过', answered_at: iso(Date.now()), identity_method: 'face', face_passed: true, face_distance: 0.28, distance_to_fence_m: 0, flags: [{ code: 'poor_accuracy', message: '定位精度较差' }] }),
    }))
    wx.__files.set('http://tmp/photo-1.jpg', 'RkFDRQ==')
    const page = await openPage('practitioner/pages/spot-check/index', { id: '9' }, { wait: false })
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('loading')
    gate.resolve()
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.spot-left')).toMatch(/^14:0[0-5]$/)
    const before = text(page, '.spot-left')
    await new Promise((r) => setTimeout(r, 1100))
    expect(text(page, '.spot-left')).not.toBe(before) // it counts down

    await tap(page, '.spot-submit')
    await new Promise((r) => setTimeout(r, 10))
    expect(wx.chooseMedia.mock.calls[0][0]).toMatchObject({ sourceType: ['camera'], camera: 'front' })
    expect(wx.getLocation.mock.calls[0][0].type).toBe('gcj02')
    const sent = server.calls('POST /api/v1/supervision/my/spot-checks/9/answer')[0].data
    expect(sent).toMatchObject({ photo: 'RkFDRQ==', lng: 121.4737, lat: 31.2304, crs: 'gcj02', accuracy_m: 15 })
    expect(sent.device_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/)
    expect(text(page, '.spot-status')).toBe('通过')
    expect(text(page, '.spot-face')).toBe('人脸比对一致（差异度 0.28）')
    expect(text(page, '.spot-fence')).toBe('位于项目电子围栏内')
    expect(texts(page, '.spot-flag')).toEqual(['提示：定位精度较差'])
    expect(find(page, '.spot-submit')).toBeNull()
    page.instance.onUnload()
  })

  test('failed: each reason is shown', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/supervision/spot-checks/<id>', () => ({
      status: 200,
      body: check({
        status: 'failed',
        status_label: '未通过',
        answered_at: iso(Date.now() - 1000),
        identity_method: 'face',
        face_passed: false,
        distance_to_fence_m: 820.4,
        failure_reasons: [{ code: 'face_mismatch', message: '人脸比对不一致' }, { code: 'outside_geofence', message: '不在项目电子围栏范围内' }],
      }),
    }))
    const page = await openPage('practitioner/pages/spot-check/index', { id: '9' })
    expect(text(page, '.spot-status')).toBe('未通过')
    expect(text(page, '.spot-face')).toBe('人脸比对不一致')
    expect(text(page, '.spot-fence')).toBe('距项目电子围栏约 820 米')
    expect(texts(page, '.spot-reason')).toEqual(['· 人脸比对不一致', '· 不在项目电子围栏范围内'])
  })

  test('past the deadline: nothing is sent', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/supervision/spot-checks/<id>', () => ({ status: 200, body: check({ deadline_at: iso(Date.now() - 1000) }) }))
    const page = await openPage('practitioner/pages/spot-check/index', { id: '9' })
    expect(find(page, '.spot-left')).toBeNull()
    expect(text(page, '.spot-expired')).toMatch(/^已超过答复期限/)
    await page.instance.onAnswer()
    expect(wx.chooseMedia).not.toHaveBeenCalled()
    expect(server.calls('POST /api/v1/supervision/my/spot-checks/9/answer')).toHaveLength(0)
  })

  test('closed by the server meanwhile: the page reloads the check', async () => {
    loginAs(session, ['practitioner'])
    let current = check()
    server.on('GET /api/v1/supervision/spot-checks/<id>', () => ({ status: 200, body: current }))
    server.on('POST /api/v1/supervision/my/spot-checks/<id>/answer', () => {
      current = check({ status: 'expired', status_label: '逾期未答复', failure_reasons: [{ code: 'no_answer', message: '未在期限内答复' }] })
      return error(409, 'spot_check_expired', '已超过答复期限，该抽查已按未答复处理')
    })
    wx.__files.set('http://tmp/photo-1.jpg', 'RkFDRQ==')
    const page = await openPage('practitioner/pages/spot-check/index', { id: '9' })
    await tap(page, '.spot-submit')
    await new Promise((r) => setTimeout(r, 20))
    expect(wx.__calls.modal.concat(wx.__calls.toast).map((m) => m.content || m.title).join()).toContain('已超过答复期限')
    expect(text(page, '.spot-status')).toBe('逾期未答复')
    expect(texts(page, '.spot-reason')).toEqual(['· 未在期限内答复'])
    page.instance.onUnload()
  })

  test('without an id: my pending checks; empty when none', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/supervision/my/spot-checks', () => ({ status: 200, body: { items: [check()], next_cursor: null } }))
    const page = await openPage('practitioner/pages/spot-check/index', {})
    expect(text(page, '.spot-item .card-title')).toBe('和平饭店消防设施维护保养')
    await tap(page, '.spot-item')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/practitioner/pages/spot-check/index?id=9'])
  })

  test('empty', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/supervision/my/spot-checks', () => ({ status: 200, body: { items: [], next_cursor: null } }))
    expect(stateOf(await openPage('practitioner/pages/spot-check/index', {}))).toBe('empty')
  })

  test('error', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/supervision/spot-checks/<id>', () => ({ fail: 'request:fail timeout' }))
    expect(stateOf(await openPage('practitioner/pages/spot-check/index', { id: '9' }))).toBe('error')
  })

  test('refused by the server: not my spot check', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/supervision/spot-checks/<id>', () => error(403, 'forbidden', '没有权限执行此操作'))
    expect(stateOf(await openPage('practitioner/pages/spot-check/index', { id: '9' }))).toBe('refused')
  })

  test('the page the subscribe message opens leads to the answer page', async () => {
    const app = require('../../src/app.json')
    expect(app.pages).toContain('pages/spot-check/answer')
    await openPage('pages/spot-check/answer', { id: '9' })
    expect(wx.__calls.nav).toContainEqual(['redirectTo', '/practitioner/pages/spot-check/index?id=9'])
  })
})

describe('workbench banner', () => {
  test('a pending spot check shows a banner that opens it', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/supervision/my/spot-checks', (req) => {
      expect(req.query).toMatchObject({ status: 'issued', limit: '1' })
      return { status: 200, body: { items: [check({ deadline_at: '2026-06-01T10:15:00+08:00' })], next_cursor: null } }
    })
    const page = await openPage('pages/workbench/index')
    expect(text(page, '.workbench-spot-check')).toBe('您有一项实时抽查待答复，请在 2026-06-01 10:15 前完成 ›')
    await tap(page, '.workbench-spot-check')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/practitioner/pages/spot-check/index?id=9'])
  })

  test('offline: no banner, the workbench still works', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/supervision/my/spot-checks', () => ({ fail: 'request:fail timeout' }))
    const page = await openPage('pages/workbench/index')
    expect(find(page, '.workbench-spot-check')).toBeNull()
    expect(stateOf(page)).toBe('data')
  })

  test('another role: no banner and no request', async () => {
    loginAs(session, ['supervisor'])
    const page = await openPage('pages/workbench/index')
    expect(find(page, '.workbench-spot-check')).toBeNull()
    expect(server.calls('GET /api/v1/supervision/my/spot-checks')).toHaveLength(0)
  })
})

describe('subscribe message for spot checks', () => {
  function checkInEndpoints() {
    server.on('GET /api/v1/projects/<id>', () => ({
      status: 200,
      body: { id: 12, name: '和平饭店消防设施维护保养', service_type: 'testing', building: { name: '和平饭店', address: '南京东路20号', facility_systems: ['fire_alarm'] }, missing: [] },
    }))
    server.on('GET /api/v1/visits', () => ({ status: 200, body: { items: [], next_cursor: null } }))
    server.on('GET /api/v1/catalogue', () => ({ status: 200, body: { systems: [] } }))
    server.on('POST /api/v1/projects/<id>/check-ins', () => ({ status: 201, body: { id: 31, status: 'checked_in', face_passed: true, flags: [] } }))
  }

  test('after a check-in the practitioner may agree to spot-check notices (from a tap)', async () => {
    loginAs(session, ['practitioner'])
    checkInEndpoints()
    wx.requestSubscribeMessage = jest.fn((o) => Promise.resolve().then(() => o.success({ errMsg: 'requestSubscribeMessage:ok', 'spot-check-notice': 'accept' })))
    const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
    expect(find(page, '.check-in-subscribe-link')).toBeNull() // nothing to be reminded of before checking in
    await tap(page, '.check-in-button')
    await new Promise((r) => setTimeout(r, 20))
    expect(text(page, '.check-in-title')).toBe('签到成功')
    await tap(page, '.check-in-subscribe-link')
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['spot-check-notice'])
    expect(text(page, '.check-in-subscribed')).toBe('已开启实时抽查提醒')
  })

  test('refused, or not supported by this WeChat: the banner is the way', async () => {
    loginAs(session, ['practitioner'])
    checkInEndpoints()
    wx.requestSubscribeMessage = jest.fn((o) => Promise.resolve().then(() => o.success({ 'spot-check-notice': 'reject' })))
    const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
    await tap(page, '.check-in-button')
    await new Promise((r) => setTimeout(r, 20))
    await tap(page, '.check-in-subscribe-link')
    expect(text(page, '.check-in-subscribed')).toBe('未开启提醒：请留意工作台的抽查提示')
    delete wx.requestSubscribeMessage
    expect(await page.instance.onSubscribe()).toBe('unavailable')
    expect(text(page, '.check-in-subscribed')).toBe('当前微信版本不支持订阅消息，请留意工作台的抽查提示')
  })
})
