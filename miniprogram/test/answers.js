// API answers shaped as the server gives them (docs/api.md, GET /api/v1/openapi.json). Every field a page reads
// is replayed against the real app by tests/web/test_miniprogram_contract.py, so these cannot drift from it.
const USCC = '91140105MA0L000012'

const session = { token: 'TOKEN-1', expires_at: '2026-03-02T10:00:00+00:00', role: 'filer', scope: USCC }
const me = {
  username: USCC, role: 'filer', role_label: '用人单位备案填报员', scope: USCC, display_name: '太原市某某科技有限公司',
  unit: { uscc: USCC, name: '太原市某某科技有限公司' }, authority: { code: '140105', name: '太原市小店区人力资源和社会保障局', level: 'county' },
}

function filing(status, extra = {}) {
  return {
    id: 'F-1', uscc: USCC, unit_name: '太原市某某科技有限公司', year: 2025, kind: 'annual', tables: ['table1', 'table2'],
    status, status_label: { draft: '草稿', submitted: '待审核', approved: '审核通过', rejected: '审核不通过' }[status],
    version: 1, receipt_no: status === 'draft' ? null : 'BA-140105-2025-000001',
    authority: { code: '140105', name: '太原市小店区人力资源和社会保障局', level: 'county' },
    row_counts: { table2: 1 }, history: [], ...extra,
  }
}

const submittedHistory = [{ at: '2026-03-02T02:00:00+00:00', actor: USCC, action: 'submit', from_status: 'draft', to_status: 'submitted', reason: null, receipt_no: 'BA-140105-2025-000001' }]
const subscriptions = { templates: { review_result: 'TPL-RESULT', deadline_reminder: 'TPL-REMIND' }, accepted: { review_result: 0, deadline_reminder: 0 } }
const uploadStarted = { upload_id: 'U-1', url: 'https://ba.example.cn/api/v1/local-uploads', fields: { key: 'uploads/F-1/U-1', policy: 'p', signature: 's' } }
const uploadDone = { upload_id: 'U-1', table: 'table2', filename: '名册.xlsx', status: 'done', rows_total: 1, rows_done: 1, message: null, errors: [], error_report_url: null }

module.exports = { USCC, session, me, filing, submittedHistory, subscriptions, uploadStarted, uploadDone }
