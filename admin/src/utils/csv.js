// In-browser CSV of rows already fetched from the API (so it carries exactly the API's masking and jurisdiction
// filter). Lists are exported by the server (POST /exports, see ExportButton); this remains for a list the server
// has no export source for.

const FORMULA_START = /^[=+\-@\t\r]/

function cell(value) {
  if (value === null || value === undefined) return ''
  let text = Array.isArray(value) ? value.join('、') : typeof value === 'object' ? JSON.stringify(value) : String(value)
  // A cell starting with = + - @ would run as a formula in Excel (CSV injection).
  if (FORMULA_START.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** columns: [{ label, value: row => any }] */
export function toCsv(rows, columns) {
  const lines = [columns.map((c) => cell(c.label)).join(',')]
  for (const row of rows) lines.push(columns.map((c) => cell(c.value(row))).join(','))
  return lines.join('\r\n') + '\r\n'
}

export function downloadCsv(filename, rows, columns) {
  // The BOM makes Excel read the file as UTF-8 (it otherwise assumes GBK and garbles the Chinese).
  const blob = new Blob(['\ufeff', toCsv(rows, columns)], { type: 'text/csv;charset=utf-8' })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
