// Practitioner subpackage: face enrolment (consent before the camera, liveness prompts, background processing,
// the refusal reason) and the handwritten signature canvas.
const { freshApp, loginAs, deferred, error } = require('../helpers/setup')
const { openPage, tap, text, stateOf, find } = require('../helpers/page')
const { profile, installCamera, installCanvas, scribble } = require('../helpers/practitioner')

let server
let session

beforeEach(() => {
  ;({ server, session } = freshApp())
})

const CONSENT = { current_version: '2026-01', text: '人脸识别信息处理告知同意书……', version: null, given_at: null, withdrawn_at: null, in_force: false }

function faceEndpoints(opts) {
  const state = { consent: Object.assign({}, CONSENT, opts && opts.consent), face: { face_status: 'none', face_status_name: '未采集', consent_in_force: false, latest: null } }
  server.on('GET /api/v1/practitioners/me/biometric-consent', () => ({ status: 200, body: state.consent }))
  server.on('POST /api/v1/practitioners/me/biometric-consent', (req) => {
    state.consent = Object.assign({}, state.consent, { version: req.data.version, in_force: true })
    return { status: 200, body: state.consent }
  })
  server.on('GET /api/v1/practitioners/me/face', () => ({ status: 200, body: state.face }))
  return state
}

async function fastCapture(page) {
  page.instance.promptMs = 0
  page.instance.pollMs = 0
  await tap(page, '.face-capture')
  await new Promise((r) => setTimeout(r, 30))
}

describe('face enrolment', () => {
  test('anonymous: asks to log in', async () => {
    expect(stateOf(await openPage('practitioner/pages/face/index'))).toBe('login')
  })

  test('without the practitioner role: refused', async () => {
    loginAs(session, ['org_admin'])
    const page = await openPage('practitioner/pages/face/index')
    expect(stateOf(page)).toBe('refused')
    expect(text(page, '.page-state >>> .state-message')).toBe('请先完成实名认证，登记为从业人员后再采集人脸')
  })

  test('loading, then the consent: the camera opens only once it is accepted; three frames, the first enrolled', async () => {
    loginAs(session, ['practitioner'])
    const state = faceEndpoints()
    const gate = deferred()
    server.on('GET /api/v1/practitioners/me/biometric-consent', async () => (await gate.promise, { status: 200, body: state.consent }))
    const frames = installCamera(wx)
    server.on('POST /api/v1/practitioners/me/face', () => {
      state.face = { face_status: 'pending', face_status_name: '处理中', latest: { id: 4, status: 'pending' } }
      return { status: 202, body: { id: 4, status: 'pending' } }
    })
    let polls = 0
    server.on('GET /api/v1/practitioners/me/face', () => {
      polls += 1
      if (polls >= 2 && state.face.face_status === 'pending') state.face = { face_status: 'enrolled', face_status_name: '已采集', latest: { id: 4, status: 'enrolled' } }
      return { status: 200, body: state.face }
    })
    server.on('POST /api/v1/practitioners/me/face/verify', () => ({ status: 200, body: { distance: 0.31, passed: true, tolerance: 0.5 } }))

    const page = await openPage('practitioner/pages/face/index', {}, { wait: false })
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('loading')
    gate.resolve()
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('data')
    expect(find(page, '.face-consent')).not.toBeNull()
    expect(find(page, '.face-camera')).toBeNull()
    await tap(page, '.face-consent-button')
    expect(server.calls('POST /api/v1/practitioners/me/biometric-consent')).toHaveLength(0) // not ticked yet
    expect(find(page, '.face-camera')).toBeNull()

    find(page, '.face-agree').dispatchEvent('change', { detail: { value: ['agree'] } })
    await new Promise((r) => setTimeout(r, 0))
    await tap(page, '.face-consent-button')
    expect(server.calls('POST /api/v1/practitioners/me/biometric-consent')[0].data).toEqual({ version: '2026-01' })
    expect(find(page, '.face-camera')).not.toBeNull()

    await fastCapture(page)
    expect(frames).toEqual(['http://tmp/frame-1.jpg', 'http://tmp/frame-2.jpg', 'http://tmp/frame-3.jpg'])
    expect(server.calls('POST /api/v1/practitioners/me/face')[0]).toMatchObject({ kind: 'upload', name: 'photo', filePath: 'http://tmp/frame-1.jpg' })
    expect(server.calls('POST /api/v1/practitioners/me/face/verify')[0].filePath).toBe('http://tmp/frame-3.jpg')
    expect(text(page, '.face-result-title')).toBe('人脸采集成功')
    expect(text(page, '.face-status-name')).toBe('已采集')
  })

  test('a photo the engine refuses: the reason is shown', async () => {
    loginAs(session, ['practitioner'])
    const state = faceEndpoints({ consent: { version: '2026-01', in_force: true } })
    installCamera(wx)
    server.on('POST /api/v1/practitioners/me/face', () => {
      state.face = { face_status: 'failed', face_status_name: '采集失败', latest: { id: 5, status: 'failed', fail_reason: 'multiple_faces', fail_message: '照片中有多张人脸，请单人拍摄' } }
      return { status: 202, body: { id: 5, status: 'pending' } }
    })
    const page = await openPage('practitioner/pages/face/index')
    expect(find(page, '.face-consent')).toBeNull()
    await tap(page, '.face-start')
    await fastCapture(page)
    expect(text(page, '.face-result-title')).toBe('人脸采集失败')
    expect(text(page, '.face-result-reason')).toBe('照片中有多张人脸，请单人拍摄')
    expect(server.calls('POST /api/v1/practitioners/me/face/verify')).toHaveLength(0)
  })

  test('a different face at the end of the sequence is not accepted', async () => {
    loginAs(session, ['practitioner'])
    const state = faceEndpoints({ consent: { version: '2026-01', in_force: true } })
    installCamera(wx)
    server.on('POST /api/v1/practitioners/me/face', () => {
      state.face = { face_status: 'enrolled', face_status_name: '已采集', latest: { id: 6, status: 'enrolled' } }
      return { status: 202, body: { id: 6, status: 'enrolled' } }
    })
    server.on('POST /api/v1/practitioners/me/face/verify', () => ({ status: 200, body: { distance: 0.82, passed: false, tolerance: 0.5 } }))
    const page = await openPage('practitioner/pages/face/index')
    await tap(page, '.face-start')
    await fastCapture(page)
    expect(text(page, '.face-result-title')).toBe('采集未完成')
    expect(text(page, '.face-result-reason')).toBe('采集过程中镜头前的人脸不一致，请本人重新采集')
  })

  test('an upload refused at once (not an image) shows the server message', async () => {
    loginAs(session, ['practitioner'])
    faceEndpoints({ consent: { version: '2026-01', in_force: true } })
    installCamera(wx)
    server.on('POST /api/v1/practitioners/me/face', () => error(422, 'image_unreadable', '无法识别的图片，请重新拍摄'))
    const page = await openPage('practitioner/pages/face/index')
    await tap(page, '.face-start')
    await fastCapture(page)
    expect(text(page, '.face-result-title')).toBe('照片未被接受')
    expect(text(page, '.face-result-reason')).toBe('无法识别的图片，请重新拍摄')
  })

  test('error', async () => {
    loginAs(session, ['practitioner'])
    faceEndpoints()
    server.on('GET /api/v1/practitioners/me/face', () => ({ fail: 'request:fail timeout' }))
    const page = await openPage('practitioner/pages/face/index')
    expect(stateOf(page)).toBe('error')
  })

  test('refused by the server', async () => {
    loginAs(session, ['practitioner'])
    faceEndpoints()
    server.on('GET /api/v1/practitioners/me/biometric-consent', () => error(403, 'forbidden', '没有权限执行此操作'))
    expect(stateOf(await openPage('practitioner/pages/face/index'))).toBe('refused')
  })
})

