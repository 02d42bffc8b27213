/**
 * Score, grade and place of organisations for the public pages, from the public ranking
 * (GET /public/rankings?org_ids=…): one call for the organisations on screen, each with its place in the whole
 * ranking. Answers are kept a few minutes; an organisation not yet scored has none.
 */
const api = require('../../utils/api')

const TTL_MS = 5 * 60 * 1000
const MAX_IDS = 100 // the API takes at most 100 ids a call

let cache = null // {at, byOrg: {id: {score, grade, rank} | null}}

function fresh() {
  if (!cache || Date.now() - cache.at > TTL_MS) cache = { at: Date.now(), byOrg: {} }
  return cache
}

async function load(c, ids) {
  const body = await api.get('/public/rankings', { org_ids: ids.join(','), limit: ids.length }, { auth: false, silent: true })
  ids.forEach((id) => {
    c.byOrg[id] = null // asked: not scored unless the answer says otherwise
  })
  ;(body.items || []).forEach((r) => {
    c.byOrg[r.org_id] = { score: typeof r.score === 'number' ? r.score.toFixed(1) : String(r.score), grade: r.grade, rank: r.rank }
  })
}

/** {orgId: {score, grade, rank}} for the ids scored; a failing ranking leaves scores out rather than fail the page. */
async function scoresFor(orgIds) {
  const c = fresh()
  const missing = orgIds.filter((id) => !(id in c.byOrg))
  try {
    for (let i = 0; i < missing.length; i += MAX_IDS) await load(c, missing.slice(i, i + MAX_IDS))
  } catch (err) {
    // no scores shown this time; asked again on the next page view
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
