/** Projects in publicity (no login, no personal data): service type, building, organisation, contract period. */
const { listMethods } = require('../../utils/paged')

const TYPES = [
  { value: '', name: '全部服务类型' },
  { value: 'maintenance', name: '维护保养' },
  { value: 'testing', name: '检测' },
  { value: 'assessment', name: '安全评估' },
]

function row(p) {
  return {
    id: p.id,
    name: p.name,
    projectNo: p.project_no,
    type: p.service_type_name || p.service_type,
    orgId: p.org_id,
    org: p.org_name || '',
    building: p.building_name || '',
    address: p.building_address || '',
    district: p.district_name || '',
    period: (p.contract_start || '') + ' 至 ' + (p.contract_end || ''),
    statusName: p.status_name || p.status,
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false, types: TYPES, typeIndex: 0 },
  methods: Object.assign(
    listMethods({
      onLoad(query) {
        this.orgId = Number(query.org_id || 0) || undefined
      },
      path: () => '/public/projects',
      query() {
        return { service_type: TYPES[this.data.typeIndex].value || undefined, org_id: this.orgId }
      },
      row,
      request: { auth: false },
    }),
    {
      onTypePick(e) {
        this.setData({ typeIndex: Number(e.detail.value) })
        return this.reload()
      },
      onOpenOrg(e) {
        wx.navigateTo({ url: '/pages/org-detail/index?id=' + e.currentTarget.dataset.id })
      },
    },
  ),
})
