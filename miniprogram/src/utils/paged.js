/**
 * The list pages share one shape: an optional guard (logged in, the right role) that yields a state or the
 * context, a keyset Pager over one endpoint, rows mapped for display, and the five states.
 * listMethods({guard, path(ctx), query(ctx), row(item, ctx), limit, request, onLoad}) → Component methods.
 * Signed-in lists reload on every show (what they list changes as the user works); a public list given
 * `onLoad(query)` (reading its page query) loads once, so coming back from a detail keeps the user's place.
 */
const api = require('./api')
const pageState = require('./page-state')

const OPEN = () => ({})

function listMethods(opts) {
  const guard = opts.guard || OPEN
  const first = opts.onLoad
    ? {
        onLoad(query) {
          opts.onLoad.call(this, query || {})
          return this.reload()
        },
      }
    : {
        onShow() {
          return this.reload()
        },
      }
  return Object.assign(first, {
    onPullDownRefresh() {
      return this.reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.more()
    },
    onRetry() {
      return this.reload()
    },
    async reload() {
      const ctx = guard.call(this)
      if (ctx.state) return this.setData({ state: ctx.state, message: ctx.message, items: [] })
      this.ctx = ctx
      const query = opts.query ? opts.query.call(this, ctx) : {}
      this.pager = new api.Pager(opts.path.call(this, ctx), query, {
        limit: opts.limit || 20,
        request: Object.assign({ silent: true }, opts.request),
      })
      this.setData({ state: 'loading', items: [] })
      try {
        await this.pager.next()
        this.renderList()
      } catch (err) {
        this.setData(pageState.fromError(err))
      }
    },
    async more() {
      if (!this.pager || this.pager.done || this.pager.loading) return
      try {
        await this.pager.next()
        this.renderList()
      } catch (err) {
        api.showError(err)
      }
    },
    renderList() {
      const items = this.pager.items.map((x) => opts.row.call(this, x, this.ctx))
      this.setData({ state: pageState.forItems(items), items, done: this.pager.done })
    },
  })
}

module.exports = { listMethods }
