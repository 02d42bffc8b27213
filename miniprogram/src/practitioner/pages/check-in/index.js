/**
 * On site: check in (a photo taken now + location), record the work, check out. Every act goes through the
 * offline queue, so it is kept on the phone when the network is poor and sent exactly once when it returns.
 * The answer is explained: the face check, the distance to the geofence, and each reason when refused.
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const queue = require('../../../utils/offline-queue')
const coords = require('../../../utils/coords')
const visits = require('../../../utils/visits')
const pageState = require('../../../utils/page-state')
const media = require('../../utils/media')
const subscribe = require('../../utils/subscribe')

const RESULTS = [
  { value: 'normal', name: '正常' },
  { value: 'defect', name: '发现故障/隐患' },
  { value: 'fixed', name: '已当场修复' },
]
const MAX_RECORD_PHOTOS = 9 // the server keeps at most 9 photos per work record

/**
 * A work record's photos go up after the record, one upload each (wx.uploadFile carries one file), and name
 * the record by the queue key of its entry: the server's answer to the record gives the id.
 */
function photoSpecs(recordEntry, photos, label) {
  return photos.map((filePath, i) => ({
    kind: 'work_photo',
    label: '作业照片' + (photos.length > 1 ? (i + 1) + '/' + photos.length : '') + '：' + label,
    path: '/records/{record_id}/photos',
    refs: { record_id: { key: recordEntry.key, path: 'id' } },
    filePath,
    fileField: 'photo',
    omit: ['location'],
  }))
}

const SEVERITIES = [
  { value: 'general', name: '一般' },
  { value: 'serious', name: '严重' },
  { value: 'advice', name: '建议' },
]

function cacheKey(id) {
  return 'cache.project.' + id
}

function openKey(id) {
  return 'visit.open.' + id
}

function currentMonth() {
  const d = new Date()
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0')
}

function takePhoto() {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: ['camera'], // a photo taken now, never one from the album
      camera: 'front',
      sizeType: ['compressed'],
      success: (res) => resolve(res.tempFiles[0].tempFilePath),
      fail: (res) => {
        const msg = (res && res.errMsg) || ''
        if (/cancel/.test(msg)) reject(Object.assign(new Error(''), { cancelled: true }))
        else if (/auth|permission/i.test(msg)) reject(new Error('需要相机权限才能拍摄现场照片，请在设置中允许使用摄像头'))
        else reject(new Error('拍照失败，请重试'))
      },
    })
  })
}

function projectView(p) {
  return {
    id: p.id,
    name: p.name,
    projectNo: p.project_no,
    statusName: p.status_name || p.status,
    serviceType: p.service_type,
    serviceTypeName: p.service_type_name || p.service_type,
    building: (p.building && p.building.name) || p.building_name,
    address: (p.building && p.building.address) || p.building_address,
    orgName: p.org_name,
    missing: p.missing || [],
    systems: (p.building && p.building.facility_systems) || [],
  }
}

