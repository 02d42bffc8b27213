// Browser test of the server-side export, the maintenance plan page and the defects page, against the real
// backend with demo data (see backend.mjs) plus tests/exports/seed_e2e.py (a 黄浦 maintenance project with last
// month's plan, records and two defects: one repaired and verified, one open).
// The corps admin grants the 黄浦 supervisor the export permission; the supervisor exports the projects list to
// Excel, and the downloaded file — read back with openpyxl — holds exactly the 黄浦 projects the list shows.
// SCREENSHOTS_DIR=../docs/screenshots saves export.png, plan.png and defects.png.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { REPO, launchChromium, startBackend } from './backend.mjs'

const BIN = process.env.VENV_BIN || join(REPO, '.venv', 'bin')
const CORPS_ADMIN = '13900000001'
const HUANGPU = '13900000002'
const SHOTS = process.env.SCREENSHOTS_DIR ? resolve(process.env.SCREENSHOTS_DIR) : null

let backend
let browser
let seeded
let downloads

function pythonIn(args, { instance = true } = {}) {
  const env = { ...process.env }
  if (instance) Object.assign(env, { INSTANCE_PATH: backend.instance, APP_CONFIG: 'embedded', FLASK_APP: 'wsgi' })
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'JOBS_MODE', 'EMBEDDED_SCHEDULER']) delete env[key]
  const out = spawnSync(join(BIN, 'python'), args, { cwd: REPO, env, encoding: 'utf8' })
  if (out.status !== 0) throw new Error(`python ${args.join(' ')} failed (${out.status}):\n${out.stdout}\n${out.stderr}`)
  return JSON.parse(out.stdout.split('\n').filter((line) => line.startsWith('{') || line.startsWith('[')).at(-1))
}

/** The rows of the first sheet of an .xlsx file, read with openpyxl (as a spreadsheet program would). */
function readXlsx(path) {
  const code = [
    'import json, sys, openpyxl',
    'ws = openpyxl.load_workbook(sys.argv[1], read_only=True).active',
    'print(json.dumps([["" if c is None else str(c) for c in row] for row in ws.iter_rows(values_only=True)], ensure_ascii=False))',
  ].join('\n')
  return pythonIn(['-c', code, path], { instance: false })
}

async function shot(page, name) {
  if (!SHOTS) return
  mkdirSync(SHOTS, { recursive: true })
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
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

async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers = { Authorization: `Bearer ${localStorage.getItem('fire-admin.access')}` }
      if (body) headers['Content-Type'] = 'application/json'
      const r = await fetch(`/api/v1${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined })
      return { status: r.status, body: await r.json() }
    },
    { method, path, body },
  )
}

async function allRows(page, path) {
  const rows = []
  let cursor = null
  do {
    const { status, body } = await api(page, 'GET', `${path}?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
    assert.equal(status, 200)
    rows.push(...body.items)
    cursor = body.next_cursor
  } while (cursor)
  return rows
}

before(async () => {
  backend = await startBackend()
  seeded = pythonIn(['-m', 'tests.exports.seed_e2e'])
  browser = await launchChromium()
  downloads = mkdtempSync(join(tmpdir(), 'fire-admin-export-'))
})

after(async () => {
  await browser?.close()
  await backend?.stop()
  if (downloads) rmSync(downloads, { recursive: true, force: true })
})

