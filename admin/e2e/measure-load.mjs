// Load timings of the admin SPA in Debian's chromium, for bench/bench_admin_load.py (which starts the backend).
//   node e2e/measure-load.mjs <base-url> <runs> [<access-token> <refresh-token>]
// Prints one JSON object: per-run milliseconds from navigation start to the first rendered screen
// (main.js sets data-rendered after the router resolved and a frame was painted), first contentful paint,
// and the bytes the page downloaded.
import { launchChromium } from './backend.mjs'

const [base, runsArg, access, refresh] = process.argv.slice(2)
const runs = Number(runsArg || 5)

async function measure(context, path, readySelector) {
  const page = await context.newPage()
  await page.goto(`${base}${path}`, { waitUntil: 'commit' })
  await page.waitForFunction(() => document.documentElement.dataset.rendered === '1', null, { timeout: 20000 })
  if (readySelector) await page.locator(readySelector).waitFor({ state: 'attached', timeout: 20000 })
  const ready = await page.evaluate(() => performance.now())
  // The paint entry is recorded after the frame that follows the app's mark: wait for it.
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, { timeout: 5000 })
  const result = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0]
    const mark = performance.getEntriesByName('admin-first-render')[0]
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]
    const resources = performance.getEntriesByType('resource').filter((r) => r.name.includes('/admin/'))
    const bytes = resources.reduce((sum, r) => sum + (r.encodedBodySize || 0), nav.encodedBodySize || 0)
    return {
      firstRender: mark ? mark.startTime : null,
      fcp: fcp ? fcp.startTime : null,

      requests: resources.length + 1,
      bytes,
      scripts: resources.filter((r) => r.name.endsWith('.js')).map((r) => r.name.split('/').pop()),
    }
  })
  await page.close()
  return { ...result, ready }
}

const browser = await launchChromium()
const out = { login_cold: [], login_warm: [], dashboard_cold: [] }
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    out.login_cold.push(await measure(context, '/admin/'))
    out.login_warm.push(await measure(context, '/admin/'))
    await context.close()
  }
  if (access) {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
      await context.addInitScript(
        ([a, r]) => {
          localStorage.setItem('fire-admin.access', a)
          localStorage.setItem('fire-admin.refresh', r)
        },
        [access, refresh],
      )
      out.dashboard_cold.push(await measure(context, '/admin/dashboard', '[data-test="map-ready"]'))
      await context.close()
    }
  }
} finally {
  await browser.close()
}
console.log(JSON.stringify(out))
