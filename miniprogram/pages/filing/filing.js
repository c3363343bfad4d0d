const api = require('../../utils/api')

const TABLES = { table2: '表二（在册人员名册）', table3: '表三（终止或解除劳动合同人员）' }
const EDITABLE = ['draft', 'withdrawn', 'rejected']
const HAS_RECEIPT = ['submitted', 'approved']
// the 承诺 the server requires with every submit, worded as the web's check-answers page (docs/rules.md §4)
const DECLARATION = '本单位承诺：所填报的劳动用工备案信息真实、准确、完整，与本单位实际情况一致；如有虚假，愿意承担相应的法律责任。'
const ACTIONS = { create: '新建', submit: '提交', withdraw: '撤回', approve: '审核通过', reject: '审核不通过', revoke: '撤销审核' }

Component({
  data: {
    filing: null, history: [], uploads: [], editable: false, hasReceipt: false,
    progress: null, result: '', templateIds: [], subscribed: false, pledged: false, declaration: DECLARATION,
  },
  methods: {
    onLoad(options) {
      this.id = options.id
      return Promise.all([this.load(), this.offer()])
    },
    load() {
      return api.request('GET', `/filings/${this.id}`).then((f) => {
        this.setData({
          filing: f,
          history: (f.history || []).map((t) => ({ at: t.at.slice(0, 16).replace('T', ' '), action: ACTIONS[t.action] || t.action, reason: t.reason || '' })),
          uploads: f.tables.filter((t) => TABLES[t]).map((t) => ({ table: t, label: TABLES[t], rows: f.row_counts[t] || 0 })),
          editable: EDITABLE.includes(f.status),
          hasReceipt: HAS_RECEIPT.includes(f.status) && !!f.receipt_no,
        })
      }).catch(() => {})
    },
    // the templates to offer after a submit; wx.requestSubscribeMessage must then run in the tap itself
    offer() {
      return api.request('GET', '/wechat/subscriptions')
        .then((offered) => this.setData({ templateIds: Object.values(offered.templates) }))
        .catch(() => {})
    },
    table1() {
      api.openWeb(`/employer/filings/${this.id}/table1`)
    },
    onlineRows() {
      api.openWeb(`/employer/filings/${this.id}`)
    },
    upload(e) {
      const table = e.currentTarget.dataset.table
      return new Promise((resolve, reject) => {
        wx.chooseMessageFile({ count: 1, type: 'file', extension: ['xlsx', 'xls', 'csv'], success: resolve, fail: reject })
      }).then((chosen) => {
        const file = chosen.tempFiles[0]
        this.setData({ progress: 0, result: '' })
        return api.uploadTable(this.id, table, file, (progress) => this.setData({ progress }))
      }).then((upload) => {
        const problems = (upload.errors || []).slice(0, 3).map((x) => (x.row ? `第${x.row}行 ` : '') + (x.column ? `${x.column}：` : '') + x.message)
        this.setData({
          progress: null,
          result: upload.status === 'done' ? `已导入${upload.rows_done}行` : [upload.message || '导入未通过', ...problems].join('\n'),
        })
        return this.load()
      }).catch((error) => {
        if (error && error.errMsg) { this.setData({ progress: null }); return } // the filer cancelled the choice
        this.setData({ progress: null })
        if (error && error.message && !error.status) api.show(error)
      })
    },
    pledge(e) {
      this.setData({ pledged: e.detail.value.includes('yes') })
    },
    submit() {
      if (!this.data.pledged) return Promise.resolve()
      return api.request('POST', `/filings/${this.id}/submit`, { declaration_accepted: true }).then((f) => {
        this.setData({ result: `已提交，回执号 ${f.receipt_no}` })
        return this.load()
      }).catch(() => {})
    },
    // from the filer's tap, as WeChat requires: ask for the review result and deadline reminders
    subscribe() {
      const ids = this.data.templateIds
      wx.requestSubscribeMessage({
        tmplIds: ids,
        success: (res) => {
          const accepted = ids.filter((id) => res[id] === 'accept')
          if (!accepted.length) return
          api.request('POST', '/wechat/subscriptions', { template_ids: accepted })
            .then(() => this.setData({ subscribed: true }))
            .catch(() => {})
        },
      })
    },
    receipt() {
      wx.showLoading({ title: '正在打开回执' })
      return api.openReceipt(this.id).catch(api.show).then(() => wx.hideLoading())
    },
  },
})
