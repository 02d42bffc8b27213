/**
 * End to end against the real backend (embedded default, demo data) over HTTP: the mini-program's own pages
 * and modules, `wx` routed to the server by node's http module.
 *   1. SMS login on the login page (code read from the development outbox) → GET /me on the "me" page.
 *   2. WeChat login of an unbound WeChat user → bind by phone + SMS code → logged in, WeChat bound.
 *   3. On site without network: check-in (real photo, face matched by dlib on the server), a work record and
 *      the check-out wait in the queue; the network returns, the first answer is lost on the way back, and
 *      still every act is stored exactly once, in order.
 */
const fs = require('fs')
const path = require('path')
const { useRealBackend, until } = require('../helpers/e2e')
const { httpTransport } = require('../helpers/http-transport')
const { openPage, tap, input, text, texts, find } = require('../helpers/page')

jest.setTimeout(120000)

const e2e = useRealBackend()

async function agree(page) {
  find(page, '.login-agree').dispatchEvent('change', { detail: { value: ['agree'] } })
  await new Promise((r) => setTimeout(r, 0))
}

test('SMS login on the login page, then the "me" page shows GET /me', async () => {
  const session = require('../../src/utils/session')
  const phone = '13900000003' // demo data: 徐汇支队 李监督
  const login = await openPage('pages/login/index', { mode: 'sms' })
  await agree(login)
  await input(login, '.login-phone', phone)
  await tap(login, '.login-send-code')
  await until(() => /秒后重发/.test(text(login, '.login-send-code')), 'the code to be sent')
  await input(login, '.login-code', e2e.backend.smsCode(phone))
  await tap(login, '.login-submit')
  await until(() => session.isLoggedIn(), 'the login')
  login.instance.stopCountdown()

  const me = await openPage('pages/me/index')
  // The phone shows at once from the cached login answer; the jurisdiction only arrives with GET /me.
  await until(() => text(me, '.me-phone') === '手机号 139****0003', 'the cached profile')
  await until(() => session.get().user.jurisdiction !== undefined, 'GET /me')
  expect(session.get().user.jurisdiction).toBe('310104')
  expect(session.activeRole()).toMatchObject({ role: 'supervisor', jurisdiction: '310104' })
  await until(() => /徐汇/.test(text(me, '.me-role') || ''), 'the jurisdiction name')
  expect(text(me, '.me-role')).toMatch(/^监督管理人员.*徐汇.*当前$/)
})

test('WeChat login of an unbound user binds the phone by SMS code and logs in', async () => {
  const session = require('../../src/utils/session')
  const code = e2e.backend.python("from backend.adapters.wechat.simulator import simulator_issue_login_code; print(simulator_issue_login_code('e2e-wechat-user'))")
  wx.__loginCode = code
  const phone = '13712349999'
  const login = await openPage('pages/login/index')
  await agree(login)
  await tap(login, '.login-wechat')
  await until(() => text(login, '.login-submit') === '绑定并登录', 'the bind form')
  await input(login, '.login-phone', phone)
  await tap(login, '.login-send-code')
  await until(() => /秒后重发/.test(text(login, '.login-send-code')), 'the bind code')
  await input(login, '.login-code', e2e.backend.smsCode(phone))
  await tap(login, '.login-submit')
  await until(() => session.isLoggedIn(), 'the bound login')
  login.instance.stopCountdown()
  const api = require('../../src/utils/api')
  const me = await api.get('/me')
  expect(me).toMatchObject({ phone_masked: '137****9999', wechat_bound: true })
})

test('offline check-in, work record and check-out are each stored exactly once after reconnecting', async () => {
  const facts = e2e.backend.facts
  const api = require('../../src/utils/api')
  const session = require('../../src/utils/session')
  const queue = require('../../src/utils/offline-queue')

  // log in as the seeded practitioner through the API module, as the login page does
  await api.post('/auth/sms-codes', { phone: facts.phone, purpose: 'login' }, { auth: false })
  session.save(await api.post('/auth/sms-login', { phone: facts.phone, code: e2e.backend.smsCode(facts.phone) }, { auth: false }))

  // the app starts as WeChat starts it: App({onLaunch}) begins listening to the network
  global.App = (def) => def.onLaunch()
  require('../../src/app')

  // the camera's photo (a temp file), and the phone standing at the project in GCJ-02
  const temp = path.join(e2e.fsRoot, 'tmp-photo.jpg')
  fs.copyFileSync(facts.photo, temp)
  wx.__media = { tempFiles: [{ tempFilePath: temp, size: fs.statSync(temp).size, fileType: 'image' }] }
  wx.__location = { longitude: facts.lng_gcj02, latitude: facts.lat_gcj02, accuracy: 12 }

  const page = await openPage('practitioner/pages/check-in/index', { id: String(facts.project_id) })
  expect(text(page, '.card-title')).toBe(facts.project_name)
  await until(() => page.data.recordOptions.length === 3, 'the facility systems')

  wx.__setOnline(false)
  await tap(page, '.check-in-button')
  expect(text(page, '.check-in-title')).toBe('签到已保存在手机上，联网后自动提交')
  await tap(page, '.record-button')
  await tap(page, '.check-out-button')
  expect(queue.pending().map((e) => e.kind)).toEqual(['check_in', 'work_record', 'check_out'])
  const [checkInKey, recordKey] = queue.pending().map((e) => e.key)
  const capturedAt = queue.pending()[0].deviceTime

  // The network comes back, but the answer to the first check-in is lost on its way to the phone.
  const sent = []
  let lose = true
  wx.__transport = async (kind, req) => {
    sent.push({ kind, url: req.url, key: (req.formData || req.data || {}).idempotency_key })
    const res = await httpTransport(kind, req)
    if (kind === 'upload' && lose) {
      lose = false
      throw { errMsg: 'uploadFile:fail timeout' }
    }
    return res
  }
  wx.__setOnline(true)
  await until(() => queue.pending().length === 0 || queue.pending()[0].lastError, 'the first attempt')
  if (queue.pending().length) await queue.flush({ force: true }) // the user taps "立即提交" instead of waiting
  await until(() => queue.pending().length === 0, 'the queue to empty')

  const checkIns = sent.filter((s) => s.kind === 'upload')
  expect(checkIns.map((s) => s.key)).toEqual([checkInKey, checkInKey]) // resent with the same key
  expect(queue.resultFor(checkInKey)).toMatchObject({ ok: true, response: { status: 'checked_in', face_passed: true } })
  expect(queue.snapshot().refused).toEqual([])

  // what the server holds: one visit, checked out, with one work record
  const visits = await api.page('/visits', { project_id: facts.project_id, limit: 100 })
  expect(visits.items).toHaveLength(1)
  const visit = await api.get('/visits/' + visits.items[0].id)
  expect(visit).toMatchObject({ status: 'checked_out', submitted_crs: 'gcj02', identity_method: 'face', face_passed: true })
  expect(visit.records).toHaveLength(1)
  expect(visit.records[0]).toMatchObject({ system_code: 'fire_alarm', result: 'normal' })
  expect(queue.resultFor(recordKey).response.id).toBe(visit.records[0].id)
  // the capture time on the phone travelled with the late submission
  expect(Date.parse(visit.device_time)).toBe(Date.parse(capturedAt))

  await until(() => text(page, '.check-in-title') === '签退成功', 'the page to show the check-out')
  expect(texts(page, '.check-in-reason')).toEqual([])
})
