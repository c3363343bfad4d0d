BEGIN TRANSACTION;
CREATE TABLE accounts (username TEXT PRIMARY KEY, doc TEXT NOT NULL);
INSERT INTO "accounts" VALUES('91140105MA0000001E','{"username":"91140105MA0000001E","password_hash":"scrypt$16384$8$1$0l1CCXsNoqazZwLEDq1vrA==$GDvLJG2mSzCSE1DRp4JxYPBvDixImM+UDkp8nRIsr9s=","role":"filer","scope":"91140105MA0000001E","display_name":"山西演示科技有限公司1","email":"filer1@example.com","mobile":"13800000001","status":"active","created_at":"2026-03-02T02:00:00Z","id_number":null,"unit":null,"position":null,"permissions":null,"version":1,"token_epoch":0,"closed_sessions":{},"failed_logins":[],"locked_at":null,"must_change_password":false,"department":null}');
INSERT INTO "accounts" VALUES('91140105MA0000002H','{"username":"91140105MA0000002H","password_hash":"scrypt$16384$8$1$YjxdtCyJ2ahQ1VzxxzgbAQ==$WQVMChUtjfMuqm6Et/E4bPoJLcEgVkSEL2sRzVfOFng=","role":"filer","scope":"91140105MA0000002H","display_name":"山西演示科技有限公司2","email":"filer2@example.com","mobile":"13800000001","status":"active","created_at":"2026-03-02T02:00:00Z","id_number":null,"unit":null,"position":null,"permissions":null,"version":1,"token_epoch":0,"closed_sessions":{},"failed_logins":[],"locked_at":null,"must_change_password":false,"department":null}');
INSERT INTO "accounts" VALUES('xiaodian','{"username":"xiaodian","password_hash":"scrypt$16384$8$1$C576ksJJQRmUPW+DTQ+4oQ==$niD7eGay6ulbjdtKPozxqDXpEmnvPrwgx2ktsYBNLJY=","role":"operator","scope":"140105","display_name":"小店审核员","email":null,"mobile":null,"status":"active","created_at":"2026-03-02T02:00:00Z","id_number":null,"unit":null,"position":null,"permissions":null,"version":1,"token_epoch":0,"closed_sessions":{},"failed_logins":[],"locked_at":null,"must_change_password":false,"department":null}');
CREATE TABLE applications (id TEXT PRIMARY KEY, managing_division TEXT NOT NULL,
    applicant TEXT NOT NULL, applied_at TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,
    doc TEXT NOT NULL);
