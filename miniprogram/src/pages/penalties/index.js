/** Administrative penalties made public (no login): decision number, basis, facts, fine and the organisation. */
const api = require('../../utils/api')
const pageState = require('../../utils/page-state')

function row(p) {
  return {
    id: p.id,
    no: p.decision_no,
    article: p.article || '',
    facts: p.facts || '',
    amount: p.amount_yuan ? '罚款 ' + p.amount_yuan + ' 元' : '',
    date: p.decided_on || '',
    orgId: p.org && p.org.id,
    org: (p.org && p.org.name) || '',
    who: (p.practitioner && p.practitioner.name_masked) || '',
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false },
  methods: {
    onLoad(query) {
      this.orgId = Number((query && query.org_id) || 0) || undefined
      return this.reload()
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.more()
    },
    onRetry() {
      return this.reload()
    },
    async reload() {
      this.pager = new api.Pager('/public/penalties', { org_id: this.orgId }, { limit: 20, request: { auth: false, silent: true } })
      this.setData({ state: 'loading', items: [] })
      try {
        await this.pager.next()
        this.renderList()
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },
    async more() {
      if (!this.pager || this.pager.done || this.pager.loading) return
      try {
        await this.pager.next()
        this.renderList()
      } catch (err) {
        api.showError(err)
      }
    },
    renderList() {
      const items = this.pager.items.map(row)
      this.setData({ state: pageState.forItems(items), items, done: this.pager.done })
    },
    onOpenOrg(e) {
      if (e.currentTarget.dataset.id) wx.navigateTo({ url: '/pages/org-detail/index?id=' + e.currentTarget.dataset.id })
    },
  },
})
