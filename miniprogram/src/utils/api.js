/**
 * The one way pages talk to the backend: wx.request / wx.uploadFile with the base URL from config, the bearer
 * token, a silent refresh on 401 (one refresh at a time; requests waiting on it are retried), errors in the
 * server's {code, message, details} shape shown to the user in Chinese, a loading indicator, and keyset lists.
 */
const { config, getBaseUrl } = require('./config')
const session = require('./session')

const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'
const TIMEOUT_MESSAGE = '请求超时，请检查网络后重试'
const UNAVAILABLE_MESSAGE = '服务暂时不可用，请稍后重试'

class ApiError extends Error {
  constructor(fields) {
    super(fields.message)
    this.name = 'ApiError'
    this.status = fields.status || 0 // 0: no answer from the server
    this.code = fields.code
    this.details = fields.details || {}
    this.network = Boolean(fields.network)
  }

  /** A refusal the server made on purpose: sending the same thing again will not change the answer. */
  get definitive() {
    return this.status >= 400 && this.status < 500 && [401, 408, 425, 429].indexOf(this.status) < 0
  }

  /** Worth trying again later: no answer, a timeout, rate limiting or a server-side failure. */
  get retryable() {
    return this.network || this.status >= 500 || [408, 425, 429].indexOf(this.status) >= 0
  }
}

function buildUrl(path, query) {
  let url = /^https?:\/\//.test(path) ? path : getBaseUrl() + (path.indexOf('/api/') === 0 ? path : config.apiPrefix + path)
  const pairs = Object.keys(query || {})
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(query[k]))
  if (pairs.length) url += (url.indexOf('?') >= 0 ? '&' : '?') + pairs.join('&')
  return url
}

function parseBody(data) {
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data)
  } catch (err) {
    return data
  }
}

function errorFromResponse(statusCode, data) {
  const body = parseBody(data)
  if (body && typeof body === 'object' && body.code && body.message) {
    return new ApiError({ status: statusCode, code: body.code, message: body.message, details: body.details })
  }
  if (statusCode >= 500) return new ApiError({ status: statusCode, code: 'service_unavailable', message: UNAVAILABLE_MESSAGE })
  return new ApiError({ status: statusCode, code: 'http_' + statusCode, message: '请求失败（HTTP ' + statusCode + '）' })
}

function errorFromFailure(res) {
  const msg = (res && res.errMsg) || ''
  const timeout = /timeout|超时/i.test(msg)
  return new ApiError({
    code: timeout ? 'network_timeout' : 'network_error',
    message: timeout ? TIMEOUT_MESSAGE : NETWORK_MESSAGE,
    details: { errMsg: msg },
    network: true,
  })
}

function authHeader(token) {
  return token ? { Authorization: 'Bearer ' + token } : {}
}

// ---- transport: one attempt, resolves {statusCode, data} or rejects a network ApiError ----

function transport(opts, token) {
  return new Promise((resolve, reject) => {
    const header = Object.assign({}, opts.header || {}, authHeader(token))
    const url = buildUrl(opts.path, opts.query)
    const done = (res) => resolve({ statusCode: res.statusCode, data: parseBody(res.data), header: res.header || {} })
    const fail = (res) => reject(errorFromFailure(res))
    if (opts.filePath) {
      wx.uploadFile({
        url,
        filePath: opts.filePath,
        name: opts.name || 'file',
        formData: opts.formData || {},
        header,
        timeout: opts.timeout || config.uploadTimeoutMs,
        success: done,
        fail,
      })
    } else {
      header['Content-Type'] = header['Content-Type'] || 'application/json'
      wx.request({
        url,
        method: opts.method || 'GET',
        data: opts.data === undefined ? undefined : opts.data,
        header,
        timeout: opts.timeout || config.requestTimeoutMs,
        dataType: 'json',
        success: done,
        fail,
      })
    }
  })
}

// ---- silent refresh: one at a time ----

let refreshing = null

function refreshSession(usedToken) {
  const current = session.accessToken()
  if (current && current !== usedToken) return Promise.resolve(true) // someone else refreshed meanwhile
  if (refreshing) return refreshing
  const refresh = session.refreshToken()
  if (!refresh) return Promise.resolve(false)
  refreshing = transport({ path: '/auth/refresh', method: 'POST', data: {} }, refresh)
    .then((res) => {
      if (res.statusCode >= 200 && res.statusCode < 300 && res.data && res.data.access_token) {
        session.updateAccessToken(res.data.access_token)
        return true
      }
      if (res.statusCode === 401 || res.statusCode === 403) return false
      throw errorFromResponse(res.statusCode, res.data)
    })
    .then(
      (ok) => {
        refreshing = null
        return ok
      },
      (err) => {
        refreshing = null
        throw err // a network failure during refresh keeps the session: the user is not logged out offline
      },
    )
  return refreshing
}

let authLostHandler = defaultAuthLost
let authLostShown = false

function defaultAuthLost(err) {
  if (authLostShown) return
  authLostShown = true
  wx.showModal({
    title: '需要重新登录',
    content: err.message || '登录已过期，请重新登录',
    showCancel: false,
    confirmText: '去登录',
    complete: () => {
      authLostShown = false
      wx.navigateTo({ url: '/pages/login/index' })
    },
  })
}