describe('handwritten signature', () => {
  test('anonymous: asks to log in', async () => {
    expect(stateOf(await openPage('practitioner/pages/signature/index'))).toBe('login')
  })

  test('draw, clear, draw again and save: the canvas PNG goes up by POST', async () => {
    loginAs(session, ['practitioner'])
    const gate = deferred()
    server.on('GET /api/v1/practitioners/me', async () => (await gate.promise, { status: 200, body: profile({ signature_uploaded: false }) }))
    server.on('POST /api/v1/practitioners/me/signature', () => ({ status: 200, body: profile({ signature_uploaded: true }) }))
    const ops = installCanvas(wx, 'http://tmp/signature.png')
    const page = await openPage('practitioner/pages/signature/index', {}, { wait: false })
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('loading')
    gate.resolve()
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.signature-status')).toBe('尚未上传签名：签署结论文件前必须上传')

    await tap(page, '.signature-save')
    expect(wx.__calls.toast.pop().title).toBe('请在框内用手指签写姓名') // an empty canvas is not a signature

    scribble(page, 20)
    expect(ops.filter((o) => o[0] === 'lineTo')).toHaveLength(20)
    await tap(page, '.signature-clear')
    expect(ops.some((o) => o[0] === 'clearRect')).toBe(true)
    await tap(page, '.signature-save')
    expect(server.calls('POST /api/v1/practitioners/me/signature')).toHaveLength(0)

    scribble(page, 20)
    await tap(page, '.signature-save')
    await new Promise((r) => setTimeout(r, 10))
    expect(wx.canvasToTempFilePath.mock.calls[0][0]).toMatchObject({ canvasId: 'signature', fileType: 'png' })
    expect(server.calls('POST /api/v1/practitioners/me/signature')[0]).toMatchObject({ kind: 'upload', name: 'signature', filePath: 'http://tmp/signature.png' })
    expect(text(page, '.signature-saved')).toBe('签名已保存')
    expect(text(page, '.signature-status')).toBe('已上传签名；重新签写并保存将替换原签名')
  })

  test('a signature the server refuses (blank after trimming): its message is shown', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/practitioners/me', () => ({ status: 200, body: profile() }))
    server.on('POST /api/v1/practitioners/me/signature', () => error(422, 'signature_blank', '签名图片为空白，请重新签写'))
    installCanvas(wx, 'http://tmp/signature.png')
    const page = await openPage('practitioner/pages/signature/index')
    scribble(page, 20)
    await tap(page, '.signature-save')
    await new Promise((r) => setTimeout(r, 10))
    expect(wx.__calls.toast.map((t) => t.title)).toContain('签名图片为空白，请重新签写')
    expect(find(page, '.signature-saved')).toBeNull()
  })

  test('error', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/practitioners/me', () => error(503, 'service_unavailable', '服务暂时不可用'))
    expect(stateOf(await openPage('practitioner/pages/signature/index'))).toBe('error')
  })

  test('refused without the practitioner role', async () => {
    loginAs(session, ['supervisor'])
    expect(stateOf(await openPage('practitioner/pages/signature/index'))).toBe('refused')
  })
})
