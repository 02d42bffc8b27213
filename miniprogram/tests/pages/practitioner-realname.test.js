// Practitioner subpackage: real-name authentication (ID check digit on the phone, certificates and their
// photos, review status) and my employer / invitations.
const { freshApp, loginAs, deferred, error } = require('../helpers/setup')
const { openPage, tap, input, text, texts, stateOf, find, findAll } = require('../helpers/page')
const { profile } = require('../helpers/practitioner')

let server
let session

beforeEach(() => {
  ;({ server, session } = freshApp())
})

describe('real-name authentication', () => {
  test('anonymous: asks to log in', async () => {
    expect(stateOf(await openPage('practitioner/pages/realname/index'))).toBe('login')
  })

  test('loading, then the profile with the review status of identity and certificates', async () => {
    loginAs(session, ['practitioner'])
    const gate = deferred()
    server.on('GET /api/v1/practitioners/me', async () => {
      await gate.promise
      return {
        status: 200,
        body: profile({
          identity_status: 'unverified',
          registry_known: false,
          face_status: 'failed',
          face_status_name: '采集失败',
          latest_enrolment: { id: 3, status: 'failed', fail_reason: 'no_face', fail_message: '照片中未检测到人脸' },
          signature_uploaded: false,
          certificates: [
            { id: 8, kind: 'engineer_1', kind_name: '一级注册消防工程师', cert_no: '0012345', registration_no: 'S31001', status: 'valid', status_name: '有效', expires_on: '2028-06-30', check_notes: [] },
            { id: 9, kind: 'operator', kind_name: '消防设施操作员', level: 4, level_name: '四级/中级工', cert_no: 'OP9988', status: 'invalid', status_name: '无效', check_notes: ['全国系统中无此证书'] },
          ],
        }),
      }
    })
    const page = await openPage('practitioner/pages/realname/index', {}, { wait: false })
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('loading')
    gate.resolve()
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.realname-identity')).toBe('未通过实名核验')
    expect(text(page, '.realname-registry')).toBe('全国系统中未找到与姓名、身份证号一致的人员')
    expect(text(page, '.realname-face')).toBe('采集失败')
    expect(text(page, '.realname-face-fail')).toBe('照片中未检测到人脸')
    expect(text(page, '.realname-signature')).toBe('未上传')
    expect(texts(page, '.realname-cert-status')).toEqual(['有效', '无效'])
    expect(texts(page, '.realname-cert-note')).toEqual(['· 全国系统中无此证书'])
    expect(text(page, '.realname-employer')).toBe('所在机构：上海外滩消防技术服务有限公司')
  })

  test('registering: the ID number is checked on the phone before anything is sent', async () => {
    loginAs(session, [])
    server.on('POST /api/v1/practitioners', (req) => ({ status: 201, body: profile({ name: req.data.name }) }))
    server.on('GET /api/v1/me', () => ({
      status: 200,
      body: { id: 7, phone_masked: '138****8000', roles: [{ role: 'practitioner', role_name: '从业人员', org_id: null, jurisdiction: null }] },
    }))
    server.on('GET /api/v1/practitioners/me', () => ({ status: 200, body: profile() }))
    const page = await openPage('practitioner/pages/realname/index')
    expect(stateOf(page)).toBe('data')
    expect(find(page, '.realname-register')).not.toBeNull()

    await input(page, '.realname-name', '张伟')
    await input(page, '.realname-id', '310101198503170012') // wrong check digit
    await tap(page, '.realname-submit')
    expect(text(page, '.realname-id-error')).toBe('身份证号码校验位错误，请核对后重新输入')
    expect(server.calls('POST /api/v1/practitioners')).toHaveLength(0)

    await input(page, '.realname-id', '11010519491231002x') // GB 11643 example, lower-case x
    await tap(page, '.realname-submit')
    await new Promise((r) => setTimeout(r, 10))
    expect(server.calls('POST /api/v1/practitioners')[0].data).toEqual({ name: '张伟', id_number: '11010519491231002X' })
    expect(session.hasRole('practitioner')).toBe(true)
    expect(find(page, '.realname-profile')).not.toBeNull()
  })

  test('a certificate is declared, then its photo uploaded', async () => {
    loginAs(session, ['practitioner'])
    let certs = []
    server.on('GET /api/v1/practitioners/me', () => ({ status: 200, body: profile({ certificates: certs }) }))
    server.on('POST /api/v1/practitioners/me/certificates', (req) => {
      certs = [{ id: 30, kind: req.data.kind, kind_name: '消防设施操作员', level: req.data.level, cert_no: req.data.cert_no, status: 'pending', status_name: '待核验', check_notes: [] }]
      return { status: 201, body: certs[0] }
    })
    server.on('POST /api/v1/practitioners/me/certificates/<id>/photo', (req) => ({ status: 200, body: Object.assign({}, certs[0], { photo_uploaded: true }) }))
    wx.__media = { tempFiles: [{ tempFilePath: 'http://tmp/cert.jpg', size: 1000, fileType: 'image' }] }
    const page = await openPage('practitioner/pages/realname/index')
    expect(text(page, '.realname-certs .muted')).toBe('尚未登记证书')
    await tap(page, '.cert-submit')
    expect(text(page, '.cert-error')).toBe('请输入证书编号（资格证书管理号）')

    page.instance.onKindPick({ detail: { value: 2 } })
    await new Promise((r) => setTimeout(r, 0))
    page.instance.onLevelPick({ detail: { value: 1 } })
    await input(page, '.cert-no', 'OP123456')
    await tap(page, '.cert-pick-photo')
    expect(wx.chooseMedia.mock.calls[0][0].sourceType).toEqual(['album', 'camera'])
    await tap(page, '.cert-submit')
    await new Promise((r) => setTimeout(r, 10))
    expect(server.calls('POST /api/v1/practitioners/me/certificates')[0].data).toEqual({ kind: 'operator', cert_no: 'OP123456', level: 4 })
    const upload = server.calls('POST /api/v1/practitioners/me/certificates/30/photo')[0]
    expect(upload).toMatchObject({ kind: 'upload', name: 'photo', filePath: 'http://tmp/cert.jpg' })
    expect(text(page, '.realname-cert-photo')).toBe('证书照片已上传（点此更换）')
  })

  test('error, with a retry', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/practitioners/me', () => ({ fail: 'request:fail timeout' }))
    const page = await openPage('practitioner/pages/realname/index')
    expect(stateOf(page)).toBe('error')
    server.on('GET /api/v1/practitioners/me', () => ({ status: 200, body: profile() }))
    await tap(page, '.page-state >>> .state-retry')
    expect(stateOf(page)).toBe('data')
  })

  test('refused by the server', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/practitioners/me', () => error(403, 'forbidden', '没有权限执行此操作'))
    const page = await openPage('practitioner/pages/realname/index')
    expect(stateOf(page)).toBe('refused')
    expect(text(page, '.page-state >>> .state-message')).toBe('没有权限执行此操作')
  })
})

