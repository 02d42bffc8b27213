import { describe, expect, it, vi } from 'vitest'

import { useKeysetList } from '@/composables/keysetList'
import { jurisdictionArea } from '@/utils/area'
import { toCsv } from '@/utils/csv'
import { formatDateTime } from '@/utils/format'
import { normalizeSummary } from '@/utils/stats'

describe('keyset list', () => {
  // 45 rows served newest first in pages, like the API's keyset pagination.
  const rows = Array.from({ length: 45 }, (_, i) => ({ id: 45 - i }))
  const fetchPage = vi.fn(async ({ limit, cursor }) => {
    const start = cursor ? rows.findIndex((r) => r.id < Number(cursor)) : 0
    const items = rows.slice(start, start + limit)
    const more = start + limit < rows.length
    return { items, next_cursor: more ? String(items.at(-1).id) : null }
  })

  it('pages forward with the cursor and back by replaying the previous one', async () => {
    const list = useKeysetList(fetchPage, { pageSize: 20, onError: () => {} })
    await list.reload()
    expect(list.items.value[0].id).toBe(45)
    expect(list.hasPrev.value).toBe(false)
    await list.next()
    expect(list.page.value).toBe(2)
    expect(list.items.value[0].id).toBe(25)
    await list.next()
    expect(list.items.value.map((r) => r.id)).toEqual([5, 4, 3, 2, 1])
    expect(list.hasNext.value).toBe(false)
    await list.prev()
    expect(list.items.value[0].id).toBe(25)
    expect(list.hasNext.value).toBe(true)
  })

  it('collects every row for export, capped', async () => {
    const list = useKeysetList(fetchPage, { onError: () => {} })
    expect((await list.collectAll()).rows).toHaveLength(45)
    const capped = await list.collectAll(10)
    expect(capped.rows).toHaveLength(10)
    expect(capped.truncated).toBe(true)
  })

  it('ignores an answer that arrives after a newer request', async () => {
    let resolveSlow
    const slow = new Promise((r) => (resolveSlow = r))
    const calls = [() => slow, async () => ({ items: [{ id: 'new' }], next_cursor: null })]
    const list = useKeysetList(() => calls.shift()(), { onError: () => {} })
    const first = list.reload()
    await list.reload()
    resolveSlow({ items: [{ id: 'old' }], next_cursor: null })
    await first
    expect(list.items.value).toEqual([{ id: 'new' }])
  })

  it('reports an error and shows no stale rows', async () => {
    const onError = vi.fn()
    const list = useKeysetList(async () => Promise.reject(new Error('boom')), { onError })
    await list.reload()
    expect(onError).toHaveBeenCalledTimes(1)
    expect(list.items.value).toEqual([])
    expect(list.loading.value).toBe(false)
  })
})

describe('csv', () => {
  it('quotes separators and neutralises formulas', () => {
    const csv = toCsv(
      [{ name: '黄浦支队, "王"', phone: '139****0002', note: '=HYPERLINK("x")', tags: ['a', 'b'] }],
      [
        { label: '姓名', value: (r) => r.name },
        { label: '手机号', value: (r) => r.phone },
        { label: '备注', value: (r) => r.note },
        { label: '权限', value: (r) => r.tags },
      ],
    )
    expect(csv).toBe('姓名,手机号,备注,权限\r\n"黄浦支队, ""王""",139****0002,"\'=HYPERLINK(""x"")",a、b\r\n')
  })
})

describe('dashboard helpers', () => {
  it('maps jurisdictions to map districts', () => {
    expect(jurisdictionArea('310101').codes).toEqual(['310101'])
    expect(jurisdictionArea('corps').codes).toHaveLength(16)
    expect(jurisdictionArea('chem').codes).toEqual(['310116', '310120'])
    expect(jurisdictionArea('rail')).toMatchObject({ codes: [] })
    expect(jurisdictionArea('rail').note).toContain('轨道交通')
  })

  it('reads a statistics summary in either documented shape', () => {
    const listed = normalizeSummary({
      figures: [{ key: 'organizations', value: 12 }, { key: 'x', label: '自定义', value: 3, unit: '项' }],
      by_district: [{ district_code: '310101', value: 5 }],
    })
    expect(listed.figures).toEqual([
      { key: 'organizations', label: '技术服务机构', value: 12, unit: '家' },
      { key: 'x', label: '自定义', value: 3, unit: '项' },
    ])
    expect(listed.byDistrict).toEqual({ '310101': 5 })
    const flat = normalizeSummary({ warnings_open: 7, by_district: { '310104': 2 }, generated_at: '2026-01-01' })
    expect(flat.figures).toEqual([{ key: 'warnings_open', label: '未处理预警', value: 7, unit: '条' }])
    expect(flat.byDistrict).toEqual({ '310104': 2 })
  })

  it('shows times in Shanghai time', () => {
    expect(formatDateTime('2026-11-25T03:04:05+00:00')).toBe('2026-11-25 11:04:05')
    expect(formatDateTime(null)).toBe('—')
  })
})

describe('dashboard figures', () => {
  it('shows the jurisdiction figures to supervisors and the operations figures to the corps admin only', async () => {
    const { figuresFor } = await import('@/dashboard')
    const { ME_CORPS, ME_HUANGPU, ME_ORG_ADMIN } = await import('./helpers')
    const keys = (me) => figuresFor(me).map((f) => f.key)
    expect(keys(ME_HUANGPU)).toContain('orgs_pending')
    expect(keys(ME_HUANGPU)).not.toContain('jobs_failed')
    expect(keys(ME_CORPS)).toEqual(expect.arrayContaining(['orgs_pending', 'jobs_failed', 'supervisors_active']))
    expect(keys(ME_ORG_ADMIN)).toEqual([])
  })

  it('counts rows across keyset pages and says when it stopped at the cap', async () => {
    const { countRows } = await import('@/dashboard')
    const pages = { null: { items: Array(100).fill({}), next_cursor: 'b' }, b: { items: Array(30).fill({}), next_cursor: null } }
    const client = { get: vi.fn(async (path, q) => pages[q.cursor]) }
    expect(await countRows('/orgs/review-queue', {}, 500, client)).toEqual({ value: 130, more: false })
    expect(client.get).toHaveBeenCalledWith('/orgs/review-queue', { limit: 100, cursor: 'b' })
    expect(await countRows('/orgs/review-queue', {}, 100, client)).toEqual({ value: 100, more: true })
  })
})
