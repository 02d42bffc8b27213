// The shipped code: plain ES2019 that WeChat runs without a build step, packages under WeChat's limits.
const fs = require('fs')
const path = require('path')
const acorn = require('acorn')
const { measure, PACKAGE_LIMIT } = require('../../scripts/check-package-size')

const SRC = path.resolve(__dirname, '../../src')

function files(dir, ext) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    return d.isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : []
  })
}

test('every script parses as ES2019 (no ?. or ??, which older WeChat base libraries reject)', () => {
  const scripts = files(SRC, '.js')
  expect(scripts.length).toBeGreaterThan(15)
  scripts.forEach((file) => {
    expect(() => acorn.parse(fs.readFileSync(file, 'utf8'), { ecmaVersion: 2019, sourceType: 'script' })).not.toThrow()
  })
  expect(() => acorn.parse('const a = b?.c', { ecmaVersion: 2019 })).toThrow()
})

test('every JSON file is valid and every page is built with Component() (so it can be tested and lazily loaded)', () => {
  files(SRC, '.json').forEach((file) => expect(() => JSON.parse(fs.readFileSync(file, 'utf8'))).not.toThrow())
  const app = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'))
  const pages = app.pages.concat(...app.subpackages.map((s) => s.pages.map((p) => s.root + '/' + p)))
  pages.forEach((p) => {
    expect(fs.readFileSync(path.join(SRC, p + '.js'), 'utf8')).toMatch(/\bComponent\(\{/)
    expect(JSON.parse(fs.readFileSync(path.join(SRC, p + '.json'), 'utf8')).usingComponents).toBeDefined()
  })
  // tab pages must live in the main package
  app.tabBar.list.forEach((t) => expect(app.pages).toContain(t.pagePath))
})

test('the main package and each role subpackage are under 2 MB, and app.json names only existing files', () => {
  const { sizes, problems } = measure()
  expect(problems).toEqual([])
  expect(Object.keys(sizes).sort()).toEqual(['main', 'org', 'practitioner', 'supervisor'])
  Object.keys(sizes).forEach((k) => expect(sizes[k]).toBeLessThan(PACKAGE_LIMIT))
})

test('the project opens in WeChat DevTools with the placeholder AppID and src/ as the mini-program root', () => {
  const project = JSON.parse(fs.readFileSync(path.join(SRC, '..', 'project.config.json'), 'utf8'))
  expect(project.appid).toBe('touristappid')
  expect(project.miniprogramRoot).toBe('src/')
})
