/** The organisation's projects (newest first), each opening its maintenance plan; a button registers a new one. */
const { display } = require('../../../utils/time')
const { listMethods } = require('../../../utils/paged')
const { orgContext } = require('../../utils/role')

Component({
  data: { state: 'loading', message: '', items: [], done: false },
  methods: Object.assign(
    listMethods({
      guard: orgContext,
      path: () => '/projects',
      query: (ctx) => ({ org_id: ctx.orgId }),
      row: (p) => ({
        id: p.id,
        name: p.name,
        projectNo: p.project_no,
        type: p.service_type_name || p.service_type,
        statusName: p.status_name || p.status,
        building: p.building_name,
        district: p.district_name || '',
        period: (p.contract_start || '') + ' 至 ' + (p.contract_end || ''),
        lead: p.lead_name || '',
        published: p.published_at ? display(p.published_at) : '',
      }),
    }),
    {
      onNew() {
        wx.navigateTo({ url: '/org/pages/project-new/index' })
      },
      onOpen(e) {
        wx.navigateTo({ url: '/org/pages/plan/index?project_id=' + e.currentTarget.dataset.id })
      },
    },
  ),
})
