/** Projects in publicity (no login, no personal data): service type, building, organisation, contract period. */
const api = require('../../utils/api')
const pageState = require('../../utils/page-state')

const TYPES = [
  { value: '', name: '全部服务类型' },
  { value: 'maintenance', name: '维护保养' },
  { value: 'testing', name: '检测' },
  { value: 'assessment', name: '安全评估' },
]

function row(p) {
  return {
    id: p.id,
    name: p.name,
    projectNo: p.project_no,
    type: p.service_type_name || p.service_type,
    orgId: p.org_id,
    org: p.org_name || '',
    building: p.building_name || '',
    address: p.building_address || '',
    district: p.district_name || '',
    period: (p.contract_start || '') + ' 至 ' + (p.contract_end || ''),
    statusName: p.status_name || p.status,
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false, types: TYPES, typeIndex: 0 },
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
    onTypePick(e) {
      this.setData({ typeIndex: Number(e.detail.value) })
      return this.reload()
    },
    async reload() {
      const query = { service_type: TYPES[this.data.typeIndex].value || undefined, org_id: this.orgId }
      this.pager = new api.Pager('/public/projects', query, { limit: 20, request: { auth: false, silent: true } })
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
      wx.navigateTo({ url: '/pages/org-detail/index?id=' + e.currentTarget.dataset.id })
    },
  },
})
