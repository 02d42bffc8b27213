/**
 * Subscribe messages (订阅消息): WeChat delivers a template message only after the user agreed to it, once per
 * agreement, and only when asked from a tap. The practitioner agrees on site (after a check-in) so that a
 * real-time spot check reaches the phone; the workbench banner shows pending checks whatever the answer.
 *
 * The template id must be the one configured in the mini-program admin console and on the server
 * (WECHAT_SPOT_CHECK_TEMPLATE_ID, default "spot-check-notice" in config/__init__.py).
 */
const SPOT_CHECK_TEMPLATE_ID = 'spot-check-notice'

/** Ask (from a tap) to receive spot-check notices; resolves 'accept' | 'reject' | 'ban' | 'unavailable'. */
function askForSpotChecks() {
  return new Promise((resolve) => {
    if (!wx.requestSubscribeMessage) return resolve('unavailable')
    wx.requestSubscribeMessage({
      tmplIds: [SPOT_CHECK_TEMPLATE_ID],
      success: (res) => resolve(res[SPOT_CHECK_TEMPLATE_ID] || 'reject'),
      fail: () => resolve('unavailable'),
    })
  })
}

module.exports = { SPOT_CHECK_TEMPLATE_ID, askForSpotChecks }
