// Browser tests of the monitoring pages (dashboard, warnings, monthly reports, scores, rule thresholds,
// timeline) against the real backend with demo data (see backend.mjs).
// SCREENSHOTS_DIR=../docs/screenshots saves a PNG of each page.
//
// The demo has no warning and no monthly report in 黄浦, so the setup makes them the way production does:
// the warning scan run over a window in the middle of next month (the current month's maintenance plan has
// closed by then, and its report is past due), and the 黄浦 organisation's admin compiling last month's report
// through the API.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { launchChromium, startBackend } from './backend.mjs'

const CORPS_ADMIN = '13900000001'
const HUANGPU = '13900000002'
const HUANGPU_ORG_ADMIN = '13600000101' // 上海耀安消防设施检测有限公司, 黄浦区
const HUANGPU_ORG = '上海耀安消防设施检测有限公司'
const JINSHAN_ORG = '上海润盾消防安全评估有限公司' // the demo's only warning before the scan is in 金山
const SHOTS = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : null

let backend
let browser
let reportMonth

async function shot(page, name) {
  if (!SHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  // The layout scrolls inside its main area: grow the viewport to the content so the shot shows all of it.
  const size = page.viewportSize()
  const height = await page.evaluate(() =>
    Math.max(...[...document.querySelectorAll('.el-main, .el-drawer__body')].map((el) => el.scrollHeight + el.getBoundingClientRect().top), 0),
  )
  if (height > size.height) await page.setViewportSize({ width: size.width, height: Math.min(Math.ceil(height) + 24, 2400) })
  await page.waitForTimeout(500) // let transitions and chart animations end (and charts resize)
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  await page.setViewportSize(size)
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true })
  const page = await context.newPage()
  page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`))
  return page
}

async function login(page, phone) {
  await page.goto(`${backend.url}/admin/`)
  await page.waitForURL(/\/admin\/login/)
  await page.fill('input[name="phone"]', phone)
  await page.click('[data-test="send-code"]')
  await page.getByText('秒后重发').waitFor()
  await page.fill('input[name="code"]', backend.smsCode(phone))
  await page.click('button[type="submit"]')
  await page.waitForURL(/\/admin\/dashboard/)
}

/** Close any open drawer or dialog (Escape closes the topmost), then wait until none is shown. */
async function closeOverlays(page) {
  const overlays = page.locator('.el-overlay:visible')
  for (let i = 0; i < 5 && (await overlays.count()); i++) {
    await page.keyboard.press('Escape')
    await page.waitForTimeout(400)
  }
  assert.equal(await overlays.count(), 0, 'overlays closed')
}

async function menu(page, title) {
  await closeOverlays(page)
  await page.locator('[data-test="menu"] .el-menu-item', { hasText: new RegExp(`^\\s*${title}\\s*$`) }).click()
}

async function apiAs(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(`/api/v1${p}`, { headers: { Authorization: `Bearer ${localStorage.getItem('fire-admin.access')}` } })
    return { status: r.status, body: await r.json() }
  }, path)
}

/** Log in through the API only (no browser): the organisation admin who compiles the report. */
async function apiLogin(phone) {
  const post = (path, body, token) =>
    fetch(`${backend.url}/api/v1${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    })
  const sent = await post('/auth/sms-codes', { phone, purpose: 'login' })
  assert.ok(sent.ok, await sent.text())
  const login = await post('/auth/sms-login', { phone, code: backend.smsCode(phone) })
  const { access_token: token } = await login.json()
  return { token, post: (path, body) => post(path, body, token), get: (path) => fetch(`${backend.url}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } }) }
}

function shanghaiMonth(offset = 0) {
  const [y, m] = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 7).split('-').map(Number)
  const index = y * 12 + (m - 1) + offset
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

before(async () => {
  backend = await startBackend()
  const next = shanghaiMonth(1)
  const out = backend.flask('monitoring', 'scan', '--since', `${next}-01T00:00:00+08:00`, '--until', `${next}-15T00:00:00+08:00`)
  assert.match(out, /新增预警 [1-9]\d* 条/, out)

  const orgAdmin = await apiLogin(HUANGPU_ORG_ADMIN)
  const me = await (await orgAdmin.get('/me')).json()
  reportMonth = shanghaiMonth(-1)
  const compiled = await orgAdmin.post('/monitoring/reports', { org_id: me.org_ids[0], month: reportMonth })
  assert.equal(compiled.status, 201, await compiled.text())

  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
})

describe('district supervisor (黄浦)', () => {
  let page

  test('the dashboard shows only the district’s figures, trends and latest warnings', async () => {
    page = await newPage()
    await login(page, HUANGPU)
    const stats = page.locator('[data-test="stats-figures"]')
    await stats.waitFor()
    const { body: summary } = await apiAs(page, '/stats/summary')
    assert.deepEqual(
      summary.by_district.map((d) => d.district_code),
      ['310101'],
      'a district supervisor’s summary covers only its district',
    )
    const shown = await stats.innerText()
    for (const f of summary.figures) assert.ok(shown.includes(f.label), f.label)
    const open = summary.figures.find((f) => f.key === 'warnings_open')
    assert.ok(open.value > 0, 'the scan raised warnings in 黄浦')

    const latest = page.locator('[data-test="latest-warnings"]')
    await latest.waitFor()
    const text = await latest.innerText()
    assert.match(text, /维保计划项目未按月完成|月度报表逾期未提交/)
    assert.doesNotMatch(text, new RegExp(JINSHAN_ORG), 'no warning of another district')
    await page.locator('[data-test="trend-chart"]').waitFor()
    assert.equal(await page.getAttribute('[data-test="trend-chart"]', 'data-months'), '12')
    await page.locator('[data-test="map-ready"]').waitFor({ state: 'attached' })
    await shot(page, 'monitoring-dashboard')

    // A warning's subject opens from the dashboard: the organisation's drawer.
    const orgWarning = (await apiAs(page, '/monitoring/warnings?open_only=true&subject_kind=organization')).body.items[0]
    await page.click(`[data-test="latest-subject-${orgWarning.id}"]`)
    await page.locator('.el-drawer', { hasText: HUANGPU_ORG }).first().waitFor()
    await closeOverlays(page)
  })

  test('opens a warning with its evidence and acknowledges it', async () => {
    await menu(page, '预警')
    await page.waitForURL(/\/admin\/monitoring\/warnings/)
    const table = page.locator('[data-test="warnings"]')
    const row = table.locator('.el-table__row', { hasText: '维保计划项目未按月完成' }).first()
    await row.waitFor()
    assert.doesNotMatch(await table.innerText(), new RegExp(JINSHAN_ORG))
    await row.locator('.warnings__summary').click()
    const detail = page.locator('[data-test="warning-detail"]')
    await detail.getByText('维保计划项目').first().waitFor()
    assert.match(await detail.locator('[data-test="warning-evidence"]').first().innerText(), /维保计划项目：\s*#\d+/)
    assert.equal(await detail.locator('[data-test="warning-status"]').innerText(), '待处理')
    await shot(page, 'monitoring-warning')

    await detail.locator('[data-test="warning-acknowledge"]').click()
    const form = page.locator('[data-test="warning-action-form"]')
    await form.locator('textarea[name="note"]').fill('已电话通知机构补做计划项目')
    await page.click('[data-test="warning-action-submit"]')
    await page.getByText('预警已确认').waitFor()
    await detail.locator('[data-test="warning-status"]', { hasText: '已确认' }).waitFor()
    const { body } = await apiAs(page, '/monitoring/warnings?status=acknowledged')
    const acknowledged = body.items.find((w) => w.rule === 'plan_items_not_done')
    assert.ok(acknowledged, 'acknowledged in the API')
    assert.equal(acknowledged.acknowledge_note, '已电话通知机构补做计划项目')
    // Only resolve and dismiss remain.
    assert.equal(await detail.locator('[data-test="warning-acknowledge"]').count(), 0)
    await detail.locator('[data-test="warning-resolve"]').waitFor()
    await closeOverlays(page)
  })

  test('opens a monthly report and downloads its PDF', async () => {
    await menu(page, '月度报表')
    const table = page.locator('[data-test="reports"]')
    const row = table.locator('.el-table__row', { hasText: reportMonth })
    await row.waitFor()
    assert.match(await row.innerText(), new RegExp(`${HUANGPU_ORG}[\\s\\S]*待提交`))
    await row.getByText(HUANGPU_ORG).click()
    const detail = page.locator('[data-test="report-detail"]')
    await detail.getByText('现场执业').first().waitFor()
    await shot(page, 'monitoring-report')
    const [download] = await Promise.all([page.waitForEvent('download'), detail.locator('[data-test="report-pdf"]').click()])
    assert.match(download.suggestedFilename(), new RegExp(`月度报表-${HUANGPU_ORG}-${reportMonth}\\.pdf`))
    const pdf = readFileSync(await download.path())
    assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF')
    assert.ok(pdf.length > 1000, `a real PDF (${pdf.length} bytes)`)
    await closeOverlays(page)
  })

  test('opens the ranking and a score explained factor by factor', async () => {
    await menu(page, '画像评分')
    const table = page.locator('[data-test="rankings"]')
    await table.getByText(HUANGPU_ORG).waitFor()
    const names = await table.locator('.el-table__row').allInnerTexts()
    assert.ok(names.every((t) => t.includes('黄浦区')), 'a district supervisor ranks its own district by default')
    await table.getByText(HUANGPU_ORG).click()
    const explain = page.locator('[data-test="score-explain"]').first()
    await explain.waitFor()
    const score = Number(await explain.locator('[data-test="score-value"]').innerText())
    const rows = await explain.locator('[data-test="score-factors"] .el-table__body .el-table__row').allInnerTexts()
    assert.ok(rows.length >= 5, 'every factor is listed')
    const points = rows.map((r) => Number(r.split(/\s+/)[2]))
    assert.ok(Math.abs(points.reduce((a, b) => a + b, 0) - score) < 0.01, `factors ${points} sum to ${score}`)
    assert.match(await explain.innerText(), /预警\d+条/, 'the warnings raised by the scan count against the score')
    await page.locator('[data-test="practitioner-ranking"] .el-table__row').first().waitFor()
    await shot(page, 'monitoring-scores')
    await closeOverlays(page)
  })

  test('tracks the maintenance plan and drills down the timeline', async () => {
    await menu(page, '维保计划执行')
    const table = page.locator('[data-test="tracking"]')
    await table.locator('.el-table__row').first().waitFor()
    assert.ok((await table.locator('.el-table__row').allInnerTexts()).every((t) => t.includes('黄浦区')))
    await table.locator('.el-table__row', { hasText: 'WB-310101-' }).first().locator('button').first().click()
    const detail = page.locator('[data-test="tracking-detail"]')
    await detail.locator('.el-table__row').first().waitFor()
    assert.match(await detail.innerText(), /未做/, 'the plan items not done this month are listed')
    await shot(page, 'monitoring-tracking')
    await closeOverlays(page)

    const { body } = await apiAs(page, '/orgs?limit=5&status=verified')
    const org = body.items.find((o) => o.name === HUANGPU_ORG)
    await page.goto(`${backend.url}/admin/supervision/timeline?kind=organization&id=${org.id}`)
    const projects = page.locator('[data-test="timeline-projects"]')
    // The organisation works in several districts; drill into its project in 黄浦 (the others are refused).
    const own = projects.locator('.el-table__row', { hasText: 'WB-310101-' }).first()
    await own.waitFor()
    await own.locator('button').first().click()
    await page.locator('[data-test="timeline-visits"]').waitFor()
    assert.equal(await page.locator('[data-test="timeline-error"]').count(), 0)
    await page.getByRole('tab', { name: '时间线' }).click()
    await page.locator('.el-timeline-item').first().waitFor()
    await shot(page, 'timeline')
    // Chain verification is the corps admin's.
    assert.equal(await page.locator('[data-test="verify-chain"]').count(), 0)
  })
})

describe('corps admin', () => {
  let page

  test('edits a warning rule threshold (errors shown per field)', async () => {
    page = await newPage()
    await login(page, CORPS_ADMIN)
    await menu(page, '预警规则阈值')
    await page.locator('[data-test="thresholds-certificate_expiring"]').waitFor()
    assert.match(await page.locator('[data-test="thresholds-certificate_expiring"]').innerText(), /提前预警天数 30天/)
    await page.click('[data-test="edit-certificate_expiring"]')
    const form = page.locator('[data-test="rule-form"]')
    const days = form.locator('input[name="threshold-days"]')
    await days.fill('500')
    await form.locator('textarea[name="note"]').fill('按新规定提前三个月提醒')
    await page.click('[data-test="save-rule"]')
    await form.getByText('须在 1～180天 之间').waitFor()
    await shot(page, 'monitoring-rule-edit')

    await days.fill('90')
    await page.click('[data-test="save-rule"]')
    await page.getByText('已保存为第 1 版').waitFor()
    await page.locator('[data-test="thresholds-certificate_expiring"]', { hasText: '提前预警天数 90天' }).waitFor()
    const { body } = await apiAs(page, '/monitoring/rules')
    const rule = body.find((r) => r.code === 'certificate_expiring')
    assert.equal(rule.thresholds.days, 90)
    assert.equal(rule.note, '按新规定提前三个月提醒')
    await shot(page, 'monitoring-rules')
  })

  test('verifies the timeline’s hash chain', async () => {
    await menu(page, '全生命周期')
    await page.click('[data-test="verify-chain"]')
    const result = page.locator('[data-test="chain-result"]')
    await result.waitFor()
    assert.match(await result.innerText(), /完整：已校验 \d+ 条/)
  })
})
