/**
 * My employer and invitations: the organisation I practise for now, invitations sent to my phone (accept or
 * decline; one organisation at a time, 第十一条), and what came before.
 */
const api = require('../../../utils/api')
const session = require('../../../utils/session')
const pageState = require('../../../utils/page-state')
const { display } = require('../../../utils/time')

function view(e) {
  return {
    id: e.id,
    orgName: e.org_name,
    position: e.position_name || e.position,
    status: e.status,
    statusName: e.status_name || e.status,
    startedAt: display(e.started_at),
    invitedAt: display(e.created_at),
    endedAt: display(e.ended_at),
    endReason: e.end_reason || '',
  }
}

Component({
  data: { state: 'loading', message: '', current: null, invitations: [], history: [], busy: false },
  methods: {
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },

    async load() {
      if (!session.isLoggedIn()) return this.setData({ state: 'login', message: '登录后查看聘用邀请' })
      if (this.data.state !== 'data') this.setData({ state: 'loading' })
      try {
        const list = (await api.get('/employments/mine', null, { silent: true })).map(view)
        const current = list.find((e) => e.status === 'active') || null
        const invitations = list.filter((e) => e.status === 'invited')
        const history = list.filter((e) => e.status !== 'active' && e.status !== 'invited')
        this.setData({ state: list.length ? 'data' : 'empty', current, invitations, history })
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },

    async onAccept(e) {
      if (this.data.busy) return null
      if (!session.hasRole('practitioner')) {
        wx.showModal({
          title: '请先实名认证',
          content: '接受聘用前须先登记从业人员身份（姓名、身份证号）。',
          confirmText: '去认证',
          success: (res) => res.confirm && wx.navigateTo({ url: '/practitioner/pages/realname/index' }),
        })
        return null
      }
      const id = Number(e.currentTarget.dataset.id)
      this.setData({ busy: true })
      try {
        await api.post('/employments/' + id + '/accept', {}, { loading: true })
        wx.showToast({ title: '已接受聘用', icon: 'success' })
        return this.load()
      } catch (err) {
        return null // api showed the reason (e.g. still employed elsewhere)
      } finally {
        this.setData({ busy: false })
      }
    },

    onDecline(e) {
      const id = Number(e.currentTarget.dataset.id)
      return new Promise((resolve) => {
        wx.showModal({
          title: '谢绝邀请',
          content: '确定谢绝该机构的聘用邀请？',
          success: async (res) => {
            if (!res.confirm) return resolve(null)
            try {
              await api.post('/employments/' + id + '/decline', {}, { loading: true })
              wx.showToast({ title: '已谢绝', icon: 'none' })
              resolve(await this.load())
            } catch (err) {
              resolve(null)
            }
          },
        })
      })
    },

    onRetry() {
      return this.load()
    },
  },
})
