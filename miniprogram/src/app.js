/**
 * App entry: start the offline queue (it listens to the network and sends what a previous run left) and
 * offer a new version when WeChat has downloaded one.
 */
const queue = require('./utils/offline-queue')

function offerUpdate() {
  if (!wx.getUpdateManager) return
  const manager = wx.getUpdateManager()
  manager.onUpdateReady(() => {
    wx.showModal({
      title: '发现新版本',
      content: '新版本已下载，是否重启使用？未提交的记录会保留并在重启后继续提交。',
      success: (res) => res.confirm && manager.applyUpdate(),
    })
  })
}

App({
  onLaunch() {
    queue.start()
    offerUpdate()
  },
  onShow() {
    queue.flush()
  },
})
