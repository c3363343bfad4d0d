// Loading a page into miniprogram-simulate with a fresh recording wx stub.
const path = require('path')
const simulate = require('miniprogram-simulate')
const { createWx } = require('./wx-stub')

const ROOT = path.join(__dirname, '..')

function freshWx() {
  global.wx = createWx()
  return global.wx
}

const loaded = {} // a page is registered once per test file, then rendered afresh for each test

function render(page) {
  loaded[page] = loaded[page] || simulate.load(path.join(ROOT, 'pages', page, page), { rootPath: ROOT })
  const comp = simulate.render(loaded[page])
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

function text(comp, selector) {
  const found = comp.querySelector(selector)
  return found ? found.dom.textContent.trim() : null
}

// the filer ticks the 承诺 (a checkbox-group's change event)
function pledge(comp) {
  comp.querySelector('#pledge').dispatchEvent('change', { detail: { value: ['yes'] } })
}

function tap(comp, selector) {
  const found = comp.querySelector(selector)
  if (!found) throw new Error(`nothing to tap at ${selector}`)
  found.dispatchEvent('tap')
}

module.exports = { ROOT, freshWx, render, text, tap, pledge }
