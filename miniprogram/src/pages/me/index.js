/** "Me": who is logged in, which roles (and which one is active), the offline queue, logout. */
const api = require('../../utils/api')
const session = require('../../utils/session')
const queue = require('../../utils/offline-queue')
const { getBaseUrl, setBaseUrlOverride, envVersion } = require('../../utils/config')
const { display } = require('../../utils/time')
const pageState = require('../../utils/page-state')
const jurisdictions = require('../../utils/jurisdictions')

function view(me) {
  const active = session.activeRole()
  return {
    user: {
      phone: me.phone_masked || '',
      name: me.display_name || '',
      wechatBound: Boolean(me.wechat_bound),
      lastLogin: display(me.last_login_at),
    },
    roles: session.roles(),
    isPractitioner: session.roles().some((r) => r.role === 'practitioner'),
    activeKey: active ? active.key : '',
    activeName: active ? active.role_name : '',
  }
}

Component({
  data: {
    state: 'loading',
    message: '',
    user: null,
    roles: [],
    activeKey: '',
    activeName: '',
    isPractitioner: false,
    isDevelop: false,
    baseUrl: '',
  },
  methods: {
    onLoad() {
      this.setData({ isDevelop: envVersion() === 'develop', baseUrl: getBaseUrl() })
    },
    onShow() {
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },

    async load() {
      if (!session.isLoggedIn()) {
        this.setData({ state: 'login', message: '登录后可查看个人信息', user: null, roles: [] })
        return
      }
      const cached = session.get().user
      if (cached) this.setData(Object.assign({ state: 'data' }, view(cached)))
      else this.setData({ state: 'loading' })
      try {
        const me = await api.get('/me', null, { silent: true })
        session.updateUser(me)
        const shown = view(me)
        shown.roles = await jurisdictions.decorate(shown.roles)
        this.setData(Object.assign({ state: 'data' }, shown))
      } catch (err) {
        // Offline: the cached profile is still right; show an error only when there is nothing to show.
        if (!cached || err.status === 401) this.setData(pageState.fromError(err))
      }
    },

    onRetry() {
      this.load()
    },
    onSwitchRole() {
      wx.navigateTo({ url: '/pages/role/index' })
    },
    onLogin() {
      wx.navigateTo({ url: '/pages/login/index' })
    },
    // A new user has no role yet: real-name registration makes a practitioner (then invitations can be accepted);
    // a legal representative registers the organisation.
    onRegisterPractitioner() {
      wx.navigateTo({ url: '/practitioner/pages/realname/index' })
    },
    onRegisterOrg() {
      wx.navigateTo({ url: '/org/pages/register/index' })
    },

    async onLogout() {
      const user = session.get() && session.get().user
      const mine = queue.pending().filter((e) => !e.userId || (user && e.userId === user.id)).length
      const content = mine
        ? '还有 ' + mine + ' 条记录未提交，退出后需本人重新登录才会继续提交。确定退出？'
        : '确定退出登录？'
      const answer = await new Promise((resolve) => wx.showModal({ title: '退出登录', content, success: resolve, fail: () => resolve({}) }))
      if (!answer.confirm) return
      try {
        await api.post('/auth/logout', {}, { loading: '正在退出', silent: true })
      } catch (err) {
        // Offline or already expired: the tokens are dropped here anyway and expire on the server.
      }
      session.clear()
      this.setData({ state: 'login', message: '已退出登录', user: null, roles: [], activeKey: '', activeName: '' })
    },

    onBaseUrlInput(e) {
      this.setData({ baseUrl: e.detail.value })
    },
    onSaveBaseUrl() {
      const value = String(this.data.baseUrl || '').trim()
      if (value && !/^https?:\/\/[^\s/]+/.test(value)) {
        wx.showToast({ title: '地址应以 http:// 或 https:// 开头', icon: 'none' })
        return
      }
      setBaseUrlOverride(value)
      this.setData({ baseUrl: getBaseUrl() })
      wx.showToast({ title: '已保存', icon: 'success' })
    },
  },
})
