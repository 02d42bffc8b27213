/** Warnings about the organisation, its practitioners and projects: read the summary, acknowledge with a note. */
const api = require('../../../utils/api')
const { display } = require('../../../utils/time')
const { listMethods } = require('../../../utils/paged')
const { orgContext } = require('../../utils/role')

const SEVERITY = { high: '高', medium: '中', low: '低' }
const FILTERS = [
  { value: 'open', name: '未结束' },
  { value: 'all', name: '全部' },
]

function row(w) {
  return {
    id: w.id,
    title: w.rule_title || w.rule,
    severity: SEVERITY[w.severity] || w.severity,
    high: w.severity === 'high',
    subject: w.subject_name || '',
    summary: w.summary || '',
    period: w.period_key || '',
    detected: display(w.detected_at),
    status: w.status,
    statusName: w.status_name || w.status,
    note: w.acknowledge_note || '',
    canAck: w.status === 'open',
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false, filters: FILTERS, filterIndex: 0 },
  methods: Object.assign(
    listMethods({
      guard: orgContext,
      path: () => '/monitoring/warnings',
      query(ctx) {
        return { org_id: ctx.orgId, open_only: FILTERS[this.data.filterIndex].value === 'open' ? 'true' : undefined }
      },
      row,
    }),
    {
      onFilterPick(e) {
        this.setData({ filterIndex: Number(e.detail.value) })
        return this.reload()
      },
      onAck(e) {
        const id = e.currentTarget.dataset.id
        return new Promise((resolve) => {
          wx.showModal({
            title: '确认预警',
            content: '',
            editable: true,
            placeholderText: '说明已采取的措施（可不填）',
            success: async (res) => {
              if (res.confirm) {
                try {
                  await api.post('/monitoring/warnings/' + id + '/acknowledge', { note: (res.content || '').trim() || null }, { loading: true })
                  wx.showToast({ title: '已确认', icon: 'success' })
                  await this.reload()
                } catch (err) {
                  /* shown */
                }
              }
              resolve()
            },
          })
        })
      },
    },
  ),
})
