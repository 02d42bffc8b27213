/**
 * The set-up every end-to-end suite shares: the real backend for the file (tests/helpers/backend.js), and a
 * fresh `wx` routed to it over HTTP with its own temporary file system, per test or once for the file.
 *   const e2e = useRealBackend({ perTest, setup(backend) → extra, afterInstall(wx) })
 *   e2e.backend, e2e.fsRoot, e2e.extra
 */
const fs = require('fs')
const os = require('os')
const path = require('path')
const { installWx } = require('./wx')
const { httpTransport } = require('./http-transport')
const { startBackend } = require('./backend')

function useRealBackend({ perTest = true, setup, afterInstall } = {}) {
  const e2e = { backend: null, fsRoot: null, extra: null }
  beforeAll(async () => {
    e2e.backend = await startBackend({ seedCheckIn: true })
    if (setup) e2e.extra = setup(e2e.backend)
  }, 240000)
  afterAll(() => {
    if (e2e.backend) e2e.backend.stop()
  })

  function install() {
    jest.resetModules()
    e2e.fsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-wx-'))
    installWx({ transport: httpTransport, fsRoot: e2e.fsRoot })
    if (afterInstall) afterInstall(global.wx)
    require('../../src/utils/config').setBaseUrlOverride(e2e.backend.baseUrl)
  }
  function remove() {
    if (e2e.fsRoot) fs.rmSync(e2e.fsRoot, { recursive: true, force: true })
  }
  if (perTest) {
    beforeEach(install)
    afterEach(remove)
  } else {
    beforeAll(install)
    afterAll(remove)
  }
  return e2e
}

/** Poll `check` every 50 ms until it holds (30 s at most), or fail naming what was awaited. */
async function until(check, what) {
  for (let i = 0; i < 600; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('timed out waiting for ' + what)
}

module.exports = { useRealBackend, until }
