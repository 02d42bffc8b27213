// A fetch double that answers from a queue of handlers and records every call.
export function fakeFetch(...handlers) {
  const calls = []
  const queue = [...handlers]
  const fn = async (url, init = {}) => {
    const call = { url, method: init.method || 'GET', headers: init.headers || {}, body: init.body ? JSON.parse(init.body) : undefined }
    calls.push(call)
    const handler = queue.shift()
    if (!handler) throw new Error(`unexpected request ${call.method} ${url}`)
    return handler(call)
  }
  fn.calls = calls
  fn.pending = () => queue.length
  return fn
}

export function json(status, body) {
  return new Response(body === undefined ? '' : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

export function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial))
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
    data,
  }
}

export const ME_CORPS = {
  id: 1,
  phone_masked: '139****0001',
  display_name: null,
  roles: [{ role: 'corps_admin', role_name: '总队管理员', jurisdiction: 'corps', permissions: [] }],
  jurisdiction: 'corps',
  permissions: [],
  org_ids: [],
}

export const ME_HUANGPU = {
  id: 2,
  phone_masked: '139****0002',
  display_name: null,
  roles: [{ role: 'supervisor', role_name: '监督管理人员', jurisdiction: '310101', permissions: ['read_personal_data', 'issue_penalties'] }],
  jurisdiction: '310101',
  permissions: ['issue_penalties', 'read_personal_data'],
  org_ids: [],
}

export const ME_EXPORTER = {
  ...ME_HUANGPU,
  id: 3,
  roles: [{ role: 'supervisor', jurisdiction: '310104', permissions: ['export_data'] }],
  jurisdiction: '310104',
  permissions: ['export_data'],
}

export const ME_ORG_ADMIN = {
  id: 9,
  phone_masked: '138****1234',
  roles: [{ role: 'org_admin', org_id: 4, jurisdiction: null, permissions: [] }],
  jurisdiction: null,
  permissions: [],
  org_ids: [4],
}