describe('my employer and invitations', () => {
  const rows = () => [
    { id: 12, org_id: 5, org_name: '上海安消检测有限公司', position: 'engineer', position_name: '注册消防工程师', status: 'invited', status_name: '待接受', created_at: '2026-05-01T09:00:00+08:00' },
    { id: 11, org_id: 4, org_name: '上海外滩消防技术服务有限公司', position: 'project_lead', position_name: '项目负责人', status: 'active', status_name: '在职', started_at: '2025-01-02T09:00:00+08:00' },
    { id: 10, org_id: 3, org_name: '上海老牌消防有限公司', position: 'operator', position_name: '消防设施操作员', status: 'ended', status_name: '已离职', end_reason: '合同到期' },
  ]

  test('anonymous: asks to log in', async () => {
    expect(stateOf(await openPage('practitioner/pages/employer/index'))).toBe('login')
  })

  test('current employer, invitations and history; accept', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/employments/mine', () => ({ status: 200, body: rows() }))
    server.on('POST /api/v1/employments/<id>/accept', () => error(409, 'already_employed', '您已在其他机构执业，须先解除原聘用关系'))
    const page = await openPage('practitioner/pages/employer/index')
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.employer-current-name')).toBe('上海外滩消防技术服务有限公司')
    expect(text(page, '.employer-invitation-org')).toBe('上海安消检测有限公司')
    expect(text(page, '.employer-past')).toContain('原因：合同到期')
    await tap(page, '.employer-accept')
    expect(server.calls('POST /api/v1/employments/12/accept')).toHaveLength(1)
    expect(wx.__calls.toast.concat(wx.__calls.modal).map((m) => m.title || m.content).join()).toContain('您已在其他机构执业')
  })

  test('decline after confirming; a user without the practitioner role is sent to real-name authentication to accept', async () => {
    loginAs(session, [])
    let list = rows().slice(0, 1)
    server.on('GET /api/v1/employments/mine', () => ({ status: 200, body: list }))
    server.on('POST /api/v1/employments/<id>/decline', () => {
      list = [Object.assign({}, list[0], { status: 'declined', status_name: '已谢绝' })]
      return { status: 200, body: list[0] }
    })
    const page = await openPage('practitioner/pages/employer/index')
    expect(text(page, '.employer-none')).toBe('暂无，接受机构的聘用邀请后即在该机构执业')
    await tap(page, '.employer-accept')
    await new Promise((r) => setTimeout(r, 10))
    expect(server.calls('POST /api/v1/employments/12/accept')).toHaveLength(0)
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/practitioner/pages/realname/index'])
    await page.instance.onDecline({ currentTarget: { dataset: { id: 12 } } })
    expect(server.calls('POST /api/v1/employments/12/decline')).toHaveLength(1)
    expect(findAll(page, '.employer-invitation')).toHaveLength(0)
    expect(text(page, '.employer-past')).toContain('已谢绝')
  })

  test('empty', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/employments/mine', () => ({ status: 200, body: [] }))
    expect(stateOf(await openPage('practitioner/pages/employer/index'))).toBe('empty')
  })

  test('error', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/employments/mine', () => error(500, 'internal_error', '服务器内部错误'))
    expect(stateOf(await openPage('practitioner/pages/employer/index'))).toBe('error')
  })

  test('refused by the server', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/employments/mine', () => error(403, 'forbidden', '没有权限执行此操作'))
    expect(stateOf(await openPage('practitioner/pages/employer/index'))).toBe('refused')
  })
})
