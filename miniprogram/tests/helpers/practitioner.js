/**
 * Fixtures for the practitioner pages' tests: the practitioner's profile as GET /practitioners/me returns it,
 * and the wx APIs those pages use beyond the common test double (camera context, canvas).
 */
function profile(overrides) {
  return Object.assign(
    {
      id: 21,
      name: '张伟',
      name_masked: '张*',
      id_number_masked: '310101********001X',
      identity_status: 'verified',
      registry_known: true,
      registry_notes: [],
      face_status: 'enrolled',
      face_status_name: '已采集',
      latest_enrolment: null,
      alt_identity_approved_at: null,
      signature_uploaded: true,
      certificates: [],
      employer: { id: 4, name: '上海外滩消防技术服务有限公司' },
    },
    overrides,
  )
}

/** wx.createCameraContext: each takePhoto gives the next of `paths` (or fails with `error`). */
function installCamera(wx, paths, error) {
  const shots = (paths || ['http://tmp/frame-1.jpg', 'http://tmp/frame-2.jpg', 'http://tmp/frame-3.jpg']).slice()
  const taken = []
  wx.createCameraContext = jest.fn(() => ({
    takePhoto: (o) =>
      Promise.resolve().then(() => {
        if (error) return o.fail({ errMsg: error })
        const path = shots.shift() || 'http://tmp/frame-x.jpg'
        taken.push(path)
        return o.success({ tempImagePath: path })
      }),
  }))
  return taken
}

/** wx.createCanvasContext recording what is drawn, and wx.canvasToTempFilePath giving `file`. */
function installCanvas(wx, file) {
  const ops = []
  const ctx = {}
  ;['setStrokeStyle', 'setLineWidth', 'setLineCap', 'setLineJoin', 'moveTo', 'lineTo', 'stroke', 'draw', 'clearRect'].forEach((name) => {
    ctx[name] = jest.fn((...args) => ops.push([name].concat(args)))
  })
  wx.createCanvasContext = jest.fn(() => ctx)
  wx.canvasToTempFilePath = jest.fn((o) => Promise.resolve().then(() => (file ? o.success({ tempFilePath: file }) : o.fail({ errMsg: 'canvasToTempFilePath:fail' }))))
  return ops
}

/** Draw a stroke of `n` touch moves on the signature canvas. */
function scribble(page, n) {
  const canvas = page.querySelector('.signature-canvas')
  canvas.dispatchEvent('touchstart', { touches: [{ x: 10, y: 10 }] })
  for (let i = 1; i <= n; i++) page.instance.onTouchMove({ touches: [{ x: 10 + i * 5, y: 10 + (i % 3) * 4 }] })
  page.instance.onTouchEnd()
}

module.exports = { profile, installCamera, installCanvas, scribble }

/**
 * The end-to-end test's real files (wx created with `fsRoot`) read as WeChat reads them with an encoding:
 * readFileSync(path, 'base64') gives a base64 string (the photos the JSON endpoints take).
 */
function withBase64Reads(wx) {
  const nodeFs = require('fs')
  const original = wx.getFileSystemManager
  wx.getFileSystemManager = () => {
    const manager = original()
    return Object.assign({}, manager, {
      readFileSync: (p, encoding) => (encoding === 'base64' ? nodeFs.readFileSync(p).toString('base64') : manager.readFileSync(p)),
    })
  }
}

module.exports.withBase64Reads = withBase64Reads
