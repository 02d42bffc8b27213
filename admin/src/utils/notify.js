import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

import { ElMessage, ElMessageBox } from 'element-plus'

import { errorMessage } from '@/api/client'

export function notifyError(err) {
  ElMessage({ type: 'error', message: errorMessage(err), grouping: true, showClose: true, duration: 5000 })
}

export function notifySuccess(message) {
  ElMessage({ type: 'success', message, grouping: true })
}

/** Resolves true when the user confirms, false when they cancel. */
export async function confirmAction(message, title = '请确认', confirmButtonText = '确定') {
  try {
    await ElMessageBox.confirm(message, title, { type: 'warning', confirmButtonText, cancelButtonText: '取消' })
    return true
  } catch {
    return false
  }
}
