// The one way the SPA talks to the backend: JSON over fetch, bearer tokens, one silent refresh on 401,
// and every failure turned into an ApiError carrying the backend's {code, message, details} shape.

export const NETWORK_ERROR = 'network_error'
const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'
const UNEXPECTED_MESSAGE = '系统繁忙，请稍后再试'

export class ApiError extends Error {
  constructor(status, { code, message, details } = {}) {
    super(message || UNEXPECTED_MESSAGE)
    this.name = 'ApiError'
    this.status = status
    this.code = code || (status === 0 ? NETWORK_ERROR : 'internal_error')
    this.details = details || {}
  }
}

/** Chinese text for any error: the backend's message plus its field messages (details.fields). */
export function errorMessage(err) {
  if (!(err instanceof ApiError)) return err?.message ? `${UNEXPECTED_MESSAGE}（${err.message}）` : UNEXPECTED_MESSAGE
  const fields = err.details?.fields
  if (!fields || typeof fields !== 'object') return err.message
  const parts = []
  for (const messages of Object.values(fields)) {
    for (const text of [].concat(messages)) {
      if (typeof text === 'string' && !parts.includes(text) && text !== err.message) parts.push(text)
    }
  }
  return parts.length ? `${err.message}：${parts.join('；')}` : err.message
}

/** Field name -> first message, for showing errors under the form's inputs. */
export function fieldErrors(err) {
  const fields = err instanceof ApiError ? err.details?.fields : null
  const out = {}
  if (fields && typeof fields === 'object') {
    for (const [name, messages] of Object.entries(fields)) out[name] = [].concat(messages).join('；')
  }
  return out
}

const ACCESS_KEY = 'fire-admin.access'
const REFRESH_KEY = 'fire-admin.refresh'

/** Tokens live in localStorage so a reload or a second tab keeps the session; logout clears both. */
export function tokenStore(storage) {
  return {
    get access() {
      return storage.getItem(ACCESS_KEY)
    },
    get refresh() {
      return storage.getItem(REFRESH_KEY)
    },
    save({ access_token, refresh_token }) {
      if (access_token) storage.setItem(ACCESS_KEY, access_token)
      if (refresh_token) storage.setItem(REFRESH_KEY, refresh_token)
    },
    clear() {
      storage.removeItem(ACCESS_KEY)
      storage.removeItem(REFRESH_KEY)
    },
  }
}

function queryString(query) {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    for (const v of [].concat(value)) params.append(key, String(v))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

const isUnauthorized = (err) => err instanceof ApiError && err.status === 401

async function parseBody(response) {
  if (response.status === 204) return null
  const text = await response.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return { raw: text }
  }
}

export function createClient({
  baseUrl = '/api/v1',
  storage = globalThis.localStorage,
  fetchImpl = (...args) => globalThis.fetch(...args),
  onAuthLost = () => {},
} = {}) {
  const tokens = tokenStore(storage)
  let refreshing = null

  async function send(method, path, { query, body, token, blob = false } = {}) {
    const headers = { Accept: blob ? '*/*' : 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (token) headers.Authorization = `Bearer ${token}`
    let response
    try {
      response = await fetchImpl(baseUrl + path + queryString(query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (cause) {
      const err = new ApiError(0, { code: NETWORK_ERROR, message: NETWORK_MESSAGE })
      err.cause = cause
      throw err
    }
    if (response.ok && blob) return response.blob()
    const data = await parseBody(response)
    if (response.ok) return data
    if (data && typeof data.code === 'string') throw new ApiError(response.status, data)
    throw new ApiError(response.status, { message: `${UNEXPECTED_MESSAGE}（HTTP ${response.status}）` })
  }

  // Concurrent 401s share one refresh call: the second request must not spend the refresh token again.
  function refreshAccess() {
    if (!refreshing) {
      const refreshToken = tokens.refresh
      refreshing = (async () => {
        if (!refreshToken) return false
        try {
          const data = await send('POST', '/auth/refresh', { token: refreshToken })
          tokens.save({ access_token: data.access_token })
          return true
        } catch {
          return false
        }
      })().finally(() => {
        refreshing = null
      })
    }
    return refreshing
  }

  async function request(method, path, options = {}) {
    const { auth = true } = options
    if (!auth) return send(method, path, options)
    const used = tokens.access
    try {
      return await send(method, path, { ...options, token: used })
    } catch (err) {
      if (!isUnauthorized(err)) throw err
      // Another request may already have refreshed while this one was in flight.
      const fresh = (tokens.access && tokens.access !== used) || (await refreshAccess())
      if (fresh) {
        try {
          return await send(method, path, { ...options, token: tokens.access })
        } catch (retryErr) {
          if (!isUnauthorized(retryErr)) throw retryErr
          return authLost(retryErr)
        }
      }
      return authLost(err)
    }
  }

  function authLost(err) {
    tokens.clear()
    onAuthLost(err)
    throw err
  }

  return {
    tokens,
    request,
    get: (path, query, options) => request('GET', path, { ...options, query }),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    patch: (path, body, options) => request('PATCH', path, { ...options, body }),
    /** A file behind authentication (evidence documents, PDFs), as a Blob. */
    blob: (path, query) => request('GET', path, { query, blob: true }),
    setAuthLostHandler(handler) {
      onAuthLost = handler
    },
  }
}

export const api = createClient()
