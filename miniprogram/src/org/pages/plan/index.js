/**
 * The maintenance plan of one project: the GB 25201 items the API generated for the building's fire systems,
 * with frequency, clause and the months each is due. A project without a plan offers to create one.
 */
const api = require('../../../utils/api')
const pageState = require('../../../utils/page-state')
const { orgContext } = require('../../utils/role')

const TOLERANCES = [0, 3, 5, 7, 10, 15]

function groups(items, systemNames) {
  const bySystem = {}
  const order = []
  items.forEach((it) => {
    if (!bySystem[it.system_code]) {
      bySystem[it.system_code] = { code: it.system_code, name: systemNames[it.system_code] || it.system_code, items: [] }
      order.push(it.system_code)
    }
    bySystem[it.system_code].items.push({
      id: it.id,
      name: it.name,
      frequency: it.frequency_name || it.frequency,
      clause: it.clause || '',
      months: (it.months || []).join('、'),
      enabled: it.enabled !== false,
    })
  })
  return order.map((c) => bySystem[c])
}

Component({
  data: { state: 'loading', message: '', projectId: null, project: null, canPublish: false, plan: null, noPlan: false, tolerances: TOLERANCES, toleranceIndex: 3, creating: false },
  methods: {
    onLoad(query) {
      this.setData({ projectId: Number((query && query.project_id) || 0) || null })
    },
    onShow() {
      return this.load()
    },
    onRetry() {
      return this.load()
    },

    async load() {
      const ctx = orgContext()
      if (ctx.state) return this.setData({ state: ctx.state, message: ctx.message })
      if (!this.data.projectId) return this.setData({ state: 'empty', message: '' })
      this.setData({ state: 'loading' })
      try {
        const project = await api.get('/projects/' + this.data.projectId, null, { silent: true })
        this.setData({
          project: { name: project.name, projectNo: project.project_no, serviceType: project.service_type, statusName: project.status_name || project.status },
          canPublish: project.status === 'registered',
        })
        if (project.service_type !== 'maintenance') {
          return this.setData({ state: 'data', plan: null, noPlan: false, notMaintenance: true })
        }
        let plan = null
        try {
          plan = await api.get('/projects/' + this.data.projectId + '/plan', null, { silent: true })
        } catch (err) {
          if (err.code !== 'plan_not_found') throw err
        }
        if (!plan) return this.setData({ state: 'data', plan: null, noPlan: true })
        const catalogue = await api.get('/catalogue', { version: plan.catalogue_version }, { silent: true, auth: false }).catch(() => ({ systems: [] }))
        const names = {}
        ;(catalogue.systems || []).forEach((s) => (names[s.code] = s.name))
        this.setData({
          state: 'data',
          noPlan: false,
          plan: {
            period: (plan.start_month || '') + ' 至 ' + (plan.end_month || ''),
            tolerance: plan.tolerance_days,
            count: (plan.items || []).length,
            groups: groups(plan.items || [], names),
          },
        })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    /** Publicity: the project enters the public list and work on site may start (a maintenance plan comes first). */
    async onPublish() {
      try {
        await api.post('/projects/' + this.data.projectId + '/publish', {}, { loading: '正在发布' })
        wx.showToast({ title: '已进入信息公示', icon: 'success' })
        await this.load()
      } catch (err) {
        /* shown by api.request (e.g. what the project still lacks) */
      }
    },
    /** Switch one item of the plan off (e.g. the building lacks that device) or back on. */
    async onToggleItem(e) {
      const id = Number(e.currentTarget.dataset.id)
      const enabled = Boolean(e.detail.value)
      try {
        await api.patch('/projects/' + this.data.projectId + '/plan/items/' + id, { enabled }, { loading: true })
        await this.load()
      } catch (err) {
        await this.load() // the switch shows what the server holds
      }
    },
    onTolerancePick(e) {
      this.setData({ toleranceIndex: Number(e.detail.value) })
    },
    async onCreate() {
      if (this.data.creating) return
      this.setData({ creating: true })
      try {
        await api.post('/projects/' + this.data.projectId + '/plan', { tolerance_days: TOLERANCES[this.data.toleranceIndex] }, { loading: '正在生成' })
        wx.showToast({ title: '维保计划已生成', icon: 'success' })
        await this.load()
      } catch (err) {
        /* shown by api.request */
      } finally {
        this.setData({ creating: false })
      }
    },
  },
})
