// Practitioner subpackage: conclusion documents awaiting my signature, and signing one after a face check.
const { freshApp, loginAs, deferred, error } = require('../helpers/setup')
const { openPage, tap, text, texts, stateOf, find } = require('../helpers/page')
const { profile } = require('../helpers/practitioner')

let server
let session

beforeEach(() => {
  ;({ server, session } = freshApp())
})

function doc(overrides) {
  return Object.assign(
    {
      id: 70,
      report_number: 'WB-2026-0000070',
      project_id: 12,
      org_id: 4,
      doc_type: 'maintenance_record',
      doc_type_name: '维保记录',
      period_start: '2026-05-01',
      period_end: '2026-05-31',
      status: 'draft',
      status_name: '草稿',
      items: [{ system_code: 'fire_alarm', facility_system: '火灾自动报警系统', item: '火灾探测器报警功能', result: 'normal', note: '' }],
      defects: [{ facility_system: '自动喷水灭火系统', description: '末端试水压力不足', status: 'open' }],
      conclusion: '本月维保项目已全部完成。',
      project_lead_id: 21,
      technical_lead_id: 22,
      signatures: [],
      block_reasons: [],
      flags: [],
    },
    overrides,
  )
}

describe('documents awaiting my signature', () => {
  test('anonymous: asks to log in', async () => {
    expect(stateOf(await openPage('practitioner/pages/documents/index'))).toBe('login')
  })

  test('loading, then only the drafts I still have to sign', async () => {
    loginAs(session, ['practitioner'])
    const gate = deferred()
    server.on('GET /api/v1/practitioners/me', () => ({ status: 200, body: profile({ id: 21 }) }))
    server.on('GET /api/v1/documents', async (req) => {
      await gate.promise
      expect(req.query.status).toBe('draft')
      return {
        status: 200,
        body: {
          items: [
            doc(),
            doc({ id: 71, report_number: 'WB-2026-0000071', signatures: [{ role: 'project_lead', practitioner_id: 21 }] }),
            doc({ id: 72, report_number: 'JC-2026-0000072', doc_type_name: '检测报告', project_lead_id: 30, technical_lead_id: 21 }),
            doc({ id: 73, project_lead_id: 30, technical_lead_id: 31 }),
          ],
          next_cursor: null,
        },
      }
    })
    const page = await openPage('practitioner/pages/documents/index', {}, { wait: false })
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('loading')
    gate.resolve()
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('data')
    expect(texts(page, '.document-item .muted')).toEqual(['WB-2026-0000070 · 2026-05-01 至 2026-05-31', 'JC-2026-0000072 · 2026-05-01 至 2026-05-31'])
    expect(texts(page, '.document-roles')).toEqual(['待您以项目负责人身份签署', '待您以技术负责人身份签署'])
    await tap(page, '.document-item')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/practitioner/pages/document/index?id=70'])
  })

  test('empty', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/practitioners/me', () => ({ status: 200, body: profile() }))
    server.on('GET /api/v1/documents', () => ({ status: 200, body: { items: [doc({ project_lead_id: 1, technical_lead_id: 2 })], next_cursor: null } }))
    expect(stateOf(await openPage('practitioner/pages/documents/index'))).toBe('empty')
  })

  test('error', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/practitioners/me', () => ({ fail: 'request:fail timeout' }))
    expect(stateOf(await openPage('practitioner/pages/documents/index'))).toBe('error')
  })

  test('refused: another role', async () => {
    loginAs(session, ['org_admin'])
    expect(stateOf(await openPage('practitioner/pages/documents/index'))).toBe('refused')
  })
})

