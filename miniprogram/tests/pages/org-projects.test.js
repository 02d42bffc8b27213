// Org admin: project list, project registration with a map pick (GCJ-02 as the map reports it), maintenance plan.
const { freshApp, loginAs, error } = require('../helpers/setup')
const { openPage, tap, input, text, texts, stateOf, find, settle } = require('../helpers/page')
const { checkStates } = require('../helpers/list-states')

let server
let session

function fresh(roles) {
  ;({ server, session } = freshApp())
  if (roles) loginAs(session, roles)
}

const PROJECTS = [
  { id: 12, project_no: 'WB2026000012', name: '和平饭店消防设施维护保养', service_type: 'maintenance', service_type_name: '维护保养', status: 'published', status_name: '信息公示', org_id: 4, building_name: '和平饭店', district_name: '黄浦区', contract_start: '2026-05-01', contract_end: '2027-04-30', lead_name: '陈*强' },
]

describe('项目列表', () => {
  checkStates({
    route: 'org/pages/projects/index',
    endpoint: 'GET /api/v1/projects',
    role: 'org_admin',
    wrongRole: 'practitioner',
    answer: () => ({ items: PROJECTS, next_cursor: null }),
    emptyBody: { items: [], next_cursor: null },
    dataSelector: '.op-item',
  })

  test('data: the organisation\'s projects; one opens its plan; a button registers a new one', async () => {
    fresh(['org_admin'])
    server.on('GET /api/v1/projects', (req) => ({ status: 200, body: { items: req.query.org_id === '4' ? PROJECTS : [], next_cursor: null } }))
    const page = await openPage('org/pages/projects/index')
    expect(texts(page, '.op-name')).toEqual(['和平饭店消防设施维护保养'])
    expect(text(page, '.op-status')).toBe('信息公示')
    await tap(page, '.op-item')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/org/pages/plan/index?project_id=12'])
    await tap(page, '.op-new')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/org/pages/project-new/index'])
  })
})

const CATALOGUE = { version: '2024', systems: [{ code: 'fire_alarm', name: '火灾自动报警系统', items: [] }, { code: 'sprinkler', name: '自动喷水灭火系统', items: [] }] }
const STAFF = { items: [{ id: 21, status: 'active', position_name: '项目负责人', practitioner: { id: 3, name: '陈志强' } }], next_cursor: null }

function projectEndpoints() {
  server.on('GET /api/v1/catalogue', () => ({ status: 200, body: CATALOGUE }))
  server.on('GET /api/v1/orgs/<id>/staff', () => ({ status: 200, body: STAFF }))
}

async function tapMap(page, lng, lat) {
  find(page, '.pn-map').dispatchEvent('tap', { detail: { longitude: lng, latitude: lat } })
  await settle()
}

