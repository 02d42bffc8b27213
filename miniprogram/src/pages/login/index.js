/**
 * Login: WeChat (wx.login → /auth/wechat-login; an unknown WeChat user binds a phone by SMS code first) or
 * phone + SMS code (/auth/sms-login; the first login registers the phone).
 */
const api = require('../../utils/api')
const session = require('../../utils/session')
const queue = require('../../utils/offline-queue')
const validate = require('../../utils/validate')

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      timeout: 10000,
      success: (res) => (res.code ? resolve(res.code) : reject(new Error('微信登录失败，请重试'))),
      fail: () => reject(new Error('微信登录失败，请检查网络后重试')),
    })
  })
}

Component({
  data: {
    mode: 'wechat', // wechat | sms | bind
    phone: '',
    code: '',
    agreed: false,
    countdown: 0,
    busy: false,
    bindToken: '',
    phoneError: '',
    codeError: '',
  },
  methods: {
    onLoad(query) {
      this.redirect = query && query.redirect ? decodeURIComponent(query.redirect) : ''
      if (query && query.mode === 'sms') this.setData({ mode: 'sms' })
    },
    onUnload() {
      this.stopCountdown()
    },
    // Component-built pages also get lifetimes; keep the timer from outliving the page either way.
    detached() {
      this.stopCountdown()
    },

    onPhoneInput(e) {
      this.setData({ phone: e.detail.value, phoneError: '' })
    },
    onCodeInput(e) {
      this.setData({ code: e.detail.value, codeError: '' })
    },
    onAgreeChange(e) {
      this.setData({ agreed: (e.detail.value || []).length > 0 })
    },
    onUseSms() {
      this.setData({ mode: 'sms', code: '', codeError: '' })
    },
    onUseWechat() {
      this.setData({ mode: 'wechat', code: '', codeError: '' })
    },
    onOpenPrivacy() {
      wx.navigateTo({ url: '/pages/privacy/index' })
    },

    requireAgreement() {
      if (this.data.agreed) return true
      wx.showToast({ title: '请先阅读并同意隐私保护指引', icon: 'none' })
      return false
    },

    async onWechatLogin() {
      if (this.data.busy || !this.requireAgreement()) return
      this.setData({ busy: true })
      try {
        const code = await wxLogin()
        const pair = await api.post('/auth/wechat-login', { code }, { auth: false, loading: '登录中', silent: true })
        await this.finish(pair)
      } catch (err) {
        if (err.code === 'wechat_not_bound') {
          this.setData({ mode: 'bind', bindToken: (err.details && err.details.bind_token) || '', code: '' })
          wx.showToast({ title: '首次使用请绑定手机号', icon: 'none' })
        } else if (err instanceof api.ApiError) {
          api.showError(err)
        } else {
          wx.showToast({ title: err.message, icon: 'none' })
        }
      } finally {
        this.setData({ busy: false })
      }
    },

    async onSendCode() {
      if (this.data.countdown > 0 || this.data.busy) return
      const phone = validate.phone(this.data.phone)
      if (!phone.valid) {
        this.setData({ phoneError: phone.reason })
        return
      }
      const purpose = this.data.mode === 'bind' ? 'bind' : 'login'
      try {
        const issued = await api.post('/auth/sms-codes', { phone: phone.value, purpose }, { auth: false, loading: '发送中' })
        wx.showToast({ title: '验证码已发送', icon: 'success' })
        this.startCountdown((issued && issued.resend_after) || 60)
      } catch (err) {
        const wait = err.details && err.details.retry_after
        if (wait) this.startCountdown(wait)
        if (err.details && err.details.fields && err.details.fields.phone) this.setData({ phoneError: err.message })
      }
    },

    startCountdown(seconds) {
      this.stopCountdown()
      this.setData({ countdown: Math.max(1, Math.round(seconds)) })
      this.timer = setInterval(() => {
        const left = this.data.countdown - 1
        this.setData({ countdown: Math.max(0, left) })
        if (left <= 0) this.stopCountdown()
      }, 1000)
    },

    stopCountdown() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
    },

    async onSubmit() {
      if (this.data.busy || !this.requireAgreement()) return
      const phone = validate.phone(this.data.phone)
      const code = validate.smsCode(this.data.code)
      if (!phone.valid || !code.valid) {
        this.setData({ phoneError: phone.valid ? '' : phone.reason, codeError: code.valid ? '' : code.reason })
        return
      }
      this.setData({ busy: true })
      try {
        const pair =
          this.data.mode === 'bind'
            ? await api.post(
                '/auth/wechat-bind',
                { bind_token: this.data.bindToken, phone: phone.value, code: code.value },
                { auth: false, loading: '绑定中' },
              )
            : await api.post('/auth/sms-login', { phone: phone.value, code: code.value }, { auth: false, loading: '登录中' })
        await this.finish(pair)
      } catch (err) {
        if (err.code === 'wechat_bind_invalid' || err.code === 'wechat_already_bound') this.setData({ mode: 'wechat' })
      } finally {
        this.setData({ busy: false })
      }
    },

    /** Keep the tokens, read the roles afresh, send whatever was queued, and go where the user was going. */
    async finish(pair) {
      session.save(pair)
      this.stopCountdown()
      try {
        const me = await api.get('/me', null, { silent: true })
        session.updateUser(me)
      } catch (err) {
        // the login answer already carries the roles; /me only refreshes them
      }
      queue.flush({ force: true })
      this.loggedIn = true
      wx.showToast({ title: '登录成功', icon: 'success' })
      const target = this.redirect
      if (session.roles().length > 1 && !target) {
        wx.redirectTo({ url: '/pages/role/index?after=login' })
      } else if (target) {
        wx.redirectTo({ url: target, fail: () => wx.switchTab({ url: target }) })
      } else {
        wx.navigateBack({ fail: () => wx.switchTab({ url: '/pages/workbench/index' }) })
      }
    },
  },
})
