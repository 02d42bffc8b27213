/**
 * Score and grade of organisations for the public pages, from the public ranking (GET /public/rankings, best
 * first, keyset pages of 100). There is no public per-organisation score endpoint, so the pages read the ranking
 * once (cached for a few minutes) and look organisations up in it; an organisation not yet scored has none.
 */
const api = require('../../utils/api')

const TTL_MS = 5 * 60 * 1000
const MAX_PAGES = 10

let cache = null // {at, byOrg, done, cursor, pending}

function fresh() {
  if (!cache || Date.now() - cache.at > TTL_MS) cache = { at: Date.now(), byOrg: {}, done: false, cursor: null, pages: 0, pending: null }
  return cache
}

function loadPage(c) {
  if (c.pending) return c.pending
  c.pending = api
    .get('/public/rankings', { limit: 100, cursor: c.cursor || undefined }, { auth: false, silent: true })
    .then((body) => {
      ;(body.items || []).forEach((r) => {
        c.byOrg[r.org_id] = { score: typeof r.score === 'number' ? r.score.toFixed(1) : String(r.score), grade: r.grade, rank: r.rank }
      })
      c.cursor = body.next_cursor || null
      c.pages += 1
      c.done = !c.cursor || c.pages >= MAX_PAGES
    })
    .finally(() => {
      c.pending = null
    })
  return c.pending
}

/** {orgId: {score, grade, rank}} for the ids found; ranking failures leave scores out rather than fail the page. */
async function scoresFor(orgIds) {
  const c = fresh()
  const missing = () => orgIds.filter((id) => !c.byOrg[id])
  try {
    while (missing().length && !c.done) await loadPage(c)
  } catch (err) {
    c.done = true // no scores shown; not asked again until the cache expires
  }
  const out = {}
  orgIds.forEach((id) => {
    if (c.byOrg[id]) out[id] = c.byOrg[id]
  })
  return out
}

function reset() {
  cache = null
}

module.exports = { scoresFor, reset }
