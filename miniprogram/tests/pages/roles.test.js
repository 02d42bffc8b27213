// Role subpackages: practitioner check-in and projects, the organisation page, the supervisor's live list.
const { freshApp, loginAs, error } = require('../helpers/setup')
const { openPage, tap, input, text, texts, stateOf, find } = require('../helpers/page')

let server
let session

const PROJECT = {
  id: 12,
  project_no: 'WB2026000012',
  name: '和平饭店消防设施维护保养',
  service_type: 'testing',
  service_type_name: '检测',
  status: 'in_service',
  status_name: '服务中',
  org_name: '上海外滩消防技术服务有限公司',
  building: { name: '和平饭店', address: '上海市黄浦区南京东路20号', facility_systems: ['fire_alarm', 'sprinkler'] },
  building_name: '和平饭店',
  building_address: '上海市黄浦区南京东路20号',
  missing: [],
  visits: [],
}

function projectEndpoints() {
  server.on('GET /api/v1/projects/<id>', (req) => (req.params.id === '12' ? { status: 200, body: PROJECT } : error(403, 'project_access_denied', '您无权查看或管理该项目')))
  server.on('GET /api/v1/visits', () => ({ status: 200, body: { items: [], next_cursor: null } }))
  server.on('GET /api/v1/catalogue', () => ({ status: 200, body: { systems: [{ code: 'fire_alarm', name: '火灾自动报警系统' }, { code: 'sprinkler', name: '自动喷水灭火系统' }] } }))
}

function visit(overrides) {
  return Object.assign(
    { id: 31, project_id: 12, status: 'checked_in', identity_method: 'face', face_passed: true, face_distance: null, distance_to_fence_m: null, flags: [], reasons: [] },
    overrides,
  )
}

beforeEach(() => {
  ;({ server, session } = freshApp())
})

