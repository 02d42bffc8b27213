const { installWx } = require('../helpers/wx')

let coords

beforeEach(() => {
  jest.resetModules()
  installWx()
  coords = require('../../src/utils/coords')
})

test('asks WeChat for GCJ-02 and passes the coordinates on unconverted, labelled gcj02', async () => {
  wx.__location = { longitude: 121.49986, latitude: 31.23963, accuracy: 12.5 }
  const loc = await coords.getLocation()
  expect(wx.getLocation.mock.calls[0][0]).toMatchObject({ type: 'gcj02', isHighAccuracy: true })
  expect(loc).toEqual({ lng: 121.49986, lat: 31.23963, accuracy: 12.5, crs: 'gcj02' })
  expect(coords.describe(loc)).toBe('121.49986, 31.23963（±13 米）')
})

test('a refused location permission is explained in Chinese', async () => {
  wx.__locationError = 'getLocation:fail auth deny'
  await expect(coords.getLocation()).rejects.toMatchObject({ code: 'location_denied', message: '需要位置权限才能签到：请在设置中允许使用位置信息' })
})

test('location services switched off are told apart from other failures', async () => {
  wx.__locationError = 'getLocation:fail:system permission denied'
  await expect(coords.getLocation()).rejects.toMatchObject({ code: 'location_off' })
  wx.__locationError = 'getLocation:fail:ERROR_NOCELL&WIFI_LOCATIONSWITCHOFF'
  await expect(coords.getLocation()).rejects.toMatchObject({ code: 'location_off' })
  wx.__locationError = 'getLocation:fail timeout'
  await expect(coords.getLocation()).rejects.toMatchObject({ code: 'location_failed', message: '获取位置失败，请到开阔处重试' })
})
