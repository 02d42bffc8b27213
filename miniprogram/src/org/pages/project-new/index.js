/**
 * Register a project (维保 / 检测 / 评估): client, building and its fire systems, contract period, project lead,
 * and the site picked on a map. WeChat's <map> works in GCJ-02: the tapped point is sent as it is with
 * crs "gcj02" and the server converts it to WGS-84. The geofence is a circle of the chosen radius.
 */
const api = require('../../../utils/api')
const coords = require('../../../utils/coords')
const pageState = require('../../../utils/page-state')
const { orgContext } = require('../../utils/role')

const SERVICE_TYPES = [
  { value: 'maintenance', name: '维护保养' },
  { value: 'testing', name: '检测' },
  { value: 'assessment', name: '安全评估' },
]
// People's Square: the map opens here when the phone's location is not available.
const DEFAULT_CENTER = { lng: 121.4752, lat: 31.2286 }
const RADII = [50, 100, 150, 200, 300, 500, 800, 1000]

function pad(n) {
  return (n < 10 ? '0' : '') + n
}
function ymd(d) {
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate())
}
function defaultPeriod() {
  const now = new Date()
  const start = new Date(now.getFullYear(), now.getMonth(), 1)
  const end = new Date(now.getFullYear() + 1, now.getMonth(), 0)
  return { start: ymd(start), end: ymd(end) }
}

function circle(pick, radius) {
  if (!pick) return []
  return [{ latitude: pick.lat, longitude: pick.lng, radius, color: '#c62828AA', fillColor: '#c6282822', strokeWidth: 2 }]
}

