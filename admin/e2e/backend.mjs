// Starts the real backend for browser tests and the benchmark: a fresh temporary INSTANCE_PATH (SQLite, in-process
// jobs, simulators), `alembic upgrade head`, `flask demo load`, then `flask run` on a free port.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ADMIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const REPO = resolve(ADMIN_DIR, '..')
const BIN = process.env.VENV_BIN || join(REPO, '.venv', 'bin')

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => res(port))
    })
  })
}

function run(cmd, args, env) {
  const out = spawnSync(cmd, args, { cwd: REPO, env, encoding: 'utf8' })
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${out.status}):\n${out.stdout}\n${out.stderr}`)
  return out.stdout
}

async function waitUntilUp(url, child, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}`)
    try {
      const r = await fetch(`${url}/api/v1/jurisdictions`)
      if (r.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`backend did not answer at ${url} within ${timeoutMs} ms`)
}

export async function startBackend({ quiet = true, seed = false } = {}) {
  if (!existsSync(join(ADMIN_DIR, 'dist', 'index.html'))) {
    throw new Error('admin/dist is missing: run scripts/build-admin.sh (or `npm run build` in admin/) first')
  }
  const instance = mkdtempSync(join(tmpdir(), 'fire-admin-e2e-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  // Links in messages (feedback, report QR codes) and WeChat's OAuth callback point at the served origin.
  const env = { ...process.env, INSTANCE_PATH: instance, APP_CONFIG: 'embedded', FLASK_APP: 'wsgi', PUBLIC_BASE_URL: url }
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'JOBS_MODE', 'EMBEDDED_SCHEDULER']) delete env[key]
  run(join(BIN, 'alembic'), ['upgrade', 'head'], env)
  const demo = run(join(BIN, 'flask'), ['--app', 'wsgi', 'demo', 'load'], env)
  // Organisations submitted for review (the demo has only verified ones): tests/webui/seed_e2e.py.
  const seeded = seed
    ? run(join(BIN, 'python'), ['-m', 'tests.webui.seed_e2e'], env)
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
    : []
  const child = spawn(join(BIN, 'flask'), ['--app', 'wsgi', 'run', '--host', '127.0.0.1', '--port', String(port), '--no-reload'], {
    cwd: REPO,
    env,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'],
  })
  try {
    await waitUntilUp(url, child)
  } catch (err) {
    child.kill()
    rmSync(instance, { recursive: true, force: true })
    throw err
  }

  return {
    url,
    demo,
    seeded,
    instance,
    /** Run a `flask` CLI command against the same database. */
    flask: (...args) => run(join(BIN, 'flask'), ['--app', 'wsgi', ...args], env),
    /** The newest login code the SMS simulator put in the outbox for this phone. */
    smsCode(phone) {
      const lines = run(join(BIN, 'flask'), ['--app', 'wsgi', 'outbox', 'list', '--channel', 'sms', '--json', '--limit', '50'], env)
      for (const line of lines.split('\n')) {
        if (!line.trim().startsWith('{')) continue
        const msg = JSON.parse(line)
        if (msg.recipient === phone && msg.payload?.params?.code) return msg.payload.params.code
      }
      throw new Error(`no SMS code in the outbox for ${phone}`)
    },
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)))
      rmSync(instance, { recursive: true, force: true })
    },
  }
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export async function launchChromium() {
  const { chromium } = await import('playwright-core')
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS })
}
