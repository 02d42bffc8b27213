/** Supervisors on the move: practitioners checked in right now within the jurisdiction, for on-site checks. */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')
const { display } = require('../../../utils/time')

function row(v) {
  return {
    id: v.visit_id,
    since: display(v.checked_in_at),
    practitioner: (v.practitioner && v.practitioner.name_masked) || '',
    project: (v.project && v.project.name) || '',
    projectNo: (v.project && v.project.project_no) || '',
    org: (v.org && v.org.name) || '',
    faceText: v.face_passed === false ? '人脸未通过' : v.face_passed ? '人脸通过' : '替代核验',
    faceOk: v.face_passed !== false,
    fence: typeof v.distance_to_fence_m === 'number' && v.distance_to_fence_m > 0 ? '距围栏 ' + Math.round(v.distance_to_fence_m) + ' 米' : '',
    spotCheckPending: Boolean(v.pending_spot_check_id),
    projectId: v.project && v.project.id,
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false, scope: '' },
  methods: {
    onShow() {
      return this.reload()
    },
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.more()
    },

    async reload() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后查看辖区在岗人员' })
      const role = session.activeRole()
      if (!role || ['supervisor', 'corps_admin'].indexOf(role.role) < 0) {
        return this.setData({ state: 'refused', message: '仅监督管理人员可以查看辖区在岗人员' })
      }
      this.pager = new api.Pager('/supervision/live-visits', {}, { limit: 20, request: { silent: true } })
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
      try {
        await this.pager.next()
        this.render()
      } catch (err) {
        api.showError(err)
      }
    },

    render() {
      const items = this.pager.items.map(row)
      this.setData({ state: pageState.forItems(items), items, done: this.pager.done })
    },
    onRetry() {
      return this.reload()
    },
    onFindProject() {
      wx.navigateTo({ url: '/supervisor/pages/projects/index' })
    },
    onOpenProject(e) {
      wx.navigateTo({ url: '/supervisor/pages/project/index?id=' + e.currentTarget.dataset.id })
    },
    /** Start a real-time spot check on this practitioner (15 minutes to answer with a face photo and location). */
    async onSpotCheck(e) {
      const visitId = Number(e.currentTarget.dataset.visit)
      try {
        await api.post('/supervision/spot-checks', { visit_id: visitId, deadline_minutes: 15 }, { loading: '正在发起' })
        wx.showToast({ title: '抽查已发起', icon: 'success' })
        await this.reload()
      } catch (err) {
        /* shown by api.request */
      }
    },
  },
})
