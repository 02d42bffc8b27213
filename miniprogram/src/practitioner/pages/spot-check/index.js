/**
 * Real-time spot check (实时抽查): a supervisor asks someone checked in on site to prove, before a deadline,
 * that they are there: a face photo taken now and the location. `?id=N` opens one check (the subscribe
 * message and the workbench banner link here); without an id the page lists my pending checks.
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const coords = require('../../../utils/coords')
const pageState = require('../../../utils/page-state')
const { display, isoLocal } = require('../../../utils/time')
const media = require('../../utils/media')

function pad(n) {
  return String(n).padStart(2, '0')
}

/** "08:05" left, or '' once the deadline has passed. */
function remaining(deadline, now) {
  const ms = Date.parse(deadline) - now
  if (!(ms > 0)) return ''
  const s = Math.ceil(ms / 1000)
  return pad(Math.floor(s / 60)) + ':' + pad(s % 60)
}

function checkView(c) {
  const reasons = (c.failure_reasons || []).map((r) => (typeof r === 'string' ? r : r.message || r.code))
  const flags = (c.flags || []).map((r) => (typeof r === 'string' ? r : r.message || r.code))
  let face = ''
  if (c.identity_method === 'alternative') face = '经批准的替代身份核验'
  else if (c.face_passed === true) face = '人脸比对一致' + (typeof c.face_distance === 'number' ? '（差异度 ' + c.face_distance.toFixed(2) + '）' : '')
  else if (c.face_passed === false) face = '人脸比对不一致'
  const d = c.distance_to_fence_m
  return {
    id: c.id,
    status: c.status,
    statusName: c.status_label || c.status,
    projectName: (c.project && c.project.name) || '',
    orgName: (c.org && c.org.name) || '',
    issuedAt: display(c.issued_at),
    deadlineAt: display(c.deadline_at),
    deadline: c.deadline_at,
    answeredAt: display(c.answered_at),
    face,
    fence: c.status === 'issued' ? '' : typeof d === 'number' && d > 0 ? '距项目电子围栏约 ' + Math.round(d) + ' 米' : c.answered_at ? '位于项目电子围栏内' : '',
    reasons,
    flags,
  }
}

Component({
  data: { state: 'loading', message: '', mode: 'one', check: null, items: [], left: '', busy: false },
  methods: {
    onLoad(query) {
      this.checkId = Number(query && query.id) || null
    },
    onShow() {
      return this.load()
    },
    onHide() {
      this.stopTimer()
    },
    onUnload() {
      this.stopTimer()
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后答复实时抽查' })
      if (!session.hasRole('practitioner')) return this.setData({ state: 'refused', message: '只有从业人员需要答复实时抽查' })
      if (!this.data.check && !this.data.items.length) this.setData({ state: 'loading' })
      try {
        if (!this.checkId) {
          const page = await api.page('/supervision/my/spot-checks', { status: 'issued', limit: 20 }, { silent: true })
          const items = page.items.map(checkView)
          return this.setData({ state: pageState.forItems(items), mode: 'list', items })
        }
        const c = await api.get('/supervision/spot-checks/' + this.checkId, null, { silent: true })
        this.setData({ state: 'data', mode: 'one', check: checkView(c) })
        this.startTimer()
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
      return null
    },

    tick() {
      const check = this.data.check
      if (!check || check.status !== 'issued') return this.stopTimer()
      const left = remaining(check.deadline, Date.now())
      this.setData({ left })
      if (!left) this.stopTimer()
      return null
    },
    startTimer() {
      this.stopTimer()
      this.tick()
      if (this.data.left) this.timer = setInterval(() => this.tick(), 1000)
    },
    stopTimer() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
    },

    onOpen(e) {
      wx.navigateTo({ url: '/practitioner/pages/spot-check/index?id=' + e.currentTarget.dataset.id })
    },

    async onAnswer() {
      const check = this.data.check
      if (this.data.busy || !check || check.status !== 'issued') return null
      if (!remaining(check.deadline, Date.now())) {
        wx.showModal({ title: '已超过答复期限', content: '该抽查已超过答复期限，将按未答复处理。', showCancel: false })
        return null
      }
      this.setData({ busy: true })
      try {
        const photo = await media.takePhoto('front')
        const capturedAt = isoLocal()
        const location = await coords.getLocation()
        const body = {
          photo: media.readBase64(photo),
          lng: location.lng,
          lat: location.lat,
          crs: location.crs,
          device_time: capturedAt,
        }
        if (location.accuracy !== null && location.accuracy !== undefined) body.accuracy_m = location.accuracy
        const answered = await api.post('/supervision/my/spot-checks/' + check.id + '/answer', body, { loading: '正在提交' })
        this.stopTimer()
        this.setData({ check: checkView(answered), left: '' })
        return answered
      } catch (err) {
        if (err.cancelled) return null
        if (!(err instanceof api.ApiError)) wx.showModal({ title: '提示', content: err.message, showCancel: false })
        else if (err.code === 'spot_check_expired' || err.code === 'spot_check_closed') await this.load()
        return null
      } finally {
        this.setData({ busy: false })
      }
    },

    onRetry() {
      return this.load()
    },
  },
})
