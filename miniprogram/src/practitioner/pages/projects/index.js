/** The practitioner's projects (those whose team includes them), keyset-paged; each opens the check-in page. */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')

function row(p) {
  return {
    id: p.id,
    name: p.name,
    projectNo: p.project_no,
    statusName: p.status_name || p.status,
    serviceTypeName: p.service_type_name || p.service_type,
    building: p.building_name,
    address: p.building_address,
    district: p.district_name || '',
    orgName: p.org_name,
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false, loadingMore: false },
  methods: {
    onLoad() {
      this.pager = new api.Pager('/projects', {}, { limit: 20, request: { silent: true } })
    },
    onShow() {
      if (!this.loaded) return this.reload()
      return null
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.more()
    },

    async reload() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后查看我的项目' })
      if (!session.hasRole('practitioner')) return this.setData({ state: 'refused', message: '只有从业人员可以查看参与的项目' })
      this.pager.reset()
      this.setData({ state: 'loading', items: [] })
      try {
        await this.pager.next()
        this.loaded = true
        this.render()
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    async more() {
      if (this.pager.done || this.pager.loading || !this.loaded) return
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

    render() {
      const items = this.pager.items.map(row)
      this.setData({ state: pageState.forItems(items), items, done: this.pager.done })
    },

    onOpen(e) {
      wx.navigateTo({ url: '/practitioner/pages/check-in/index?id=' + e.currentTarget.dataset.id })
    },
    onRetry() {
      return this.reload()
    },
  },
})
