/** The active role's entries; each leads into that role's subpackage. */
const session = require('../../utils/session')
const menus = require('../../utils/menus')
const api = require('../../utils/api')
const { display } = require('../../utils/time')

Component({
  data: { state: 'loading', message: '', roleName: '', entries: [], hasSeveralRoles: false, spotCheck: null, noRole: false },
  methods: {
    onShow() {
      if (!session.isLoggedIn()) {
        this.setData({ state: 'login', message: '登录后使用工作台', entries: [], noRole: false })
        return
      }
      const active = session.activeRole()
      if (!active) {
        this.setData({
          state: 'refused',
          message: '您还没有角色：从业人员请先实名登记，再接受机构的聘用邀请；机构请由法定代表人登记。',
          entries: [],
          noRole: true,
        })
        return
      }
      const entries = menus.forRole(active.role)
      this.setData({
        noRole: false,
        state: entries.length ? 'data' : 'empty',
        roleName: active.role_name,
        entries,
        hasSeveralRoles: session.roles().length > 1,
      })
      if (active.role === 'practitioner') return this.loadSpotCheck()
      this.setData({ spotCheck: null })
      return null
    },
    /** In-app banner: a real-time spot check waiting for my answer (the subscribe message may not arrive). */
    async loadSpotCheck() {
      try {
        const page = await api.page('/supervision/my/spot-checks', { status: 'issued', limit: 1 }, { silent: true })
        const c = page.items[0]
        this.setData({ spotCheck: c ? { id: c.id, text: '您有一项实时抽查待答复，请在 ' + display(c.deadline_at) + ' 前完成' } : null })
      } catch (err) {
        this.setData({ spotCheck: null }) // offline or refused: no banner, the workbench still works
      }
    },
    onRegisterPractitioner() {
      wx.navigateTo({ url: '/practitioner/pages/realname/index' })
    },
    onRegisterOrg() {
      wx.navigateTo({ url: '/org/pages/register/index' })
    },
    onSpotCheck() {
      wx.navigateTo({ url: '/practitioner/pages/spot-check/index?id=' + this.data.spotCheck.id })
    },
    onOpen(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    onSwitchRole() {
      wx.navigateTo({ url: '/pages/role/index' })
    },
  },
})
