// Static checks of the mini-program: app.json's pages exist with their four files, every event handler a page's
// WXML names is a method of the page, only the wx.* APIs below are used (each declared by miniprogram-api-typings;
// `npm test` also type-checks the code against those typings with tsc), and no address but the one in config.js.
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./pages')

const ALLOWED = ['login', 'request', 'uploadFile', 'downloadFile', 'openDocument', 'chooseMessageFile',
  'requestSubscribeMessage', 'showModal', 'showLoading', 'hideLoading', 'stopPullDownRefresh', 'navigateTo',
  'redirectTo', 'reLaunch', 'getStorageSync', 'setStorageSync', 'removeStorageSync']
const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))

function sources() {
  const files = ['app.js', 'config.js', ...fs.readdirSync(path.join(ROOT, 'utils')).map((f) => `utils/${f}`)]
  app.pages.forEach((p) => files.push(`${p}.js`))
  return files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')])
}

test.each(app.pages)('%s has its js, json, wxml and wxss', (page) => {
  for (const ext of ['js', 'json', 'wxml', 'wxss']) expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true)
  JSON.parse(fs.readFileSync(path.join(ROOT, `${page}.json`), 'utf8'))
})

test.each(app.pages)('every handler %s.wxml names is a method of the page', (page) => {
  let definition
  global.Component = (d) => { definition = d }
  jest.isolateModules(() => require(path.join(ROOT, `${page}.js`)))
  delete global.Component
  const wxml = fs.readFileSync(path.join(ROOT, `${page}.wxml`), 'utf8')
  const handlers = [...wxml.matchAll(/\b(?:bind|catch)\w+="(\w+)"/g)].map((m) => m[1])
  for (const handler of handlers) expect(typeof definition.methods[handler]).toBe('function')
})

test('only the allowed wx APIs are used, each declared in miniprogram-api-typings', () => {
  const typings = fs.readFileSync(require.resolve('miniprogram-api-typings/types/wx/lib.wx.api.d.ts'), 'utf8')
  const used = new Set()
  for (const [, text] of sources()) for (const m of text.matchAll(/\bwx\.(\w+)/g)) used.add(m[1])
  expect([...used].filter((name) => !ALLOWED.includes(name))).toEqual([])
  for (const name of ALLOWED) expect(typings).toMatch(new RegExp(`\\n\\s+${name}\\s*[<(]`))
})

test('the site address is set in config.js alone', () => {
  const addresses = sources().filter(([, text]) => /https?:\/\//.test(text)).map(([file]) => file)
  expect(addresses).toEqual(['config.js'])
})
