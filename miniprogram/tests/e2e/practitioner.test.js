/**
 * The practitioner's day end to end against the real backend (embedded default, demo data) over HTTP, through
 * the mini-program's own pages:
 *   public search → login by SMS code → check-in with a real face photo (matched by dlib on the server) →
 *   a work record with a photo → the handwritten signature → signing a conclusion document after a face check;
 *   then offline: a work record with two photos waits in the queue, the network returns, the answer to one
 *   photo is lost on its way back, and still the record and each photo are stored exactly once.
 * (backend.test.js covers the offline check-in / record / check-out sequence; this file adds the photos.)
 */
const fs = require('fs')
const path = require('path')
const { useRealBackend, until } = require('../helpers/e2e')
const { httpTransport } = require('../helpers/http-transport')
const { SHARED_DATA } = require('../helpers/repo')
const { openPage, tap, input, text, texts, find } = require('../helpers/page')
const { installCanvas, scribble, withBase64Reads } = require('../helpers/practitioner')

jest.setTimeout(180000)

// The tests run in order and share one wx: one practitioner's day.
const e2e = useRealBackend({ perTest: false, afterInstall: withBase64Reads })

/** A picture "taken now": a temp copy of a file from ../shared/data/faces, as wx.chooseMedia gives it. */
function camera(name) {
  const temp = path.join(e2e.fsRoot, 'tmp-' + Date.now() + '-' + name)
  fs.copyFileSync(path.join(SHARED_DATA, 'faces', name), temp)
  return { tempFiles: [{ tempFilePath: temp, size: fs.statSync(temp).size, fileType: 'image' }] }
}

// The tests run in order and share the phone: one practitioner's day.

test('public search finds the organisation without logging in', async () => {
  const page = await openPage('pages/home/index')
  await input(page, '.home-q', '外滩消防')
  await tap(page, '.home-search-button')
  await until(() => texts(page, '.org-name').indexOf('上海外滩消防技术服务有限公司') >= 0, 'the search result')
  expect(text(page, '.org-item')).toContain('91310101MA1FL8E2X')
})

test('login by SMS code as the practitioner', async () => {
  const session = require('../../src/utils/session')
  const phone = e2e.backend.facts.phone
  const login = await openPage('pages/login/index', { mode: 'sms' })
  find(login, '.login-agree').dispatchEvent('change', { detail: { value: ['agree'] } })
  await new Promise((r) => setTimeout(r, 0))
  await input(login, '.login-phone', phone)
  await tap(login, '.login-send-code')
  await until(() => /秒后重发/.test(text(login, '.login-send-code')), 'the code to be sent')
  await input(login, '.login-code', e2e.backend.smsCode(phone))
  await tap(login, '.login-submit')
  await until(() => session.isLoggedIn(), 'the login')
  login.instance.stopCountdown()
  expect(session.hasRole('practitioner')).toBe(true)

  // the app starts as WeChat starts it: the offline queue listens to the network
  global.App = (def) => def.onLaunch()
  require('../../src/app')
})

let checkIn

test('check-in with a real face photo, then a work record with a photo', async () => {
  const facts = e2e.backend.facts
  const api = require('../../src/utils/api')
  const queue = require('../../src/utils/offline-queue')
  wx.__media = camera('obama2.jpg')
  wx.__location = { longitude: facts.lng_gcj02, latitude: facts.lat_gcj02, accuracy: 12 }

  checkIn = await openPage('practitioner/pages/check-in/index', { id: String(facts.project_id) })
  expect(text(checkIn, '.card-title')).toBe(facts.project_name)
  await until(() => checkIn.data.recordOptions.length === 3, 'the facility systems')
  await tap(checkIn, '.check-in-button')
  await until(() => text(checkIn, '.check-in-title') === '签到成功', 'the check-in answer')
  expect(text(checkIn, '.check-in-face')).toBe('人脸比对一致') // the distance itself is for supervisors and the org
  expect(text(checkIn, '.check-in-fence')).toBe('位于项目电子围栏内')

  wx.__media = camera('rocket.jpg')
  await tap(checkIn, '.record-add-photo')
  expect(checkIn.data.recordPhotos).toHaveLength(1)
  await tap(checkIn, '.record-button')
  await until(() => queue.pending().length === 0 && text(checkIn, '.check-in-title') === '作业记录已提交', 'the record')

  const visits = await api.page('/visits', { project_id: facts.project_id, limit: 10 })
  expect(visits.items).toHaveLength(1)
  const visit = await api.get('/visits/' + visits.items[0].id)
  expect(visit).toMatchObject({ status: 'checked_in', face_passed: true, submitted_crs: 'gcj02' })
  expect(visit.records).toHaveLength(1)
  expect(visit.records[0]).toMatchObject({ system_code: 'fire_alarm', result: 'normal' })
  expect(visit.records[0].photo_file_ids).toHaveLength(1)
})