describe('check-in', () => {
  test('anonymous: asks to log in', async () => {
    expect(stateOf(await openPage('practitioner/pages/check-in/index', { id: '12' }))).toBe('login')
  })

  test('another role: refused', async () => {
    loginAs(session, ['supervisor'])
    const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
    expect(stateOf(page)).toBe('refused')
    expect(text(page, '.page-state >>> .state-message')).toBe('只有从业人员可以现场签到')
  })

  test('refused by the server: not on this project', async () => {
    loginAs(session, ['practitioner'])
    projectEndpoints()
    const page = await openPage('practitioner/pages/check-in/index', { id: '13' })
    expect(stateOf(page)).toBe('refused')
    expect(text(page, '.page-state >>> .state-message')).toBe('您无权查看或管理该项目')
  })

  test('accepted: photo from the camera, GCJ-02 location, and the answer explained', async () => {
    loginAs(session, ['practitioner'])
    projectEndpoints()
    server.on('POST /api/v1/projects/<id>/check-ins', (req) => ({
      status: 201,
      body: visit({ flags: [{ code: 'poor_accuracy', message: '定位精度较差', accuracy_m: 85 }] }),
      seen: req,
    }))
    const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.card-title')).toBe('和平饭店消防设施维护保养')
    await tap(page, '.check-in-button')
    await new Promise((r) => setTimeout(r, 20))

    expect(wx.chooseMedia.mock.calls[0][0]).toMatchObject({ sourceType: ['camera'], mediaType: ['image'] })
    expect(wx.getLocation.mock.calls[0][0].type).toBe('gcj02')
    const sent = server.calls('POST /api/v1/projects/12/check-ins')[0]
    expect(sent.name).toBe('photo')
    expect(sent.formData).toMatchObject({ lng: '121.4737', lat: '31.2304', crs: 'gcj02', accuracy_m: '15' })
    expect(sent.formData.device_id).toMatch(/^mp-/)
    expect(sent.formData.idempotency_key).toHaveLength(36)
    expect(text(page, '.check-in-title')).toBe('签到成功')
    expect(text(page, '.check-in-face')).toBe('人脸比对一致')
    expect(text(page, '.check-in-fence')).toBe('位于项目电子围栏内')
    expect(texts(page, '.check-in-flag')).toEqual(['提示：定位精度较差'])
    expect(find(page, '.check-out-button')).not.toBeNull()
    expect(wx.__calls.modal).toHaveLength(0)
  })

  test('refused check-in: every reason, the face result and the distance to the geofence', async () => {
    loginAs(session, ['practitioner'])
    projectEndpoints()
    server.on('POST /api/v1/projects/<id>/check-ins', () =>
      error(422, 'check_in_rejected', '签到未通过核验', {
        visit_id: 40,
        reasons: [
          { code: 'face_mismatch', message: '与登记的人脸不一致', distance: 0.8412 },
          { code: 'outside_geofence', message: '不在项目电子围栏范围内', distance_m: 1234.5 },
        ],
        flags: [],
      }),
    )
    const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
    await tap(page, '.check-in-button')
    await new Promise((r) => setTimeout(r, 20))
    expect(text(page, '.check-in-title')).toBe('签到未通过：签到未通过核验')
    expect(text(page, '.check-in-face')).toBe('与登记的人脸不一致（差异度 0.84）')
    expect(text(page, '.check-in-fence')).toBe('不在项目电子围栏内，距围栏约 1235 米')
    expect(texts(page, '.check-in-reason')).toEqual(['· 与登记的人脸不一致', '· 不在项目电子围栏范围内'])
    expect(find(page, '.check-in-button')).not.toBeNull() // may try again
    expect(wx.__calls.modal).toHaveLength(0) // the page explains it; no second modal
  })

  test('offline: kept on the phone, explained, then sent when the network returns', async () => {
    loginAs(session, ['practitioner'])
    projectEndpoints()
    require('../../src/utils/offline-queue').start()
    server.on('POST /api/v1/projects/<id>/check-ins', () => ({ status: 201, body: visit({ id: 77 }) }))
    server.on('POST /api/v1/visits/<id>/records', (req) => ({ status: 201, body: { id: 5, visit_id: Number(req.params.id), result: req.data.result } }))
    const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
    wx.__setOnline(false)
    await tap(page, '.check-in-button')
    expect(text(page, '.check-in-title')).toBe('签到已保存在手机上，联网后自动提交')
    expect(text(page, '.check-in-record .muted')).toBe('签到尚未提交，记录会在签到之后按顺序提交')
    expect(text(page, '.page-queue >>> .queue-status-line')).toBe('1 条记录待提交查看 ›')

    // a work record made before the check-in reached the server follows it, with the visit id it is given
    await tap(page, '.record-button')
    expect(server.log.filter((c) => c.method === 'POST')).toHaveLength(0)

    wx.__setOnline(true)
    await new Promise((r) => setTimeout(r, 50))
    expect(server.calls('POST /api/v1/projects/12/check-ins')).toHaveLength(1)
    expect(server.calls('POST /api/v1/visits/77/records')[0].data).toMatchObject({ system_code: 'fire_alarm', result: 'normal' })
    expect(text(page, '.check-in-title')).toBe('作业记录已提交')
  })

  test('check-out of an open visit sends the location and closes it', async () => {
    loginAs(session, ['practitioner'])
    projectEndpoints()
    server.on('GET /api/v1/visits', () => ({ status: 200, body: { items: [visit({ id: 31 })], next_cursor: null } }))
    server.on('POST /api/v1/visits/<id>/check-out', () => ({
      status: 200,
      body: visit({ status: 'checked_out', checkout_distance_m: 0, flags: [{ code: 'checkout_outside_geofence', message: '签退位置不在项目电子围栏范围内', distance_m: 320, stage: 'check_out' }] }),
    }))
    const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
    await tap(page, '.check-out-button')
    await new Promise((r) => setTimeout(r, 20))
    const sent = server.calls('POST /api/v1/visits/31/check-out')[0]
    expect(sent.data).toMatchObject({ lng: 121.4737, lat: 31.2304, crs: 'gcj02', accuracy_m: 15 })
    expect(sent.data.idempotency_key).toBeUndefined()
    expect(text(page, '.check-in-title')).toBe('签退成功')
    expect(text(page, '.check-in-fence')).toBe('不在项目电子围栏内，距围栏约 320 米')
    expect(find(page, '.check-in-button')).not.toBeNull()
  })

  test('a refused location permission stops the check-in with an explanation', async () => {
    loginAs(session, ['practitioner'])
    projectEndpoints()
    wx.__locationError = 'getLocation:fail auth deny'
    const page = await openPage('practitioner/pages/check-in/index', { id: '12' })
    await tap(page, '.check-in-button')
    expect(wx.__calls.modal[0].content).toBe('需要位置权限才能签到：请在设置中允许使用位置信息')
    expect(server.calls('POST /api/v1/projects/12/check-ins')).toHaveLength(0)
    expect(require('../../src/utils/offline-queue').pending()).toHaveLength(0)
  })
})

