/** The active role's entries; each leads into that role's subpackage. */
const session = require('../../utils/session')
const menus = require('../../utils/menus')

Component({
  data: { state: 'loading', message: '', roleName: '', entries: [], hasSeveralRoles: false },
  methods: {
    onShow() {
      if (!session.isLoggedIn()) {
        this.setData({ state: 'login', message: '登录后使用工作台', entries: [] })
        return
      }
      const active = session.activeRole()
      if (!active) {
        this.setData({
          state: 'refused',
          message: '您还没有角色：从业人员请接受机构的聘用邀请，机构请由法定代表人登记后使用。',
          entries: [],
        })
        return
      }
      const entries = menus.forRole(active.role)
      this.setData({
        state: entries.length ? 'data' : 'empty',
        roleName: active.role_name,
        entries,
        hasSeveralRoles: session.roles().length > 1,
      })
    },
    onOpen(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    onSwitchRole() {
      wx.navigateTo({ url: '/pages/role/index' })
    },
  },
})
