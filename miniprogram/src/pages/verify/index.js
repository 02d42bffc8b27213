/**
 * The result of scanning a conclusion document's or maintenance notice's QR code: GET /public/verify checks
 * the signed token and answers with the authoritative record. Opened from the home page's scan, or directly
 * by WeChat when the phone camera scans the printed URL (query `q`).
 */
const api = require('../../utils/api')
const { display } = require('../../utils/time')

const GOOD = ['effective', 'genuine', 'notice_current']

function documentView(doc) {
  if (!doc) return null
  return {
    reportNumber: doc.report_number,
    type: doc.doc_type_name,
    status: doc.status_name,
    organisation: doc.organisation_name,
    creditCode: doc.organisation_credit_code,
    project: doc.project_name,
    building: doc.building_name,
    address: doc.building_address,
    district: doc.district_name,
    period: (doc.period_start || '') + ' 至 ' + (doc.period_end || ''),
    effectiveAt: display(doc.effective_at),
    revokedAt: display(doc.revoked_at),
    revokeReason: doc.revoke_reason || '',
    signers: (doc.signers || []).map((s) => ({
      role: s.role_name,
      name: s.name_masked,
      certificate: [s.certificate_level, s.certificate_number_masked].filter(Boolean).join(' '),
      signedAt: display(s.signed_at),
    })),
    flags: doc.flags || [],
  }
}

function noticeView(n) {
  if (!n) return null
  return {
    projectNo: n.project_no,
    project: n.project_name,
    building: n.building_name,
    address: n.building_address,
    organisation: n.organisation_name,
    maintainedAt: display(n.maintained_at),
    latestVisitAt: display(n.latest_visit_at),
  }
}

Component({
  data: { state: 'loading', message: '', result: null, document: null, notice: null },
  methods: {
    onLoad(query) {
      const raw = (query && (query.payload || query.q || query.t)) || ''
      this.payload = raw ? decodeURIComponent(raw) : ''
      return this.verify()
    },

    async verify() {
      if (!this.payload) return this.setData({ state: 'empty', message: '' })
      this.setData({ state: 'loading' })
      try {
        const v = await api.get('/public/verify', { t: this.payload }, { auth: false, silent: true })
        this.setData({
          state: 'data',
          result: { code: v.result, text: v.result_text, good: GOOD.indexOf(v.result) >= 0, reportNumber: v.report_number || '' },
          document: documentView(v.document),
          notice: noticeView(v.notice),
        })
      } catch (err) {
        // A forged, edited or foreign code is a definitive answer, not a failure to retry.
        if (err.status === 422) {
          this.setData({ state: 'data', result: { code: err.code, text: err.message, good: false }, document: null, notice: null })
        } else {
          this.setData({ state: 'error', message: err.message })
        }
      }
    },

    onScanAgain() {
      wx.scanCode({
        scanType: ['qrCode'],
        success: (res) => {
          this.payload = res.result || ''
          this.verify()
        },
      })
    },
    onRetry() {
      return this.verify()
    },
  },
})
