import { computed, ref, shallowRef } from 'vue'

import { notifyError } from '@/utils/notify'

const EXPORT_PAGE = 100 // the API's largest page

/**
 * A keyset-paged list: the API returns {items, next_cursor}; "previous" replays the cursor of the page before,
 * so paging stays cheap at any depth (no offsets).
 * fetchPage({limit, cursor, ...filters}) -> Promise<{items, next_cursor}>
 */
export function useKeysetList(fetchPage, { pageSize = 20, filters = () => ({}), onError = notifyError } = {}) {
  const items = shallowRef([])
  const loading = ref(false)
  const error = ref(null)
  const cursors = ref([null]) // cursors[i] opens page i
  const page = ref(0)
  const nextCursor = ref(null)
  let generation = 0

  async function load() {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const data = await fetchPage({ ...filters(), limit: pageSize, cursor: cursors.value[page.value] })
      if (mine !== generation) return // a newer request (filter change) won
      items.value = data.items
      nextCursor.value = data.next_cursor || null
    } catch (err) {
      if (mine !== generation) return
      error.value = err
      items.value = []
      nextCursor.value = null
      onError(err)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  function reload() {
    cursors.value = [null]
    page.value = 0
    return load()
  }

  function refresh() {
    return load()
  }

  function next() {
    if (!nextCursor.value) return Promise.resolve()
    cursors.value = [...cursors.value.slice(0, page.value + 1), nextCursor.value]
    page.value += 1
    return load()
  }

  function prev() {
    if (page.value === 0) return Promise.resolve()
    page.value -= 1
    return load()
  }

  /** Every row matching the current filters, page by page, up to maxRows (for CSV export). */
  async function collectAll(maxRows = 5000) {
    const rows = []
    let cursor = null
    do {
      const data = await fetchPage({ ...filters(), limit: EXPORT_PAGE, cursor })
      rows.push(...data.items)
      cursor = data.next_cursor || null
    } while (cursor && rows.length < maxRows)
    return { rows: rows.slice(0, maxRows), truncated: Boolean(cursor) || rows.length > maxRows }
  }

  return {
    items,
    loading,
    error,
    page: computed(() => page.value + 1),
    hasNext: computed(() => Boolean(nextCursor.value)),
    hasPrev: computed(() => page.value > 0),
    reload,
    refresh,
    next,
    prev,
    collectAll,
    /** The filters the list is showing now (the server-side export asks for the same rows). */
    currentFilters: () => ({ ...filters() }),
  }
}
