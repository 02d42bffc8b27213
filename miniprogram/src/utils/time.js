/** Times as the backend wants them: ISO 8601 with the device's UTC offset (e.g. 2026-05-20T09:30:00.000+08:00). */

function pad(n, width) {
  const s = String(Math.abs(Math.trunc(n)))
  return s.length >= (width || 2) ? s : '0'.repeat((width || 2) - s.length) + s
}

function isoLocal(date) {
  const d = date instanceof Date ? date : new Date(date === undefined ? Date.now() : date)
  const offset = -d.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  return (
    d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) +
    'T' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3) +
    sign + pad(offset / 60) + ':' + pad(offset % 60)
  )
}

// The system is Shanghai's: times are shown in Beijing time (UTC+8) whatever the phone's own time zone.
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000

/** "2026-05-20 09:30" (Beijing time) for display, from an ISO string or a timestamp. */
function display(value) {
  if (!value) return ''
  const d = new Date(value)
  if (isNaN(d.getTime())) return String(value)
  const s = new Date(d.getTime() + SHANGHAI_OFFSET_MS)
  return (
    s.getUTCFullYear() + '-' + pad(s.getUTCMonth() + 1) + '-' + pad(s.getUTCDate()) + ' ' + pad(s.getUTCHours()) + ':' + pad(s.getUTCMinutes())
  )
}

module.exports = { isoLocal, display }