INSERT INTO "audit" VALUES(1,'2cfec39602874a37b8c58823fb2cd16e','{"id":"2cfec39602874a37b8c58823fb2cd16e","at":"2026-03-02T02:00:00Z","actor":"91140105MA0000001E","action":"register_unit","target":"91140105MA0000001E","scope":null,"outcome":"ok","detail":{"authority":"140105"}}');
INSERT INTO "audit" VALUES(2,'f0c94f38a72d400eb08b9bb4778118c5','{"id":"f0c94f38a72d400eb08b9bb4778118c5","at":"2026-03-02T02:00:00Z","actor":"91140105MA0000002H","action":"register_unit","target":"91140105MA0000002H","scope":null,"outcome":"ok","detail":{"authority":"140213"}}');
INSERT INTO "audit" VALUES(3,'5bfa482a60b7454fba037f93d3d9d433','{"id":"5bfa482a60b7454fba037f93d3d9d433","at":"2026-03-02T02:00:00Z","actor":"91140105MA0000001E","action":"sign_in","target":"91140105MA0000001E","scope":null,"outcome":"ok","detail":{}}');
INSERT INTO "audit" VALUES(4,'46b1e3982f3e425f8b478fdacda58289','{"id":"46b1e3982f3e425f8b478fdacda58289","at":"2026-03-02T02:00:00Z","actor":"91140105MA0000001E","action":"create_filing","target":"e1317236d3ae4f4a830131c635766280","scope":"140105","outcome":"ok","detail":{"year":2025,"kind":"annual"}}');
INSERT INTO "audit" VALUES(5,'5d340e2f63734f338bc7e6e0a2a226da','{"id":"5d340e2f63734f338bc7e6e0a2a226da","at":"2026-03-02T02:00:00Z","actor":"91140105MA0000001E","action":"import_rows","target":"e1317236d3ae4f4a830131c635766280","scope":"140105","outcome":"ok","detail":{"table":"table2","rows":3,"upload_id":"f08d7ea562af4317b60fa44b6afd3087"}}');
INSERT INTO "audit" VALUES(6,'6e96a03346bd4ee1b0c4126ba40fcddd','{"id":"6e96a03346bd4ee1b0c4126ba40fcddd","at":"2026-03-02T02:00:00Z","actor":"91140105MA0000001E","action":"submit","target":"e1317236d3ae4f4a830131c635766280","scope":"140105","outcome":"ok","detail":{"receipt_no":"BA-140105-2025-000001"}}');
INSERT INTO "audit" VALUES(7,'67cbf6391fe343a08fac5584b68b3412','{"id":"67cbf6391fe343a08fac5584b68b3412","at":"2026-03-02T02:00:00Z","actor":"xiaodian","action":"sign_in","target":"xiaodian","scope":"140105","outcome":"ok","detail":{}}');
INSERT INTO "audit" VALUES(8,'99bac31ff6fb488b9e626351137439ec','{"id":"99bac31ff6fb488b9e626351137439ec","at":"2026-03-02T02:00:00Z","actor":"xiaodian","action":"approve","target":"e1317236d3ae4f4a830131c635766280","scope":"140105","outcome":"ok","detail":{"reason":null}}');
INSERT INTO "audit" VALUES(9,'a99fcd69fcf04590a5de9899a818b33b','{"id":"a99fcd69fcf04590a5de9899a818b33b","at":"2026-03-02T02:00:00Z","actor":"91140105MA0000002H","action":"sign_in","target":"91140105MA0000002H","scope":null,"outcome":"ok","detail":{}}');
INSERT INTO "audit" VALUES(10,'f73186d2eb884c65b1a38688ca6b257a','{"id":"f73186d2eb884c65b1a38688ca6b257a","at":"2026-03-02T02:00:00Z","actor":"91140105MA0000002H","action":"create_filing","target":"49092f759c70461cac8e73411dc55f48","scope":"140213","outcome":"ok","detail":{"year":2025,"kind":"annual"}}');
CREATE TABLE claims (key TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO "counters" VALUES('submits#e1317236d3ae4f4a830131c635766280#2026030202',1);
INSERT INTO "counters" VALUES('receipt#140105#2025',1);
INSERT INTO "counters" VALUES('messages#email#02cb33f40e16aba65ac75619#2026-03-02',1);
INSERT INTO "counters" VALUES('messages#sms#b1c4769e3ad14f68ea1a96b7#2026-03-02',1);
CREATE TABLE filings (
    id TEXT PRIMARY KEY, uscc TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL,
    authority_code TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL,
    queue_key TEXT NOT NULL, doc TEXT NOT NULL);
INSERT INTO "filings" VALUES('e1317236d3ae4f4a830131c635766280','91140105MA0000001E',2025,'annual','140105','approved',5,'02026-03-02T02:00:00+00:00','{"id":"e1317236d3ae4f4a830131c635766280","uscc":"91140105MA0000001E","unit_name":"山西演示科技有限公司1","unit_type":"企业","authority_code":"140105","year":2025,"kind":"annual","tables":["table1","table2"],"status":"approved","version":5,"table1":{"unit_name":"山西演示科技有限公司1","uscc":"91140105MA0000001E","unit_type":"企业","economic_type":"私营","industry":"I","industry_division":"65","affiliation":"其他","foreign_invested":"否","labor_dispatch":"否","registration_division":"140105","registered_address":"太原市小店区长治路1号","business_address":"太原市小店区长治路1号","legal_representative":"张三","contact_name":"李四","contact_phone":"0351-1234567","employees":3,"male":2,"female":1,"on_post":3,"off_post":0,"migrant_workers":0,"dispatched":0,"part_time":0,"contracts_due":3,"contracts_signed":3,"signed_task":0,"signed_fixed_lt3":3,"signed_fixed_3to10":0,"signed_fixed_ge10_open":0,"insured_pension":3,"insured_medical":3,"insured_injury":3,"insured_unemployment":3,"average_wage":72000},"row_sets":{"table2":{"upload_id":"f08d7ea562af4317b60fa44b6afd3087","rows":3,"warnings":[],"summary":{"rows":3,"male":2,"female":1,"signed_task":0,"signed_fixed_lt3":0,"signed_fixed_3to10":3,"signed_fixed_ge10_open":0},"diff":null,"carried_from":null}},"base_filing_id":null,"receipt_no":"BA-140105-2025-000001","created_at":"2026-03-02T02:00:00Z","updated_at":"2026-03-02T02:00:00Z","submitted_at":"2026-03-02T02:00:00Z","history":[{"at":"2026-03-02T02:00:00Z","actor":"91140105MA0000001E","action":"submit","from_status":"draft","to_status":"submitted","reason":null,"receipt_no":"BA-140105-2025-000001"},{"at":"2026-03-02T02:00:00Z","actor":"xiaodian","action":"approve","from_status":"submitted","to_status":"approved","reason":null,"receipt_no":"BA-140105-2025-000001"}]}');
INSERT INTO "filings" VALUES('49092f759c70461cac8e73411dc55f48','91140105MA0000002H',2025,'annual','140213','draft',1,'12026-03-02T02:00:00+00:00','{"id":"49092f759c70461cac8e73411dc55f48","uscc":"91140105MA0000002H","unit_name":"山西演示科技有限公司2","unit_type":"企业","authority_code":"140213","year":2025,"kind":"annual","tables":["table1","table2"],"status":"draft","version":1,"table1":null,"row_sets":{},"base_filing_id":null,"receipt_no":null,"created_at":"2026-03-02T02:00:00Z","updated_at":"2026-03-02T02:00:00Z","submitted_at":null,"history":[]}');
CREATE TABLE jobs (id TEXT PRIMARY KEY, holder TEXT NOT NULL, heartbeat TEXT NOT NULL,
    checkpoint TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE notices_sent (key TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE outbox (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL,
    doc TEXT NOT NULL);
INSERT INTO "outbox" VALUES('ad7fa411869f4a628cfb8f060047e3b9','sent','2026-03-02T02:00:00+00:00','{"id":"ad7fa411869f4a628cfb8f060047e3b9","channel":"email","to":"filer1@example.com","subject":"劳动用工备案审核通过","body":"您单位2025年度劳动用工备案（回执号BA-140105-2025-000001）已审核通过。","created_at":"2026-03-02T02:00:00Z","kind":"decision","topic":null,"template":null,"params":null,"status":"sent","reason":null,"attempts":1,"next_attempt_at":null,"sent_at":"2026-03-02T02:00:00Z"}');
INSERT INTO "outbox" VALUES('32fb7098986a4285aab0bc86c6659ab6','sent','2026-03-02T02:00:00+00:00','{"id":"32fb7098986a4285aab0bc86c6659ab6","channel":"sms","to":"13800000001","subject":"劳动用工备案审核通过","body":"【劳动用工备案】您单位2025年度劳动用工备案（回执号BA-140105-2025-000001）已审核通过。","created_at":"2026-03-02T02:00:00Z","kind":"decision","topic":null,"template":"approved","params":{"year":"2025","receipt":"BA-140105-2025-000001"},"status":"sent","reason":null,"attempts":1,"next_attempt_at":null,"sent_at":"2026-03-02T02:00:00Z"}');
CREATE TABLE owes (uscc TEXT NOT NULL, year INTEGER NOT NULL, authority_code TEXT NOT NULL,
    owing INTEGER NOT NULL, filing_status TEXT, PRIMARY KEY (uscc, year)) WITHOUT ROWID;
INSERT INTO "owes" VALUES('91140105MA0000001E',2025,'140105',0,'approved');
INSERT INTO "owes" VALUES('91140105MA0000002H',2025,'140213',1,NULL);
CREATE TABLE person_records (id_number TEXT NOT NULL, filing_id TEXT NOT NULL, tbl TEXT NOT NULL,
    n INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (id_number, filing_id, tbl, n)) WITHOUT ROWID;
INSERT INTO "person_records" VALUES('140105199001010016','e1317236d3ae4f4a830131c635766280','table2',0,'{"id_number": "140105199001010016", "filing_id": "e1317236d3ae4f4a830131c635766280", "table": "table2", "n": 0, "uscc": "91140105MA0000001E", "unit_name": "山西演示科技有限公司1", "year": 2025, "kind": "annual", "authority_code": "140105", "name": "职工1", "gender": "男", "hire_date": "2020-03-01", "contract_term": "固定期限", "contract_start": "2020-03-01", "contract_end": "2026-02-28"}');
INSERT INTO "person_records" VALUES('140105199001010024','e1317236d3ae4f4a830131c635766280','table2',1,'{"id_number": "140105199001010024", "filing_id": "e1317236d3ae4f4a830131c635766280", "table": "table2", "n": 1, "uscc": "91140105MA0000001E", "unit_name": "山西演示科技有限公司1", "year": 2025, "kind": "annual", "authority_code": "140105", "name": "职工2", "gender": "女", "hire_date": "2020-03-01", "contract_term": "固定期限", "contract_start": "2020-03-01", "contract_end": "2026-02-28"}');
INSERT INTO "person_records" VALUES('140105199001010059','e1317236d3ae4f4a830131c635766280','table2',2,'{"id_number": "140105199001010059", "filing_id": "e1317236d3ae4f4a830131c635766280", "table": "table2", "n": 2, "uscc": "91140105MA0000001E", "unit_name": "山西演示科技有限公司1", "year": 2025, "kind": "annual", "authority_code": "140105", "name": "职工3", "gender": "男", "hire_date": "2020-03-01", "contract_term": "固定期限", "contract_start": "2020-03-01", "contract_end": "2026-02-28"}');
CREATE TABLE reminders_sent (uscc TEXT NOT NULL, year INTEGER NOT NULL, step TEXT NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (uscc, year, step)) WITHOUT ROWID;
CREATE TABLE rows (upload_id TEXT NOT NULL, n INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (upload_id, n)) WITHOUT ROWID;
INSERT INTO "rows" VALUES('f08d7ea562af4317b60fa44b6afd3087',0,'{"seq": 1, "name": "职工1", "id_type": "居民身份证", "id_number": "140105199001010016", "gender": "男", "birth_date": "1990-01-01", "hukou": "城镇", "education": "大学本科", "phone": "13900000000", "employment_form": "全日制", "post_category": "其他", "special_job": "否", "workplace": "太原", "hire_date": "2020-03-01", "contract_term": "固定期限", "contract_start": "2020-03-01", "contract_end": "2026-02-28", "insured": "是", "row": 2}');
INSERT INTO "rows" VALUES('f08d7ea562af4317b60fa44b6afd3087',1,'{"seq": 2, "name": "职工2", "id_type": "居民身份证", "id_number": "140105199001010024", "gender": "女", "birth_date": "1990-01-01", "hukou": "城镇", "education": "大学本科", "phone": "13900000000", "employment_form": "全日制", "post_category": "其他", "special_job": "否", "workplace": "太原", "hire_date": "2020-03-01", "contract_term": "固定期限", "contract_start": "2020-03-01", "contract_end": "2026-02-28", "insured": "是", "row": 3}');
INSERT INTO "rows" VALUES('f08d7ea562af4317b60fa44b6afd3087',2,'{"seq": 3, "name": "职工3", "id_type": "居民身份证", "id_number": "140105199001010059", "gender": "男", "birth_date": "1990-01-01", "hukou": "城镇", "education": "大学本科", "phone": "13900000000", "employment_form": "全日制", "post_category": "其他", "special_job": "否", "workplace": "太原", "hire_date": "2020-03-01", "contract_term": "固定期限", "contract_start": "2020-03-01", "contract_end": "2026-02-28", "insured": "是", "row": 4}');
CREATE TABLE stats (year INTEGER NOT NULL, authority_code TEXT NOT NULL, metric TEXT NOT NULL,
    value INTEGER NOT NULL, PRIMARY KEY (year, authority_code, metric)) WITHOUT ROWID;
INSERT INTO "stats" VALUES(0,'140105','registered',1);
INSERT INTO "stats" VALUES(0,'140213','registered',1);
INSERT INTO "stats" VALUES(2025,'140105','approved',1);
INSERT INTO "stats" VALUES(2025,'140105','due',3);
INSERT INTO "stats" VALUES(2025,'140105','due:I',3);
INSERT INTO "stats" VALUES(2025,'140105','expected',1);
INSERT INTO "stats" VALUES(2025,'140105','filed',1);
INSERT INTO "stats" VALUES(2025,'140105','signed',3);
INSERT INTO "stats" VALUES(2025,'140105','signed:I',3);
INSERT INTO "stats" VALUES(2025,'140213','expected',1);
CREATE TABLE units (uscc TEXT PRIMARY KEY, doc TEXT NOT NULL);
INSERT INTO "units" VALUES('91140105MA0000001E','{"uscc":"91140105MA0000001E","name":"山西演示科技有限公司1","unit_type":"企业","economic_type":"私营","industry":"I","affiliation":"其他","foreign_invested":false,"labor_dispatch":false,"registration_division":"140105","registered_address":"太原市小店区长治路1号","legal_representative":"张三","filer_name":"李四","filer_mobile":"13800000001","filer_email":"filer1@example.com","authority_code":"140105","registered_at":"2026-03-02T02:00:00Z"}');
INSERT INTO "units" VALUES('91140105MA0000002H','{"uscc":"91140105MA0000002H","name":"山西演示科技有限公司2","unit_type":"企业","economic_type":"私营","industry":"I","affiliation":"其他","foreign_invested":false,"labor_dispatch":false,"registration_division":"140213","registered_address":"太原市小店区长治路1号","legal_representative":"张三","filer_name":"李四","filer_mobile":"13800000001","filer_email":"filer2@example.com","authority_code":"140213","registered_at":"2026-03-02T02:00:00Z"}');
CREATE TABLE uploads (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
INSERT INTO "uploads" VALUES('f08d7ea562af4317b60fa44b6afd3087','{"id":"f08d7ea562af4317b60fa44b6afd3087","filing_id":"e1317236d3ae4f4a830131c635766280","table":"table2","filename":"名册.xlsx","blob_key":"uploads/f08d7ea562af4317b60fa44b6afd3087.xlsx","status":"done","rows_total":3,"rows_done":3,"errors":[],"message":"已导入3行","error_report_key":null,"masked_report_key":null,"created_at":"2026-03-02T02:00:00Z","updated_at":"2026-03-02T02:00:00Z"}');
CREATE TABLE years_opened (year INTEGER PRIMARY KEY, at TEXT NOT NULL);
CREATE INDEX accounts_by_scope ON accounts (json_extract(doc, '$.scope'));
CREATE INDEX accounts_by_person ON accounts (json_extract(doc, '$.id_number'));
CREATE INDEX applications_by_division ON applications (managing_division, applied_at);
CREATE INDEX applications_by_applicant ON applications (applicant, applied_at);
CREATE UNIQUE INDEX one_annual_per_year ON filings (uscc, year) WHERE kind = 'annual';
CREATE INDEX filings_by_unit ON filings (uscc, year);
CREATE INDEX filings_queue ON filings (authority_code, queue_key, id);
CREATE INDEX filings_all ON filings (queue_key, id);
CREATE INDEX outbox_pending ON outbox (status, created_at);
CREATE INDEX audit_by_scope ON audit (json_extract(doc, '$.scope'), seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE INDEX owes_open ON owes (year, authority_code, uscc) WHERE owing = 1;
CREATE INDEX jobs_by_heartbeat ON jobs (heartbeat);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('audit',10);
COMMIT;
