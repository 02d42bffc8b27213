/**
 * The signed-in session: tokens, the user as the server last described it, and the role the user is acting
 * in. Kept in wx storage so a restart of the mini-program does not log the user out.
 */
const KEY = 'session'
const ROLE_KEY = 'session.active_role'

const ROLE_NAMES = {
  practitioner: '从业人员',
  org_admin: '机构管理人员',
  legal_rep: '法定代表人',
  supervisor: '监督管理人员',
  corps_admin: '总队管理员',
}

// Which subpackage serves each role (app.json "subpackages").
const ROLE_HOME = {
  practitioner: '/practitioner/pages/projects/index',
  org_admin: '/org/pages/index/index',
  legal_rep: '/org/pages/index/index',
  supervisor: '/supervisor/pages/index/index',
  corps_admin: '/supervisor/pages/index/index',
}

const listeners = []

function read() {
  try {
    return wx.getStorageSync(KEY) || null
  } catch (err) {
    return null
  }
}

function notify() {
  const current = read()
  listeners.slice().forEach((fn) => fn(current))
}

function get() {
  return read()
}

function isLoggedIn() {
  const s = read()
  return Boolean(s && s.access_token)
}

function accessToken() {
  const s = read()
  return s ? s.access_token : ''
}

function refreshToken() {
  const s = read()
  return s ? s.refresh_token : ''
}

/** Store a token pair answer of /auth/sms-login, /auth/wechat-login or /auth/wechat-bind. */
function save(pair) {
  wx.setStorageSync(KEY, {
    access_token: pair.access_token,
    refresh_token: pair.refresh_token,
    user: pair.user || null,
    saved_at: Date.now(),
  })
  const roles = ((pair.user && pair.user.roles) || []).map(roleKey)
  if (roles.indexOf(wx.getStorageSync(ROLE_KEY)) < 0) {
    if (roles.length) wx.setStorageSync(ROLE_KEY, roles[0])
    else wx.removeStorageSync(ROLE_KEY)
  }
  notify()
}

function updateAccessToken(token) {
  const s = read()
  if (!s) return
  s.access_token = token
  wx.setStorageSync(KEY, s)
}

/** Replace the user part with a fresh GET /me answer (roles may have changed on the server). */
function updateUser(me) {
  const s = read()
  if (!s) return
  s.user = me
  wx.setStorageSync(KEY, s)
  const roles = (me.roles || []).map(roleKey)
  if (roles.indexOf(wx.getStorageSync(ROLE_KEY)) < 0) {
    if (roles.length) wx.setStorageSync(ROLE_KEY, roles[0])
    else wx.removeStorageSync(ROLE_KEY)
  }
  notify()
}

function clear() {
  wx.removeStorageSync(KEY)
  wx.removeStorageSync(ROLE_KEY)
  notify()
}

function roleKey(r) {
  return [r.role, r.org_id || '', r.jurisdiction || ''].join(':')
}

function roles() {
  const s = read()
  return ((s && s.user && s.user.roles) || []).map((r) => Object.assign({ key: roleKey(r) }, r, {
    role_name: r.role_name || ROLE_NAMES[r.role] || r.role,
  }))
}

function activeRole() {
  const all = roles()
  const key = wx.getStorageSync(ROLE_KEY)
  return all.filter((r) => r.key === key)[0] || all[0] || null
}

function setActiveRole(key) {
  if (!roles().some((r) => r.key === key)) return false
  wx.setStorageSync(ROLE_KEY, key)
  notify()
  return true
}

function hasRole(name) {
  return roles().some((r) => r.role === name)
}

function onChange(fn) {
  listeners.push(fn)
  return () => {
    const i = listeners.indexOf(fn)
    if (i >= 0) listeners.splice(i, 1)
  }
}

module.exports = {
  ROLE_NAMES,
  ROLE_HOME,
  get,
  isLoggedIn,
  accessToken,
  refreshToken,
  save,
  updateAccessToken,
  updateUser,
  clear,
  roles,
  roleKey,
  activeRole,
  setActiveRole,
  hasRole,
  onChange,
}
