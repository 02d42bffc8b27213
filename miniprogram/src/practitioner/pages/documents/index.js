/**
 * Conclusion documents waiting for my signature: drafts of my projects where I am the project lead or the
 * technical lead and have not signed yet. Each opens the document page (view, face check, sign).
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')

const ROLE_NAMES = { project_lead: '项目负责人', technical_lead: '技术负责人' }

/** The roles `practitionerId` still has to sign on document `d`. */
function unsignedRoles(d, practitionerId) {
  const signed = (d.signatures || []).map((s) => s.role)
  const roles = []
  if (d.project_lead_id === practitionerId && signed.indexOf('project_lead') < 0) roles.push('project_lead')
  if (d.technical_lead_id === practitionerId && signed.indexOf('technical_lead') < 0) roles.push('technical_lead')
  return roles
}

function row(d, roles) {
  return {
    id: d.id,
    title: d.doc_type_name || d.doc_type,
    reportNumber: d.report_number || '（尚未编号）',
    period: d.period_start + ' 至 ' + d.period_end,
    roles: roles.map((r) => ROLE_NAMES[r]).join('、'),
  }
}

Component({
  data: { state: 'loading', message: '', items: [] },
  methods: {
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后查看待签署文件' })
      if (!session.hasRole('practitioner')) return this.setData({ state: 'refused', message: '只有从业人员可以签署结论文件' })
      if (this.data.state !== 'data') this.setData({ state: 'loading' })
      try {
        const me = await api.get('/practitioners/me', null, { silent: true })
        const items = []
        let cursor
        for (let i = 0; i < 5; i++) {
          const page = await api.page('/documents', { status: 'draft', limit: 100, cursor }, { silent: true })
          page.items.forEach((d) => {
            const roles = unsignedRoles(d, me.id)
            if (roles.length) items.push(row(d, roles))
          })
          cursor = page.next_cursor
          if (!cursor) break
        }
        this.setData({ state: pageState.forItems(items), items })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    onOpen(e) {
      wx.navigateTo({ url: '/practitioner/pages/document/index?id=' + e.currentTarget.dataset.id })
    },
    onRetry() {
      return this.load()
    },
  },
})