Component({
  data: {
    state: 'loading',
    message: '',
    offlineCopy: false,
    project: null,
    openVisit: null, // {id} from the server, or {key} of a check-in still waiting in the queue
    result: null,
    busy: false,
    recordOptions: [],
    recordIndex: 0,
    results: RESULTS,
    resultIndex: 0,
    severities: SEVERITIES,
    severityIndex: 0,
    note: '',
    defectText: '',
    recordPhotos: [],
    subscribed: '',
  },
  methods: {
    onLoad(query) {
      this.projectId = Number(query && (query.id || query.project_id))
    },
    onShow() {
      return this.load()
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后才能签到' })
      if (!session.hasRole('practitioner')) {
        return this.setData({ state: 'refused', message: '只有从业人员可以现场签到' })
      }
      if (!this.projectId) return this.setData({ state: 'error', message: '缺少项目编号' })
      this.setData({ state: this.data.project ? 'data' : 'loading' })
      let detail
      try {
        detail = await api.get('/projects/' + this.projectId, null, { silent: true })
        wx.setStorageSync(cacheKey(this.projectId), detail)
        this.setData({ offlineCopy: false })
      } catch (err) {
        detail = err.network ? wx.getStorageSync(cacheKey(this.projectId)) : null
        if (!detail) return this.setData(pageState.fromError(err))
        this.setData({ offlineCopy: true })
      }
      const project = projectView(detail)
      this.setData({ state: 'data', project, openVisit: await this.findOpenVisit() })
      this.loadRecordOptions(project)
    },

    /** The practitioner's unfinished visit here: one the server knows, or a check-in still in the queue. */
    async findOpenVisit() {
      const waiting = queue
        .pending()
        .filter((e) => e.kind === 'check_in' && e.path === '/projects/' + this.projectId + '/check-ins')
        .pop()
      if (waiting) {
        const checkedOut = queue.pending().some((e) => e.kind === 'check_out' && e.refs && e.refs.visit_id.key === waiting.key)
        return checkedOut ? null : { key: waiting.key }
      }
      try {
        const page = await api.page('/visits', { project_id: this.projectId, status: 'checked_in', limit: 1 }, { silent: true })
        const open = page.items[0]
        this.rememberOpenVisit(open && !this.checkOutQueued(open.id) ? { id: open.id } : null)
      } catch (err) {
        // Offline (a basement, a plant room): what this phone last knew about the visit.
      }
      const known = wx.getStorageSync(openKey(this.projectId))
      return known && known.id && !this.checkOutQueued(known.id) ? known : null
    },

    rememberOpenVisit(visit) {
      if (visit) wx.setStorageSync(openKey(this.projectId), visit)
      else wx.removeStorageSync(openKey(this.projectId))
    },

    checkOutQueued(visitId) {
      return queue.pending().some((e) => e.kind === 'check_out' && e.path === '/visits/' + visitId + '/check-out')
    },

    async loadRecordOptions(project) {
      let options = []
      if (project.serviceType === 'maintenance') {
        try {
          const month = currentMonth()
          const list = await api.get('/projects/' + project.id + '/plan/checklist', { month }, { silent: true })
          options = (list.entries || [])
            .filter((e) => e.item && e.item.enabled !== false)
            .map((e) => ({ label: e.item.name + (e.status === 'done' ? '（本月已完成）' : ''), plan_item_id: e.item.id, plan_month: month }))
        } catch (err) {
          options = []
        }
      }
      if (!options.length) {
        let names = {}
        try {
          const catalogue = await api.get('/catalogue', null, { auth: false, silent: true })
          ;(catalogue.systems || []).forEach((s) => (names[s.code] = s.name))
        } catch (err) {
          names = {}
        }
        options = project.systems.map((code) => ({ label: names[code] || code, system_code: code }))
      }
      this.setData({ recordOptions: options, recordIndex: 0 })
    },

    /** Show the answer for a queued act now if there is one, and again whenever the server answers later. */
    async follow(kind, entry) {
      this.setData({ result: visits.explain(kind, queue.resultFor(entry.key)) })
      const result = await queue.waitFor(entry.key)
      this.setData({ result: visits.explain(kind, result) })
      if (kind === 'check_in') {
        const open = result.ok ? { id: result.response.id } : null
        this.rememberOpenVisit(open)
        this.setData({ openVisit: open })
      }
      if (kind === 'check_out') {
        // Accepted, or refused because the visit is no longer open: either way there is nothing to check out.
        this.rememberOpenVisit(null)
        this.setData({ openVisit: null })
      }
      return result
    },

    async act(kind, build, after) {
      if (this.data.busy) return
      this.setData({ busy: true })
      try {
        const entry = queue.enqueue(await build())
        if (after) after(entry) // acts that must follow this one, queued right behind it
        const followed = this.follow(kind, entry)
        await queue.flush()
        if (!queue.resultFor(entry.key)) {
          // Not answered yet (offline or the server is unreachable): the act is safe in the queue.
          if (kind === 'check_in') this.setData({ openVisit: { key: entry.key } })
          if (kind === 'check_out') this.setData({ openVisit: null })
        }
        this.followed = followed
        return entry
      } catch (err) {
        if (!err.cancelled) wx.showModal({ title: '提示', content: err.message, showCancel: false })
        return null
      } finally {
        this.setData({ busy: false })
      }
    },

    onCheckIn() {
      return this.act('check_in', async () => {
        const photo = await takePhoto()
        const location = await coords.getLocation()
        return visits.checkInSpec(this.data.project, photo, location)
      })
    },

    onCheckOut() {
      const visit = this.data.openVisit
      if (!visit) return null
      return this.act('check_out', async () => {
        const location = await coords.getLocation()
        return visits.checkOutSpec(this.data.project, visit.id || { key: visit.key }, location)
      })
    },

    onRecordPick(e) {
      this.setData({ recordIndex: Number(e.detail.value) })
    },
    onResultPick(e) {
      this.setData({ resultIndex: Number(e.detail.value) })
    },
    onSeverityPick(e) {
      this.setData({ severityIndex: Number(e.detail.value) })
    },
    onNoteInput(e) {
      this.setData({ note: e.detail.value })
    },
    onDefectInput(e) {
      this.setData({ defectText: e.detail.value })
    },

    async onAddPhoto() {
      const room = MAX_RECORD_PHOTOS - this.data.recordPhotos.length
      if (room <= 0) return wx.showToast({ title: '每条记录最多9张照片', icon: 'none' })
      try {
        const paths = await media.choosePhotos(room, ['camera']) // taken on site now, not from the album
        this.setData({ recordPhotos: this.data.recordPhotos.concat(paths).slice(0, MAX_RECORD_PHOTOS) })
      } catch (err) {
        if (!err.cancelled) wx.showToast({ title: err.message, icon: 'none' })
      }
      return null
    },

    onRemovePhoto(e) {
      const i = Number(e.currentTarget.dataset.index)
      this.setData({ recordPhotos: this.data.recordPhotos.filter((p, j) => j !== i) })
    },

    onRecord() {
      const visit = this.data.openVisit
      const option = this.data.recordOptions[this.data.recordIndex]
      if (!visit || !option) return null
      const result = RESULTS[this.data.resultIndex].value
      if (result === 'defect' && !this.data.defectText.trim()) {
        wx.showToast({ title: '请描述发现的故障或隐患', icon: 'none' })
        return null
      }
      const record = {
        result,
        plan_item_id: option.plan_item_id,
        plan_month: option.plan_month,
        system_code: option.system_code,
        note: this.data.note.trim(),
        defect: result === 'defect' ? { severity: SEVERITIES[this.data.severityIndex].value, description: this.data.defectText.trim() } : null,
      }
      const photos = this.data.recordPhotos
      return this.act(
        'work_record',
        async () => {
          const spec = visits.recordSpec(this.data.project, visit.id || { key: visit.key }, record, option.label)
          this.setData({ note: '', defectText: '', recordPhotos: [] })
          return spec
        },
        (entry) => photoSpecs(entry, photos, option.label).forEach((spec) => queue.enqueue(spec)),
      )
    },

    /** Tap on "开启实时抽查提醒": WeChat asks the user; the answer is shown next to the link. */
    async onSubscribe() {
      const answer = await subscribe.askForSpotChecks()
      const texts = { accept: '已开启实时抽查提醒', reject: '未开启提醒：请留意工作台的抽查提示', ban: '提醒已被关闭：可在小程序设置中开启' }
      this.setData({ subscribed: texts[answer] || '当前微信版本不支持订阅消息，请留意工作台的抽查提示' })
      return answer
    },

    onRetry() {
      return this.load()
    },
  },
})
