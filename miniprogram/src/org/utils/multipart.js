/**
 * PUT with a file in multipart/form-data. wx.uploadFile only sends POST, and the organisation document endpoint
 * is PUT /orgs/{id}/documents/{kind}, so the body is built here and sent with wx.request (which accepts an
 * ArrayBuffer body) through api.js like every other call.
 */
const api = require('../../utils/api')

function ascii(text) {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}

function contentType(path) {
  if (/\.pdf$/i.test(path)) return 'application/pdf'
  if (/\.png$/i.test(path)) return 'image/png'
  return 'image/jpeg'
}

/** The multipart body (ArrayBuffer) and its Content-Type for one file field. */
function build(field, filePath, bytes) {
  const boundary = '----wxPutBoundary' + Date.now().toString(16) + Math.random().toString(16).slice(2, 10)
  const name = (filePath.split('/').pop() || 'file').replace(/[^\w.-]/g, '_')
  const head = ascii('--' + boundary + '\r\nContent-Disposition: form-data; name="' + field + '"; filename="' + name + '"\r\nContent-Type: ' + contentType(filePath) + '\r\n\r\n')
  const tail = ascii('\r\n--' + boundary + '--\r\n')
  const file = new Uint8Array(bytes)
  const body = new Uint8Array(head.length + file.length + tail.length)
  body.set(head, 0)
  body.set(file, head.length)
  body.set(tail, head.length + file.length)
  return { body: body.buffer, contentType: 'multipart/form-data; boundary=' + boundary }
}

function putFile(path, field, filePath, opts) {
  const bytes = wx.getFileSystemManager().readFileSync(filePath)
  const buf = typeof bytes === 'string' ? ascii(bytes).buffer : bytes
  const m = build(field, filePath, buf)
  return api.request(Object.assign({ path, method: 'PUT', data: m.body, header: { 'Content-Type': m.contentType } }, opts))
}

module.exports = { build, putFile }
