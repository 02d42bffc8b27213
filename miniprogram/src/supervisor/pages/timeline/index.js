/**
 * The timeline of an organisation, a practitioner or a project (tamper-evident events, newest first), with the
 * drill-down the API offers: organisation → its projects → a project's site visits → a visit's work records.
 * Query: ?kind=organization|practitioner|project&id=…
 */
const api = require('../../../utils/api')
const { display } = require('../../../utils/time')
const { listMethods } = require('../../../utils/paged')
const { supervisorContext } = require('../../utils/role')

const KINDS = {
  organization: { path: 'organizations', title: '机构时间线', child: '项目', childEmpty: '没有项目' },
  practitioner: { path: 'practitioners', title: '从业人员时间线', child: '', childEmpty: '' },
  project: { path: 'projects', title: '项目时间线', child: '现场签到', childEmpty: '没有现场签到' },
}

function eventRow(ev) {
  return { id: 'e' + ev.id, kind: 'event', when: display(ev.occurred_at), summary: ev.summary || ev.kind, code: ev.kind, projectId: ev.project_id || null }
}

function childRow(item, kind) {
  if (kind === 'organization') {
    return {
      id: 'p' + item.id,
      kind: 'project',
      targetId: item.id,
      title: item.name + '（' + item.project_no + '）',
      sub: (item.service_type_label || item.service_type) + ' · ' + (item.building_name || '') + ' · 签到 ' + (item.visits || 0) + ' 次，记录 ' + (item.work_records || 0) + ' 条，事件 ' + (item.events || 0) + ' 条',
    }
  }
  const flags = (item.flags || []).concat(item.reasons || []).map((f) => f.message || f.code || f)
  return {
    id: 'v' + item.id,
    kind: 'visit',
    targetId: item.id,
    title: (item.practitioner_name || '') + ' · ' + display(item.checked_in_at) + (item.checked_out_at ? ' 至 ' + display(item.checked_out_at).slice(11) : ''),
    sub: (item.status === 'rejected' ? '签到被拒绝' : item.face_passed === false ? '人脸未通过' : item.identity_method === 'alternative' ? '替代核验' : '人脸通过') + ' · 工作记录 ' + (item.work_records || 0) + ' 条',
    flags: flags.join('；'),
    practitionerId: item.practitioner_id,
  }
}

function guard() {
  const ctx = supervisorContext('查看时间线')
  if (ctx.state) return ctx
  const kind = KINDS[this.kind] ? this.kind : null
  if (!kind || !this.targetId) return { state: 'empty', message: '' }
  return { kind, id: this.targetId, tab: this.data.tab }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false, tab: 'events', title: '', childTab: '', records: {}, openVisit: null },
  methods: Object.assign(
    listMethods({
      guard,
      path(ctx) {
        const base = '/timeline/' + KINDS[ctx.kind].path + '/' + ctx.id
        if (ctx.tab === 'children') return base + (ctx.kind === 'organization' ? '/projects' : '/visits')
        return base
      },
      row(item, ctx) {
        return ctx.tab === 'children' ? childRow(item, ctx.kind) : eventRow(item)
      },
    }),
    {
      onLoad(query) {
        this.kind = (query && query.kind) || ''
        this.targetId = Number((query && query.id) || 0) || null
        const k = KINDS[this.kind]
        this.setData({ title: k ? k.title : '', childTab: k ? k.child : '', canInspectOrg: this.kind === 'organization' && Boolean(this.targetId) })
        if (k && wx.setNavigationBarTitle) wx.setNavigationBarTitle({ title: k.title })
      },
      onTab(e) {
        const tab = e.currentTarget.dataset.tab
        if (tab === this.data.tab) return
        this.setData({ tab, openVisit: null })
        return this.reload()
      },
      /** Drill down: a project opens its own timeline; a visit unfolds its work records here. */
      async onOpen(e) {
        const item = this.data.items.filter((x) => x.id === e.currentTarget.dataset.id)[0]
        if (!item) return
        if (item.kind === 'project') {
          wx.navigateTo({ url: '/supervisor/pages/timeline/index?kind=project&id=' + item.targetId })
        } else if (item.kind === 'visit') {
          if (this.data.openVisit === item.targetId) return this.setData({ openVisit: null })
          try {
            const body = await api.get('/timeline/visits/' + item.targetId + '/records', { limit: 100 }, { loading: true })
            const rows = (body.items || []).map((r) => ({
              id: r.id,
              text: (r.plan_item_name || r.system_code || '') + '：' + (r.result_label || r.result) + (r.note ? '（' + r.note + '）' : '') + (r.photos ? ' · 照片 ' + r.photos + ' 张' : ''),
            }))
            this.setData({ openVisit: item.targetId, ['records.v' + item.targetId]: rows })
          } catch (err) {
            /* shown by api.request */
          }
        } else if (item.projectId && this.kind !== 'project') {
          wx.navigateTo({ url: '/supervisor/pages/timeline/index?kind=project&id=' + item.projectId })
        }
      },
      /** A special inspection (专项检查, 第二十三条) of the organisation itself. */
      onInspectOrg() {
        wx.navigateTo({ url: '/supervisor/pages/inspection/index?org_id=' + this.targetId })
      },
      onPractitioner(e) {
        const id = e.currentTarget.dataset.id
        if (id) wx.navigateTo({ url: '/supervisor/pages/timeline/index?kind=practitioner&id=' + id })
      },
    },
  ),
})
