// Supervisor on site: find a project (keyword or nearby), the project with who is on site and a spot check,
// the inspection form, the timelines with drill-down, and a spot check from the live list.
const { freshApp, loginAs, error } = require('../helpers/setup')
const { openPage, tap, tapNth, input, text, texts, stateOf, find, settle } = require('../helpers/page')
const { checkStates, wait } = require('../helpers/list-states')

let server
let session

function fresh(roles) {
  ;({ server, session } = freshApp())
  wx.setNavigationBarTitle = jest.fn()
  if (roles) loginAs(session, roles)
}

const PROJECTS = [
  { id: 12, project_no: 'WB2026000012', name: '和平饭店消防设施维护保养', service_type: 'maintenance', service_type_name: '维护保养', status: 'in_service', status_name: '服务中', org_id: 4, org_name: '上海安消', building_name: '和平饭店', building_address: '南京东路20号' },
]

describe('查询项目', () => {
  test('login and refused states', async () => {
    fresh()
    expect(stateOf(await openPage('supervisor/pages/projects/index'))).toBe('login')
    fresh(['org_admin'])
    expect(stateOf(await openPage('supervisor/pages/projects/index'))).toBe('refused')
  })

  test('before any search: an empty state that says what to do', async () => {
    fresh(['supervisor'])
    const page = await openPage('supervisor/pages/projects/index')
    expect(stateOf(page)).toBe('empty')
    expect(text(page, '.page-state')).toBe('输入关键字查询，或查附近的项目')
    expect(server.log).toHaveLength(0)
  })

  test('by keyword: loading, then the projects; one opens', async () => {
    fresh(['supervisor'])
    let release
    const gate = new Promise((r) => (release = r))
    server.on('GET /api/v1/projects', async (req) => (await gate, { status: 200, body: { items: req.query.q === '和平' ? PROJECTS : [], next_cursor: null } }))
    const page = await openPage('supervisor/pages/projects/index')
    await input(page, '.sp-q', '和平')
    find(page, '.sp-search').dispatchEvent('tap')
    await wait()
    expect(stateOf(page)).toBe('loading')
    release()
    await settle()
    expect(texts(page, '.sp-name')).toEqual(['和平饭店消防设施维护保养'])
    await tap(page, '.sp-item')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/supervisor/pages/project/index?id=12'])
    await input(page, '.sp-q', '不存在')
    await tap(page, '.sp-search')
    expect(stateOf(page)).toBe('empty')
    expect(text(page, '.page-state')).toBe('没有找到符合条件的项目')
  })

  test('nearby: the GCJ-02 position from wx.getLocation goes out as near=lng,lat with near_crs and radius', async () => {
    fresh(['supervisor'])
    server.on('GET /api/v1/projects', () => ({ status: 200, body: { items: PROJECTS, next_cursor: null } }))
    const page = await openPage('supervisor/pages/projects/index')
    await tap(page, '.sp-nearby')
    expect(wx.getLocation.mock.calls[0][0].type).toBe('gcj02')
    expect(server.log[0].query).toMatchObject({ near: '121.473700,31.230400', near_crs: 'gcj02', radius_m: '1000' })
    expect(text(page, '.sp-here')).toBe('当前位置 121.47370, 31.23040（±15 米）')
    expect(texts(page, '.sp-name')).toHaveLength(1)
  })

  test('nearby without location permission: an error that says why; a server failure: error with retry', async () => {
    fresh(['supervisor'])
    wx.__locationError = 'getLocation:fail auth deny'
    const page = await openPage('supervisor/pages/projects/index')
    await tap(page, '.sp-nearby')
    expect(stateOf(page)).toBe('error')
    expect(text(page, '.page-state >>> .state-message')).toBe('需要位置权限才能签到：请在设置中允许使用位置信息')
    wx.__locationError = null
    let fail = true
    server.on('GET /api/v1/projects', () => (fail ? { status: 500, body: '' } : { status: 200, body: { items: PROJECTS, next_cursor: null } }))
    await tap(page, '.sp-nearby')
    expect(stateOf(page)).toBe('error')
    fail = false
    await tap(page, '.page-state >>> .state-retry')
    expect(stateOf(page)).toBe('data')
  })
})

const DETAIL = Object.assign({}, PROJECTS[0], { district_name: '黄浦区', contract_start: '2026-05-01', contract_end: '2027-04-30', lead_name: '陈*强', geofence: { type: 'Polygon', coordinates: [] }, open_defects: 2 })
const LIVE = [
  { visit_id: 9, checked_in_at: '2026-05-20T01:30:00Z', face_passed: true, project: { id: 12 }, org: { id: 4 }, practitioner: { id: 3, name_masked: '陈*强' }, pending_spot_check_id: null },
  { visit_id: 10, checked_in_at: '2026-05-20T01:40:00Z', face_passed: false, project: { id: 12 }, org: { id: 4 }, practitioner: { id: 5, name_masked: '李*' }, pending_spot_check_id: 7 },
]

