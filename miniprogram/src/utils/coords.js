/**
 * Location for on-site acts. WeChat's wx.getLocation gives GCJ-02 when asked for type 'gcj02' (the datum its
 * maps use). Nothing is converted here: the server stores WGS-84 and converts explicitly at its boundary
 * (backend/core/geo.py), so the client sends what WeChat measured and says which datum it is: crs "gcj02".
 * Location is read only at the moment of an act (check-in, check-out, record), never tracked.
 */
const { config } = require('./config')

const CRS = 'gcj02'

class LocationError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'LocationError'
    this.code = code
  }
}

/** The wx.getLocation answer as the API wants it: {lng, lat, accuracy, crs: 'gcj02'}. */
function fromWx(res) {
  return {
    lng: Number(res.longitude),
    lat: Number(res.latitude),
    accuracy: res.accuracy === undefined || res.accuracy === null ? null : Number(res.accuracy),
    crs: CRS,
  }
}

function failure(res) {
  const msg = (res && res.errMsg) || ''
  // WeChat itself lacks the phone's location permission, or location services are off (Android).
  if (/system permission|LOCATIONSWITCHOFF|location service/i.test(msg)) {
    return new LocationError('location_off', '请在手机系统设置中开启定位服务并允许微信使用位置信息')
  }
  if (/auth deny|auth denied|authorize no response/i.test(msg)) {
    return new LocationError('location_denied', '需要位置权限才能签到：请在设置中允许使用位置信息')
  }
  return new LocationError('location_failed', '获取位置失败，请到开阔处重试')
}

/** Resolves {lng, lat, accuracy, crs} or rejects a LocationError with a Chinese message. */
function getLocation() {
  return new Promise((resolve, reject) => {
    wx.getLocation({
      type: config.locationType,
      isHighAccuracy: true,
      highAccuracyExpireTime: 4000,
      success: (res) => resolve(fromWx(res)),
      fail: (res) => reject(failure(res)),
    })
  })
}

/** "121.47370, 31.23040（±15 米）" for the user to see what was sent. */
function describe(loc) {
  if (!loc) return ''
  const acc = loc.accuracy ? '（±' + Math.round(loc.accuracy) + ' 米）' : ''
  return loc.lng.toFixed(5) + ', ' + loc.lat.toFixed(5) + acc
}

module.exports = { CRS, getLocation, fromWx, describe, LocationError }