describe('a 黄浦 supervisor', () => {
  let page

  test('is granted the export permission by the corps admin', async () => {
    const admin = await newPage()
    await login(admin, CORPS_ADMIN)
    const accounts = await allRows(admin, '/admin/supervisors')
    const huangpu = accounts.find((a) => a.phone_masked === '139****0002')
    const r = await api(admin, 'PATCH', `/admin/supervisors/${huangpu.id}`, {
      permissions: [...new Set([...huangpu.permissions, 'export_data'])],
    })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.ok(r.body.permissions.includes('export_data'))
    await admin.context().close()
  })

  test('exports the projects list to Excel and the file holds only 黄浦 rows', async () => {
    page = await newPage()
    await login(page, HUANGPU)
    await page.click('[data-test="menu"] >> text=项目')
    const projects = page.locator('[data-test="projects"]')
    await projects.locator('.el-table__row').first().waitFor()

    const listed = await allRows(page, '/projects')
    assert.ok(listed.length >= 2, `黄浦 has projects (${listed.length})`)
    assert.ok(listed.every((p) => p.district_code === '310101'))

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test="export-xlsx"]')])
    assert.match(download.suggestedFilename(), /^项目-\d{8}-\d{6}\.xlsx$/)
    const path = join(downloads, download.suggestedFilename())
    await download.saveAs(path)
    await page.locator('.el-message--success', { hasText: `已导出 ${listed.length} 条` }).waitFor()
    await shot(page, 'export')

    const [headers, ...rows] = readXlsx(path)
    assert.deepEqual(headers.slice(0, 4), ['项目编号', '项目名称', '服务类型', '状态'])
    const district = headers.indexOf('所属区')
    assert.equal(rows.length, listed.length)
    assert.deepEqual(new Set(rows.map((r) => r[district])), new Set(['黄浦区']))
    assert.deepEqual(
      rows.map((r) => r[0]),
      listed.map((p) => p.project_no),
    )
    assert.ok(rows.some((r) => r[0] === seeded.project_no), 'the seeded 黄浦 project is in the file')
  })

  test('opens a maintenance plan and its monthly checklist', async () => {
    await page.click('[data-test="menu"] >> text=维保计划与清单')
    await page.waitForURL(/\/admin\/projects\/plans/)
    await page.getByText('选择一个维护保养项目查看其维保计划').waitFor()
    await page.locator('[data-test="project-picker"]').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: seeded.project_no }).click()
    await page.waitForURL(new RegExp(`project=${seeded.project_id}`))
    const items = page.locator('[data-test="plan-items"] .el-table__row')
    await items.first().waitFor()
    assert.ok((await items.count()) >= 4, 'plan items listed')
    assert.match(await page.locator('[data-test="plan-summary"]').innerText(), /容差天数/)
    const checklist = page.locator('[data-test="checklist"]')
    await checklist.waitFor()
    // Last month's checklist: the seeded visit's records count there.
    await page.locator('[data-test="checklist-month"]').click()
    await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/plan/checklist?month=${seeded.month}`)),
      page.locator('.el-select-dropdown__item:visible', { hasText: seeded.month }).click(),
    ])
    await checklist.locator('.el-table__row').first().waitFor()
    assert.match(await checklist.innerText(), /已完成/)
    assert.match(await page.locator('[data-test="checklist-window"]').innerText(), /容差期 \d{4}-\d{2}-\d{2} ~/)
    await shot(page, 'plan')
  })

  test('lists the defects of a project with their repairs, filtered by status', async () => {
    await page.click('[data-test="menu"] >> text=故障隐患与维修')
    await page.waitForURL(/\/admin\/projects\/defects/)
    await page.goto(`${backend.url}/admin/projects/defects?project=${seeded.project_id}`)
    const table = page.locator('[data-test="defects"]')
    const rows = table.locator('.el-table__body > tbody > .el-table__row')
    await rows.first().waitFor()
    assert.equal(await rows.count(), seeded.defects.length)
    assert.match(await table.innerText(), /待维修/)

    const closed = seeded.defects.find((d) => d.status === 'closed')
    if (closed) {
      await table.locator('.el-table__row', { hasText: '已关闭' }).locator('.el-table__expand-icon').click()
      await table.getByText('核实通过').waitFor()
    }
    await shot(page, 'defects')

    await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/projects/${seeded.project_id}/defects?status=open`)),
      page.locator('[data-test="defect-status"]').getByText('待维修').click(),
    ])
    await page.waitForURL(/status=open/)
    const open = seeded.defects.filter((d) => d.status === 'open').length
    for (let i = 0; i < 50 && (await rows.count()) !== open; i += 1) await page.waitForTimeout(100)
    assert.equal(await rows.count(), open)
  })
})
