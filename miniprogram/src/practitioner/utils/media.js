/**
 * Camera and files for the practitioner pages: photos taken now (never from the album where it is evidence of
 * being somewhere), photos read as base64 for the endpoints that take them in JSON (document signing, spot
 * checks), and the practitioner's own profile (GET /practitioners/me) shared by several pages.
 */
function cancelled() {
  return Object.assign(new Error(''), { cancelled: true })
}

function mediaFailure(res) {
  const msg = (res && res.errMsg) || ''
  if (/cancel/.test(msg)) return cancelled()
  if (/auth|permission/i.test(msg)) return new Error('需要相机权限才能拍照，请在设置中允许使用摄像头')
  return new Error('拍照失败，请重试')
}

/** One photo from the camera now; resolves its temp path. `camera`: 'front' for a face, 'back' otherwise. */
function takePhoto(camera) {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: ['camera'],
      camera: camera || 'front',
      sizeType: ['compressed'],
      success: (res) => resolve(res.tempFiles[0].tempFilePath),
      fail: (res) => reject(mediaFailure(res)),
    })
  })
}

/** Up to `count` pictures; `sources` ['camera'] (work photos: taken on site) or ['album', 'camera']. */
function choosePhotos(count, sources) {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count,
      mediaType: ['image'],
      sourceType: sources || ['camera'],
      camera: 'back',
      sizeType: ['compressed'],
      success: (res) => resolve(res.tempFiles.map((f) => f.tempFilePath)),
      fail: (res) => reject(mediaFailure(res)),
    })
  })
}

/** The file's bytes as base64 (the JSON endpoints take photos this way). */
function readBase64(path) {
  try {
    return wx.getFileSystemManager().readFileSync(path, 'base64')
  } catch (err) {
    throw new Error('照片读取失败，请重新拍摄')
  }
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

module.exports = { takePhoto, choosePhotos, readBase64, wait, cancelled }
