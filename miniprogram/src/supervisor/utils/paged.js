/**
 * The list pages of this subpackage share one shape: a guard (logged in, the right role) that yields a state
 * or the context, a keyset Pager over one endpoint, rows mapped for display, and the five states.
 * listMethods({guard, path(ctx), query(ctx, page), row(item, ctx), limit}) → Component methods.
 */
const api = require('../../utils/api')
const pageState = require('../../utils/page-state')

function listMethods(opts) {
  return {
    onShow() {
      return this.reload()
    },
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
      const ctx = opts.guard.call(this)
      if (ctx.state) return this.setData({ state: ctx.state, message: ctx.message, items: [] })
      this.ctx = ctx
      const query = opts.query ? opts.query.call(this, ctx) : {}
      this.pager = new api.Pager(opts.path.call(this, ctx), query, { limit: opts.limit || 20, request: { silent: true } })
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
  }
}

module.exports = { listMethods }
