/**
 * A `wx` for tests: real behaviour where the mini-program depends on it (storage that copies values like the
 * real one, a file system for saved photos, network status listeners, navigation records) and a pluggable
 * transport for wx.request / wx.uploadFile (a FakeServer in unit tests, real HTTP in the end-to-end test).
 */
function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}

function later(fn) {
  Promise.resolve().then(fn)
}

function createWx(opts) {
  const options = opts || {}
  const storage = new Map()
  const files = new Map()
  const networkListeners = []
  const calls = { toast: [], modal: [], loading: [], nav: [], request: [], upload: [] }
  let loadingShown = 0
  let networkType = 'wifi'

  const wx = {
    env: { USER_DATA_PATH: options.fsRoot ? options.fsRoot + '/usr' : 'wxfile://usr' },
    __calls: calls,
    __files: files,
    __storage: storage,
    // transport(kind, req) → Promise<{statusCode, data, header}> or rejects {errMsg}
    __transport: options.transport || null,
    __modalAnswer: { confirm: true, cancel: false },
    __location: { longitude: 121.4737, latitude: 31.2304, accuracy: 15 },
    __locationError: null,
    __media: { tempFiles: [{ tempFilePath: 'http://tmp/photo-1.jpg', size: 120000, fileType: 'image' }] },
    __mediaError: null,
    __scan: { result: '', scanType: 'QR_CODE' },
    __scanError: null,
    __loginCode: 'wx-login-code',

    getStorageSync: (key) => (storage.has(key) ? clone(storage.get(key)) : ''),
    setStorageSync: (key, value) => {
      storage.set(key, clone(value))
    },
    removeStorageSync: (key) => {
      storage.delete(key)
    },
    clearStorageSync: () => storage.clear(),

    getAccountInfoSync: () => ({ miniProgram: { appId: 'touristappid', envVersion: options.envVersion || 'develop' } }),

    request: jest.fn((req) => send('request', req)),
    uploadFile: jest.fn((req) => send('upload', req)),

    showToast: jest.fn((o) => calls.toast.push(o)),
    showModal: jest.fn((o) => {
      calls.modal.push(o)
      later(() => {
        if (o.success) o.success(Object.assign({}, wx.__modalAnswer))
        if (o.complete) o.complete(Object.assign({}, wx.__modalAnswer))
      })
    }),
    showLoading: jest.fn((o) => {
      loadingShown += 1
      calls.loading.push(['show', o && o.title])
    }),
    hideLoading: jest.fn(() => {
      loadingShown -= 1
      calls.loading.push(['hide'])
    }),
    __loadingVisible: () => loadingShown > 0,
    stopPullDownRefresh: jest.fn(),

    navigateTo: jest.fn((o) => nav('navigateTo', o)),
    redirectTo: jest.fn((o) => nav('redirectTo', o)),
    switchTab: jest.fn((o) => nav('switchTab', o)),
    reLaunch: jest.fn((o) => nav('reLaunch', o)),
    navigateBack: jest.fn((o) => {
      calls.nav.push(['navigateBack', o])
      // Tests open pages directly: there is no page below to go back to.
      later(() => o && o.fail && o.fail({ errMsg: 'navigateBack:fail cannot navigate back at first page.' }))
    }),

    login: jest.fn((o) => later(() => o.success({ code: typeof wx.__loginCode === 'function' ? wx.__loginCode() : wx.__loginCode, errMsg: 'login:ok' }))),
    getLocation: jest.fn((o) =>
      later(() => (wx.__locationError ? o.fail({ errMsg: wx.__locationError }) : o.success(Object.assign({ errMsg: 'getLocation:ok' }, wx.__location)))),
    ),
    chooseMedia: jest.fn((o) =>
      later(() => (wx.__mediaError ? o.fail({ errMsg: wx.__mediaError }) : o.success(clone(wx.__media)))),
    ),
    scanCode: jest.fn((o) =>
      later(() => (wx.__scanError ? o.fail({ errMsg: wx.__scanError }) : o.success(Object.assign({ errMsg: 'scanCode:ok' }, wx.__scan)))),
    ),
    openSetting: jest.fn((o) => later(() => o && o.success && o.success({ authSetting: {} }))),

    onNetworkStatusChange: (fn) => networkListeners.push(fn),
    offNetworkStatusChange: (fn) => {
      const i = networkListeners.indexOf(fn)
      if (i >= 0) networkListeners.splice(i, 1)
    },
    getNetworkType: (o) => later(() => o.success({ networkType })),
    /** Test control: go offline / online; listeners hear it as on a phone. */
    __setOnline: (isConnected) => {
      networkType = isConnected ? 'wifi' : 'none'
      networkListeners.slice().forEach((fn) => fn({ isConnected, networkType }))
    },
    __isOnline: () => networkType !== 'none',

    getFileSystemManager: () => (options.fsRoot ? realFs() : {
      accessSync: (p) => {
        if (!files.has(p) && !files.has(p + '/')) throw new Error('accessSync:fail no such file or directory ' + p)
      },
      mkdirSync: (p) => files.set(p + '/', 'dir'),
      saveFileSync: (temp, target) => {
        files.set(target, files.has(temp) ? files.get(temp) : 'bytes of ' + temp)
        return target
      },
      unlinkSync: (p) => {
        if (!files.delete(p)) throw new Error('unlinkSync:fail no such file ' + p)
      },
      readFileSync: (p) => {
        if (!files.has(p)) throw new Error('readFileSync:fail no such file ' + p)
        return files.get(p)
      },
    }),
  }

  // With `fsRoot` (the end-to-end test) files are real: photos must reach the server byte for byte.
  function realFs() {
    const nodeFs = require('fs')
    return {
      accessSync: (p) => nodeFs.accessSync(p),
      mkdirSync: (p, recursive) => nodeFs.mkdirSync(p, { recursive: Boolean(recursive) }),
      saveFileSync: (temp, target) => {
        nodeFs.copyFileSync(temp, target)
        return target
      },
      unlinkSync: (p) => nodeFs.unlinkSync(p),
      readFileSync: (p) => nodeFs.readFileSync(p),
    }
  }

  function nav(kind, o) {
    calls.nav.push([kind, o && o.url])
    later(() => o && o.success && o.success({ errMsg: kind + ':ok' }))
  }

  function send(kind, req) {
    const record = kind === 'upload' ? calls.upload : calls.request
    record.push(req)
    if (networkType === 'none') {
      later(() => req.fail && req.fail({ errMsg: (kind === 'upload' ? 'uploadFile' : 'request') + ':fail net::ERR_INTERNET_DISCONNECTED' }))
      return { abort() {} }
    }
    if (!wx.__transport) throw new Error('no transport configured for wx.' + kind)
    Promise.resolve()
      .then(() => wx.__transport(kind, req))
      .then(
        (res) => req.success && req.success(res),
        (err) => req.fail && req.fail({ errMsg: (err && err.errMsg) || String(err) }),
      )
    return { abort() {} }
  }

  return wx
}

function installWx(opts) {
  global.wx = createWx(opts)
  return global.wx
}

module.exports = { createWx, installWx }
