#!/usr/bin/env node
/**
 * WeChat refuses to upload a mini-program whose main package or any subpackage is over 2 MB (all packages
 * together at most 20 MB). This measures the packages as WeChat would split them from src/ (app.json
 * "subpackages": a file under a subpackage root belongs to it, everything else to the main package), checks
 * that every page and component app.json names exists, and exits non-zero when something is wrong.
 *   node scripts/check-package-size.js [--json]
 */
const fs = require('fs')
const path = require('path')

const SRC = path.resolve(__dirname, '..', 'src')
const PACKAGE_LIMIT = 2 * 1024 * 1024
const TOTAL_LIMIT = 20 * 1024 * 1024

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    return d.isDirectory() ? walk(p) : [p]
  })
}

function missingFiles(app) {
  const problems = []
  const pages = app.pages.concat(...(app.subpackages || []).map((s) => s.pages.map((p) => s.root + '/' + p)))
  const seen = {}
  const checkComponentOrPage = (rel, from) => {
    if (seen[rel]) return
    seen[rel] = true
    for (const ext of ['.js', '.json', '.wxml']) {
      if (!fs.existsSync(path.join(SRC, rel + ext))) problems.push(rel + ext + ' (named by ' + from + ') is missing')
    }
    const jsonPath = path.join(SRC, rel + '.json')
    if (!fs.existsSync(jsonPath)) return
    const using = JSON.parse(fs.readFileSync(jsonPath, 'utf8')).usingComponents || {}
    Object.keys(using).forEach((tag) => {
      const target = using[tag].startsWith('/') ? using[tag].slice(1) : path.posix.join(path.posix.dirname(rel), using[tag])
      checkComponentOrPage(target, rel + '.json')
    })
  }
  pages.forEach((p) => checkComponentOrPage(p, 'app.json'))
  return problems
}

function measure() {
  const app = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'))
  const roots = (app.subpackages || []).map((s) => s.root.replace(/\/$/, ''))
  const sizes = { main: 0 }
  roots.forEach((r) => (sizes[r] = 0))
  walk(SRC).forEach((file) => {
    const rel = path.relative(SRC, file).split(path.sep).join('/')
    const root = roots.find((r) => rel === r || rel.startsWith(r + '/'))
    sizes[root || 'main'] += fs.statSync(file).size
  })
  const total = Object.values(sizes).reduce((a, b) => a + b, 0)
  return { sizes, total, problems: missingFiles(app) }
}

function main() {
  const { sizes, total, problems } = measure()
  const over = Object.keys(sizes).filter((k) => sizes[k] > PACKAGE_LIMIT)
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ sizes, total, limit: PACKAGE_LIMIT, over, problems }))
  } else {
    Object.keys(sizes).forEach((k) => {
      const kb = (sizes[k] / 1024).toFixed(1)
      console.log((k === 'main' ? 'main package' : 'subpackage ' + k).padEnd(26) + kb.padStart(9) + ' KB' + (sizes[k] > PACKAGE_LIMIT ? '  OVER 2 MB' : ''))
    })
    console.log('all packages'.padEnd(26) + (total / 1024).toFixed(1).padStart(9) + ' KB')
    problems.forEach((p) => console.log('missing: ' + p))
  }
  if (over.length || total > TOTAL_LIMIT || problems.length) process.exit(1)
}

if (require.main === module) main()

module.exports = { measure, PACKAGE_LIMIT }
