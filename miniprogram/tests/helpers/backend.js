/**
 * The real backend on the embedded default for the end-to-end test: a temporary INSTANCE_PATH (SQLite,
 * in-process jobs, simulators), `alembic upgrade head`, `flask demo load`, then
 * tests/miniprogram_e2e/serve_backend.py on a free port. The SMS "sent" lands in the development outbox.
 */
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawn, execFileSync } = require('child_process')
const { REPO_ROOT, venvTool } = require('./repo')

function backendEnv(instancePath) {
  const env = Object.assign({}, process.env, { INSTANCE_PATH: instancePath, APP_CONFIG: 'embedded', PYTHONUNBUFFERED: '1' })
  // CI exports these for the Python suite on PostgreSQL + Redis; this test runs the embedded default.
  ;['DATABASE_URL', 'REDIS_URL', 'TEST_DATABASE_URL', 'JOBS_MODE'].forEach((k) => delete env[k])
  return env
}

function run(tool, args, env) {
  return execFileSync(venvTool(tool), args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 32 * 1024 * 1024 }).toString('utf8')
}

async function startBackend(opts) {
  const instancePath = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-e2e-'))
  const env = backendEnv(instancePath)
  run('alembic', ['upgrade', 'head'], env)
  const demo = run('flask', ['--app', 'wsgi', 'demo', 'load'], env)
  const args = [path.join(REPO_ROOT, 'tests', 'miniprogram_e2e', 'serve_backend.py')]
  if (opts && opts.seedCheckIn) args.push('--seed-check-in')
  const child = spawn(venvTool('python'), args, { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c) => (stderr += c))
  const facts = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c) => {
      out += c
      const line = out.split('\n')[0]
      if (out.indexOf('\n') >= 0) resolve(JSON.parse(line))
    })
    child.on('exit', (code) => reject(new Error('backend exited with ' + code + ':\n' + stderr.slice(-3000))))
  })
  return {
    facts,
    demo,
    baseUrl: 'http://127.0.0.1:' + facts.port,
    env,
    /** The newest SMS code sent to `phone`, read with `flask outbox list --channel sms --json`. */
    smsCode(phone) {
      const lines = run('flask', ['--app', 'wsgi', 'outbox', 'list', '--channel', 'sms', '--json'], env).trim().split('\n')
      const msg = lines.map((l) => JSON.parse(l)).find((m) => m.recipient === phone)
      if (!msg) throw new Error('no SMS in the outbox for ' + phone)
      return String(msg.payload.params.code)
    },
    python(code) {
      return run('python', ['-c', code], env).trim()
    },
    stop() {
      child.stdin.end()
      child.kill('SIGTERM')
      fs.rmSync(instancePath, { recursive: true, force: true })
    },
  }
}

module.exports = { startBackend }
