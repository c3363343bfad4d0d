// A recording stand-in for the WeChat APIs (wx.*) and a scripted API server behind wx.request, wx.uploadFile and
// wx.downloadFile. Every wx call is kept in `calls`; every API request in `requests` with the fields of the
// answer the page read (watched through a Proxy), so test/contract can replay them against the real app.
const API = 'https://ba.example.cn/api/v1'

function watched(value, path, reads) {
  if (value === null || typeof value !== 'object') return value
  return new Proxy(value, {
    get(target, key) {
      if (typeof key === 'symbol' || !Object.prototype.hasOwnProperty.call(target, key)) return target[key]
      if (Array.isArray(target)) return key === 'length' ? target[key] : watched(target[key], `${path}[]`, reads)
      const field = path ? `${path}.${key}` : key
      reads.add(field)
      return watched(target[key], field, reads)
    },
  })
}

function createWx() {
  const routes = {} // "METHOD /path" → (request) → {statusCode, data}
  const calls = []
  const requests = []
  const storage = {}
  const choose = { files: [{ name: '名册.xlsx', path: 'wxfile://tmp/roster.xlsx', size: 2048 }] }
  const subscribeAnswer = {}

  function record(name, options) {
    calls.push([name, options])
  }

  function route(method, url) {
    const path = url.startsWith(API) ? url.slice(API.length) : url
    const handler = routes[`${method} ${path}`]
    return { path, answer: handler ? handler : () => ({ statusCode: 404, data: { error: { code: 'not_found', message: '不存在' } } }) }
  }

  const wx = {
    calls, requests, storage, routes, choose, subscribeAnswer,
    on(methodPath, answer) {
      routes[methodPath] = typeof answer === 'function' ? answer : () => answer
    },
    called(name) {
      return calls.filter((c) => c[0] === name).map((c) => c[1])
    },
    login(o) { record('login', o); o.success({ code: 'WX-CODE-1', errMsg: 'login:ok' }) },
    request(o) {
      record('request', o)
      const { path, answer } = route(o.method || 'GET', o.url)
      const res = answer(o)
      const reads = new Set()
      requests.push({ kind: 'api', method: o.method || 'GET', path, body: o.data === undefined ? null : o.data, status: res.statusCode, reads })
      setTimeout(() => o.success({ statusCode: res.statusCode, data: watched(res.data, '', reads), header: {} }), 0)
      return { abort() {} }
    },
    uploadFile(o) {
      record('uploadFile', o)
      requests.push({ kind: 'upload', url: o.url, fields: Object.keys(o.formData || {}).sort(), name: o.name })
      const listeners = []
      setTimeout(() => {
        listeners.forEach((f) => f({ progress: 50, totalBytesSent: 1024, totalBytesExpectedToSend: 2048 }))
        listeners.forEach((f) => f({ progress: 100, totalBytesSent: 2048, totalBytesExpectedToSend: 2048 }))
        o.success({ statusCode: 204, data: '' })
      }, 0)
      return { onProgressUpdate(f) { listeners.push(f) }, abort() {} }
    },
    downloadFile(o) {
      record('downloadFile', o)
      const { path } = route('GET', o.url)
      requests.push({ kind: 'download', method: 'GET', path, status: 200, auth: !!(o.header && o.header.Authorization) })
      setTimeout(() => o.success({ statusCode: 200, tempFilePath: 'wxfile://tmp/receipt.pdf' }), 0)
    },
    openDocument(o) { record('openDocument', o); setTimeout(() => o.success && o.success({}), 0) },
    chooseMessageFile(o) { record('chooseMessageFile', o); setTimeout(() => o.success({ tempFiles: choose.files }), 0) },
    requestSubscribeMessage(o) {
      record('requestSubscribeMessage', o)
      setTimeout(() => o.success({ errMsg: 'requestSubscribeMessage:ok', ...subscribeAnswer }), 0)
    },
    showModal(o) { record('showModal', o); if (o.success) setTimeout(() => o.success({ confirm: true, cancel: false }), 0) },
    showLoading(o) { record('showLoading', o) },
    hideLoading(o) { record('hideLoading', o) },
    stopPullDownRefresh() { record('stopPullDownRefresh') },
    navigateTo(o) { record('navigateTo', o) },
    redirectTo(o) { record('redirectTo', o) },
    reLaunch(o) { record('reLaunch', o) },
    getStorageSync(key) { return storage[key] === undefined ? '' : storage[key] },
    setStorageSync(key, value) { record('setStorageSync', { key, value }); storage[key] = value },
    removeStorageSync(key) { record('removeStorageSync', { key }); delete storage[key] },
  }
  return wx
}

// Let every pending answer arrive (the stub answers on the next macrotask; pages chain a few).
async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setTimeout(resolve, 0))
}

module.exports = { API, createWx, settle }
