import { api } from '@/api/client'
import { notifyError } from '@/utils/notify'

/** Open a file that needs the bearer token (a plain link would arrive without it) in a new tab. */
export async function openProtectedFile(path) {
  const tab = window.open('', '_blank')
  try {
    const blob = await api.blob(path)
    const url = URL.createObjectURL(blob)
    if (tab) tab.location.href = url
    else window.location.assign(url)
    setTimeout(() => URL.revokeObjectURL(url), 60000)
  } catch (err) {
    tab?.close()
    notifyError(err)
  }
}
