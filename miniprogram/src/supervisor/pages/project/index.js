/**
 * One project as a supervisor sees it on site: registration, fence, who is checked in right now (with a real-time
 * spot check to start on any of them), and the way to an inspection or to the timelines.
 */
const api = require('../../../utils/api')
const pageState = require('../../../utils/page-state')
const { display } = require('../../../utils/time')
const { supervisorContext } = require('../../utils/role')

const DEADLINES = [10, 15, 30, 60]

function liveRow(v) {
  return {
    visitId: v.visit_id,
    practitioner: (v.practitioner && v.practitioner.name_masked) || '',
    practitionerId: v.practitioner && v.practitioner.id,
    since: display(v.checked_in_at),
    faceText: v.face_passed === false ? '人脸未通过' : v.face_passed ? '人脸通过' : '替代核验',
    faceOk: v.face_passed !== false,
    pending: Boolean(v.pending_spot_check_id),
  }
}

Component({
  data: { state: 'loading', message: '', id: null, project: null, live: [], deadlines: DEADLINES, deadlineIndex: 1, lastCheck: null },
  methods: {
    onLoad(query) {
      this.setData({ id: Number((query && query.id) || 0) || null })
    },
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    onRetry() {
      return this.load()
    },

    async load() {
      const ctx = supervisorContext('查看项目')
      if (ctx.state) return this.setData({ state: ctx.state, message: ctx.message })
      if (!this.data.id) return this.setData({ state: 'empty' })
      if (!this.data.project) this.setData({ state: 'loading' })
      try {
        const [p, live] = await Promise.all([
          api.get('/projects/' + this.data.id, null, { silent: true }),
          api.get('/supervision/live-visits', { project_id: this.data.id, limit: 50 }, { silent: true }),
        ])
        this.setData({
          state: 'data',
          project: {
            name: p.name,
            projectNo: p.project_no,
            orgId: p.org_id,
            org: p.org_name || '',
            type: p.service_type_name || p.service_type,
            statusName: p.status_name || p.status,
            building: p.building_name,
            address: p.building_address,
            district: p.district_name || '',
            period: (p.contract_start || '') + ' 至 ' + (p.contract_end || ''),
            lead: p.lead_name || '',
            fence: p.geofence ? '已设置' : '未设置（按项目位置默认300米）',
            openDefects: p.open_defects || 0,
          },
          live: (live.items || []).map(liveRow),
        })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    onDeadlinePick(e) {
      this.setData({ deadlineIndex: Number(e.detail.value) })
    },

    /** A real-time spot check: the practitioner must answer with a live face photo and location in time. */
    async onSpotCheck(e) {
      const visitId = Number(e.currentTarget.dataset.visit)
      try {
        const check = await api.post('/supervision/spot-checks', { visit_id: visitId, deadline_minutes: DEADLINES[this.data.deadlineIndex] }, { loading: '正在发起' })
        const via = { wechat: '已通过订阅消息通知', sms: '已通过短信通知', none: '通知未送达，请当面告知' }[check.notified_via] || ''
        this.setData({ lastCheck: { id: check.id, who: (check.practitioner && check.practitioner.name_masked) || '', deadline: display(check.deadline_at), via } })
        wx.showToast({ title: '抽查已发起', icon: 'success' })
        await this.load()
      } catch (err) {
        /* shown by api.request */
      }
    },

    onInspect() {
      wx.navigateTo({ url: '/supervisor/pages/inspection/index?project_id=' + this.data.id })
    },
    onTimeline(e) {
      const kind = e.currentTarget.dataset.kind
      const id = kind === 'project' ? this.data.id : kind === 'organization' ? this.data.project.orgId : e.currentTarget.dataset.id
      wx.navigateTo({ url: '/supervisor/pages/timeline/index?kind=' + kind + '&id=' + id })
    },
  },
})
