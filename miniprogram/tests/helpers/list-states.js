/**
 * The five states every data page shows, checked the same way for each: not logged in, refused for the wrong
 * role, loading until the server answers, empty, error (with a retry that works) and data.
 * checkStates({route, query, endpoint: 'GET /api/v1/…', role, wrongRole, answer: (req) => body, emptyBody, dataSelector})
 */
const { freshApp, loginAs, deferred } = require('./setup')
const { openPage, tap, stateOf, find } = require('./page')

function wait(ms) {
  return new Promise((r) => setTimeout(r, ms || 10))
}

function checkStates(spec) {
  const open = (opts) => openPage(spec.route, spec.query || {}, opts)

  if (spec.role) {
    test('login: asks to log in without a session', async () => {
      freshApp()
      expect(stateOf(await open())).toBe('login')
    })
  }

  if (spec.wrongRole) {
    test('refused for another role', async () => {
      const { session } = freshApp()
      loginAs(session, [spec.wrongRole])
      expect(stateOf(await open())).toBe('refused')
    })
  }

  test('loading until the server answers, then data', async () => {
    const { server, session } = freshApp()
    if (spec.role) loginAs(session, [spec.role])
    if (spec.setup) spec.setup(server)
    const gate = deferred()
    server.on(spec.endpoint, async (req) => (await gate.promise, { status: 200, body: spec.answer(req) }))
    const page = await open({ wait: false })
    await wait()
    expect(stateOf(page)).toBe('loading')
    gate.resolve()
    await wait(30)
    expect(stateOf(page)).toBe('data')
    if (spec.dataSelector) expect(find(page, spec.dataSelector)).not.toBeNull()
  })

  if (spec.emptyBody) {
    test('empty', async () => {
      const { server, session } = freshApp()
      if (spec.role) loginAs(session, [spec.role])
      if (spec.setup) spec.setup(server)
      server.on(spec.endpoint, () => ({ status: 200, body: spec.emptyBody }))
      expect(stateOf(await open())).toBe('empty')
    })
  }

  test('error with a retry that works', async () => {
    const { server, session } = freshApp()
    if (spec.role) loginAs(session, [spec.role])
    if (spec.setup) spec.setup(server)
    let fail = true
    server.on(spec.endpoint, (req) => (fail ? { fail: 'request:fail timeout' } : { status: 200, body: spec.answer(req) }))
    const page = await open()
    expect(stateOf(page)).toBe('error')
    fail = false
    await tap(page, '.page-state >>> .state-retry')
    expect(stateOf(page)).toBe('data')
  })

  test('refused when the server says 403', async () => {
    const { server, session } = freshApp()
    if (spec.role) loginAs(session, [spec.role])
    if (spec.setup) spec.setup(server)
    server.on(spec.endpoint, () => ({ status: 403, body: { code: 'forbidden', message: '无权查看该对象', details: {} } }))
    const page = await open()
    expect(stateOf(page)).toBe('refused')
  })
}

module.exports = { checkStates, wait }
