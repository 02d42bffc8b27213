/**
 * Monthly reports: each finished month is compiled from the system's records and must be reviewed and submitted
 * by the due day (the 10th of the following month by default). Compile last month, open one, submit with remarks.
 */
const api = require('../../../utils/api')
const { display } = require('../../../utils/time')
const { listMethods } = require('../../../utils/paged')
const { orgContext } = require('../../utils/role')

function lastMonth(now) {
  const d = now || new Date()
  const y = d.getMonth() === 0 ? d.getFullYear() - 1 : d.getFullYear()
  const m = d.getMonth() === 0 ? 12 : d.getMonth()
  return y + '-' + (m < 10 ? '0' : '') + m
}

// The report's sections as the PDF prints them (backend/modules/monitoring/reports.py SECTIONS).
const SECTIONS = [
  ['projects', '项目情况', [['active', '在服务项目', '个'], ['new', '新登记项目', '个'], ['concluded', '完结项目', '个']]],
  ['visits', '现场执业', [['accepted', '有效签到', '次'], ['refused', '被拒绝的签到', '次'], ['flagged', '有异常提示的签到', '次'], ['hours', '在场时长', '小时']]],
  ['plan', '维保计划执行', [['due', '应完成', '项'], ['done', '已完成', '项'], ['not_done', '未完成', '项'], ['completion_rate', '完成率', '%']]],
  ['defects', '故障与隐患', [['found', '发现', '处'], ['fixed', '整改完毕', '处'], ['open_at_end', '月末未整改', '处']]],
  ['documents', '书面结论文件', [['effective', '生效', '份'], ['blocked', '未生效', '份']]],
  ['feedback', '委托单位反馈', [['sent', '推送', '条'], ['confirmed', '确认', '条'], ['disputed', '有异议', '条'], ['average_rating', '平均评分', '分']]],
  ['warnings', '预警', [['raised', '当月预警', '条']]],
]

/** "现场执业：有效签到 41 次，…" per section present in the report. */
function sections(figures) {
  const f = figures || {}
  return SECTIONS.filter((sec) => f[sec[0]] && typeof f[sec[0]] === 'object').map((sec) => ({
    key: sec[0],
    text:
      sec[1] +
      '：' +
      sec[2]
        .filter((it) => f[sec[0]][it[0]] !== undefined && f[sec[0]][it[0]] !== null)
        .map((it) => it[1] + ' ' + f[sec[0]][it[0]] + ' ' + it[2])
        .join('，'),
  }))
}

function row(r) {
  return {
    id: r.id,
    month: r.month,
    statusName: r.status_name || r.status,
    submitted: r.status === 'submitted',
    due: r.due_on || '',
    late: Boolean(r.late),
    submittedAt: r.submitted_at ? display(r.submitted_at) : '',
    remarks: r.remarks || '',
    sections: sections(r.figures),
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false, month: lastMonth(), compiling: false, openId: null },
  methods: Object.assign(
    listMethods({
      guard: orgContext,
      path: () => '/monitoring/reports',
      query: (ctx) => ({ org_id: ctx.orgId }),
      row,
    }),
    {
      async onCompile() {
        if (!this.ctx || this.data.compiling) return
        this.setData({ compiling: true })
        try {
          await api.post('/monitoring/reports', { org_id: this.ctx.orgId, month: this.data.month }, { loading: '正在编制' })
          wx.showToast({ title: this.data.month + ' 已编制', icon: 'success' })
          await this.reload()
        } catch (err) {
          /* shown by api.request */
        } finally {
          this.setData({ compiling: false })
        }
      },
      onToggle(e) {
        const id = e.currentTarget.dataset.id
        this.setData({ openId: this.data.openId === id ? null : id })
      },
      onSubmit(e) {
        const id = e.currentTarget.dataset.id
        const item = this.data.items.filter((x) => x.id === id)[0]
        if (!item) return Promise.resolve()
        return new Promise((resolve) => {
          wx.showModal({
            title: '提交 ' + item.month + ' 月度报表',
            content: '',
            editable: true,
            placeholderText: '审核说明（印在报表上，可不填）',
            success: async (res) => {
              if (res.confirm) {
                try {
                  const body = await api.post('/monitoring/reports/' + id + '/submit', { remarks: (res.content || '').trim() || null }, { loading: '正在提交' })
                  wx.showToast({ title: body.late ? '已提交（逾期）' : '已提交', icon: body.late ? 'none' : 'success' })
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
