/**
 * Every page that loads data shows one of five states: loading, empty, data, error (with a retry) or refused
 * (not permitted / not logged in). The <state-view> component draws them; this maps an API error to a state.
 */
function fromError(err) {
  if (err && err.status === 401) return { state: 'login', message: err.message || '请先登录' }
  if (err && err.status === 403) return { state: 'refused', message: err.message || '您没有权限查看此内容' }
  return { state: 'error', message: (err && err.message) || '加载失败，请稍后重试' }
}

function forItems(items) {
  return items && items.length ? 'data' : 'empty'
}

module.exports = { fromError, forItems }
