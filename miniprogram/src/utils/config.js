/**
 * Where the API lives. WeChat only lets a released mini-program call HTTPS domains that are listed in the
 * mini-program admin console (开发管理 → 服务器域名), so trial and release builds must point at that domain;
 * the develop build talks to a local backend (`make run` serves http://127.0.0.1:5000).
 */
const DEV_BASE_URL = 'http://127.0.0.1:5000'

// Set these before uploading a trial or release build (see miniprogram/README.md).
const BASE_URLS = {
  develop: DEV_BASE_URL,
  trial: DEV_BASE_URL,
  release: DEV_BASE_URL,
}

// A developer may point a phone at a LAN backend from the "me" page; the override lives in storage.
const OVERRIDE_KEY = 'config.api_base_url'

const config = {
  apiPrefix: '/api/v1',
  requestTimeoutMs: 15000,
  uploadTimeoutMs: 60000,
  // Offline queue back-off after a network error or a 5xx: 2 s, 4 s, 8 s … capped at 5 minutes.
  retryBaseMs: 2000,
  retryMaxMs: 5 * 60 * 1000,
  // wx.getLocation: the server converts GCJ-02 to WGS-84, so the client sends what WeChat gives.
  locationType: 'gcj02',
}

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'develop'
  } catch (err) {
    return 'develop'
  }
}

function getBaseUrl() {
  let override = ''
  try {
    override = wx.getStorageSync(OVERRIDE_KEY) || ''
  } catch (err) {
    override = ''
  }
  return String(override || BASE_URLS[envVersion()] || DEV_BASE_URL).replace(/\/+$/, '')
}

function setBaseUrlOverride(url) {
  if (url) wx.setStorageSync(OVERRIDE_KEY, String(url).trim())
  else wx.removeStorageSync(OVERRIDE_KEY)
}

module.exports = { config, getBaseUrl, setBaseUrlOverride, envVersion, DEV_BASE_URL }