Component({
  data: {
    state: 'loading',
    message: '',
    serviceTypes: SERVICE_TYPES,
    typeIndex: 0,
    systems: [],
    leads: [],
    leadIndex: -1,
    radii: RADII,
    radiusIndex: 4,
    center: DEFAULT_CENTER,
    pick: null,
    pickText: '',
    markers: [],
    circles: [],
    form: { name: '', clientName: '', contactName: '', contactPhone: '', buildingName: '', address: '', use: '' },
    period: defaultPeriod(),
    errors: {},
    submitting: false,
  },
  methods: {
    onLoad() {
      return this.load()
    },
    onRetry() {
      return this.load()
    },

    async load() {
      const ctx = orgContext()
      if (ctx.state) return this.setData({ state: ctx.state, message: ctx.message })
      this.orgId = ctx.orgId
      this.setData({ state: 'loading' })
      try {
        const [catalogue, staff] = await Promise.all([
          api.get('/catalogue', null, { silent: true, auth: false }),
          api.get('/orgs/' + ctx.orgId + '/staff', { status: 'active', limit: 100 }, { silent: true }),
        ])
        const leads = (staff.items || [])
          .filter((e) => e.practitioner)
          .map((e) => ({ id: e.practitioner.id, name: e.practitioner.name + (e.position_name ? '（' + e.position_name + '）' : '') }))
        const systems = (catalogue.systems || []).map((s) => ({ code: s.code, name: s.name, checked: false }))
        this.setData({ state: 'data', systems, leads, leadIndex: leads.length ? 0 : -1 })
      } catch (err) {
        return this.setData(pageState.fromError(err))
      }
      // Centre the map on where the user stands (often the site itself); a refusal just keeps the default.
      try {
        const here = await coords.getLocation()
        this.setData({ center: { lng: here.lng, lat: here.lat } })
      } catch (err) {
        /* the map stays on the default centre; picking still works */
      }
    },

    onInput(e) {
      this.setData({ ['form.' + e.currentTarget.dataset.field]: e.detail.value })
    },
    onTypePick(e) {
      this.setData({ typeIndex: Number(e.detail.value) })
    },
    onLeadPick(e) {
      this.setData({ leadIndex: Number(e.detail.value) })
    },
    onStartPick(e) {
      this.setData({ 'period.start': e.detail.value })
    },
    onEndPick(e) {
      this.setData({ 'period.end': e.detail.value })
    },
    onSystemsChange(e) {
      const chosen = e.detail.value || []
      this.setData({ systems: this.data.systems.map((s) => Object.assign({}, s, { checked: chosen.indexOf(s.code) >= 0 })) })
    },
    onRadiusPick(e) {
      const radiusIndex = Number(e.detail.value)
      this.setData({ radiusIndex, circles: circle(this.data.pick, RADII[radiusIndex]) })
    },

    /** A tap on the map places the site marker there (GCJ-02, as the map reports it). */
    onMapTap(e) {
      const d = e.detail || {}
      if (typeof d.longitude !== 'number' || typeof d.latitude !== 'number') return
      this.place({ lng: d.longitude, lat: d.latitude })
    },
    /** Or the user stands on the site and uses the phone's position. */
    async onUseHere() {
      try {
        const here = await coords.getLocation()
        this.place({ lng: here.lng, lat: here.lat })
      } catch (err) {
        wx.showToast({ title: err.message || '获取位置失败', icon: 'none' })
      }
    },
    place(pick) {
      this.setData({
        pick,
        pickText: pick.lng.toFixed(6) + ', ' + pick.lat.toFixed(6) + '（GCJ-02）',
        markers: [{ id: 1, longitude: pick.lng, latitude: pick.lat, width: 30, height: 30, title: '项目位置' }],
        circles: circle(pick, RADII[this.data.radiusIndex]),
        'errors.pick': '',
      })
    },

    validate() {
      const f = this.data.form
      const errors = {}
      if (!f.name.trim()) errors.name = '请填写项目名称'
      if (!f.clientName.trim()) errors.clientName = '请填写委托单位'
      if (!f.contactName.trim()) errors.contactName = '请填写委托单位联系人'
      if (!/^1\d{10}$/.test(f.contactPhone.trim())) errors.contactPhone = '请填写11位手机号'
      if (!f.buildingName.trim()) errors.buildingName = '请填写建筑名称'
      if (!f.address.trim()) errors.address = '请填写建筑地址'
      if (!this.data.systems.some((s) => s.checked)) errors.systems = '请选择建筑已有的消防设施系统'
      if (this.data.leadIndex < 0) errors.lead = '本机构还没有可担任项目负责人的在职人员'
      if (!this.data.pick) errors.pick = '请在地图上点选项目位置'
      if (this.data.period.end < this.data.period.start) errors.period = '合同结束日期不能早于开始日期'
      this.setData({ errors })
      return Object.keys(errors).length === 0
    },

    body() {
      const f = this.data.form
      return {
        org_id: this.orgId,
        service_type: SERVICE_TYPES[this.data.typeIndex].value,
        name: f.name.trim(),
        client: { name: f.clientName.trim(), contact_name: f.contactName.trim(), contact_phone: f.contactPhone.trim() },
        building: {
          name: f.buildingName.trim(),
          address: f.address.trim(),
          use: f.use.trim() || null,
          facility_systems: this.data.systems.filter((s) => s.checked).map((s) => s.code),
        },
        location: { lng: this.data.pick.lng, lat: this.data.pick.lat, crs: coords.CRS },
        geofence_radius_m: RADII[this.data.radiusIndex],
        contract_start: this.data.period.start,
        contract_end: this.data.period.end,
        lead_practitioner_id: this.data.leads[this.data.leadIndex].id,
        member_ids: [],
      }
    },

    async onSubmit() {
      if (this.data.submitting || !this.validate()) return
      this.setData({ submitting: true })
      try {
        const project = await api.post('/projects', this.body(), { loading: '正在登记' })
        wx.showToast({ title: '已登记 ' + (project.project_no || ''), icon: 'none' })
        wx.redirectTo({ url: '/org/pages/plan/index?project_id=' + project.id })
      } catch (err) {
        /* api.request has shown the server's message */
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
