/**
 * Handwritten signature on a canvas: touch to draw, clear, save. The picture is exported as PNG
 * (wx.canvasToTempFilePath) and uploaded; the server trims it to the ink with a transparent background and
 * prints it on the conclusion documents the practitioner signs.
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')

const CANVAS_ID = 'signature'
const MIN_POINTS = 12 // fewer touches than this is a tap, not a signature

function exportCanvas(component) {
  return new Promise((resolve, reject) => {
    wx.canvasToTempFilePath(
      {
        canvasId: CANVAS_ID,
        fileType: 'png',
        success: (res) => resolve(res.tempFilePath),
        fail: () => reject(new Error('签名图片生成失败，请重试')),
      },
      component,
    )
  })
}

Component({
  data: { state: 'loading', message: '', uploaded: false, points: 0, saving: false, saved: false },
  methods: {
    onShow() {
      return this.load()
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后上传手写签名' })
      if (!session.hasRole('practitioner')) {
        return this.setData({ state: 'refused', message: '请先完成实名认证，登记为从业人员后再上传签名' })
      }
      try {
        const p = await api.get('/practitioners/me', null, { silent: true })
        this.setData({ state: 'data', uploaded: Boolean(p.signature_uploaded) })
        this.ctx = this.ctx || wx.createCanvasContext(CANVAS_ID, this)
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    pen() {
      this.ctx = this.ctx || wx.createCanvasContext(CANVAS_ID, this)
      this.ctx.setStrokeStyle('#000000')
      this.ctx.setLineWidth(4)
      this.ctx.setLineCap('round')
      this.ctx.setLineJoin('round')
      return this.ctx
    },

    onTouchStart(e) {
      const t = e.touches[0]
      this.last = { x: t.x, y: t.y }
      this.setData({ points: this.data.points + 1, saved: false })
    },

    onTouchMove(e) {
      const t = e.touches[0]
      if (!this.last) this.last = { x: t.x, y: t.y }
      const ctx = this.pen()
      ctx.moveTo(this.last.x, this.last.y)
      ctx.lineTo(t.x, t.y)
      ctx.stroke()
      ctx.draw(true)
      this.last = { x: t.x, y: t.y }
      this.setData({ points: this.data.points + 1 })
    },

    onTouchEnd() {
      this.last = null
    },

    onClear() {
      const ctx = this.pen()
      ctx.clearRect(0, 0, 2000, 2000)
      ctx.draw(false)
      this.setData({ points: 0, saved: false })
    },

    async onSave() {
      if (this.data.saving) return null
      if (this.data.points < MIN_POINTS) {
        wx.showToast({ title: '请在框内用手指签写姓名', icon: 'none' })
        return null
      }
      this.setData({ saving: true })
      try {
        const path = await exportCanvas(this)
        // wx.uploadFile only sends POST; the server takes the signature by POST as well as PUT.
        await api.upload({ path: '/practitioners/me/signature', filePath: path, name: 'signature', loading: '正在上传' })
        this.setData({ uploaded: true, saved: true })
        wx.showToast({ title: '签名已保存', icon: 'success' })
        return true
      } catch (err) {
        if (!(err instanceof api.ApiError)) wx.showToast({ title: err.message, icon: 'none' })
        return null
      } finally {
        this.setData({ saving: false })
      }
    },

    onRetry() {
      return this.load()
    },
  },
})
