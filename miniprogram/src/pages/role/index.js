/** Role switch for users who hold several roles (e.g. a practitioner who is also the org's administrator). */
const session = require('../../utils/session')
const jurisdictions = require('../../utils/jurisdictions')

Component({
  data: { state: 'loading', message: '', roles: [], activeKey: '', afterLogin: false },
  methods: {
    onLoad(query) {
      this.setData({ afterLogin: Boolean(query && query.after === 'login') })
    },
    async onShow() {
      if (!session.isLoggedIn()) {
        this.setData({ state: 'login', message: '请先登录' })
        return
      }
      const roles = session.roles()
      const active = session.activeRole()
      this.setData({
        state: roles.length ? 'data' : 'empty',
        roles,
        activeKey: active ? active.key : '',
      })
      if (roles.length) this.setData({ roles: await jurisdictions.decorate(roles) })
    },
    onChoose(e) {
      const key = e.currentTarget.dataset.key
      if (!session.setActiveRole(key)) return
      this.setData({ activeKey: key })
      wx.switchTab({ url: '/pages/workbench/index' })
    },
  },
})
