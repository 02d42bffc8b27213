/**
 * On-site inspection of a project (单位抽查, 第二十二条) or an organisation (专项检查, 第二十三条): every checklist
 * item answered (a failed one needs its evidence in a note), findings, the conclusion (rectification needs a
 * deadline), the inspector's location (GCJ-02 as measured) and photos, uploaded one by one after saving.
 */
const api = require('../../../utils/api')
const coords = require('../../../utils/coords')
const pageState = require('../../../utils/page-state')
const { supervisorContext } = require('../../utils/role')

const RESULTS = [
  { value: 'qualified', name: '合格' },
  { value: 'rectify', name: '责令整改' },
  { value: 'case_filed', name: '立案查处' },
]
const MAX_PHOTOS = 9

function inDays(n) {
  const d = new Date(Date.now() + n * 86400000)
  const p = (x) => (x < 10 ? '0' : '') + x
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate())
}

Component({
  data: {
    state: 'loading',
    message: '',
    subject: null,
    checkTypeName: '',
    items: [],
    findings: '',
    results: RESULTS,
    resultIndex: 0,
    deadline: inDays(30),
    photos: [],
    errors: {},
    saving: false,
    saved: null,
  },
  methods: {
    onLoad(query) {
      this.query = query || {}
    },
    onShow() {
      if (this.data.state === 'loading' || this.data.state === 'error') return this.load()
    },
    onRetry() {
      return this.load()
    },

    async load() {
      const ctx = supervisorContext('录入现场检查')
      if (ctx.state) return this.setData({ state: ctx.state, message: ctx.message })
      const projectId = Number(this.query.project_id || 0)
      const orgId = Number(this.query.org_id || 0)
      if (!projectId && !orgId) return this.setData({ state: 'empty' })
      this.setData({ state: 'loading' })
      try {
        const [rules, subject] = await Promise.all([
          api.get('/supervision/rules', null, { silent: true }),
          projectId ? api.get('/projects/' + projectId, null, { silent: true }) : api.get('/orgs/' + orgId, null, { silent: true }),
        ])
        const checkType = projectId ? 'unit' : 'special'
        const list = (rules.checklists || []).filter((c) => c.check_type === checkType)[0] || { items: [] }
        const org = subject.organization || subject
        this.subjectRef = projectId ? { project_id: projectId } : { org_id: orgId }
        this.setData({
          state: 'data',
          checkTypeName: list.name || '',
          subject: projectId ? { title: subject.name, sub: subject.project_no + ' · ' + (subject.org_name || '') } : { title: org.name, sub: org.credit_code },
          items: (list.items || []).map((it) => ({ code: it.code, title: it.title, clause: it.clause, result: 'pass', note: '' })),
        })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    onItemResult(e) {
      const i = Number(e.currentTarget.dataset.index)
      this.setData({ ['items[' + i + '].result']: e.detail.value, ['errors.item' + i]: '' })
    },
    onItemNote(e) {
      const i = Number(e.currentTarget.dataset.index)
      this.setData({ ['items[' + i + '].note']: e.detail.value })
    },
    onFindings(e) {
      this.setData({ findings: e.detail.value })
    },
    onResultPick(e) {
      this.setData({ resultIndex: Number(e.detail.value) })
    },
    onDeadlinePick(e) {
      this.setData({ deadline: e.detail.value })
    },

    onAddPhoto() {
      const left = MAX_PHOTOS - this.data.photos.length
      if (left <= 0) return
      return new Promise((resolve) => {
        wx.chooseMedia({
          count: left,
          mediaType: ['image'],
          sourceType: ['camera', 'album'],
          sizeType: ['compressed'],
          success: (res) => {
            const added = (res.tempFiles || []).map((f) => ({ path: f.tempFilePath, caption: '' }))
            this.setData({ photos: this.data.photos.concat(added).slice(0, MAX_PHOTOS) })
            resolve()
          },
          fail: () => resolve(),
        })
      })
    },
    onRemovePhoto(e) {
      const i = Number(e.currentTarget.dataset.index)
      this.setData({ photos: this.data.photos.filter((_, k) => k !== i) })
    },

    validate() {
      const errors = {}
      this.data.items.forEach((it, i) => {
        if (it.result === 'fail' && !it.note.trim()) errors['item' + i] = '不符合的检查项须写明情况'
      })
      if (RESULTS[this.data.resultIndex].value !== 'qualified' && !this.data.findings.trim()) errors.findings = '请填写检查发现'
      this.setData({ errors })
      return Object.keys(errors).length === 0
    },

    async onSave() {
      if (this.data.saving || this.data.saved || !this.validate()) return
      this.setData({ saving: true })
      try {
        let location
        try {
          location = await coords.getLocation()
        } catch (err) {
          wx.showModal({ title: '无法获取位置', content: err.message, showCancel: false })
          return
        }
        const result = RESULTS[this.data.resultIndex].value
        const body = Object.assign({}, this.subjectRef, {
          checklist: this.data.items.map((it) => ({ code: it.code, result: it.result, note: it.note.trim() || null })),
          findings: this.data.findings.trim() || null,
          location: { lng: location.lng, lat: location.lat, crs: location.crs, accuracy_m: location.accuracy },
          result,
          rectification_deadline: result === 'rectify' ? this.data.deadline : null,
        })
        const inspection = await api.post('/supervision/inspections', body, { loading: '正在保存' })
        let uploaded = 0
        const fs = wx.getFileSystemManager()
        for (const photo of this.data.photos) {
          try {
            const data = fs.readFileSync(photo.path, 'base64')
            await api.post('/supervision/inspections/' + inspection.id + '/photos', { photo: data, caption: photo.caption || null }, { loading: '上传照片 ' + (uploaded + 1) + '/' + this.data.photos.length })
            uploaded += 1
          } catch (err) {
            /* shown by api.request; the inspection itself is saved */
          }
        }
        this.setData({
          saved: {
            id: inspection.id,
            result: inspection.result_label || result,
            status: inspection.status_label || inspection.status,
            photos: uploaded + '/' + this.data.photos.length,
            bases: (inspection.suggested_bases || []).map((b) => (b.article || b.code || b) + (b.conduct ? '：' + b.conduct : '')),
          },
        })
        wx.showToast({ title: '检查已保存', icon: 'success' })
      } catch (err) {
        /* shown by api.request */
      } finally {
        this.setData({ saving: false })
      }
    },
  },
})