describe('项目（监督）', () => {
  checkStates({
    route: 'supervisor/pages/project/index',
    query: { id: '12' },
    endpoint: 'GET /api/v1/projects/<id>',
    role: 'supervisor',
    wrongRole: 'practitioner',
    setup: (s) => s.on('GET /api/v1/supervision/live-visits', () => ({ status: 200, body: { items: [], next_cursor: null } })),
    answer: () => DETAIL,
    dataSelector: '.pj-info',
  })

  test('data: who is on site; a spot check on one of them with the chosen deadline', async () => {
    fresh(['supervisor'])
    server.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: DETAIL }))
    server.on('GET /api/v1/supervision/live-visits', (req) => ({ status: 200, body: { items: req.query.project_id === '12' ? LIVE : [], next_cursor: null } }))
    server.on('POST /api/v1/supervision/spot-checks', (req) => ({
      status: 201,
      body: { id: 44, visit_id: req.data.visit_id, practitioner: { id: 3, name_masked: '陈*强' }, deadline_at: '2026-05-20T02:00:00Z', status: 'pending', notified_via: 'sms' },
    }))
    const page = await openPage('supervisor/pages/project/index', { id: '12' })
    expect(text(page, '.pj-name')).toBe('和平饭店消防设施维护保养')
    expect(text(page, '.pj-info')).toContain('未关闭的故障/隐患 2 项')
    expect(texts(page, '.pj-who')).toEqual(['陈*强', '李*'])
    expect(texts(page, '.pj-spot')).toHaveLength(1) // 李* has a spot check pending already
    find(page, '.pj-deadline-picker').dispatchEvent('change', { detail: { value: 2 } })
    await settle()
    await tap(page, '.pj-spot')
    expect(server.calls('POST /api/v1/supervision/spot-checks')[0].data).toEqual({ visit_id: 9, deadline_minutes: 30 })
    expect(text(page, '.pj-last')).toBe('已对 陈*强 发起抽查，须在 2026-05-20 10:00 前答复。已通过短信通知')
    await tap(page, '.pj-inspect')
    await tap(page, '.pj-org-timeline')
    await tap(page, '.pj-who')
    expect(wx.__calls.nav).toEqual([
      ['navigateTo', '/supervisor/pages/inspection/index?project_id=12'],
      ['navigateTo', '/supervisor/pages/timeline/index?kind=organization&id=4'],
      ['navigateTo', '/supervisor/pages/timeline/index?kind=practitioner&id=3'],
    ])
  })

  test('a refused spot check (e.g. the person checked out meanwhile) shows the server\'s reason', async () => {
    fresh(['supervisor'])
    server.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: DETAIL }))
    server.on('GET /api/v1/supervision/live-visits', () => ({ status: 200, body: { items: LIVE, next_cursor: null } }))
    server.on('POST /api/v1/supervision/spot-checks', () => error(409, 'spot_check_visit_closed', '该人员已签退，不能发起抽查'))
    const page = await openPage('supervisor/pages/project/index', { id: '12' })
    await tap(page, '.pj-spot')
    expect(wx.__calls.toast.map((t) => t.title)).toContain('该人员已签退，不能发起抽查')
    expect(find(page, '.pj-last')).toBeNull()
  })
})

const RULES = {
  ruleset: '7号令',
  checklists: [
    { check_type: 'unit', name: '单位抽查（第二十二条）', items: [{ code: 'staff_qualifications', title: '从业人员是否具备相应资格', clause: '第二十二条' }, { code: 'on_site_staff', title: '项目负责人是否到现场', clause: '第二十二条' }] },
    { check_type: 'special', name: '专项检查（第二十三条）', items: [{ code: 'conditions', title: '从业条件', clause: '第二十三条' }] },
  ],
  penalty_bases: [],
}

