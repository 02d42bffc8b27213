/** Names of jurisdictions (总队, 16 district detachments by adcode, 化工区/水上/轨道交通), cached for a day. */
const api = require('./api')

const KEY = 'cache.jurisdictions'
const TTL_MS = 24 * 3600 * 1000

function cached() {
  const c = wx.getStorageSync(KEY)
  return c && c.items ? c : null
}

/** Resolves {code: name}; a failed fetch falls back to the cache (or codes shown as they are). */
async function names() {
  const c = cached()
  if (c && Date.now() - c.at < TTL_MS) return toMap(c.items)
  try {
    const items = await api.get('/jurisdictions', null, { auth: false, silent: true })
    wx.setStorageSync(KEY, { at: Date.now(), items })
    return toMap(items)
  } catch (err) {
    return toMap((c && c.items) || [])
  }
}

function toMap(items) {
  const map = {}
  ;(items || []).forEach((j) => (map[j.code] = j.name))
  return map
}

/** Adds `scope_name` to roles that carry a jurisdiction. */
async function decorate(roles) {
  if (!roles.some((r) => r.jurisdiction)) return roles
  const map = await names()
  return roles.map((r) => Object.assign({}, r, { scope_name: r.jurisdiction ? map[r.jurisdiction] || r.jurisdiction : '' }))
}

module.exports = { names, decorate }
