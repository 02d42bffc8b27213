// Org admin / legal representative: 本机构 (evidence, submit, register), members, monthly reports, warnings.
const { freshApp, loginAs, error } = require('../helpers/setup')
const { openPage, tap, tapNth, input, text, texts, stateOf, find } = require('../helpers/page')
const { checkStates } = require('../helpers/list-states')

let server
let session

function addWx() {
  wx.showActionSheet = jest.fn((o) => Promise.resolve().then(() => o.success({ tapIndex: wx.__sheetIndex || 0 })))
  wx.chooseMessageFile = jest.fn((o) => Promise.resolve().then(() => o.success({ tempFiles: [{ path: 'http://tmp/licence.pdf', size: 2000 }] })))
  wx.__modalAnswer = { confirm: true, cancel: false, content: '' }
}

function fresh(roles) {
  ;({ server, session } = freshApp())
  addWx()
  if (roles) loginAs(session, roles)
}

const ORG = {
  organization: { id: 4, name: '上海安消消防技术服务有限公司', credit_code: '91310101MA1FL10000', type_names: ['维护保养检测机构'], status: 'draft', status_name: '草稿', district_name: '黄浦区', address: '南京东路100号', review_reasons: [], documents: { business_licence: true, quality_system: false, assessment_control: false } },
  conditions: { met: false, ruleset_title: '应急管理部令第7号', conditions: [] },
}

