// Public pages, no login: organisation search and QR verification.
const { freshApp, deferred, error } = require('../helpers/setup')
const { openPage, tap, input, text, texts, stateOf, find } = require('../helpers/page')

let server

const ORGS = Array.from({ length: 25 }, (_, i) => ({
  id: 100 - i,
  name: '上海外滩消防技术服务有限公司' + (i + 1),
  credit_code: '91310101MA1FL' + String(10000 + i),
  types: ['maintenance_testing'],
  type_names: ['维护保养检测机构'],
  status: i === 0 ? 'suspended' : 'verified',
  status_name: i === 0 ? '暂停执业' : '已核准',
  district_code: '310101',
  district_name: '黄浦区',
}))

function orgEndpoint() {
  server.on('GET /api/v1/public/orgs', (req) => {
    let rows = ORGS.filter((o) => (!req.query.q || o.name.includes(req.query.q)) && (!req.query.credit_code || o.credit_code.startsWith(req.query.credit_code)))
    if (req.query.cursor) rows = rows.filter((o) => o.id < Number(req.query.cursor))
    const page = rows.slice(0, Number(req.query.limit))
    return { status: 200, body: { items: page, next_cursor: rows.length > page.length ? String(page[page.length - 1].id) : null } }
  })
}

beforeEach(() => {
  ;({ server } = freshApp())
})

describe('home', () => {
  test('loading, then organisations with their status and type, paged by cursor', async () => {
    const gate = deferred()
    orgEndpoint()
    const answer = server.routes[0].handler
    server.routes[0].handler = async (req) => (await gate.promise, answer(req))
    const page = await openPage('pages/home/index', {}, { wait: false })
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('loading')
    gate.resolve()
    await new Promise((r) => setTimeout(r, 10))
    expect(stateOf(page)).toBe('data')
    expect(texts(page, '.org-name')).toHaveLength(20)
    expect(text(page, '.org-item')).toContain('暂停执业')
    await page.instance.onReachBottom()
    expect(texts(page, '.org-name')).toHaveLength(25)
    expect(text(page, '.list-end')).toBe('没有更多了')
    expect(server.log.every((c) => c.token === '')).toBe(true) // public: no token sent
  })

  test('a credit code is searched as such, a name as a keyword', async () => {
    orgEndpoint()
    const page = await openPage('pages/home/index')
    await input(page, '.home-q', '91310101ma1fl10003')
    await tap(page, '.home-search-button')
    const searches = () => server.calls('GET /api/v1/public/orgs')
    expect(searches()[searches().length - 1].query).toMatchObject({ credit_code: '91310101MA1FL10003' })
    expect(texts(page, '.org-name')).toEqual(['上海外滩消防技术服务有限公司4'])
    await input(page, '.home-q', '不存在的机构')
    await tap(page, '.home-search-button')
    expect(searches()[searches().length - 1].query).toMatchObject({ q: '不存在的机构' })
    expect(stateOf(page)).toBe('empty')
  })

  test('error: shown with a retry that works', async () => {
    let fail = true
    orgEndpoint()
    const answer = server.routes[0].handler
    server.routes[0].handler = (req) => (fail ? { fail: 'request:fail timeout' } : answer(req))
    const page = await openPage('pages/home/index')
    expect(stateOf(page)).toBe('error')
    expect(text(page, '.page-state >>> .state-message')).toBe('请求超时，请检查网络后重试')
    fail = false
    await tap(page, '.page-state >>> .state-retry')
    expect(stateOf(page)).toBe('data')
  })

  test('scanning a QR code opens its verification', async () => {
    orgEndpoint()
    wx.__scan = { result: 'http://127.0.0.1:5000/verify?t=abc.def.ghi' }
    const page = await openPage('pages/home/index')
    await tap(page, '.home-scan')
    expect(wx.scanCode.mock.calls[0][0].scanType).toEqual(['qrCode'])
    expect(wx.__calls.nav).toContainEqual(['navigateTo', '/pages/verify/index?payload=' + encodeURIComponent('http://127.0.0.1:5000/verify?t=abc.def.ghi')])
  })
})

describe('verify', () => {
  const PAYLOAD = 'http://127.0.0.1:5000/verify?t=k1.eyJubyI6IldCIn0.sig'

  test('an effective document: the authoritative summary with masked signers', async () => {
    server.on('GET /api/v1/public/verify', (req) =>
      req.query.t === PAYLOAD
        ? {
            status: 200,
            body: {
              result: 'effective',
              result_text: '该文件真实有效',
              kind: 'document',
              report_number: 'WB-310101-2026-000012',
              document: {
                report_number: 'WB-310101-2026-000012',
                doc_type_name: '维保记录',
                status_name: '已生效',
                organisation_name: '上海外滩消防技术服务有限公司',
                organisation_credit_code: '91310101MA1FL10000',
                project_name: '和平饭店消防设施维护保养',
                building_name: '和平饭店',
                building_address: '上海市黄浦区南京东路20号',
                district_name: '黄浦区',
                period_start: '2026-04-01',
                period_end: '2026-04-30',
                signers: [{ role: 'lead', role_name: '项目负责人', name_masked: '张*', certificate_level: '一级', certificate_number_masked: '3101***012', signed_at: '2026-05-02T10:00:00+08:00' }],
                effective_at: '2026-05-02T11:00:00+08:00',
                flags: [],
              },
            },
          }
        : error(422, 'report_token_invalid', '二维码无效或已被篡改'),
    )
    const page = await openPage('pages/verify/index', { payload: encodeURIComponent(PAYLOAD) })
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.verify-text')).toBe('该文件真实有效')
    expect(find(page, '.verify-good')).not.toBeNull()
    expect(text(page, '.verify-signer')).toBe('项目负责人：张* 一级 3101***012 2026-05-02 10:00')
  })

  test('a forged code is a clear "not genuine", not an error to retry', async () => {
    server.on('GET /api/v1/public/verify', () => error(422, 'report_token_invalid', '二维码无效或已被篡改'))
    const page = await openPage('pages/verify/index', { q: encodeURIComponent('https://evil.example/verify?t=x') })
    expect(stateOf(page)).toBe('data')
    expect(text(page, '.verify-text')).toBe('二维码无效或已被篡改')
    expect(find(page, '.verify-bad')).not.toBeNull()
  })

  test('empty without a code', async () => {
    const empty = await openPage('pages/verify/index', {})
    expect(stateOf(empty)).toBe('empty')
  })

  test('error when the server cannot be reached', async () => {
    wx.__setOnline(false)
    const offline = await openPage('pages/verify/index', { payload: 'abc' })
    expect(stateOf(offline)).toBe('error')
  })
})
