/**
 * Idempotency keys for the offline queue: generated once when the user acts and kept across every retry, so
 * the server stores the act exactly once however often the network drops the answer.
 */
function randomHex(length) {
  let out = ''
  while (out.length < length) out += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')
  return out.slice(0, length)
}

/** A UUID v4 string (36 characters; the server accepts up to 64). */
function newIdempotencyKey() {
  const h = randomHex(32).split('')
  h[12] = '4'
  h[16] = '89ab'[parseInt(h[16], 16) & 3]
  const s = h.join('')
  return s.slice(0, 8) + '-' + s.slice(8, 12) + '-' + s.slice(12, 16) + '-' + s.slice(16, 20) + '-' + s.slice(20)
}

module.exports = { newIdempotencyKey }
