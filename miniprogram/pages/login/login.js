const api = require('../../utils/api')

Component({
  data: { state: 'signing', message: '正在登录…' },
  methods: {
    onLoad() {
      this.signIn()
    },
    signIn() {
      this.setData({ state: 'signing', message: '正在登录…' })
      return api.signIn().then((signedIn) => {
        if (signedIn) wx.reLaunch({ url: '/pages/home/home' })
        else wx.redirectTo({ url: '/pages/bind/bind' })
      }).catch((error) => this.setData({ state: 'failed', message: error.message }))
    },
  },
})
