/**
 * One conclusion document: its content as it will be signed (items, defects, conclusion), who has signed, and
 * why it is not effective when blocked. Signing takes a face photo now (front camera) that the server
 * compares with the enrolled face; a practitioner with an approved alternative identity check signs without.
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')
const { display } = require('../../../utils/time')
const media = require('../../utils/media')

const RESULT_NAMES = { normal: '正常', defect: '发现故障/隐患', fixed: '已当场修复' }
const ROLE_NAMES = { project_lead: '项目负责人', technical_lead: '技术负责人' }

function findings(list) {
  return (list || []).map((f) => (typeof f === 'string' ? f : f.message || f.code))
}

function documentView(d, me) {
  const signed = (d.signatures || []).map((s) => s.role)
  const mine = []
  if (d.project_lead_id === me.id && signed.indexOf('project_lead') < 0) mine.push('project_lead')
  if (d.technical_lead_id === me.id && signed.indexOf('technical_lead') < 0) mine.push('technical_lead')
  return {
    id: d.id,
    title: d.doc_type_name || d.doc_type,
    reportNumber: d.report_number || '（尚未编号）',
    period: d.period_start + ' 至 ' + d.period_end,
    status: d.status,
    statusName: d.status_name || d.status,
    conclusion: d.conclusion || '',
    items: (d.items || []).map((it, i) => ({
      key: i,
      system: it.facility_system || it.system_code || '',
      item: it.item || '',
      result: RESULT_NAMES[it.result] || it.result || '',
      note: it.note || '',
    })),
    defects: (d.defects || []).map((x, i) => ({ key: i, text: (x.facility_system ? x.facility_system + '：' : '') + (x.description || ''), status: x.status || '' })),
    signatures: (d.signatures || []).map((s) => ({
      role: s.role_name || ROLE_NAMES[s.role] || s.role,
      at: display(s.signed_at),
      method: s.identity_method === 'alternative' ? '替代身份核验' : '人脸核验',
    })),
    blockReasons: findings(d.block_reasons),
    flags: findings(d.flags),
    myRoles: mine.map((r) => ROLE_NAMES[r]).join('、'),
    canSign: d.status === 'draft' && mine.length > 0,
  }
}

Component({
  data: { state: 'loading', message: '', doc: null, signatureMissing: false, alternative: false, busy: false, outcome: null },
  methods: {
    onLoad(query) {
      this.documentId = Number(query && query.id)
    },
    onShow() {
      return this.load()
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后查看结论文件' })
      if (!session.hasRole('practitioner')) return this.setData({ state: 'refused', message: '只有从业人员可以签署结论文件' })
      if (!this.documentId) return this.setData({ state: 'error', message: '缺少文件编号' })
      if (!this.data.doc) this.setData({ state: 'loading' })
      try {
        const [me, d] = await Promise.all([
          api.get('/practitioners/me', null, { silent: true }),
          api.get('/documents/' + this.documentId, null, { silent: true }),
        ])
        this.me = me
        this.setData({
          state: 'data',
          doc: documentView(d, me),
          signatureMissing: !me.signature_uploaded,
          alternative: Boolean(me.alt_identity_approved_at) && me.face_status !== 'enrolled',
        })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    async onSign() {
      if (this.data.busy || !this.data.doc || !this.data.doc.canSign) return null
      if (this.data.signatureMissing) {
        wx.showModal({
          title: '尚未上传手写签名',
          content: '签署前请先上传本人手写签名。',
          confirmText: '去签名',
          success: (res) => res.confirm && wx.navigateTo({ url: '/practitioner/pages/signature/index' }),
        })
        return null
      }
      this.setData({ busy: true })
      try {
        let body
        if (this.data.alternative) {
          body = { identity_method: 'alternative' }
        } else {
          const photo = await media.takePhoto('front')
          body = { identity_method: 'face', photo: media.readBase64(photo) }
        }
        const d = await api.post('/documents/' + this.documentId + '/signatures', body, { loading: '正在核验并签署', silent: true })
        const doc = documentView(d, this.me)
        const outcome =
          d.status === 'effective'
            ? { ok: true, text: '签署完成，文件已生效' }
            : d.status === 'blocked'
              ? { ok: false, text: '签署完成，但文件未生效' }
              : { ok: true, text: '签署完成，等待其他签署人签署' }
        this.setData({ doc, outcome })
        return d
      } catch (err) {
        if (err.cancelled) return null
        const reasons = findings(err.details && err.details.reasons)
        this.setData({ outcome: { ok: false, text: '未能签署：' + err.message, reasons } })
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
