/**
 * Render a page (built with Component(), as WeChat allows) with miniprogram-simulate and the official WXML
 * compiler, then run its page lifecycle as WeChat would: onLoad(query), onShow().
 */
const path = require('path')

const SRC = path.resolve(__dirname, '../../src')

function settle(times) {
  let p = Promise.resolve()
  for (let i = 0; i < (times || 10); i++) p = p.then(() => new Promise((r) => setTimeout(r, 0)))
  return p
}

function render(route) {
  // miniprogram-simulate replaces global.wx with its own API merged with ours when it loads: keep ours.
  const mock = global.wx
  const simulate = require('miniprogram-simulate')
  global.wx = mock
  const id = simulate.load(path.join(SRC, route), { rootPath: SRC })
  const page = simulate.render(id)
  page.attach(document.createElement('parent-wrapper'))
  return page
}

/** Open a page; with {wait: false} the lifecycle is started but not awaited (to see the loading state). */
async function openPage(route, query, opts) {
  const page = render(route)
  const lifecycle = (async () => {
    if (page.instance.onLoad) await page.instance.onLoad(query || {})
    if (page.instance.onShow) await page.instance.onShow()
  })()
  if (opts && opts.wait === false) return page
  await lifecycle
  await settle()
  return page
}

/**
 * Find an element; ' >>> ' steps into a child component: find(page, '.page-state >>> .state-retry').
 * Custom components are found by a class given to their tag.
 */
function find(page, selector) {
  let node = page
  for (const part of selector.split(' >>> ')) {
    node = node && node.querySelector(part.trim())
  }
  return node || null
}

function findAll(page, selector) {
  const parts = selector.split(' >>> ')
  const last = parts.pop()
  const parent = parts.length ? find(page, parts.join(' >>> ')) : page
  return parent ? parent.querySelectorAll(last.trim()) : []
}

/** Text of the first element matching `selector`, or null when it is not rendered. */
function text(page, selector) {
  const el = find(page, selector)
  return el ? el.dom.textContent.replace(/\s+/g, ' ').trim() : null
}

function texts(page, selector) {
  return findAll(page, selector).map((el) => el.dom.textContent.replace(/\s+/g, ' ').trim())
}

async function tap(page, selector) {
  const el = find(page, selector)
  if (!el) throw new Error('nothing to tap at ' + selector)
  el.dispatchEvent('tap')
  await settle()
}

async function tapNth(page, selector, index) {
  const el = findAll(page, selector)[index]
  if (!el) throw new Error('nothing to tap at ' + selector + ' #' + index)
  el.dispatchEvent('tap')
  await settle()
}

async function input(page, selector, value) {
  const el = find(page, selector)
  if (!el) throw new Error('no input at ' + selector)
  el.dispatchEvent('input', { detail: { value } })
  await settle()
}

/** The state a page shows through its <state-view class="page-state">: loading|empty|error|refused|login, or 'data'. */
function stateOf(page) {
  const el = find(page, '.page-state >>> .state')
  if (!el) return 'data'
  const m = /--state-(\w+)/.exec(el.dom.className)
  return m ? m[1] : 'data'
}

module.exports = { SRC, render, openPage, find, findAll, text, texts, tap, tapNth, input, settle, stateOf }