describe('signing a document', () => {
  function endpoints(me, d) {
    server.on('GET /api/v1/practitioners/me', () => ({ status: 200, body: me }))
    server.on('GET /api/v1/documents/<id>', (req) => (req.params.id === '70' ? { status: 200, body: d } : error(403, 'document_access_denied', '无权查看该文件')))
  }

  test('anonymous: asks to log in', async () => {
    expect(stateOf(await openPage('practitioner/pages/document/index', { id: '70' }))).toBe('login')
  })

  test('loading, the content, then a face photo taken now is sent with the signature', async () => {
    loginAs(session, ['practitioner'])
    const gate = deferred()
    server.on('GET /api/v1/practitioners/me', () => ({ status: 200, body: profile({ id: 21 }) }))
    server.on('GET /api/v1/documents/<id>', async () => (await gate.promise, { status: 200, body: doc() }))
    server.on('POST /api/v1/documents/<id>/signatures', () => ({
      status: 201,
      body: doc({ signatures: [{ role: 'project_lead', role_name: '项目负责人', identity_method: 'face', signed_at: '2026-06-01T10:00:00+08:00' }] }),
    }))
    wx.__media = { tempFiles: [{ tempFilePath: 'http://tmp/sign-face.jpg', size: 1000, fileType: 'image' }] }
    wx.__files.set('http://tmp/sign-face.jpg', 'QUJDRA==')
    const page = await openPage('practitioner/pages/document/index', { id: '70' }, { wait: false })
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('loading')
    gate.resolve()
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.document-line')).toBe('火灾自动报警系统 火灾探测器报警功能 · 正常')
    expect(text(page, '.document-defect')).toBe('· 自动喷水灭火系统：末端试水压力不足')
    expect(text(page, '.document-conclusion')).toBe('结论：本月维保项目已全部完成。')
    expect(text(page, '.document-sign')).toBe('人脸核验并签署')

    await tap(page, '.document-sign')
    await new Promise((r) => setTimeout(r, 10))
    expect(wx.chooseMedia.mock.calls[0][0]).toMatchObject({ sourceType: ['camera'], camera: 'front' })
    expect(server.calls('POST /api/v1/documents/70/signatures')[0].data).toEqual({ identity_method: 'face', photo: 'QUJDRA==' })
    expect(text(page, '.document-outcome-text')).toBe('签署完成，等待其他签署人签署')
    expect(text(page, '.document-signature')).toBe('项目负责人 · 人脸核验 · 2026-06-01 10:00')
    expect(find(page, '.document-sign')).toBeNull()
  })

  test('the last signature: blocked, with the reasons it is not effective', async () => {
    loginAs(session, ['practitioner'])
    endpoints(profile({ id: 22 }), doc({ signatures: [{ role: 'project_lead', role_name: '项目负责人', identity_method: 'face', signed_at: '2026-06-01T10:00:00+08:00' }] }))
    server.on('POST /api/v1/documents/<id>/signatures', () => ({
      status: 201,
      body: doc({ status: 'blocked', status_name: '未生效', block_reasons: [{ code: 'open_defects', message: '存在未整改的故障/隐患' }] }),
    }))
    wx.__files.set('http://tmp/photo-1.jpg', 'AAAA')
    const page = await openPage('practitioner/pages/document/index', { id: '70' })
    expect(text(page, '.document-signature')).toBe('项目负责人 · 人脸核验 · 2026-06-01 10:00')
    expect(text(page, '.document-sign')).toBe('人脸核验并签署') // the technical lead still has to sign
    await tap(page, '.document-sign')
    await new Promise((r) => setTimeout(r, 10))
    expect(text(page, '.document-outcome-text')).toBe('签署完成，但文件未生效')
    expect(texts(page, '.document-blocked .document-reason')).toEqual(['· 存在未整改的故障/隐患'])
    expect(text(page, '.document-status')).toBe('未生效')
  })

  test('face check failed: the server refusal is explained on the page', async () => {
    loginAs(session, ['practitioner'])
    endpoints(profile({ id: 21 }), doc())
    server.on('POST /api/v1/documents/<id>/signatures', () => error(422, 'face_mismatch', '人脸核验未通过，不能签署'))
    wx.__files.set('http://tmp/photo-1.jpg', 'AAAA')
    const page = await openPage('practitioner/pages/document/index', { id: '70' })
    await tap(page, '.document-sign')
    await new Promise((r) => setTimeout(r, 10))
    expect(text(page, '.document-outcome-text')).toBe('未能签署：人脸核验未通过，不能签署')
    expect(find(page, '.document-sign')).not.toBeNull()
  })

  test('approved alternative identity: signs without a photo; no signature image: sent to the signature page', async () => {
    loginAs(session, ['practitioner'])
    endpoints(profile({ id: 21, face_status: 'none', alt_identity_approved_at: '2026-04-01T09:00:00+08:00', signature_uploaded: false }), doc())
    server.on('POST /api/v1/documents/<id>/signatures', (req) => ({ status: 201, body: doc({ signatures: [{ role: 'project_lead', identity_method: req.data.identity_method }] }) }))
    const page = await openPage('practitioner/pages/document/index', { id: '70' })
    expect(text(page, '.document-no-signature')).toBe('尚未上传手写签名，请先上传')
    await tap(page, '.document-sign')
    await new Promise((r) => setTimeout(r, 10))
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/practitioner/pages/signature/index'])
    expect(server.calls('POST /api/v1/documents/70/signatures')).toHaveLength(0)

    page.setData({ signatureMissing: false })
    await tap(page, '.document-sign')
    await new Promise((r) => setTimeout(r, 10))
    expect(wx.chooseMedia).not.toHaveBeenCalled()
    expect(server.calls('POST /api/v1/documents/70/signatures')[0].data).toEqual({ identity_method: 'alternative' })
  })

  test('refused by the server: not my document', async () => {
    loginAs(session, ['practitioner'])
    endpoints(profile(), doc())
    const page = await openPage('practitioner/pages/document/index', { id: '71' })
    expect(stateOf(page)).toBe('refused')
    expect(text(page, '.page-state >>> .state-message')).toBe('无权查看该文件')
  })

  test('error', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/practitioners/me', () => error(500, 'internal_error', '服务器内部错误'))
    expect(stateOf(await openPage('practitioner/pages/document/index', { id: '70' }))).toBe('error')
  })
})
