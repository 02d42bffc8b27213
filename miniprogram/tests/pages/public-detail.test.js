// Public pages (no login): organisation detail with score and grade, projects in publicity, penalties, and the
// home page's search results with score and grade from the public ranking.
const { freshApp, error } = require('../helpers/setup')
const { openPage, tap, text, texts, stateOf, find } = require('../helpers/page')
const { checkStates, wait } = require('../helpers/list-states')

let server

beforeEach(() => {
  ;({ server } = freshApp())
})

const ORG = { id: 4, name: '上海安消消防技术服务有限公司', credit_code: '91310101MA1FL10000', types: ['maintenance_testing'], type_names: ['维护保养检测机构'], status: 'verified', status_name: '已核准', district_code: '310101', district_name: '黄浦区' }
const RANKED = [{ rank: 1, org_id: 9, name: '甲', score: 96.5, grade: 'A' }, { rank: 2, org_id: 4, name: ORG.name, score: 88.25, grade: 'B' }]
const PENALTIES = [{ id: 1, decision_no: '沪消行罚决字〔2026〕第12号', article: '第二十八条', facts: '项目负责人未到现场', subject_kind: 'organization', org: { id: 4, name: ORG.name }, practitioner: null, amount_yuan: 20000, decided_on: '2026-04-02' }]

function rankings() {
  // like the API: only the organisations asked for, each with its place in the whole ranking
  server.on('GET /api/v1/public/rankings', (req) => {
    const ids = String(req.query.org_ids || '').split(',').map(Number)
    return { status: 200, body: { items: RANKED.filter((r) => ids.includes(r.org_id)), next_cursor: null } }
  })
}

function detailEndpoints() {
  rankings()
  server.on('GET /api/v1/public/penalties', () => ({ status: 200, body: { items: PENALTIES, next_cursor: null } }))
  server.on('GET /api/v1/public/practitioners', () => ({ status: 200, body: { items: [{ id: 3, name_masked: '陈*强', certificate_kinds: ['engineer_1'], certificate_names: ['一级注册消防工程师'] }], next_cursor: null } }))
  server.on('GET /api/v1/public/projects', () => ({ status: 200, body: { items: [{ id: 12, name: '和平饭店消防设施维护保养', service_type_name: '维护保养', building_name: '和平饭店', district_name: '黄浦区', contract_start: '2026-05-01', contract_end: '2027-04-30' }], next_cursor: null } }))
}

describe('机构详情', () => {
  checkStates({
    route: 'pages/org-detail/index',
    query: { id: '4' },
    endpoint: 'GET /api/v1/public/orgs/<id>',
    setup: (s) => {
      s.on('GET /api/v1/public/rankings', () => ({ status: 200, body: { items: [], next_cursor: null } }))
      s.on('GET /api/v1/public/penalties', () => ({ status: 200, body: { items: [], next_cursor: null } }))
      s.on('GET /api/v1/public/practitioners', () => ({ status: 200, body: { items: [], next_cursor: null } }))
      s.on('GET /api/v1/public/projects', () => ({ status: 200, body: { items: [], next_cursor: null } }))
    },
    answer: () => ORG,
    dataSelector: '.od-info',
  })

  test('data: status, score and grade found in the ranking, penalties, masked practitioners, projects; no token sent', async () => {
    detailEndpoints()
    server.on('GET /api/v1/public/orgs/<id>', () => ({ status: 200, body: ORG }))
    const page = await openPage('pages/org-detail/index', { id: '4' })
    expect(text(page, '.od-name')).toBe('上海安消消防技术服务有限公司')
    expect(text(page, '.od-status')).toBe('已核准')
    expect(text(page, '.od-score-value')).toBe('88.3 分 · 等级 B · 全市第 2 名')
    const asked = server.calls('GET /api/v1/public/rankings')
    expect(asked).toHaveLength(1) // one call for the organisation on screen
    expect(asked[0].query).toMatchObject({ org_ids: '4' })
    expect(text(page, '.od-penalty')).toContain('沪消行罚决字〔2026〕第12号')
    expect(text(page, '.od-penalty')).toContain('罚款 20000 元')
    expect(texts(page, '.od-practitioner')).toEqual(['陈*强 一级注册消防工程师'])
    expect(texts(page, '.od-project')[0]).toContain('和平饭店消防设施维护保养')
    expect(server.calls('GET /api/v1/public/penalties')[0].query).toMatchObject({ org_id: '4' })
    expect(server.log.every((c) => c.token === '')).toBe(true)
  })

  test('not scored yet, or the ranking unavailable: the page still shows, without a score', async () => {
    detailEndpoints()
    server.on('GET /api/v1/public/rankings', () => ({ status: 500, body: '' }))
    server.on('GET /api/v1/public/orgs/<id>', () => ({ status: 200, body: ORG }))
    const page = await openPage('pages/org-detail/index', { id: '4' })
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.od-no-score')).toBe('暂无评分')
    expect(wx.__calls.toast).toEqual([])
  })

  test('empty: an unknown or unpublished organisation', async () => {
    detailEndpoints()
    server.on('GET /api/v1/public/orgs/<id>', () => error(404, 'org_not_found', '机构不存在'))
    const page = await openPage('pages/org-detail/index', { id: '999' })
    expect(stateOf(page)).toBe('empty')
    expect(text(page, '.page-state')).toBe('机构不存在或未公开')
  })
})

