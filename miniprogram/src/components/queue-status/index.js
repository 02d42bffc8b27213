/**
 * What is still waiting in the offline queue, and what the server refused (until the user dismisses it).
 * <queue-status compact="{{true}}"/> shows one line that opens the full list (pages/queue/index).
 */
const queue = require('../../utils/offline-queue')
const { display } = require('../../utils/time')

const STATE_TEXT = {
  waiting: '等待提交',
  sending: '正在提交…',
  needs_login: '登录后提交',
}

function describe(entry) {
  let status = STATE_TEXT[entry.state] || '等待提交'
  if (entry.state === 'waiting' && entry.lastError) status = '提交失败，稍后自动重试'
  return {
    key: entry.key,
    label: entry.label,
    capturedAt: display(entry.deviceTime),
    status,
    error: entry.lastError ? entry.lastError.message : '',
    attempts: entry.attempts,
  }
}

function describeRefusal(result) {
  return {
    key: result.key,
    label: result.label,
    at: display(result.at),
    message: (result.error && result.error.message) || '',
    reasons: queue.reasonTexts(result.error && result.error.details),
  }
}

Component({
  properties: {
    compact: { type: Boolean, value: false },
  },
  data: {
    entries: [],
    refused: [],
    count: 0,
    flushing: false,
    online: true,
  },
  lifetimes: {
    attached() {
      this.unsubscribe = queue.subscribe((snap) => this.render(snap))
    },
    detached() {
      if (this.unsubscribe) this.unsubscribe()
    },
  },
  methods: {
    render(snap) {
      this.setData({
        entries: snap.entries.map(describe),
        refused: snap.refused.map(describeRefusal),
        count: snap.entries.length,
        flushing: snap.flushing,
        online: snap.online,
      })
    },
    onRetry() {
      queue.flush({ force: true })
    },
    onDismiss(e) {
      queue.dismiss(e.currentTarget.dataset.key)
    },
    onOpen() {
      wx.navigateTo({ url: '/pages/queue/index' })
    },
  },
})
