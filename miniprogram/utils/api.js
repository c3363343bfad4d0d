// The mini-program's only way to the server. wx.request "succeeds" whatever the HTTP status, so every answer's
// status is checked here and a refusal shows the API's own Chinese message (docs/api.md: {error: {message}}).
const { BASE_URL } = require('../config')

const API = `${BASE_URL}/api/v1`
const POLL_MS = 1000

function authHeader() {
  const token = wx.getStorageSync('token')
  return token ? { Authorization: `Bearer ${token}` } : {}
}

function failure(res, fallback) {
  const body = res && res.data
  const message = (body && body.error && body.error.message) || fallback || '网络异常，请稍后重试'
  return Object.assign(new Error(message), { status: res ? res.statusCode : 0, body })
}

function show(error) {
  wx.showModal({ title: '提示', content: error.message, showCancel: false })
}

// One API call: the answer's body for a 2xx, else the message is shown and the promise rejects with it.
function request(method, path, data) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: API + path,
      method,
      data,
      header: { 'Content-Type': 'application/json', ...authHeader() },
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          resolve(res.data)
          return
        }
        const error = failure(res)
        if (res.statusCode === 401 && !path.startsWith('/auth/')) { // the session ended: sign in again
          wx.removeStorageSync('token')
          wx.reLaunch({ url: '/pages/login/login' })
        } else {
          show(error)
        }
        reject(error)
      },
      fail() {
        const error = failure(null)
        show(error)
        reject(error)
      },
    })
  })
}

// wx.login → POST /auth/wechat: true when signed in, false when the WeChat user must bind an account first.
function signIn() {
  return new Promise((resolve, reject) => {
    wx.login({ success: (res) => resolve(res.code), fail: () => reject(new Error('微信登录失败，请重试')) })
  })
    .then((code) => request('POST', '/auth/wechat', { code }))
    .then((body) => {
      if (body.bind_required) {
        wx.setStorageSync('bind_token', body.bind_token)
        return false
      }
      wx.setStorageSync('token', body.token)
      return true
    })
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// The upload's import, asked again every second until it has finished.
function importResult(filingId, uploadId, tries = 300) {
  return request('GET', `/filings/${filingId}/uploads/${uploadId}`).then((upload) => {
    if ((upload.status === 'waiting' || upload.status === 'processing') && tries > 1) {
      return wait(POLL_MS).then(() => importResult(filingId, uploadId, tries - 1))
    }
    return upload
  })
}

// 表二/表三 from a chat file: the server's presigned POST {url, fields}, the file posted to storage with
// progress (0-100 to onProgress), then the import's result.
function uploadTable(filingId, table, file, onProgress) {
  return request('POST', `/filings/${filingId}/uploads`, { table, filename: file.name })
    .then((started) => new Promise((resolve, reject) => {
      const task = wx.uploadFile({
        url: started.url,
        filePath: file.path,
        name: 'file',
        formData: started.fields,
        success(res) {
          if (res.statusCode >= 200 && res.statusCode < 400) resolve(started)
          else reject(failure(null, '文件未能上传（存储拒绝），请确认文件不超过大小上限后重试'))
        },
        fail: () => reject(failure(null, '文件上传中断，请检查网络后重试')),
      })
      task.onProgressUpdate((p) => onProgress(p.progress))
    }))
    .then((started) => importResult(filingId, started.upload_id))
}

// The 回执 PDF, opened in WeChat's document viewer (where it can be forwarded or printed).
function openReceipt(filingId) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: `${API}/filings/${filingId}/receipt`,
      header: authHeader(),
      success(res) {
        if (res.statusCode === 200) resolve(res.tempFilePath)
        else reject(failure(null, '回执暂时无法下载，请稍后重试'))
      },
      fail: () => reject(failure(null)),
    })
  }).then((filePath) => new Promise((resolve, reject) => {
    wx.openDocument({ filePath, fileType: 'pdf', showMenu: true, success: resolve, fail: () => reject(new Error('无法打开回执')) })
  }))
}

// A web page of the site in the web-view (表一, online rows and everything the native pages do not cover).
function openWeb(path) {
  wx.navigateTo({ url: `/pages/web/web?path=${encodeURIComponent(path)}` })
}

module.exports = { API, BASE_URL, request, show, signIn, uploadTable, importResult, openReceipt, openWeb }
