const api = require('../../utils/api')

// what the filer has to do next, by the filing's status
const TODO = {
  draft: '待填写并提交',
  withdrawn: '已撤回，待修改后重新提交',
  rejected: '审核不通过，请修改后重新提交',
  submitted: '已提交，等待审核',
  approved: '已审核通过',
}

Component({
  data: { unit: null, filings: [], newYear: null, loaded: false },
  methods: {
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh(), () => wx.stopPullDownRefresh())
    },
    load() {
      return Promise.all([api.request('GET', '/me'), api.request('GET', '/filings')]).then(([me, listing]) => {
        const year = new Date().getFullYear() - 1 // each year a unit files the year before (docs/rules.md §3)
        const filings = listing.items.map((f) => ({
          id: f.id,
          title: `${f.year}年度${f.kind === 'interim' ? '表三备案' : '备案'}`,
          status: f.status_label,
          todo: TODO[f.status] || f.status_label,
          receipt: f.receipt_no,
        }))
        const filed = listing.items.some((f) => f.year === year && f.kind !== 'interim')
        this.setData({ unit: me.unit, filings, newYear: filed ? null : year, loaded: true })
      }).catch(() => this.setData({ loaded: true }))
    },
    open(e) {
      wx.navigateTo({ url: `/pages/filing/filing?id=${e.currentTarget.dataset.id}` })
    },
    start() {
      return api.request('POST', '/filings', { year: this.data.newYear, kind: 'annual' })
        .then((filing) => wx.navigateTo({ url: `/pages/filing/filing?id=${filing.id}` }))
        .catch(() => {})
    },
    web() {
      api.openWeb('/employer')
    },
    unbind() {
      wx.showModal({
        title: '解除微信绑定',
        content: '解除后再打开小程序须重新用单位账号和密码登录，并不再收到微信消息。',
        success: (res) => {
          if (!res.confirm) return
          api.request('POST', '/auth/wechat/unbind').then(() => {
            wx.removeStorageSync('token')
            wx.reLaunch({ url: '/pages/login/login' })
          }).catch(() => {})
        },
      })
    },
  },
})
