/**
 * wx.request and wx.uploadFile over real HTTP (node's http module), behaving as WeChat's do: JSON bodies
 * parsed for wx.request, the raw text for wx.uploadFile, multipart/form-data with the file read from disk.
 */
const fs = require('fs')
const http = require('http')
const path = require('path')

function multipart(formData, fieldName, filePath) {
  const boundary = '----wxUploadBoundary' + Math.random().toString(16).slice(2)
  const parts = []
  Object.keys(formData || {}).forEach((k) => {
    parts.push(Buffer.from('--' + boundary + '\r\nContent-Disposition: form-data; name="' + k + '"\r\n\r\n' + formData[k] + '\r\n'))
  })
  const type = /\.png$/i.test(filePath) ? 'image/png' : 'image/jpeg'
  parts.push(
    Buffer.from('--' + boundary + '\r\nContent-Disposition: form-data; name="' + fieldName + '"; filename="' + path.basename(filePath) + '"\r\nContent-Type: ' + type + '\r\n\r\n'),
  )
  parts.push(fs.readFileSync(filePath))
  parts.push(Buffer.from('\r\n--' + boundary + '--\r\n'))
  return { body: Buffer.concat(parts), contentType: 'multipart/form-data; boundary=' + boundary }
}

function httpTransport(kind, req) {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url)
    const headers = Object.assign({}, req.header || {})
    let body = null
    if (kind === 'upload') {
      const m = multipart(req.formData, req.name, req.filePath)
      body = m.body
      headers['Content-Type'] = m.contentType
    } else if (req.data !== undefined && (req.method || 'GET') !== 'GET') {
      body = Buffer.from(JSON.stringify(req.data))
      headers['Content-Type'] = 'application/json'
    }
    if (body) headers['Content-Length'] = body.length
    const r = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: kind === 'upload' ? 'POST' : req.method || 'GET', headers },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let data = text
          if (kind === 'request' && /json/.test(res.headers['content-type'] || '')) {
            try {
              data = JSON.parse(text)
            } catch (err) {
              data = text
            }
          }
          resolve({ statusCode: res.statusCode, data, header: res.headers })
        })
      },
    )
    r.setTimeout(req.timeout || 60000, () => r.destroy(new Error('timeout')))
    r.on('error', (err) => reject({ errMsg: (kind === 'upload' ? 'uploadFile' : 'request') + ':fail ' + err.message }))
    if (body) r.write(body)
    r.end()
  })
}

module.exports = { httpTransport }