describe('my projects', () => {
  test('empty, and data opening the check-in page', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/projects', () => ({ status: 200, body: { items: [], next_cursor: null } }))
    expect(stateOf(await openPage('practitioner/pages/projects/index'))).toBe('empty')
  })

  test('data opens the check-in page', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/projects', () => ({ status: 200, body: { items: [PROJECT], next_cursor: null } }))
    const page = await openPage('practitioner/pages/projects/index')
    expect(text(page, '.project-item .card-title')).toBe('和平饭店消防设施维护保养')
    await tap(page, '.project-item')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/practitioner/pages/check-in/index?id=12'])
  })

  test('error from the server', async () => {
    loginAs(session, ['practitioner'])
    server.on('GET /api/v1/projects', () => ({ status: 500, body: { code: 'internal_error', message: '服务器内部错误', details: {} } }))
    expect(stateOf(await openPage('practitioner/pages/projects/index'))).toBe('error')
  })
})

describe('organisation', () => {
  test('refused without an organisation role', async () => {
    loginAs(session, ['practitioner'])
    expect(stateOf(await openPage('org/pages/index/index'))).toBe('refused')
  })

  test('data: status and every practice condition with required and actual', async () => {
    loginAs(session, ['org_admin'])
    server.on('GET /api/v1/orgs/<id>', (req) => ({
      status: 200,
      body: {
        organization: { id: 4, name: '上海外滩消防技术服务有限公司', credit_code: '91310101MA1FL10000', type_names: ['维护保养检测机构'], status: 'verified', status_name: '已核准', district_name: '黄浦区', address: '中山东一路1号', review_reasons: [] },
        conditions: {
          met: false,
          ruleset_title: '应急管理部令第7号（2021）',
          conditions: [
            { key: 'area', label: '工作场所面积', met: true, required: 200, actual: 260, unit: ' m²' },
            { key: 'operators', label: '消防设施操作员', met: false, required: 6, actual: 4, unit: ' 人', detail: '中级及以上 1 人（要求 2 人）' },
          ],
        },
        org_id: req.params.id,
      },
    }))
    const page = await openPage('org/pages/index/index')
    expect(server.calls('GET /api/v1/orgs/4')).toHaveLength(1)
    expect(text(page, '.org-status')).toBe('已核准')
    expect(text(page, '.org-conditions-met')).toBe('不符合')
    expect(texts(page, '.org-condition')).toEqual([
      '✓ 工作场所面积：要求 200 m²，实际 260 m²',
      '✗ 消防设施操作员：要求 6 人，实际 4 人中级及以上 1 人（要求 2 人）',
    ])
  })
})

describe('supervisor', () => {
  test('data: who is on site now, with face and fence results', async () => {
    loginAs(session, ['supervisor'])
    server.on('GET /api/v1/supervision/live-visits', () => ({
      status: 200,
      body: {
        items: [
          { visit_id: 9, checked_in_at: '2026-05-20T01:30:00Z', face_passed: false, distance_to_fence_m: 410.2, project: { id: 12, project_no: 'WB2026000012', name: '和平饭店' }, org: { id: 4, name: '外滩消防' }, practitioner: { id: 3, name_masked: '张*' }, pending_spot_check_id: 2 },
        ],
        next_cursor: null,
      },
    }))
    const page = await openPage('supervisor/pages/index/index')
    expect(text(page, '.live-item .card-title')).toBe('张* · 外滩消防')
    expect(text(page, '.live-item')).toContain('签到于 2026-05-20 09:30')
    expect(text(page, '.live-item')).toContain('人脸未通过')
    expect(text(page, '.live-item')).toContain('距围栏 410 米')
    expect(text(page, '.live-item')).toContain('抽查待答复')
  })

  test('empty, and refused by the server', async () => {
    loginAs(session, ['supervisor'])
    server.on('GET /api/v1/supervision/live-visits', () => ({ status: 200, body: { items: [], next_cursor: null } }))
    expect(stateOf(await openPage('supervisor/pages/index/index'))).toBe('empty')
  })

  test('refused by the server', async () => {
    loginAs(session, ['supervisor'])
    server.on('GET /api/v1/supervision/live-visits', () => error(403, 'forbidden', '没有权限执行此操作'))
    expect(stateOf(await openPage('supervisor/pages/index/index'))).toBe('refused')
  })
})
