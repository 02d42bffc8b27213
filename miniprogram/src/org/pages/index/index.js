/** The organisation of the active org-admin / legal-representative role: registration status and the practice
 * conditions checked live against staff records (应急管理部令第7号 第五～七条). */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')
const { putFile } = require('../../utils/multipart')

const DOCUMENTS = [
  { kind: 'business_licence', name: '营业执照' },
  { kind: 'quality_system', name: '质量管理体系文件' },
  { kind: 'assessment_control', name: '评估过程控制体系文件' },
]

// What an org admin manages from here (each a page of this subpackage).
const MENU = [
  { title: '人员与邀请', url: '/org/pages/members/index' },
  { title: '项目与维保计划', url: '/org/pages/projects/index' },
  { title: '登记新项目', url: '/org/pages/project-new/index' },
  { title: '月度报表', url: '/org/pages/reports/index' },
  { title: '预警', url: '/org/pages/warnings/index' },
]

function value(v, unit) {
  if (v === null || v === undefined || v === '') return '—'
  return typeof v === 'object' ? JSON.stringify(v) : String(v) + (unit || '')
}

/** A photo (camera or album) or a PDF from a chat: resolves its temp path, or '' when cancelled. */
function chooseFile() {
  return new Promise((resolve) => {
    wx.showActionSheet({
      itemList: ['拍照或从相册选择', '从聊天记录选择 PDF'],
      success: (res) => {
        if (res.tapIndex === 1) {
          wx.chooseMessageFile({
            count: 1,
            type: 'file',
            extension: ['pdf'],
            success: (r) => resolve((r.tempFiles[0] && r.tempFiles[0].path) || ''),
            fail: () => resolve(''),
          })
        } else {
          wx.chooseMedia({
            count: 1,
            mediaType: ['image'],
            sourceType: ['camera', 'album'],
            sizeType: ['compressed'],
            success: (r) => resolve((r.tempFiles[0] && r.tempFiles[0].tempFilePath) || ''),
            fail: () => resolve(''),
          })
        }
      },
      fail: () => resolve(''),
    })
  })
}

Component({
  data: { state: 'loading', message: '', org: null, conditions: null, menu: MENU, documents: [], canRegister: false, canSubmit: false },
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
        // Someone without any organisation role may be a legal representative whose organisation is not registered.
        const canRegister = !session.roles().some((r) => ['org_admin', 'legal_rep'].indexOf(r.role) >= 0)
        return this.setData({ state: 'refused', message: canRegister ? '您还没有机构管理权限；法定代表人可先登记本机构' : '请切换到机构管理人员或法定代表人角色', canRegister })
      }
      this.orgId = role.org_id
      this.setData({ state: this.data.org ? 'data' : 'loading' })
      try {
        const detail = await api.get('/orgs/' + role.org_id, null, { silent: true })
        const o = detail.organization || {}
        const c = detail.conditions || { conditions: [] }
        const uploaded = o.documents || {}
        this.setData({
          state: 'data',
          canSubmit: ['draft', 'rejected'].indexOf(o.status) >= 0,
          documents: DOCUMENTS.map((d) => ({ kind: d.kind, name: d.name, uploaded: Boolean(uploaded[d.kind]) })),
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
    onOpen(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    onRegister() {
      wx.navigateTo({ url: '/org/pages/register/index' })
    },

    /** Evidence for the practice conditions: a photo or PDF of each document (PUT, multipart). */
    async onUpload(e) {
      const kind = e.currentTarget.dataset.kind
      const filePath = await chooseFile()
      if (!filePath) return
      try {
        await putFile('/orgs/' + this.orgId + '/documents/' + kind, 'file', filePath, { loading: '正在上传' })
        wx.showToast({ title: '已上传', icon: 'success' })
        await this.load()
      } catch (err) {
        /* shown by api.request */
      }
    },

    async onSubmitReview() {
      try {
        await api.post('/orgs/' + this.orgId + '/submit', {}, { loading: '正在提交' })
        wx.showToast({ title: '已提交审核', icon: 'success' })
        await this.load()
      } catch (err) {
        /* shown by api.request */
      }
    },
  },
})
