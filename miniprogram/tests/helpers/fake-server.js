/**
 * An in-memory backend for unit tests, answering in the real API's shapes ({code, message, details} errors,
 * {items, next_cursor} lists). Routes: server.on('POST /api/v1/auth/sms-login', (req) => ({status, body})).
 * A handler may also return {fail: 'request:fail timeout'} to simulate a dropped connection.
 */
class FakeServer {
  constructor() {
    this.routes = []
    this.log = []
  }

  on(spec, handler) {
    const [method, pattern] = spec.split(' ')
    const names = []
    const rx = new RegExp('^' + pattern.replace(/<(\w+)>/g, (_, n) => (names.push(n), '([^/]+)')) + '$')
    this.routes.unshift({ method, rx, names, handler })
    return this
  }

  transport() {
    return (kind, req) => this.handle(kind, req)
  }

  async handle(kind, req) {
    const url = new URL(req.url)
    const method = kind === 'upload' ? 'POST' : (req.method || 'GET').toUpperCase()
    const query = {}
    url.searchParams.forEach((v, k) => (query[k] = v))
    const header = {}
    Object.keys(req.header || {}).forEach((k) => (header[k.toLowerCase()] = req.header[k]))
    const call = {
      kind,
      method,
      path: url.pathname,
      query,
      header,
      data: req.data,
      formData: req.formData,
      filePath: req.filePath,
      name: req.name,
      token: (header.authorization || '').replace(/^Bearer /, ''),
    }
    this.log.push(call)
    const route = this.routes.find((r) => r.method === method && r.rx.test(url.pathname))
    let res
    if (!route) {
      res = { status: 404, body: { code: 'not_found', message: '请求的资源不存在', details: {} } }
    } else {
      const m = route.rx.exec(url.pathname)
      call.params = {}
      route.names.forEach((n, i) => (call.params[n] = m[i + 1]))
      res = await route.handler(call)
    }
    if (res && res.fail) throw { errMsg: res.fail }
    const body = res.body === undefined ? '' : res.body
    // wx.uploadFile hands back the body as text; wx.request parses JSON.
    return { statusCode: res.status || 200, data: kind === 'upload' ? JSON.stringify(body) : body, header: {} }
  }

  calls(spec) {
    const [method, path] = spec.split(' ')
    return this.log.filter((c) => c.method === method && c.path === path)
  }
}

function error(status, code, message, details) {
  return { status, body: { code, message, details: details || {} } }
}

module.exports = { FakeServer, error }