test('the handwritten signature, then signing the conclusion document after a face check', async () => {
  const api = require('../../src/utils/api')
  const seeded = JSON.parse(
    e2e.backend.python("from tests.miniprogram_e2e.seed_practitioner import main; main('" + e2e.backend.facts.phone + "')"),
  )
  // what the canvas exports: a real PNG with a stroke on a transparent background
  const png = path.join(e2e.fsRoot, 'signature.png')
  e2e.backend.python(
    'from PIL import Image, ImageDraw\n' +
      "im = Image.new('RGBA', (600, 300), (0, 0, 0, 0))\n" +
      'ImageDraw.Draw(im).line([(80, 200), (200, 90), (330, 210), (480, 100)], fill=(0, 0, 0, 255), width=6)\n' +
      'im.save(' + JSON.stringify(png) + ')',
  )
  installCanvas(wx, png)
  const signature = await openPage('practitioner/pages/signature/index')
  await until(() => text(signature, '.signature-status') === '尚未上传签名：签署结论文件前必须上传', 'the signature page')
  scribble(signature, 20)
  await tap(signature, '.signature-save')
  await until(() => text(signature, '.signature-saved') === '签名已保存', 'the signature upload')
  expect((await api.get('/practitioners/me')).signature_uploaded).toBe(true)

  const list = await openPage('practitioner/pages/documents/index')
  await until(() => texts(list, '.document-item .muted').length === 1, 'the documents awaiting signature')
  expect(text(list, '.document-item .muted')).toContain(seeded.report_number)
  expect(text(list, '.document-roles')).toBe('待您以项目负责人、技术负责人身份签署')

  wx.__media = camera('obama-720p.jpg')
  const page = await openPage('practitioner/pages/document/index', { id: String(seeded.document_id) })
  await until(() => text(page, '.document-sign') === '人脸核验并签署', 'the document page')
  expect(text(page, '.document-line')).toBe('火灾自动报警系统 火灾探测器报警功能 · 正常')
  await tap(page, '.document-sign')
  await until(() => text(page, '.document-outcome-text'), 'the signing answer')

  const doc = await api.get('/documents/' + seeded.document_id)
  expect(doc.signatures.map((s) => [s.role, s.identity_method])).toEqual([
    ['project_lead', 'face'],
    ['technical_lead', 'face'],
  ])
  expect(doc.signatures[0].face_distance).toBeLessThan(0.6)
  expect(['effective', 'blocked']).toContain(doc.status)
  expect(text(page, '.document-outcome-text')).toBe(doc.status === 'effective' ? '签署完成，文件已生效' : '签署完成，但文件未生效')
  expect(texts(page, '.document-blocked .document-reason')).toEqual((doc.block_reasons || []).map((r) => '· ' + r.message))
  expect(find(page, '.document-sign')).toBeNull()
})

test('offline: a work record with two photos is queued, and after reconnecting each is stored exactly once', async () => {
  const facts = e2e.backend.facts
  const api = require('../../src/utils/api')
  const queue = require('../../src/utils/offline-queue')

  wx.__setOnline(false)
  checkIn.instance.onRecordPick({ detail: { value: 1 } }) // 自动喷水灭火系统
  wx.__media = camera('coffee.png')
  await tap(checkIn, '.record-add-photo')
  wx.__media = camera('obama_small.jpg')
  await tap(checkIn, '.record-add-photo')
  await tap(checkIn, '.record-button')
  expect(queue.pending().map((e) => e.kind)).toEqual(['work_record', 'work_photo', 'work_photo'])
  const [recordKey, firstPhotoKey, secondPhotoKey] = queue.pending().map((e) => e.key)

  // The network returns, but the answer to the first photo is lost on its way back to the phone.
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
  await until(() => queue.pending().length === 0 || (queue.pending()[0].lastError && queue.pending()[0].kind === 'work_photo'), 'the first attempt')
  if (queue.pending().length) await queue.flush({ force: true }) // the user taps "立即提交"
  await until(() => queue.pending().length === 0, 'the queue to empty')

  const uploads = sent.filter((s) => s.kind === 'upload').map((s) => s.key)
  expect(uploads).toEqual([firstPhotoKey, firstPhotoKey, secondPhotoKey]) // resent once, same key
  expect(sent.filter((s) => /\/records$/.test(new URL(s.url).pathname)).map((s) => s.key)).toEqual([recordKey])
  expect(queue.snapshot().refused).toEqual([])

  const visits = await api.page('/visits', { project_id: facts.project_id, limit: 10 })
  const visit = await api.get('/visits/' + visits.items[0].id)
  expect(visit.records).toHaveLength(2)
  const record = visit.records.find((r) => r.id === queue.resultFor(recordKey).response.id)
  expect(record.system_code).toBe('sprinkler')
  expect(record.photo_file_ids).toHaveLength(2) // the resent photo is attached once
  expect(queue.resultFor(secondPhotoKey).response.photo_file_ids).toEqual(record.photo_file_ids)
})
