/** <state-view state="loading|empty|error|refused|login|data" message="" empty-text="" bind:retry> */
Component({
  properties: {
    state: { type: String, value: 'loading' },
    message: { type: String, value: '' },
    emptyText: { type: String, value: '' },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
    onLogin() {
      wx.navigateTo({ url: '/pages/login/index' })
    },
  },
})