describe('登记项目', () => {
  checkStates({
    route: 'org/pages/project-new/index',
    endpoint: 'GET /api/v1/orgs/<id>/staff',
    role: 'org_admin',
    wrongRole: 'supervisor',
    setup: (s) => s.on('GET /api/v1/catalogue', () => ({ status: 200, body: CATALOGUE })),
    answer: () => STAFF,
    dataSelector: '.pn-map',
  })

  test('validation first: nothing is sent without a site picked on the map', async () => {
    fresh(['org_admin'])
    projectEndpoints()
    const page = await openPage('org/pages/project-new/index')
    await tap(page, '.pn-submit')
    expect(text(page, '.pn-pick-error')).toBe('请在地图上点选项目位置')
    expect(server.calls('POST /api/v1/projects')).toHaveLength(0)
  })

  test('no one to lead a project: said plainly', async () => {
    fresh(['org_admin'])
    server.on('GET /api/v1/catalogue', () => ({ status: 200, body: CATALOGUE }))
    server.on('GET /api/v1/orgs/<id>/staff', () => ({ status: 200, body: { items: [], next_cursor: null } }))
    const page = await openPage('org/pages/project-new/index')
    await tap(page, '.pn-submit')
    expect(text(page, '.pn-lead-error')).toBe('本机构还没有可担任项目负责人的在职人员')
  })

  test('a tap on the map places the site; the point goes out in GCJ-02 with the fence radius', async () => {
    fresh(['org_admin'])
    projectEndpoints()
    server.on('POST /api/v1/projects', (req) => ({ status: 201, body: { id: 77, project_no: 'WB2026000077', district_name: '黄浦区', name: req.data.name } }))
    const page = await openPage('org/pages/project-new/index')
    // The map opened on where the phone is (wx.getLocation gcj02).
    expect(wx.getLocation.mock.calls[0][0].type).toBe('gcj02')
    await input(page, '.pn-name', '和平饭店消防设施维护保养')
    await input(page, '.pn-client', '上海锦江物业')
    await input(page, '.pn-contact', '王建国')
    await input(page, '.pn-phone', '13916000001')
    await input(page, '.pn-building', '和平饭店')
    await input(page, '.pn-address', '上海市黄浦区南京东路20号')
    find(page, '.pn-systems').dispatchEvent('change', { detail: { value: ['fire_alarm', 'sprinkler'] } })
    await settle()
    await tapMap(page, 121.49036, 31.24003)
    expect(text(page, '.pn-pick')).toBe('121.490360, 31.240030（GCJ-02）')
    expect(page.instance.data.markers).toHaveLength(1)
    expect(page.instance.data.circles[0]).toMatchObject({ longitude: 121.49036, latitude: 31.24003, radius: 300 })
    find(page, '.pn-radius-picker').dispatchEvent('change', { detail: { value: 2 } })
    await settle()
    await tap(page, '.pn-submit')
    const sent = server.calls('POST /api/v1/projects')
    expect(sent).toHaveLength(1)
    expect(sent[0].data).toMatchObject({
      org_id: 4,
      service_type: 'maintenance',
      name: '和平饭店消防设施维护保养',
      client: { name: '上海锦江物业', contact_name: '王建国', contact_phone: '13916000001' },
      building: { name: '和平饭店', address: '上海市黄浦区南京东路20号', facility_systems: ['fire_alarm', 'sprinkler'] },
      location: { lng: 121.49036, lat: 31.24003, crs: 'gcj02' },
      geofence_radius_m: 150,
      lead_practitioner_id: 3,
    })
    expect(sent[0].data.contract_start).toMatch(/^\d{4}-\d{2}-01$/)
    expect(wx.__calls.nav).toContainEqual(['redirectTo', '/org/pages/plan/index?project_id=77'])
  })

  test('"use my position" places the site where the phone is; a server refusal is shown', async () => {
    fresh(['org_admin'])
    projectEndpoints()
    server.on('POST /api/v1/projects', () => error(422, 'geo_outside_shanghai', '项目位置不在上海市范围内'))
    const page = await openPage('org/pages/project-new/index')
    await tap(page, '.pn-here')
    expect(page.instance.data.pick).toEqual({ lng: 121.4737, lat: 31.2304 })
    await input(page, '.pn-name', '项目')
    await input(page, '.pn-client', '委托')
    await input(page, '.pn-contact', '王')
    await input(page, '.pn-phone', '13916000001')
    await input(page, '.pn-building', '楼')
    await input(page, '.pn-address', '地址')
    find(page, '.pn-systems').dispatchEvent('change', { detail: { value: ['fire_alarm'] } })
    await settle()
    await tap(page, '.pn-submit')
    expect(wx.__calls.toast.map((t) => t.title)).toContain('项目位置不在上海市范围内')
    expect(wx.__calls.nav).toEqual([])
  })
})

const PROJECT = { id: 12, name: '和平饭店消防设施维护保养', project_no: 'WB2026000012', service_type: 'maintenance', status: 'registered', status_name: '已登记' }
const PLAN = {
  id: 3,
  project_id: 12,
  catalogue_version: '2024',
  start_month: '2026-05',
  end_month: '2027-04',
  tolerance_days: 7,
  items: [
    { id: 1, system_code: 'fire_alarm', item_code: 'FA-01', name: '火灾探测器功能试验', frequency: 'monthly', frequency_name: '每月', clause: 'GB 25201 附录C', months: ['2026-05', '2026-06'], enabled: true },
    { id: 2, system_code: 'sprinkler', item_code: 'SP-01', name: '末端试水装置试验', frequency: 'quarterly', frequency_name: '每季度', clause: 'GB 25201 附录C', months: ['2026-06'], enabled: false },
  ],
}

