/** The organisation of the active org-admin / legal-representative role: registration status and the practice
 * conditions checked live against staff records (应急管理部令第7号 第五～七条). */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')

function value(v, unit) {
  if (v === null || v === undefined || v === '') return '—'
  return typeof v === 'object' ? JSON.stringify(v) : String(v) + (unit || '')
}

Component({
  data: { state: 'loading', message: '', org: null, conditions: null },
  methods: {
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后查看本机构' })
      const role = session.activeRole()
      if (!role || ['org_admin', 'legal_rep'].indexOf(role.role) < 0 || !role.org_id) {
        return this.setData({ state: 'refused', message: '请切换到机构管理人员或法定代表人角色' })
      }
      this.setData({ state: this.data.org ? 'data' : 'loading' })
      try {
        const detail = await api.get('/orgs/' + role.org_id, null, { silent: true })
        const o = detail.organization || {}
        const c = detail.conditions || { conditions: [] }
        this.setData({
          state: 'data',
          org: {
            name: o.name,
            creditCode: o.credit_code,
            types: o.type_names || o.types || [],
            statusName: o.status_name || o.status,
            verified: o.status === 'verified',
            district: o.district_name || '',
            address: o.address,
            reviewReasons: o.review_reasons || [],
          },
          conditions: {
            met: Boolean(c.met),
            title: c.ruleset_title || '',
            items: (c.conditions || []).map((x) => ({
              key: x.key,
              label: x.label,
              met: Boolean(x.met),
              required: value(x.required, x.unit),
              actual: value(x.actual, x.unit),
              detail: x.detail || '',
            })),
          },
        })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },
    onRetry() {
      return this.load()
    },
  },
})
