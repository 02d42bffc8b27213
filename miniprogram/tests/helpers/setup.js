/** A fresh mini-program for each test: new module state, a new `wx`, an in-memory backend. */
const { installWx } = require('./wx')
const { FakeServer, error } = require('./fake-server')

function freshApp(opts) {
  jest.resetModules()
  const server = new FakeServer()
  const wx = installWx(Object.assign({ transport: server.transport() }, opts))
  const session = require('../../src/utils/session')
  return { server, wx, session }
}

const ROLE_SETS = {
  practitioner: [{ role: 'practitioner', role_name: '从业人员', org_id: null, jurisdiction: null, permissions: [] }],
  org_admin: [{ role: 'org_admin', role_name: '机构管理人员', org_id: 4, jurisdiction: null, permissions: [] }],
  supervisor: [{ role: 'supervisor', role_name: '监督管理人员', org_id: null, jurisdiction: '310104', permissions: [] }],
  none: [],
}

/** Log in as a user holding the given roles (names from ROLE_SETS, or role objects). */
function loginAs(session, roles, id) {
  const list = [].concat(...(roles || []).map((r) => (typeof r === 'string' ? ROLE_SETS[r] : [r])))
  session.save({
    access_token: 'access-' + (id || 7),
    refresh_token: 'refresh-' + (id || 7),
    user: { id: id || 7, phone_masked: '138****8000', display_name: '张伟', wechat_bound: false, roles: list },
  })
}

function deferred() {
  let resolve
  const promise = new Promise((r) => (resolve = r))
  return { promise, resolve }
}

module.exports = { freshApp, loginAs, deferred, error, ROLE_SETS }