const PUBLIC_PROJECTS = Array.from({ length: 22 }, (_, i) => ({ id: 100 - i, name: '项目' + (i + 1), project_no: 'WB' + i, service_type: 'maintenance', service_type_name: '维护保养', status: 'published', status_name: '信息公示', org_id: 4, org_name: '上海安消', building_name: '楼' + i, district_name: '黄浦区', contract_start: '2026-05-01', contract_end: '2027-04-30' }))

function publicProjects(req) {
  let rows = PUBLIC_PROJECTS.filter((p) => !req.query.service_type || p.service_type === req.query.service_type)
  if (req.query.cursor) rows = rows.filter((p) => p.id < Number(req.query.cursor))
  const page = rows.slice(0, Number(req.query.limit))
  return { items: page, next_cursor: rows.length > page.length ? String(page[page.length - 1].id) : null }
}

describe('项目公示', () => {
  checkStates({
    route: 'pages/publicity/index',
    endpoint: 'GET /api/v1/public/projects',
    answer: publicProjects,
    emptyBody: { items: [], next_cursor: null },
    dataSelector: '.pb-item',
  })

  test('data: paged by cursor, filtered by service type', async () => {
    server.on('GET /api/v1/public/projects', (req) => ({ status: 200, body: publicProjects(req) }))
    const page = await openPage('pages/publicity/index')
    expect(texts(page, '.pb-name')).toHaveLength(20)
    await page.instance.onReachBottom()
    expect(texts(page, '.pb-name')).toHaveLength(22)
    expect(text(page, '.list-end')).toBe('没有更多了')
    find(page, '.pb-type-picker').dispatchEvent('change', { detail: { value: 2 } })
    await wait(30)
    expect(server.log[server.log.length - 1].query).toMatchObject({ service_type: 'testing' })
    expect(stateOf(page)).toBe('empty')
    expect(server.log.every((c) => c.token === '')).toBe(true)
  })

  test('the organisation of a project opens its detail', async () => {
    server.on('GET /api/v1/public/projects', (req) => ({ status: 200, body: publicProjects(req) }))
    const page = await openPage('pages/publicity/index')
    await tap(page, '.pb-org')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/pages/org-detail/index?id=4'])
  })
})

describe('处罚公示', () => {
  checkStates({
    route: 'pages/penalties/index',
    endpoint: 'GET /api/v1/public/penalties',
    answer: () => ({ items: PENALTIES, next_cursor: null }),
    emptyBody: { items: [], next_cursor: null },
    dataSelector: '.pn-item',
  })

  test('data: decision, basis, fine and facts; the organisation opens', async () => {
    server.on('GET /api/v1/public/penalties', () => ({ status: 200, body: { items: PENALTIES, next_cursor: null } }))
    const page = await openPage('pages/penalties/index')
    expect(text(page, '.pn-no')).toBe('沪消行罚决字〔2026〕第12号')
    expect(text(page, '.pn-item')).toContain('2026-04-02 · 第二十八条 罚款 20000 元')
    expect(text(page, '.pn-facts')).toBe('项目负责人未到现场')
    await tap(page, '.pn-org')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/pages/org-detail/index?id=4'])
  })
})

describe('首页：评分与等级', () => {
  test('search results show score and grade from the ranking; an organisation opens its detail', async () => {
    rankings()
    server.on('GET /api/v1/public/orgs', () => ({ status: 200, body: { items: [ORG, Object.assign({}, ORG, { id: 5, name: '未评分机构' })], next_cursor: null } }))
    const page = await openPage('pages/home/index')
    await wait(30)
    expect(texts(page, '.org-score')).toEqual(['88.3 分 · B 级'])
    expect(server.calls('GET /api/v1/public/rankings').map((c) => c.query.org_ids)).toEqual(['4,5']) // one call a page
    await tap(page, '.org-item')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/pages/org-detail/index?id=4'])
    await tap(page, '.home-penalties')
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/pages/penalties/index'])
  })
})