describe('维保计划', () => {
  checkStates({
    route: 'org/pages/plan/index',
    query: { project_id: '12' },
    endpoint: 'GET /api/v1/projects/<id>',
    role: 'org_admin',
    wrongRole: 'practitioner',
    setup: (s) => {
      s.on('GET /api/v1/projects/<id>/plan', () => ({ status: 200, body: PLAN }))
      s.on('GET /api/v1/catalogue', () => ({ status: 200, body: CATALOGUE }))
    },
    answer: () => PROJECT,
    dataSelector: '.plan-system',
  })

  test('empty without a project', async () => {
    fresh(['org_admin'])
    expect(stateOf(await openPage('org/pages/plan/index', {}))).toBe('empty')
  })

  test('data: items per fire system with frequency, clause and months', async () => {
    fresh(['org_admin'])
    server.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: PROJECT }))
    server.on('GET /api/v1/projects/<id>/plan', () => ({ status: 200, body: PLAN }))
    server.on('GET /api/v1/catalogue', () => ({ status: 200, body: CATALOGUE }))
    const page = await openPage('org/pages/plan/index', { project_id: '12' })
    expect(text(page, '.plan-summary')).toBe('计划期 2026-05 至 2027-04，容差 7 天，共 2 项')
    expect(texts(page, '.plan-system .card-title')).toEqual(['火灾自动报警系统', '自动喷水灭火系统'])
    expect(texts(page, '.plan-item')[0]).toBe('火灾探测器功能试验 每月GB 25201 附录C · 应做月份 2026-05、2026-06')
    expect(find(page, '.plan-item-off')).not.toBeNull()
    server.on('PATCH /api/v1/projects/<id>/plan/items/<item>', (req) => ({ status: 200, body: { id: Number(req.params.item), enabled: req.data.enabled } }))
    find(page, '.plan-switch').dispatchEvent('change', { detail: { value: false } })
    await settle()
    expect(server.calls('PATCH /api/v1/projects/12/plan/items/1')[0].data).toEqual({ enabled: false })
  })

  test('no plan yet: create one from the catalogue', async () => {
    fresh(['org_admin'])
    let created = false
    server.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: PROJECT }))
    server.on('GET /api/v1/projects/<id>/plan', () => (created ? { status: 200, body: PLAN } : error(404, 'plan_not_found', '该项目尚未制定维保计划')))
    server.on('POST /api/v1/projects/<id>/plan', (req) => ((created = true), { status: 201, body: Object.assign({}, PLAN, { tolerance_days: req.data.tolerance_days }) }))
    server.on('GET /api/v1/catalogue', () => ({ status: 200, body: CATALOGUE }))
    const page = await openPage('org/pages/plan/index', { project_id: '12' })
    expect(stateOf(page)).toBe('data')
    expect(find(page, '.plan-create')).not.toBeNull()
    await tap(page, '.plan-create-button')
    expect(server.calls('POST /api/v1/projects/12/plan')[0].data).toEqual({ tolerance_days: 7 })
    expect(texts(page, '.plan-item')).toHaveLength(2)
  })

  test('a registered project with its plan is published; a refusal says what it lacks', async () => {
    fresh(['org_admin'])
    let status = 'registered'
    let refuse = true
    server.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: Object.assign({}, PROJECT, { status, status_name: status === 'published' ? '公示中' : '已登记' }) }))
    server.on('GET /api/v1/projects/<id>/plan', () => ({ status: 200, body: PLAN }))
    server.on('GET /api/v1/catalogue', () => ({ status: 200, body: CATALOGUE }))
    server.on('POST /api/v1/projects/<id>/publish', () => {
      if (refuse) return error(409, 'project_cannot_publish', '项目尚不能公示：项目负责人不是注册消防工程师')
      status = 'published'
      return { status: 200, body: { id: 12, status } }
    })
    const page = await openPage('org/pages/plan/index', { project_id: '12' })
    await tap(page, '.plan-publish')
    expect(wx.__calls.toast.map((t) => t.title)).toContain('项目尚不能公示：项目负责人不是注册消防工程师')
    refuse = false
    await tap(page, '.plan-publish')
    expect(text(page, '.plan-status')).toBe('公示中')
    expect(find(page, '.plan-publish')).toBeNull()
  })

  test('a testing project has no maintenance plan', async () => {
    fresh(['org_admin'])
    server.on('GET /api/v1/projects/<id>', () => ({ status: 200, body: Object.assign({}, PROJECT, { service_type: 'testing' }) }))
    const page = await openPage('org/pages/plan/index', { project_id: '12' })
    expect(text(page, '.plan-none')).toBe('检测、评估项目不需要维保计划')
    expect(server.calls('GET /api/v1/projects/12/plan')).toHaveLength(0)
  })
})
