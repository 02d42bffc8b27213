/**
 * Public home, no login: look up fire technical service organisations (name, credit code, district, type)
 * and verify a report or maintenance notice by scanning its QR code.
 */
const api = require('../../utils/api')
const pageState = require('../../utils/page-state')
const ranking = require('../org-detail/ranking')

const TYPES = [
  { value: '', name: '全部类型' },
  { value: 'maintenance_testing', name: '维护保养检测机构' },
  { value: 'assessment', name: '消防安全评估机构' },
]

function row(o) {
  return {
    id: o.id,
    name: o.name,
    creditCode: o.credit_code,
    types: o.type_names || o.types || [],
    statusName: o.status_name || o.status,
    verified: o.status === 'verified',
    district: o.district_name || '',
  }
}

/** Open the verification page for a scanned text (the QR holds the verification URL with the token). */
function openVerification(payload) {
  wx.navigateTo({ url: '/pages/verify/index?payload=' + encodeURIComponent(payload) })
}

function scan() {
  return new Promise((resolve) => {
    wx.scanCode({
      scanType: ['qrCode'],
      success: (res) => resolve(res.result || ''),
      fail: (res) => {
        if (!/cancel/.test((res && res.errMsg) || '')) wx.showToast({ title: '未识别到二维码，请重试', icon: 'none' })
        resolve('')
      },
    })
  })
}

Component({
  data: { state: 'loading', message: '', q: '', types: TYPES, typeIndex: 0, items: [], done: false, loadingMore: false },
  methods: {
    onLoad() {
      return this.search()
    },
    onPullDownRefresh() {
      return this.search().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.more()
    },

    onQueryInput(e) {
      this.setData({ q: e.detail.value })
    },
    onTypePick(e) {
      this.setData({ typeIndex: Number(e.detail.value) })
      return this.search()
    },
    onSearch() {
      return this.search()
    },

    query() {
      const q = this.data.q.trim()
      const query = { type: TYPES[this.data.typeIndex].value || undefined }
      // A credit code (18 characters, digits and capitals) is looked up as such; anything else by name.
      if (/^[0-9A-HJ-NPQRTUWXY]{4,18}$/.test(q.toUpperCase()) && /\d/.test(q)) query.credit_code = q.toUpperCase()
      else if (q) query.q = q
      return query
    },

    async search() {
      this.pager = new api.Pager('/public/orgs', this.query(), { limit: 20, request: { auth: false, silent: true } })
      this.setData({ state: 'loading', items: [] })
      try {
        await this.pager.next()
        this.render()
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    async more() {
      if (!this.pager || this.pager.done || this.pager.loading) return
      this.setData({ loadingMore: true })
      try {
        await this.pager.next()
        this.render()
      } catch (err) {
        api.showError(err)
      } finally {
        this.setData({ loadingMore: false })
      }
    },

    async render() {
      const items = this.pager.items.map(row)
      this.setData({ state: pageState.forItems(items), items, done: this.pager.done })
      // Score and grade come from the public ranking; they fill in when it answers (or stay out if it fails).
      const scores = await ranking.scoresFor(items.map((o) => o.id))
      if (this.pager && this.pager.items.length === items.length) {
        this.setData({ items: items.map((o) => Object.assign({}, o, { score: scores[o.id] ? scores[o.id].score : '', grade: scores[o.id] ? scores[o.id].grade : '' })) })
      }
    },
    onOpenOrg(e) {
      wx.navigateTo({ url: '/pages/org-detail/index?id=' + e.currentTarget.dataset.id })
    },
    onOpenPublic(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },

    async onScan() {
      const payload = await scan()
      if (payload) openVerification(payload)
    },
    onRetry() {
      return this.search()
    },
  },
})