describe('本机构', () => {
  test('without an organisation role: refused, with a way to register the organisation', async () => {
    fresh(['practitioner'])
    const page = await openPage('org/pages/index/index')
    expect(stateOf(page)).toBe('refused')
    await tap(page, '.org-register')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/org/pages/register/index'])
  })

  test('evidence: which documents are uploaded; an upload is a multipart PUT; a draft can be submitted', async () => {
    fresh(['org_admin'])
    server.on('GET /api/v1/orgs/<id>', () => ({ status: 200, body: ORG }))
    server.on('PUT /api/v1/orgs/<id>/documents/<kind>', () => ({ status: 200, body: ORG.organization }))
    server.on('POST /api/v1/orgs/<id>/submit', () => ({ status: 200, body: ORG.organization }))
    const page = await openPage('org/pages/index/index')
    expect(texts(page, '.org-document')).toEqual(['营业执照已上传重新上传', '质量管理体系文件未上传上传', '评估过程控制体系文件未上传上传'])
    wx.__files.set('http://tmp/photo-1.jpg', 'JPEGDATA')
    await tapNth(page, '.org-upload', 1)
    const put = server.calls('PUT /api/v1/orgs/4/documents/quality_system')
    expect(put).toHaveLength(1)
    expect(put[0].header['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    const body = Buffer.from(put[0].data).toString('latin1')
    expect(body).toContain('name="file"; filename="photo-1.jpg"')
    expect(body).toContain('Content-Type: image/jpeg\r\n\r\nJPEGDATA\r\n')
    await tap(page, '.org-submit')
    expect(server.calls('POST /api/v1/orgs/4/submit')).toHaveLength(1)
    expect(texts(page, '.org-menu-item')).toContain('人员与邀请')
  })
})

describe('登记机构', () => {
  test('login state without a session', async () => {
    fresh()
    expect(stateOf(await openPage('org/pages/register/index'))).toBe('login')
  })

  test('checks the ID number and credit code before sending, then registers and acts as legal representative', async () => {
    fresh([])
    server.on('POST /api/v1/orgs', (req) => ({ status: 201, body: Object.assign({ id: 11, status: 'draft' }, req.data) }))
    server.on('GET /api/v1/me', () => ({
      status: 200,
      body: { id: 7, phone_masked: '138****8000', roles: [{ role: 'legal_rep', org_id: 11, jurisdiction: null }, { role: 'org_admin', org_id: 11, jurisdiction: null }] },
    }))
    const page = await openPage('org/pages/register/index')
    expect(stateOf(page)).toBe('data')
    await input(page, '.rg-name', '上海新安消防技术服务有限公司')
    await input(page, '.rg-credit', '9131010')
    await input(page, '.rg-rep', '赵建国')
    await input(page, '.rg-rep-id', '110101199003070012')
    await input(page, '.rg-address', '上海市黄浦区南京东路100号')
    await tap(page, '.rg-submit')
    expect(text(page, '.rg-rep-id-error')).toBe('身份证号码校验位错误，请核对后重新输入')
    expect(text(page, '.rg-credit-error')).toBe('统一社会信用代码应为18位数字或大写字母')
    expect(server.calls('POST /api/v1/orgs')).toHaveLength(0)
    await input(page, '.rg-rep-id', '110101199003070011')
    await input(page, '.rg-credit', '91310101ma1fl10000')
    await tap(page, '.rg-submit')
    const sent = server.calls('POST /api/v1/orgs')
    expect(sent).toHaveLength(1)
    expect(sent[0].data).toMatchObject({ credit_code: '91310101MA1FL10000', legal_rep_id_number: '110101199003070011', types: ['maintenance_testing'] })
    expect(session.activeRole()).toMatchObject({ role: 'legal_rep', org_id: 11 })
    expect(wx.__calls.nav).toContainEqual(['redirectTo', '/org/pages/index/index'])
  })

  test('a refusal from the server is shown and nothing changes', async () => {
    fresh([])
    server.on('POST /api/v1/orgs', () => error(409, 'org_exists', '该统一社会信用代码的机构已登记'))
    const page = await openPage('org/pages/register/index')
    await input(page, '.rg-name', '上海新安消防技术服务有限公司')
    await input(page, '.rg-credit', '91310101MA1FL10000')
    await input(page, '.rg-rep', '赵建国')
    await input(page, '.rg-rep-id', '110101199003070011')
    await input(page, '.rg-address', '上海市黄浦区南京东路100号')
    await tap(page, '.rg-submit')
    expect(wx.__calls.toast.map((t) => t.title)).toContain('该统一社会信用代码的机构已登记')
    expect(wx.__calls.nav).toEqual([])
  })
})

const STAFF = [
  { id: 21, status: 'active', status_name: '在职', position: 'engineer', position_name: '注册消防工程师', practitioner: { id: 3, name: '陈志强', certificates: [{ kind: 'engineer_1', kind_name: '一级注册消防工程师', status_name: '有效' }] }, started_at: '2026-01-05T02:00:00Z', created_at: '2026-01-04T02:00:00Z' },
  { id: 22, status: 'invited', status_name: '邀请中', position: 'operator', position_name: '消防设施操作员', invited_phone_masked: '139****0001', practitioner: null, created_at: '2026-05-01T02:00:00Z' },
]

describe('人员与邀请', () => {
  checkStates({
    route: 'org/pages/members/index',
    endpoint: 'GET /api/v1/orgs/<id>/staff',
    role: 'org_admin',
    wrongRole: 'supervisor',
    answer: () => ({ items: STAFF, next_cursor: null }),
    emptyBody: { items: [], next_cursor: null },
    dataSelector: '.mb-item',
  })

  test('data: people and invitations; invite by phone; withdraw an invitation', async () => {
    fresh(['org_admin'])
    server.on('GET /api/v1/orgs/<id>/staff', () => ({ status: 200, body: { items: STAFF, next_cursor: null } }))
    server.on('POST /api/v1/orgs/<id>/staff', (req) => ({ status: 201, body: Object.assign({ id: 23, status: 'invited' }, req.data) }))
    server.on('POST /api/v1/employments/<id>/end', () => ({ status: 200, body: { id: 22, status: 'withdrawn' } }))
    const page = await openPage('org/pages/members/index')
    expect(texts(page, '.mb-who')).toEqual(['陈志强', '受邀手机号 139****0001'])
    expect(text(page, '.mb-item')).toContain('证书：一级注册消防工程师·有效')
    await input(page, '.mb-phone', '1390000')
    await tap(page, '.mb-invite-button')
    expect(text(page, '.mb-phone-error')).toBe('请输入11位手机号')
    await input(page, '.mb-phone', '13900000002')
    await tap(page, '.mb-invite-button')
    expect(server.calls('POST /api/v1/orgs/4/staff')[0].data).toEqual({ phone: '13900000002', position: 'engineer' })
    expect(texts(page, '.mb-end')).toEqual(['解除聘用', '撤回邀请'])
    await tapNth(page, '.mb-end', 1)
    await new Promise((r) => setTimeout(r, 20))
    expect(server.calls('POST /api/v1/employments/22/end')[0].data).toEqual({ reason: '机构撤回邀请' })
  })
})

const REPORTS = [
  { id: 5, org_id: 4, month: '2026-04', status: 'compiled', status_name: '待提交', figures: { projects: { active: 3, new: 1, concluded: 0 }, visits: { accepted: 41, refused: 2, flagged: 1, hours: 96.5 } }, due_on: '2026-05-10', late: false },
  { id: 4, org_id: 4, month: '2026-03', status: 'submitted', status_name: '已提交', figures: {}, due_on: '2026-04-10', submitted_at: '2026-04-12T02:00:00Z', late: true, remarks: '已核对' },
]

describe('月度报表', () => {
  checkStates({
    route: 'org/pages/reports/index',
    endpoint: 'GET /api/v1/monitoring/reports',
    role: 'org_admin',
    wrongRole: 'practitioner',
    answer: () => ({ items: REPORTS, next_cursor: null }),
    emptyBody: { items: [], next_cursor: null },
    dataSelector: '.rp-item',
  })

  test('data: status, due day and lateness; compile last month; submit with remarks', async () => {
    fresh(['org_admin'])
    server.on('GET /api/v1/monitoring/reports', (req) => ({ status: 200, body: { items: req.query.org_id === '4' ? REPORTS : [], next_cursor: null } }))
    server.on('POST /api/v1/monitoring/reports', (req) => ({ status: 201, body: Object.assign({ id: 6, status: 'compiled' }, req.data) }))
    server.on('POST /api/v1/monitoring/reports/<id>/submit', () => ({ status: 200, body: Object.assign({}, REPORTS[0], { status: 'submitted', late: false }) }))
    const page = await openPage('org/pages/reports/index')
    expect(texts(page, '.rp-month')).toEqual(['2026-04', '2026-03'])
    expect(texts(page, '.rp-late')).toEqual(['逾期'])
    expect(texts(page, '.rp-submit')).toHaveLength(1)
    await tap(page, '.rp-item .card-title')
    expect(texts(page, '.rp-section')).toEqual(['项目情况：在服务项目 3 个，新登记项目 1 个，完结项目 0 个', '现场执业：有效签到 41 次，被拒绝的签到 2 次，有异常提示的签到 1 次，在场时长 96.5 小时'])
    await tap(page, '.rp-compile')
    expect(server.calls('POST /api/v1/monitoring/reports')[0].data).toEqual({ org_id: 4, month: expect.stringMatching(/^\d{4}-\d{2}$/) })
    wx.__modalAnswer = { confirm: true, cancel: false, content: ' 已核对数据 ' }
    await tap(page, '.rp-submit')
    await new Promise((r) => setTimeout(r, 20))
    expect(server.calls('POST /api/v1/monitoring/reports/5/submit')[0].data).toEqual({ remarks: '已核对数据' })
  })
})

const WARNINGS = [
  { id: 31, rule: 'certificate_expiring', rule_title: '证书即将到期', severity: 'medium', subject_kind: 'practitioner', subject_name: '陈*强', period_key: '2026-05', summary: '一级注册消防工程师证书将于30天内到期', status: 'open', status_name: '待处理', detected_at: '2026-05-02T02:00:00Z' },
  { id: 30, rule: 'conditions_unmet', rule_title: '从业条件不符合', severity: 'high', subject_kind: 'organization', subject_name: '上海安消', period_key: '2026-04-30', summary: '消防设施操作员人数不足', status: 'acknowledged', status_name: '已确认', detected_at: '2026-04-30T02:00:00Z', acknowledge_note: '已招聘' },
]

describe('预警', () => {
  checkStates({
    route: 'org/pages/warnings/index',
    endpoint: 'GET /api/v1/monitoring/warnings',
    role: 'org_admin',
    wrongRole: 'practitioner',
    answer: () => ({ items: WARNINGS, next_cursor: null }),
    emptyBody: { items: [], next_cursor: null },
    dataSelector: '.wn-item',
  })

  test('data: open warnings of the organisation; acknowledge with a note', async () => {
    fresh(['org_admin'])
    server.on('GET /api/v1/monitoring/warnings', () => ({ status: 200, body: { items: WARNINGS, next_cursor: null } }))
    server.on('POST /api/v1/monitoring/warnings/<id>/acknowledge', () => ({ status: 200, body: Object.assign({}, WARNINGS[0], { status: 'acknowledged' }) }))
    const page = await openPage('org/pages/warnings/index')
    expect(server.log[0].query).toMatchObject({ org_id: '4', open_only: 'true' })
    expect(texts(page, '.wn-summary')).toEqual(['一级注册消防工程师证书将于30天内到期', '消防设施操作员人数不足'])
    expect(text(page, '.wn-note')).toBe('机构说明：已招聘')
    expect(texts(page, '.wn-ack')).toHaveLength(1)
    wx.__modalAnswer = { confirm: true, cancel: false, content: '已提醒本人续期' }
    await tap(page, '.wn-ack')
    await new Promise((r) => setTimeout(r, 20))
    expect(server.calls('POST /api/v1/monitoring/warnings/31/acknowledge')[0].data).toEqual({ note: '已提醒本人续期' })
    expect(find(page, '.wn-item')).not.toBeNull()
  })
})