describe('现场检查', () => {
  checkStates({
    route: 'supervisor/pages/inspection/index',
    query: { project_id: '12' },
    endpoint: 'GET /api/v1/supervision/rules',
    role: 'supervisor',
    wrongRole: 'org_admin',
    setup: (s) => s.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: DETAIL })),
    answer: () => RULES,
    dataSelector: '.in-item',
  })

  test('empty without a subject', async () => {
    fresh(['supervisor'])
    expect(stateOf(await openPage('supervisor/pages/inspection/index', {}))).toBe('empty')
  })

  test('an organisation gets the special checklist (第二十三条) and is sent as org_id', async () => {
    fresh(['supervisor'])
    server.on('GET /api/v1/supervision/rules', () => ({ status: 200, body: RULES }))
    server.on('GET /api/v1/orgs/<id>', () => ({ status: 200, body: { organization: { id: 4, name: '上海安消', credit_code: '91310101MA1FL10000' }, conditions: {} } }))
    server.on('POST /api/v1/supervision/inspections', () => ({ status: 201, body: { id: 62, result: 'qualified', result_label: '合格', status: 'closed', status_label: '已结案', suggested_bases: [] } }))
    const page = await openPage('supervisor/pages/inspection/index', { org_id: '4' })
    expect(text(page, '.in-subject')).toBe('上海安消')
    expect(texts(page, '.in-item')).toEqual(['1. 从业条件 第二十三条符合不符合不适用'])
    await tap(page, '.in-save')
    expect(server.calls('POST /api/v1/supervision/inspections')[0].data).toMatchObject({ org_id: 4, checklist: [{ code: 'conditions', result: 'pass', note: null }], result: 'qualified', rectification_deadline: null })
    expect(text(page, '.in-saved .card-title')).toBe('检查已保存（合格，已结案）')
  })

  test('a failed item needs its evidence; saved with the location; photos follow as base64', async () => {
    fresh(['supervisor'])
    server.on('GET /api/v1/supervision/rules', () => ({ status: 200, body: RULES }))
    server.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: DETAIL }))
    server.on('POST /api/v1/supervision/inspections', (req) => ({ status: 201, body: { id: 61, result: req.data.result, result_label: '责令整改', status: 'open', status_label: '整改中', suggested_bases: [{ code: 'art28', article: '第二十八条', conduct: '未到现场' }] } }))
    server.on('POST /api/v1/supervision/inspections/<id>/photos', () => ({ status: 201, body: { id: 61 } }))
    wx.__files.set('http://tmp/photo-1.jpg', 'QkFTRTY0')
    wx.__media = { tempFiles: [{ tempFilePath: 'http://tmp/photo-1.jpg', size: 1000, fileType: 'image' }] }
    const page = await openPage('supervisor/pages/inspection/index', { project_id: '12' })
    expect(text(page, '.in-subject')).toBe('和平饭店消防设施维护保养')
    expect(texts(page, '.in-item')).toHaveLength(2)
    const groups = page.querySelectorAll('.in-result')
    groups[1].dispatchEvent('change', { detail: { value: 'fail' } })
    await settle()
    find(page, '.in-conclusion-picker').dispatchEvent('change', { detail: { value: 1 } })
    await settle()
    await tap(page, '.in-save')
    expect(text(page, '.in-item-error')).toBe('不符合的检查项须写明情况')
    expect(text(page, '.in-findings-error')).toBe('请填写检查发现')
    expect(server.calls('POST /api/v1/supervision/inspections')).toHaveLength(0)
    await input(page, '.in-note', '项目负责人未到现场')
    find(page, '.in-findings').dispatchEvent('input', { detail: { value: '现场仅操作员一人' } })
    await settle()
    await tap(page, '.in-add')
    expect(texts(page, '.in-photo-remove')).toHaveLength(1)
    await tap(page, '.in-save')
    const sent = server.calls('POST /api/v1/supervision/inspections')
    expect(sent).toHaveLength(1)
    expect(sent[0].data).toMatchObject({
      project_id: 12,
      checklist: [
        { code: 'staff_qualifications', result: 'pass', note: null },
        { code: 'on_site_staff', result: 'fail', note: '项目负责人未到现场' },
      ],
      findings: '现场仅操作员一人',
      location: { lng: 121.4737, lat: 31.2304, crs: 'gcj02', accuracy_m: 15 },
      result: 'rectify',
    })
    expect(sent[0].data.rectification_deadline).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(server.calls('POST /api/v1/supervision/inspections/61/photos')[0].data).toEqual({ photo: 'QkFTRTY0', caption: null })
    expect(text(page, '.in-saved .card-title')).toBe('检查已保存（责令整改，整改中）')
    expect(text(page, '.in-basis')).toBe('可适用处罚依据：第二十八条：未到现场')
  })
})

const EVENTS = [
  { id: 101, occurred_at: '2026-05-20T01:30:00Z', kind: 'visit.checked_in', summary: '陈*强 签到（人脸通过）', project_id: 12 },
  { id: 100, occurred_at: '2026-05-01T01:00:00Z', kind: 'org.verified', summary: '机构登记审核通过', project_id: null },
]
const ORG_PROJECTS = [{ id: 12, project_no: 'WB2026000012', name: '和平饭店', service_type: 'maintenance', service_type_label: '维护保养', building_name: '和平饭店', visits: 3, work_records: 8, events: 14 }]
const VISITS = [{ id: 9, practitioner_id: 3, practitioner_name: '陈*强', status: 'checked_out', checked_in_at: '2026-05-20T01:30:00Z', checked_out_at: '2026-05-20T04:00:00Z', face_passed: true, identity_method: 'face', flags: [{ code: 'outside_geofence', message: '签退位置在围栏外' }], reasons: [], work_records: 2 }]