/** The app may replace what happens when the session cannot be refreshed (default: ask to log in again). */
function onAuthLost(handler) {
  authLostHandler = handler || defaultAuthLost
}

async function send(opts) {
  const useAuth = opts.auth !== false
  if (useAuth && refreshing) await refreshing.catch(() => false)
  let token = useAuth ? session.accessToken() : ''
  let res = await transport(opts, token)
  if (res.statusCode === 401 && token) {
    const ok = await refreshSession(token)
    if (ok) {
      token = session.accessToken()
      res = await transport(opts, token)
    }
    if (res.statusCode === 401) {
      const err = errorFromResponse(res.statusCode, res.data)
      session.clear()
      authLostHandler(err)
      throw err
    }
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data
  throw errorFromResponse(res.statusCode, res.data)
}

// ---- what the user sees ----

let loadingCount = 0

function beginLoading(loading) {
  if (!loading) return () => {}
  if (loadingCount === 0) wx.showLoading({ title: typeof loading === 'string' ? loading : '加载中', mask: true })
  loadingCount += 1
  let ended = false
  return () => {
    if (ended) return
    ended = true
    loadingCount -= 1
    if (loadingCount === 0) wx.hideLoading()
  }
}

function hasChinese(text) {
  return /[\u4e00-\u9fff]/.test(String(text))
}

/** Field messages worth showing: the Chinese ones from the domain validators (marshmallow's own are English). */
function fieldMessages(err) {
  const out = []
  const walk = (node) => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') Object.keys(node).forEach((k) => walk(node[k]))
    else if (typeof node === 'string' && hasChinese(node) && out.indexOf(node) < 0 && node !== err.message) out.push(node)
  }
  walk(err.details && err.details.fields)
  return out
}

function showError(err) {
  const extra = fieldMessages(err)
  const message = err.message || UNAVAILABLE_MESSAGE
  // A toast without an icon shows at most two lines (about 24 Chinese characters); longer text needs a modal.
  if (extra.length || message.length > 24) {
    wx.showModal({ title: '提示', content: [message].concat(extra).join('\n'), showCancel: false })
  } else {
    wx.showToast({ title: message, icon: 'none', duration: 2500 })
  }
}

/**
 * request({path, method, data, query, header, auth, loading, silent}) → the response body.
 * `loading`: true or a Chinese title shows wx.showLoading (pages with their own loading flag pass false);
 * `silent`: do not show the error (the caller shows it in the page); `auth: false` sends no token.
 */
async function request(opts) {
  const endLoading = beginLoading(opts.loading)
  try {
    return await send(opts)
  } catch (err) {
    const apiErr = err instanceof ApiError ? err : new ApiError({ code: 'client_error', message: String(err && err.message) })
    if (!opts.silent && !(apiErr.status === 401)) showError(apiErr)
    throw apiErr
  } finally {
    endLoading()
  }
}

/** upload({path, filePath, name, formData, ...}) → the response body (multipart/form-data). */
function upload(opts) {
  return request(Object.assign({ method: 'POST' }, opts))
}

const get = (path, query, opts) => request(Object.assign({ path, query, method: 'GET' }, opts))
const post = (path, data, opts) => request(Object.assign({ path, data, method: 'POST' }, opts))
const patch = (path, data, opts) => request(Object.assign({ path, data, method: 'PATCH' }, opts))
const put = (path, data, opts) => request(Object.assign({ path, data, method: 'PUT' }, opts))
const del = (path, opts) => request(Object.assign({ path, method: 'DELETE' }, opts))

/** One keyset page: GET path?limit=&cursor= → {items, next_cursor}. */
function page(path, query, opts) {
  return get(path, query, opts).then((body) => ({
    items: (body && body.items) || [],
    next_cursor: (body && body.next_cursor) || null,
  }))
}

/**
 * A list a page scrolls through: `next()` loads the following page and appends it; `reset()` starts over.
 * State: items, nextCursor, done (no more pages), loading.
 */
class Pager {
  constructor(path, query, opts) {
    this.path = path
    this.query = query || {}
    this.limit = (opts && opts.limit) || 20
    this.requestOpts = Object.assign({ loading: false }, opts && opts.request)
    this.reset()
  }

  reset() {
    this.items = []
    this.nextCursor = null
    this.done = false
    this.loading = false
    this.started = false
  }

  async next() {
    if (this.done || this.loading) return this
    this.loading = true
    try {
      const query = Object.assign({}, this.query, { limit: this.limit, cursor: this.nextCursor || undefined })
      const result = await page(this.path, query, this.requestOpts)
      this.items = this.items.concat(result.items)
      this.nextCursor = result.next_cursor
      this.done = !result.next_cursor
      this.started = true
      return this
    } finally {
      this.loading = false
    }
  }
}

module.exports = {
  ApiError,
  request,
  upload,
  get,
  post,
  patch,
  put,
  del,
  page,
  Pager,
  buildUrl,
  showError,
  onAuthLost,
  NETWORK_MESSAGE,
}
