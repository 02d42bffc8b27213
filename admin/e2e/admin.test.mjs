// Browser end-to-end tests of the admin SPA against the real backend with demo data (see backend.mjs).
// SCREENSHOTS_DIR=../docs/screenshots saves a PNG of each main page.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { launchChromium, startBackend } from './backend.mjs'

const CORPS_ADMIN = '13900000001'
const HUANGPU = '13900000002'
const NEW_SUPERVISOR = '13900000077'
const SHOTS = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : null

let backend
let browser

async function shot(page, name) {
  if (!SHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  await page.waitForTimeout(400) // let transitions and the map's animation end
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
  const page = await context.newPage()
  page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`))
  return page
}

async function login(page, phone, { screenshot } = {}) {
  await page.goto(`${backend.url}/admin/`)
  await page.waitForURL(/\/admin\/login/)
  await page.fill('input[name="phone"]', phone)
  await page.click('[data-test="send-code"]')
  await page.getByText('秒后重发').waitFor()
  if (screenshot) await shot(page, screenshot)
  await page.fill('input[name="code"]', backend.smsCode(phone))
  await page.click('button[type="submit"]')
  await page.waitForURL(/\/admin\/dashboard/)
}

/** Retry an async check until it holds (the DOM re-renders a tick after the answer arrives). */
async function eventually(check, message, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) assert.fail(message)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function menuItems(page) {
  return page.locator('[data-test="menu"] .el-menu-item').allInnerTexts()
}

async function apiAs(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(`/api/v1${p}`, { headers: { Authorization: `Bearer ${localStorage.getItem('fire-admin.access')}` } })
    return { status: r.status, body: await r.json() }
  }, path)
}

before(async () => {
  backend = await startBackend({ seed: true })
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await backend?.stop()
})

describe('corps admin', () => {
  let page

  test('logs in by phone and SMS code and is offered the corps pages', async () => {
    page = await newPage()
    await page.goto(`${backend.url}/admin/corps/supervisors`)
    await page.waitForURL(/\/admin\/login\?redirect=/)
    assert.match(await page.locator('.login__hint').innerText(), /开发环境：短信不会真正发出/)
    await login(page, CORPS_ADMIN, { screenshot: 'login' })
    const menu = await menuItems(page)
    for (const title of ['监管概览', '监督账号', '审计日志', '消息发件箱', '后台任务']) assert.ok(menu.includes(title), title)
    assert.equal(await page.locator('[data-test="jurisdiction"]').innerText(), '上海市消防救援总队')
    await page.locator('[data-test="map-ready"]').waitFor({ state: 'attached' })
    assert.equal((await page.getAttribute('[data-test="district-map"]', 'data-highlight')).split(',').length, 16)
    await page.locator('[data-test="figure-supervisors_active"]').getByText('5').waitFor()
    await shot(page, 'dashboard-corps')
  })

  test('creates a supervisor account with jurisdiction and permissions', async () => {
    await page.click('text=监督账号')
    await page.waitForURL(/\/admin\/corps\/supervisors/)
    const table = page.locator('[data-test="supervisors"]')
    await table.getByText('黄浦支队 王监督').waitFor()
    const listed = await table.innerText()
    assert.match(listed, /139\*\*\*\*0002/)
    assert.doesNotMatch(listed, /13900000002/, 'phones are shown masked')
    await shot(page, 'supervisors')

    await page.click('[data-test="create-supervisor"]')
    const form = page.locator('[data-test="supervisor-form"]')
    await form.locator('input[name="phone"]').fill(NEW_SUPERVISOR)
    await form.locator('input[name="name"]').fill('静安支队 周监督')
    await form.locator('[data-test="jurisdiction-select"]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '静安区消防救援支队' }).click()
    await form.getByText('导出数据').click()
    await shot(page, 'supervisor-create')
    await page.click('[data-test="save-supervisor"]')
    await page.getByText('账号已分配').waitFor()
    const row = table.locator('.el-table__row', { hasText: '静安支队 周监督' })
    await row.waitFor()
    assert.match(await row.innerText(), /静安区消防救援支队[\s\S]*导出数据[\s\S]*待激活/)

    const { body } = await apiAs(page, '/admin/supervisors?limit=100')
    const created = body.items.find((a) => a.name === '静安支队 周监督')
    assert.equal(created.jurisdiction, '310106')
    assert.deepEqual(created.permissions, ['export_data'])
    assert.equal(created.status, 'pending')
    assert.equal(created.phone_masked, '139****0077')
  })

  test('rejects a duplicate phone with the backend message in Chinese', async () => {
    await page.click('[data-test="create-supervisor"]')
    const form = page.locator('[data-test="supervisor-form"]')
    await form.locator('input[name="phone"]').fill(HUANGPU)
    await form.locator('input[name="name"]').fill('重复分配')
    await form.locator('[data-test="jurisdiction-select"]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '徐汇区消防救援支队' }).click()
    await page.click('[data-test="save-supervisor"]')
    await page.locator('.el-message--error', { hasText: '该手机号已分配监督管理账号' }).waitFor()
    await page.keyboard.press('Escape')
  })

  test('reads the audit log, the outbox and the jobs', async () => {
    await page.click('text=审计日志')
    const audit = page.locator('[data-test="audit-logs"]')
    await audit.getByText('supervisor_assignments').first().waitFor()
    await shot(page, 'audit-logs')

    await page.click('text=消息发件箱')
    const outbox = page.locator('[data-test="outbox"]')
    await outbox.getByText('139****0001').first().waitFor()
    assert.match(await outbox.innerText(), /验证码/)
    await shot(page, 'outbox')

    await page.click('text=后台任务')
    await page.locator('[data-test="jobs"]').waitFor()
    await shot(page, 'jobs')
  })

  test("browses the city's projects, a project's check-ins and timeline, documents and feedback", async () => {
    await page.click('[data-test="menu"] >> text=项目')
    const projects = page.locator('[data-test="projects"]')
    await projects.locator('.el-table__row').first().waitFor()
    const rows = await projects.locator('.el-table__row').count()
    assert.ok(rows >= 10, `demo projects listed (${rows})`)
    assert.doesNotMatch(await projects.innerText(), /1[3-9]\d{9}/, 'no phone number in the list')
    await shot(page, 'projects')

    // Filter by district: every row then lies in 浦东新区.
    await page.locator('.filters .el-select', { hasText: '所属区' }).click()
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/projects?') && r.url().includes('district_code=310115')),
      page.locator('.el-select-dropdown__item:visible', { hasText: '浦东新区' }).click(),
    ])
    await eventually(async () => {
      const texts = await projects.locator('.el-table__row').allInnerTexts()
      return texts.length > 0 && texts.every((t) => t.includes('浦东新区'))
    }, 'only 浦东新区 projects after filtering')

    await projects.locator('.el-table__row .el-button').first().click()
    const drawer = page.locator('[data-test="project-drawer"]')
    await drawer.getByText('项目人员').waitFor()
    await shot(page, 'project-detail')
    await drawer.locator('.el-tabs__item', { hasText: '现场签到' }).click()
    await drawer.locator('[data-test="visits"]').waitFor()
    await drawer.locator('.el-tabs__item', { hasText: '时间线' }).click()
    await drawer.locator('.el-timeline-item').first().waitFor()
    await page.keyboard.press('Escape')

    for (const [title, selector, name] of [
      ['现场签到', '[data-test="visits"]', 'visits'],
      ['书面结论文件', '[data-test="documents"]', 'documents'],
      ['从业反馈', '[data-test="feedback"]', 'feedback'],
    ]) {
      await page.click(`[data-test="menu"] >> text=${title}`)
      await page.locator(selector).waitFor()
      await page.waitForLoadState('networkidle')
      await shot(page, name)
    }
  })

  test('refreshes an expired access token silently', async () => {
    await page.evaluate(() => localStorage.setItem('fire-admin.access', 'expired.or.forged'))
    await page.goto(`${backend.url}/admin/corps/jobs`)
    await page.locator('[data-test="jobs"]').waitFor()
    assert.equal(new URL(page.url()).pathname, '/admin/corps/jobs')
    assert.notEqual(await page.evaluate(() => localStorage.getItem('fire-admin.access')), 'expired.or.forged')
  })

  test('logs out and cannot come back with the old session', async () => {
    await page.click('text=退出')
    await page.waitForURL(/\/admin\/login/)
    assert.equal(await page.evaluate(() => localStorage.getItem('fire-admin.refresh')), null)
    await page.goto(`${backend.url}/admin/dashboard`)
    await page.waitForURL(/\/admin\/login/)
  })
})

describe('district supervisor (黄浦)', () => {
  let page

  test('sees its jurisdiction on the dashboard and no corps pages', async () => {
    page = await newPage()
    await login(page, HUANGPU)
    await page.locator('[data-test="map-ready"]').waitFor({ state: 'attached' })
    assert.equal(await page.getAttribute('[data-test="district-map"]', 'data-highlight'), '310101')
    await page.locator('[data-test="jurisdiction-name"]', { hasText: '黄浦区消防救援支队' }).waitFor()
    await page.locator('[data-test="jurisdiction"]', { hasText: '黄浦区消防救援支队' }).waitFor()
    const menu = await menuItems(page)
    for (const title of ['监管概览', '机构登记审核', '技术服务机构', '项目', '实时抽查', '行政处罚']) assert.ok(menu.includes(title), title)
    for (const title of ['监督账号', '审计日志', '消息发件箱', '后台任务']) assert.ok(!menu.includes(title), title)
    // The two organisations seeded for review are counted in the jurisdiction's figures.
    await page.locator('[data-test="figure-orgs_pending"]').getByText('2').waitFor()
    await shot(page, 'dashboard-huangpu')

    await page.goto(`${backend.url}/admin/corps/supervisors`)
    await page.waitForURL(/\/admin\/dashboard/)
    const refused = await apiAs(page, '/admin/supervisors')
    assert.equal(refused.status, 403)
  })

  test('reviews the submitted organisations: rejects one with reasons, approves the other', async () => {
    await page.click('[data-test="menu"] >> text=机构登记审核')
    const queue = page.locator('[data-test="review-queue"]')
    const [first, second] = backend.seeded
    await queue.getByText(first.name).waitFor()
    await queue.getByText(second.name).waitFor()
    await shot(page, 'review-queue')

    // Reject the second with a preset reason and one of our own.
    await queue.locator('.el-table__row', { hasText: second.name }).getByText('审核').click()
    const drawer = page.locator('[data-test="org-drawer"]')
    await drawer.getByText(second.credit_code).waitFor()
    await drawer.locator('.el-tabs__item', { hasText: '从业条件' }).click()
    await drawer.locator('[data-test="conditions"]').waitFor()
    await shot(page, 'review-org-conditions')
    await page.click('[data-test="reject-org"]')
    const reasons = page.locator('[data-test="reasons-form"]')
    await page.click('[data-test="confirm-reasons"]')
    await reasons.getByText('请至少选择或填写一条理由').waitFor()
    await reasons.getByText('工作场所建筑面积不符合要求').click()
    await reasons.locator('textarea[name="reasons"]').fill('请补充经营场所产权或租赁证明')
    await shot(page, 'review-reject')
    await page.click('[data-test="confirm-reasons"]')
    await page.getByText('已退回，机构可修改后重新提交').waitFor()
    await drawer.getByText('退回理由').waitFor()
    const rejected = (await apiAs(page, `/orgs/${second.id}`)).body
    assert.equal(rejected.organization.status, 'rejected')
    assert.deepEqual(rejected.organization.review_reasons, ['工作场所建筑面积不符合要求', '请补充经营场所产权或租赁证明'])
    await page.keyboard.press('Escape')
    await queue.getByText(second.name).waitFor({ state: 'detached' })

    // Approve the first.
    await queue.locator('.el-table__row', { hasText: first.name }).getByText('审核').click()
    await drawer.getByText(first.credit_code).waitFor()
    await page.click('[data-test="approve-org"]')
    await page.click('[data-test="confirm-reasons"]')
    await page.getByText('已通过审核').waitFor()
    const approved = (await apiAs(page, `/orgs/${first.id}`)).body.organization
    assert.equal(approved.status, 'verified')
    await page.keyboard.press('Escape')

    // The list shows each organisation with the status name the API gives it.
    await page.click('[data-test="menu"] >> text=技术服务机构')
    const orgs = page.locator('[data-test="orgs"]')
    await orgs.locator('.el-table__row', { hasText: first.name }).getByText(approved.status_name).waitFor()
    await orgs.locator('.el-table__row', { hasText: second.name }).getByText(rejected.organization.status_name).waitFor()
    for (const text of await orgs.locator('.el-table__row').allInnerTexts()) assert.match(text, /黄浦区/)
    await shot(page, 'organizations')
  })

  test('reads the practitioners of its jurisdiction with masked names', async () => {
    await page.click('[data-test="menu"] >> text=从业人员')
    const table = page.locator('[data-test="practitioners"]')
    await table.locator('.el-table__row').first().waitFor()
    const names = await table.locator('.el-table__row td:first-child').allInnerTexts()
    for (const name of names) assert.match(name.trim(), /\*/, `masked: ${name}`)
    await shot(page, 'practitioners')
  })

  test('records a penalty within the legal range', async () => {
    await page.click('[data-test="menu"] >> text=行政处罚')
    await page.locator('[data-test="penalties"]').waitFor()
    await page.click('[data-test="create-penalty"]')
    const form = page.locator('[data-test="penalty-form"]')
    await form.locator('input[name="decision_no"]').fill('沪黄消行罚决字〔2026〕0007号')
    await form.locator('[data-test="org-picker"]').click()
    await page.keyboard.type('耀安')
    await page.locator('.el-select-dropdown__item:visible', { hasText: '上海耀安消防设施检测有限公司' }).click()
    await form.locator('[data-test="basis-select"]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '第三十条' }).click()
    await form.getByText('法定幅度').waitFor()
    await form.locator('input[name="amount"]').fill('3000')
    await form.locator('textarea[name="facts"]').fill('未在维护保养的建筑物显著位置设置服务信息标识')
    await shot(page, 'penalty-create')
    await page.click('[data-test="save-penalty"]')
    await page.getByText('行政处罚决定已录入').waitFor()
    const row = page.locator('[data-test="penalties"] .el-table__row', { hasText: '0007号' })
    await row.waitFor()
    assert.match(await row.innerText(), /上海耀安消防设施检测有限公司[\s\S]*¥3,000/)
    await shot(page, 'penalties')
  })

  test('opens the supervision pages of its jurisdiction', async () => {
    for (const [title, selector, name] of [
      ['实时抽查', '[data-test="live-visits"]', 'spot-checks'],
      ['现场检查', '[data-test="inspections"]', 'inspections'],
      ['现场签到', '[data-test="visits"]', 'visits-huangpu'],
    ]) {
      await page.click(`[data-test="menu"] >> text=${title}`)
      await page.locator(selector).waitFor()
      await page.waitForLoadState('networkidle')
      await shot(page, name)
    }
  })

  test('the account created by the corps admin activates at its first login', async () => {
    const other = await newPage()
    await login(other, NEW_SUPERVISOR)
    await other.locator('[data-test="jurisdiction"]', { hasText: '静安区消防救援支队' }).waitFor()
    assert.equal((await apiAs(other, '/me')).body.permissions.join(), 'export_data')
  })
})

describe('public pages', () => {
  test('the landing page searches organisations and their published projects without login', async () => {
    const page = await newPage()
    const response = await page.goto(`${backend.url}/public/`)
    assert.equal(response.status(), 200)
    const results = page.locator('#results')
    await results.locator('li').first().waitFor()
    await page.fill('input[name="q"]', '申卫')
    // Submitting sets the status to 查询中… at once, so waiting for the count waits for this search's answer.
    await page.click('#search-form button[type="submit"]')
    await page.locator('#status', { hasText: '已显示 1 条' }).waitFor()
    assert.match(await results.innerText(), /上海申卫消防安全评估有限公司/)
    assert.equal(await results.locator('li').count(), 1)
    await shot(page, 'public-landing')

    // A credit code typed into the same box searches by code.
    await page.fill('input[name="q"]', '91310104671876978W')
    await page.click('#search-form button[type="submit"]')
    await page.locator('#status', { hasText: '已显示 1 条' }).waitFor()

    await results.locator('li').getByText('公示项目').click()
    await page.locator('#org-chip', { hasText: '上海申卫消防安全评估有限公司' }).waitFor()
    await page.locator('#status', { hasText: /已显示|没有符合条件/ }).waitFor()
    for (const text of await results.locator('li').allInnerTexts()) {
      assert.match(text, /上海申卫消防安全评估有限公司/)
      assert.doesNotMatch(text, /1[3-9]\d{9}/, 'no phone numbers in public')
    }

    const mobile = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    const phone = await mobile.newPage()
    await phone.goto(`${backend.url}/public/`)
    await phone.locator('#results li').first().waitFor()
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow}px)`)
    await shot(phone, 'public-landing-mobile')
  })
})
