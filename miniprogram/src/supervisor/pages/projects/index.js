/**
 * Find a project on site: by keyword (name, number, building, address) or near where the supervisor stands
 * (wx.getLocation in GCJ-02, sent as is with near_crs=gcj02; the server converts and filters by radius).
 */
const coords = require('../../../utils/coords')
const { listMethods } = require('../../../utils/paged')
const { supervisorContext } = require('../../utils/role')

const RADII = [300, 500, 1000, 2000, 5000]

function guard() {
  const ctx = supervisorContext('查询项目')
  if (ctx.state) return ctx
  if (!this.data.q && !this.near) return { state: 'empty', message: '' }
  return ctx
}

Component({
  data: { state: 'empty', message: '', items: [], done: false, q: '', radii: RADII, radiusIndex: 2, mode: '', hereText: '' },
  methods: Object.assign(
    listMethods({
      guard,
      path: () => '/projects',
      query() {
        if (this.near) return { near: this.near.lng.toFixed(6) + ',' + this.near.lat.toFixed(6), near_crs: coords.CRS, radius_m: RADII[this.data.radiusIndex] }
        return { q: this.data.q.trim() }
      },
      row: (p) => ({
        id: p.id,
        name: p.name,
        projectNo: p.project_no,
        org: p.org_name || '',
        building: p.building_name,
        address: p.building_address,
        statusName: p.status_name || p.status,
        type: p.service_type_name || p.service_type,
      }),
    }),
    {
      onShow() {
        const ctx = supervisorContext('查询项目')
        if (ctx.state) return this.setData({ state: ctx.state, message: ctx.message })
        if (this.pager) return this.reload()
        if (this.data.state === 'login' || this.data.state === 'refused') this.setData({ state: 'empty' })
      },
      onQueryInput(e) {
        this.setData({ q: e.detail.value })
      },
      onSearch() {
        if (!this.data.q.trim()) return wx.showToast({ title: '请输入项目名称、编号或地址', icon: 'none' })
        this.near = null
        this.setData({ mode: 'keyword', hereText: '' })
        return this.reload()
      },
      onRadiusPick(e) {
        this.setData({ radiusIndex: Number(e.detail.value) })
        if (this.near) return this.reload()
      },
      async onNearby() {
        const ctx = supervisorContext('查询项目')
        if (ctx.state) return this.setData({ state: ctx.state, message: ctx.message })
        this.setData({ state: 'loading', message: '正在定位…' })
        try {
          this.near = await coords.getLocation()
        } catch (err) {
          return this.setData({ state: 'error', message: err.message })
        }
        this.setData({ mode: 'nearby', hereText: coords.describe(this.near) })
        return this.reload()
      },
      onOpen(e) {
        wx.navigateTo({ url: '/supervisor/pages/project/index?id=' + e.currentTarget.dataset.id })
      },
    },
  ),
})
