/**
 * Staff and invitations: invite a practitioner by phone number for a position (they accept in their own
 * mini-program), see who is active or still invited, and withdraw an invitation or end an employment.
 */
const api = require('../../../utils/api')
const { display } = require('../../../utils/time')
const { listMethods } = require('../../../utils/paged')
const { orgContext } = require('../../utils/role')

const POSITIONS = [
  { value: 'engineer', name: '注册消防工程师' },
  { value: 'operator', name: '消防设施操作员' },
  { value: 'project_lead', name: '项目负责人' },
  { value: 'technical_lead', name: '技术负责人' },
  { value: 'admin', name: '管理人员' },
  { value: 'other', name: '其他' },
]
const FILTERS = [
  { value: '', name: '全部' },
  { value: 'active', name: '在职' },
  { value: 'invited', name: '邀请中' },
  { value: 'ended', name: '已离职' },
]

function row(e) {
  const p = e.practitioner || null
  const certs = ((p && p.certificates) || []).map((c) => (c.kind_name || c.kind) + (c.status_name ? '·' + c.status_name : ''))
  return {
    id: e.id,
    who: p ? p.name : '受邀手机号 ' + (e.invited_phone_masked || ''),
    position: e.position_name || e.position,
    status: e.status,
    statusName: e.status_name || e.status,
    certs: certs.join('，'),
    since: display(e.started_at || e.created_at),
    canEnd: e.status === 'active' || e.status === 'invited',
    endText: e.status === 'invited' ? '撤回邀请' : '解除聘用',
  }
}

Component({
  data: { state: 'loading', message: '', items: [], done: false, positions: POSITIONS, positionIndex: 0, filters: FILTERS, filterIndex: 0, phone: '', phoneError: '', inviting: false },
  methods: Object.assign(
    listMethods({
      guard: orgContext,
      path: (ctx) => '/orgs/' + ctx.orgId + '/staff',
      query() {
        return { status: FILTERS[this.data.filterIndex].value || undefined }
      },
      row,
    }),
    {
      onFilterPick(e) {
        this.setData({ filterIndex: Number(e.detail.value) })
        return this.reload()
      },
      onPhoneInput(e) {
        this.setData({ phone: e.detail.value, phoneError: '' })
      },
      onPositionPick(e) {
        this.setData({ positionIndex: Number(e.detail.value) })
      },
      async onInvite() {
        const phone = this.data.phone.trim()
        if (!/^1\d{10}$/.test(phone)) return this.setData({ phoneError: '请输入11位手机号' })
        if (!this.ctx || this.data.inviting) return
        this.setData({ inviting: true })
        try {
          await api.post('/orgs/' + this.ctx.orgId + '/staff', { phone, position: POSITIONS[this.data.positionIndex].value }, { loading: '正在邀请' })
          wx.showToast({ title: '邀请已发出', icon: 'success' })
          this.setData({ phone: '' })
          await this.reload()
        } catch (err) {
          /* shown by api.request */
        } finally {
          this.setData({ inviting: false })
        }
      },
      onEnd(e) {
        const item = this.data.items.filter((x) => x.id === e.currentTarget.dataset.id)[0]
        if (!item) return Promise.resolve()
        return new Promise((resolve) => {
          wx.showModal({
            title: item.endText,
            content: '确定' + item.endText + '：' + item.who + '？',
            success: async (res) => {
              if (res.confirm) {
                try {
                  await api.post('/employments/' + item.id + '/end', { reason: item.status === 'invited' ? '机构撤回邀请' : '机构解除聘用' }, { loading: true })
                  wx.showToast({ title: '已' + item.endText, icon: 'success' })
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
