/** Paths of the repository around the mini-program: the backend's virtualenv and the shared test data. */
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')

const REPO_ROOT = path.resolve(__dirname, '../../..')
const VENV_BIN = path.join(REPO_ROOT, '.venv', 'bin')
const SHARED_DATA = path.resolve(REPO_ROOT, '..', 'shared', 'data')

function venvTool(name) {
  const tool = path.join(VENV_BIN, name)
  if (!fs.existsSync(tool)) throw new Error(tool + ' is missing: run `make setup` in ' + REPO_ROOT + ' first')
  return tool
}

/** Run a Python snippet in the backend's virtualenv with JSON in and JSON out. */
function python(code, input, env) {
  const out = execFileSync(venvTool('python'), ['-c', code], {
    cwd: REPO_ROOT,
    input: JSON.stringify(input),
    env: Object.assign({}, process.env, env || {}),
    maxBuffer: 16 * 1024 * 1024,
  })
  return JSON.parse(out.toString('utf8'))
}

module.exports = { REPO_ROOT, VENV_BIN, SHARED_DATA, venvTool, python }
