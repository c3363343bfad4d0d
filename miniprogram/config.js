// The one setting: the site's address (HTTPS, ICP-filed, listed as the mini-program's server domain).
// The JSON API is under /api/v1; the web pages opened in the web-view are at the same address.
module.exports = { BASE_URL: 'https://ba.example.cn' }