describe('时间线', () => {
  checkStates({
    route: 'supervisor/pages/timeline/index',
    query: { kind: 'organization', id: '4' },
    endpoint: 'GET /api/v1/timeline/organizations/<id>',
    role: 'supervisor',
    wrongRole: 'practitioner',
    answer: () => ({ items: EVENTS, next_cursor: null }),
    emptyBody: { items: [], next_cursor: null },
    dataSelector: '.tl-event',
  })

  test('organisation → projects → project timeline → visits → work records', async () => {
    fresh(['supervisor'])
    server.on('GET /api/v1/timeline/organizations/<id>', () => ({ status: 200, body: { items: EVENTS, next_cursor: null } }))
    server.on('GET /api/v1/timeline/organizations/<id>/projects', () => ({ status: 200, body: { items: ORG_PROJECTS, next_cursor: null } }))
    server.on('GET /api/v1/timeline/projects/<id>/visits', () => ({ status: 200, body: { items: VISITS, next_cursor: null } }))
    server.on('GET /api/v1/timeline/visits/<id>/records', () => ({ status: 200, body: { items: [{ id: 1, plan_item_name: '火灾探测器功能试验', result: 'normal', result_label: '正常', photos: 2 }], next_cursor: null } }))
    const org = await openPage('supervisor/pages/timeline/index', { kind: 'organization', id: '4' })
    expect(wx.setNavigationBarTitle).toHaveBeenCalledWith({ title: '机构时间线' })
    expect(texts(org, '.tl-summary')).toEqual(['陈*强 签到（人脸通过）', '机构登记审核通过'])
    await tap(org, '.tl-tab-children')
    expect(text(org, '.tl-title')).toBe('和平饭店（WB2026000012）')
    expect(text(org, '.tl-project')).toContain('签到 3 次，记录 8 条，事件 14 条')
    await tap(org, '.tl-project')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/supervisor/pages/timeline/index?kind=project&id=12'])
    await tap(org, '.tl-inspect-org')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/supervisor/pages/inspection/index?org_id=4'])
  })

  test('project → visits → a visit\'s work records; a practitioner\'s own timeline', async () => {
    fresh(['supervisor'])
    server.on('GET /api/v1/timeline/projects/<id>', () => ({ status: 200, body: { items: [], next_cursor: null } }))
    server.on('GET /api/v1/timeline/projects/<id>/visits', () => ({ status: 200, body: { items: VISITS, next_cursor: null } }))
    server.on('GET /api/v1/timeline/visits/<id>/records', () => ({ status: 200, body: { items: [{ id: 1, plan_item_name: '火灾探测器功能试验', result: 'normal', result_label: '正常', photos: 2 }], next_cursor: null } }))
    const project = await openPage('supervisor/pages/timeline/index', { kind: 'project', id: '12' })
    expect(stateOf(project)).toBe('empty')
    await tap(project, '.tl-tab-children')
    expect(text(project, '.tl-title')).toBe('陈*强 · 2026-05-20 09:30 至 12:00')
    expect(text(project, '.tl-flags')).toBe('签退位置在围栏外')
    await tap(project, '.tl-visit')
    expect(texts(project, '.tl-record')).toEqual(['火灾探测器功能试验：正常 · 照片 2 张'])
    await tap(project, '.tl-practitioner')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/supervisor/pages/timeline/index?kind=practitioner&id=3'])
  })

  test('empty for an unknown kind', async () => {
    fresh(['supervisor'])
    expect(stateOf(await openPage('supervisor/pages/timeline/index', { kind: 'weather', id: '1' }))).toBe('empty')
  })
})

describe('在岗人员：发起抽查', () => {
  test('a spot check from the live list; a pending one has no button', async () => {
    fresh(['supervisor'])
    server.on('GET /api/v1/supervision/live-visits', () => ({ status: 200, body: { items: LIVE.map((v) => Object.assign({}, v, { project: { id: 12, name: '和平饭店', project_no: 'WB1' }, org: { id: 4, name: '安消' } })), next_cursor: null } }))
    server.on('POST /api/v1/supervision/spot-checks', () => ({ status: 201, body: { id: 45 } }))
    const page = await openPage('supervisor/pages/index/index')
    expect(texts(page, '.live-spot')).toHaveLength(1)
    await tap(page, '.live-spot')
    expect(server.calls('POST /api/v1/supervision/spot-checks')[0].data).toEqual({ visit_id: 9, deadline_minutes: 15 })
    await tapNth(page, '.live-project', 1)
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/supervisor/pages/project/index?id=12'])
  })
})
