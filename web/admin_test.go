package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"policybot/bot"
	"policybot/bot/convlog"
	"policybot/corpus"
	"policybot/ingest"
	"policybot/policies"
	"policybot/retrieval"
	"policybot/store"
	"policybot/web"
)

// The admin tests run the admin handler and the chat server side by side,
// as the service mounts them, over one corpus service, one live index, one
// bot and one SQLite store: what is published through /admin/api/ is what
// /api/chat cites.

// Admin tokens of the tests: the audit log records the names.
const (
	chenToken = "chen-0123456789abcdef"
	liToken   = "li-0123456789abcdef01"
)

// convert is the upload converter the program uses: ingest's.
func convert(ctx context.Context, name string, data []byte, meta policies.Meta) (corpus.Converted, error) {
	res, err := ingest.Convert(ctx, name, data, meta, ingest.Options{})
	return corpus.Converted(res), err
}

var adminTokens = []web.AdminToken{{Name: "chen", Token: chenToken}, {Name: "li", Token: liToken}}

// adminTestEnv is a running admin and chat server.
type adminTestEnv struct {
	*httptest.Server
	svc   *corpus.Service
	store *store.SQLite
	live  *retrieval.Live
}

// startAdminServer starts the chat server and the admin handler over the
// bundled corpus, seeded into a new store. d's Corpus and (when nil) Now
// and Tokens are filled in.
func startAdminServer(tb testing.TB, d web.AdminDeps) *adminTestEnv {
	tb.Helper()
	ctx := context.Background()
	now := func() time.Time { return testNow }
	st, err := store.OpenSQLite(ctx, filepath.Join(tb.TempDir(), "policybot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	live := retrieval.NewLive(nil)
	svc, err := corpus.New(corpus.Options{Store: st, Live: live, Questions: st, Now: now, Index: retrieval.Options{Now: now}, Convert: convert})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	fsys, err := policies.BundledFS()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Seed(ctx, "system", fsys); err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Sync(ctx); err != nil {
		tb.Fatal(err)
	}
	b, err := bot.New(bot.Config{Index: live, Conversations: st, Now: now, NewID: counter("conv")})
	if err != nil {
		tb.Fatal(err)
	}
	chat := web.NewServer(web.Deps{Bot: b, Store: st, Documents: svc.LiveDocuments(), Now: now, NewID: counter("msg")})
	d.Corpus = svc
	if d.Now == nil {
		d.Now = now
	}
	if d.Tokens == nil {
		d.Tokens = adminTokens
	}
	admin := web.NewAdminHandler(d)
	mux := http.NewServeMux()
	mux.Handle("/admin", admin)
	mux.Handle("/admin/", admin)
	mux.Handle("/", chat)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return &adminTestEnv{Server: srv, svc: svc, store: st, live: live}
}

// request sends a request; header are name, value pairs.
func (e *adminTestEnv) request(tb testing.TB, method, path string, body io.Reader, header ...string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// as sends an admin API request with token as bearer.
func (e *adminTestEnv) as(tb testing.TB, token, method, path string, body io.Reader, header ...string) *http.Response {
	tb.Helper()
	return e.request(tb, method, path, body, append([]string{"Authorization", "Bearer " + token}, header...)...)
}

// upload posts a multipart upload of data as name with the form fields.
func (e *adminTestEnv) upload(tb testing.TB, token, query, name string, data []byte, fields map[string]string) *http.Response {
	tb.Helper()
	body, ct := multipartBody(tb, name, data, fields)
	return e.as(tb, token, http.MethodPost, "/admin/api/documents"+query, body, "Content-Type", ct)
}

func multipartBody(tb testing.TB, name string, data []byte, fields map[string]string) (io.Reader, string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			tb.Fatal(err)
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			tb.Fatal(err)
		}
		fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// ask asks /api/chat and returns the answer.
func (e *adminTestEnv) ask(tb testing.TB, q string) chatResponse {
	tb.Helper()
	data, _ := json.Marshal(map[string]string{"message": q})
	res := e.request(tb, http.MethodPost, "/api/chat", bytes.NewReader(data), "Content-Type", "application/json")
	if res.StatusCode != http.StatusOK {
		tb.Fatalf("POST /api/chat %q = %d %s", q, res.StatusCode, readBody(tb, res))
	}
	return decode[chatResponse](tb, res)
}

// cites reports whether the answer cites doc, and with which quote.
func (c chatResponse) cites(doc string) (string, bool) {
	for _, x := range c.Citations {
		if x.Doc == doc {
			return x.Quote, true
		}
	}
	return "", false
}

func wantStatus(tb testing.TB, res *http.Response, want int, what string) string {
	tb.Helper()
	body := readBody(tb, res)
	if res.StatusCode != want {
		tb.Fatalf("%s = %d %s; want %d", what, res.StatusCode, body, want)
	}
	return body
}

// oceanDoc is a policy that only it answers oceanQ with: article 2 reads
// article2.
func oceanDoc(id, article2 string, extra ...string) []byte {
	return []byte("---\nid: " + id + "\ntitle: 关于支持深海养殖装备发展的若干措施（测试文本）\ncategory: manufacturing\nissuer: 苏州市吴中区人民政府\nlead_department: 区农业农村局\n" +
		strings.Join(extra, "") + "---\n\n# 关于支持深海养殖装备发展的若干措施（测试文本）\n\n第一条 为支持深海养殖装备产业发展，制定本措施。\n\n第二条 " + article2 + "\n")
}

const (
	oceanV1 = "企业购置深海养殖网箱的，按购置金额的30%给予补贴，每家企业最高补贴200万元。（责任单位：区农业农村局）"
	oceanV2 = "企业购置深海养殖网箱的，按购置金额的40%给予补贴，每家企业最高补贴300万元。（责任单位：区农业农村局）"
	oceanQ  = "购置深海养殖网箱补贴多少？"
	spamV   = "企业购置深海养殖网箱的，给予补贴。新万博体育官网注册即送彩金，百家乐在线。"
)

// uploadResponse is the part of an upload's answer the tests read.
type uploadResponse struct {
	ID          string `json:"id"`
	Version     int    `json:"version"`
	Status      string `json:"status"`
	Published   bool   `json:"published"`
	Publishable bool   `json:"publishable"`
	Live        bool   `json:"live"`
	Articles    []struct {
		Number     int    `json:"number"`
		Label      string `json:"label"`
		Text       string `json:"text"`
		Provisions []struct {
			Kind     string `json:"kind"`
			Describe string `json:"describe"`
		} `json:"provisions"`
	} `json:"articles"`
	Errors   []adminFinding `json:"errors"`
	Findings []adminFinding `json:"findings"`
	Warnings []string       `json:"warnings"`
	Diff     *struct {
		From    int `json:"from"`
		To      int `json:"to"`
		Changed []struct {
			Number int `json:"number"`
			Old    struct {
				Text string `json:"text"`
			} `json:"old"`
			New struct {
				Text string `json:"text"`
			} `json:"new"`
		} `json:"changed"`
	} `json:"diff"`
	Error   string `json:"error"`
	ErrorZh string `json:"error_zh"`
}

type adminFinding struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Line     int    `json:"line"`
	Message  string `json:"message"`
	Match    string `json:"match"`
}

type auditResponse struct {
	Entries []struct {
		Who         string `json:"who"`
		Action      string `json:"action"`
		Doc         string `json:"doc"`
		FromVersion int    `json:"from_version"`
		ToVersion   int    `json:"to_version"`
		Detail      string `json:"detail"`
	} `json:"entries"`
}

// TestAdminLifecycle is the whole life of a document over HTTP: upload,
// preview, publish, asked, amended, history and diff, rollback, retire, no
// longer cited; with the audit log naming who did each step.
func TestAdminLifecycle(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	if a := e.ask(t, oceanQ); !a.Refused {
		t.Fatalf("before the upload, %q was answered: %+v", oceanQ, a)
	}

	// Without a token nothing is stored.
	body, ct := multipartBody(t, "ocean.md", oceanDoc("wz-ocean", oceanV1), nil)
	wantStatus(t, e.request(t, http.MethodPost, "/admin/api/documents?publish=1", body, "Content-Type", ct), http.StatusUnauthorized, "upload without a token")

	// Upload: a draft, with its parsed articles, not live.
	up := decode[uploadResponse](t, e.upload(t, chenToken, "", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil))
	if up.ID != "wz-ocean" || up.Version != 1 || up.Status != "draft" || up.Published || !up.Publishable || len(up.Articles) != 2 ||
		up.Articles[1].Label != "第2条" || len(up.Errors) != 0 || len(up.Findings) != 0 {
		t.Fatalf("upload = %+v; want a publishable draft v1 with 2 articles", up)
	}
	if a := e.ask(t, oceanQ); !a.Refused {
		t.Fatalf("a draft was cited: %+v", a)
	}

	// Preview: the document and its draft in full.
	var doc struct {
		Document struct {
			Status string `json:"status"`
			Live   bool   `json:"live"`
		} `json:"document"`
		Version struct {
			Version  int    `json:"version"`
			Markdown string `json:"markdown"`
		} `json:"version"`
	}
	res := e.as(t, liToken, http.MethodGet, "/admin/api/documents/wz-ocean", nil)
	if err := json.Unmarshal([]byte(wantStatus(t, res, http.StatusOK, "GET document")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Document.Status != "draft" || doc.Document.Live || doc.Version.Version != 1 || !strings.Contains(doc.Version.Markdown, "30%") {
		t.Errorf("GET document = %+v; want the draft v1 with its text", doc)
	}

	// Publish: cited at once, without a restart.
	wantStatus(t, e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=1", nil), http.StatusOK, "publish v1")
	if q, ok := e.ask(t, oceanQ).cites("wz-ocean"); !ok || !strings.Contains(q, "30%") {
		t.Fatalf("after publishing, the answer cites wz-ocean: %v, quote %q", ok, q)
	}

	// Amended: v2 uploaded and published at once, with its diff.
	up = decode[uploadResponse](t, e.upload(t, chenToken, "?publish=1", "ocean-v2.md", oceanDoc("wz-ocean", oceanV2), nil))
	if up.Version != 2 || !up.Published || up.Status != "published" || up.Diff == nil || up.Diff.From != 1 || len(up.Diff.Changed) != 1 ||
		up.Diff.Changed[0].Number != 2 || !strings.Contains(up.Diff.Changed[0].Old.Text, "30%") || !strings.Contains(up.Diff.Changed[0].New.Text, "40%") {
		t.Fatalf("amended upload = %+v; want v2 published, changing article 2 from 30%% to 40%%", up)
	}
	if q, _ := e.ask(t, oceanQ).cites("wz-ocean"); !strings.Contains(q, "40%") {
		t.Fatalf("after the amendment, the quote is %q; want v2's", q)
	}

	// History with article-level diffs.
	var hist struct {
		Current  int `json:"current"`
		Versions []struct {
			Version int    `json:"version"`
			Status  string `json:"status"`
			Diff    struct {
				Added   []json.RawMessage `json:"added"`
				Changed []json.RawMessage `json:"changed"`
			} `json:"diff"`
		} `json:"versions"`
	}
	if err := json.Unmarshal([]byte(wantStatus(t, e.as(t, liToken, http.MethodGet, "/admin/api/documents/wz-ocean/versions", nil), http.StatusOK, "versions")), &hist); err != nil {
		t.Fatal(err)
	}
	if hist.Current != 2 || len(hist.Versions) != 2 || hist.Versions[0].Status != "superseded" || len(hist.Versions[0].Diff.Added) != 2 ||
		hist.Versions[1].Status != "published" || len(hist.Versions[1].Diff.Changed) != 1 {
		t.Errorf("versions = %+v; want v1 superseded (2 added), v2 published (1 changed)", hist)
	}

	// Rollback: v1's text again, as v3.
	var rb struct {
		Version int    `json:"version"`
		Status  string `json:"status"`
	}
	if err := json.Unmarshal([]byte(wantStatus(t, e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/rollback?version=1", nil), http.StatusOK, "rollback")), &rb); err != nil {
		t.Fatal(err)
	}
	if rb.Version != 3 || rb.Status != "published" {
		t.Errorf("rollback = %+v; want v3 published", rb)
	}
	if q, _ := e.ask(t, oceanQ).cites("wz-ocean"); !strings.Contains(q, "30%") {
		t.Fatalf("after the rollback, the quote is %q; want v1's", q)
	}

	// Injected spam: 422, not published; the live version stays.
	res = e.upload(t, chenToken, "?publish=1", "ocean-spam.md", oceanDoc("wz-ocean", spamV), nil)
	spam := decode[uploadResponse](t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || spam.Published || spam.Publishable || len(spam.Findings) == 0 || spam.Findings[0].Code != "spam" || spam.ErrorZh == "" {
		t.Fatalf("spam upload = %d %+v; want 422 with spam findings, not published", res.StatusCode, spam)
	}
	if q, _ := e.ask(t, oceanQ).cites("wz-ocean"); !strings.Contains(q, "30%") || strings.Contains(q, "新万博") {
		t.Fatalf("after the spam upload, the quote is %q", q)
	}

	// Retire: no longer cited.
	wantStatus(t, e.as(t, chenToken, http.MethodPost, "/admin/api/documents/wz-ocean/retire", nil), http.StatusOK, "retire")
	if a := e.ask(t, oceanQ); func() bool { _, ok := a.cites("wz-ocean"); return ok }() {
		t.Fatalf("a retired document was cited: %+v", a)
	}
	var list struct {
		Documents []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Live   bool   `json:"live"`
		} `json:"documents"`
	}
	if err := json.Unmarshal([]byte(wantStatus(t, e.as(t, liToken, http.MethodGet, "/admin/api/documents", nil), http.StatusOK, "list")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Documents) != 5 {
		t.Errorf("list has %d documents, want the 4 bundled and wz-ocean", len(list.Documents))
	}
	for _, d := range list.Documents {
		if d.ID == "wz-ocean" && (d.Status != "retired" || d.Live) {
			t.Errorf("listed wz-ocean = %+v; want retired, not live", d)
		}
	}

	// The audit log: every step with the token's name, newest first.
	audit := decode[auditResponse](t, e.as(t, liToken, http.MethodGet, "/admin/api/audit?doc=wz-ocean", nil))
	var steps []string
	for _, a := range audit.Entries {
		steps = append(steps, fmt.Sprintf("%s %s %d→%d", a.Who, a.Action, a.FromVersion, a.ToVersion))
	}
	want := []string{
		"chen retire 3→0", "chen upload 3→4", "li rollback 2→3", "chen publish 1→2", "chen upload 1→2", "li publish 0→1", "chen upload 0→1",
	}
	if strings.Join(steps, "; ") != strings.Join(want, "; ") {
		t.Errorf("audit =\n%s\nwant\n%s", strings.Join(steps, "; "), strings.Join(want, "; "))
	}
	if all := decode[auditResponse](t, e.as(t, liToken, http.MethodGet, "/admin/api/audit?limit=3", nil)); len(all.Entries) != 3 {
		t.Errorf("audit?limit=3 has %d entries", len(all.Entries))
	}
}

// TestAdminDoneWhen is the whole corpus path end to end: with POLICYBOT_ADMIN_TOKEN
// (the name "admin"), a Markdown policy uploaded with ?publish=1 is cited
// by /api/chat for a question only it answers; without the token 401;
// injected spam 422 and not published; after retire not cited; the audit
// log lists each step with the token's name.
func TestAdminDoneWhen(t *testing.T) {
	tokens, err := web.ParseAdminTokens("", "admin-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	e := startAdminServer(t, web.AdminDeps{Tokens: tokens})
	const token = "admin-token-0123456789"

	wantStatus(t, e.upload(t, "wrong-token-0123456789", "?publish=1", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil), http.StatusUnauthorized, "upload with a wrong token")
	wantStatus(t, e.upload(t, token, "?publish=1", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil), http.StatusCreated, "upload")
	if q, ok := e.ask(t, oceanQ).cites("wz-ocean"); !ok || !strings.Contains(q, "30%") {
		t.Fatalf("the published policy is not cited (quote %q)", q)
	}
	wantStatus(t, e.upload(t, token, "?publish=1", "casino.md", oceanDoc("wz-casino", spamV), nil), http.StatusUnprocessableEntity, "spam upload")
	if _, ok := e.ask(t, "新万博体育官网").cites("wz-casino"); ok {
		t.Error("the spam document is cited")
	}
	wantStatus(t, e.as(t, token, http.MethodPost, "/admin/api/documents/wz-ocean/retire", nil), http.StatusOK, "retire")
	if _, ok := e.ask(t, oceanQ).cites("wz-ocean"); ok {
		t.Error("the retired policy is still cited")
	}
	audit := decode[auditResponse](t, e.as(t, token, http.MethodGet, "/admin/api/audit", nil))
	var steps []string
	for _, a := range audit.Entries {
		if a.Action != "seed" {
			steps = append(steps, a.Who+" "+a.Action+" "+a.Doc)
		}
	}
	want := "admin retire wz-ocean; admin upload wz-casino; admin publish wz-ocean; admin upload wz-ocean"
	if strings.Join(steps, "; ") != want {
		t.Errorf("audit = %q, want %q", strings.Join(steps, "; "), want)
	}
}

func TestAdminOffWithoutTokens(t *testing.T) {
	h := web.NewAdminHandler(web.AdminDeps{Corpus: nil, Tokens: nil})
	for _, tc := range []struct{ method, path, auth string }{
		{http.MethodGet, "/admin", ""},
		{http.MethodGet, "/admin/assets/admin.js", ""},
		{http.MethodPost, "/admin/login", ""},
		{http.MethodGet, "/admin/api/documents", "Bearer anything-at-all-long"},
		{http.MethodPost, "/admin/api/documents", ""},
		{http.MethodGet, "/admin/api/audit", ""},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader("token=x"))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s %s with no token configured = %d, want 404", tc.method, tc.path, rec.Code)
		}
	}
	// Tokens but no corpus is off too.
	rec := httptest.NewRecorder()
	web.NewAdminHandler(web.AdminDeps{Tokens: adminTokens}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /admin with no corpus = %d, want 404", rec.Code)
	}
}

func TestAdminUnauthorized(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	signedIn := e.login(t, chenToken)
	endpoints := []struct{ method, path string }{
		{http.MethodGet, "/admin/api/documents"},
		{http.MethodPost, "/admin/api/documents"},
		{http.MethodGet, "/admin/api/documents/wz-mfg-2025"},
		{http.MethodPost, "/admin/api/documents/wz-mfg-2025/publish"},
		{http.MethodPost, "/admin/api/documents/wz-mfg-2025/retire"},
		{http.MethodPost, "/admin/api/documents/wz-mfg-2025/rollback?version=1"},
		{http.MethodGet, "/admin/api/documents/wz-mfg-2025/versions"},
		{http.MethodGet, "/admin/api/audit"},
		{http.MethodGet, "/admin/api/insights"},
		{http.MethodGet, "/admin/api/session"},
		{http.MethodGet, "/admin/api/no-such-thing"},
		{http.MethodPost, "/admin/logout"},
	}
	creds := []struct {
		name   string
		header []string
	}{
		{"none", nil},
		{"wrong token", []string{"Authorization", "Bearer not-the-token-at-all"}},
		{"token prefix", []string{"Authorization", "Bearer " + chenToken[:10]}},
		{"basic scheme", []string{"Authorization", "Basic " + chenToken}},
		{"unknown session", []string{"Cookie", "policybot_admin=0123456789abcdef"}},
		{"wrong token beats a cookie", []string{"Authorization", "Bearer nope-nope-nope-nope", "Cookie", signedIn.Name + "=" + signedIn.Value}},
	}
	for _, c := range creds {
		for _, ep := range endpoints {
			t.Run(c.name+" "+ep.method+" "+ep.path, func(t *testing.T) {
				res := e.request(t, ep.method, ep.path, nil, c.header...)
				body := readBody(t, res)
				if res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("= %d %s, want 401", res.StatusCode, body)
				}
				if res.Header.Get("WWW-Authenticate") == "" || !strings.Contains(body, "error_zh") {
					t.Errorf("401 without WWW-Authenticate or error_zh: %v %s", res.Header, body)
				}
			})
		}
	}
	if docs, _ := e.svc.Documents(context.Background()); len(docs) != 4 {
		t.Errorf("unauthorized requests changed the corpus: %d documents", len(docs))
	}
}

// zipBomb is a .docx whose document.xml unpacks to more than the 50 MB
// ingest allows.
func zipBomb(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels"} {
		w, _ := zw.Create(name)
		io.WriteString(w, "<?xml version=\"1.0\"?><x/>")
	}
	w, err := zw.Create("word/document.xml")
	if err != nil {
		tb.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 60 {
		w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestAdminUploadRefused(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	encrypted, err := os.ReadFile("../ingest/testdata/policy-encrypted.pdf")
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{"id": "wz-bad", "title": "测试", "category": "other"}
	tests := []struct {
		name   string
		file   string
		data   []byte
		fields map[string]string
		status int
		code   string // in errors or findings
	}{
		{"injected spam", "spam.md", oceanDoc("wz-spam", spamV), nil, 422, "spam"},
		{"empty file", "empty.md", nil, meta, 422, "file"},
		{"unknown type", "policy.xlsx", []byte("PK\x03\x04not really"), meta, 422, "file"},
		{"image", "scan.png", []byte("\x89PNG\r\n\x1a\nxxxx"), meta, 422, "file"},
		{"corrupt docx", "policy.docx", []byte("PK\x03\x04\x14\x00garbage that is not a zip"), meta, 422, "file"},
		{"zip bomb docx", "bomb.docx", zipBomb(t), meta, 422, "file"},
		{"encrypted pdf", "policy-encrypted.pdf", encrypted, meta, 422, "file"},
		{"corrupt pdf", "policy.pdf", []byte("%PDF-1.7\n1 0 obj garbage\n%%EOF"), meta, 422, "file"},
		{"no metadata", "policy.txt", []byte("第一条 没有元数据。"), nil, 422, "no_front_matter"},
		{"skipped article", "bad.md", bytes.Replace(oceanDoc("wz-bad", oceanV1), []byte("第二条"), []byte("第四条"), 1), nil, 422, "article"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.upload(t, chenToken, "?publish=1", tc.file, tc.data, tc.fields)
			body := wantStatus(t, res, tc.status, "upload "+tc.file)
			var up uploadResponse
			if err := json.Unmarshal([]byte(body), &up); err != nil {
				t.Fatal(err)
			}
			if up.Published || up.Publishable || up.Error == "" || up.ErrorZh == "" {
				t.Errorf("refused upload = %+v; want not published, with error and error_zh", up)
			}
			found := false
			for _, f := range append(up.Errors, up.Findings...) {
				found = found || (f.Code == tc.code && f.Severity == "error" && f.Message != "")
			}
			if !found {
				t.Errorf("refused upload has no %q error: %s", tc.code, body)
			}
		})
	}
	for _, tc := range []struct {
		name string
		do   func() *http.Response
		want int
	}{
		{"no file", func() *http.Response { return e.upload(t, chenToken, "", "", nil, meta) }, http.StatusBadRequest},
		{"not multipart", func() *http.Response {
			return e.as(t, chenToken, http.MethodPost, "/admin/api/documents", strings.NewReader(`{"file":"x"}`), "Content-Type", "application/json")
		}, http.StatusBadRequest},
	} {
		if res := tc.do(); res.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, res.StatusCode, readBody(t, res), tc.want)
		}
	}
	// The server is unharmed and the live corpus unchanged.
	if q, ok := e.ask(t, qLittleGiant).cites("wz-mfg-2025"); !ok || !strings.Contains(q, "50万元") {
		t.Errorf("after the refused uploads, the bundled corpus answers %q", q)
	}
	if n := len(e.svc.LiveDocuments()); n != 4 {
		t.Errorf("after the refused uploads, %d documents are live, want 4", n)
	}
}

func TestAdminUploadTooLarge(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{MaxUpload: 4 << 10})
	big := append(oceanDoc("wz-big", oceanV1), bytes.Repeat([]byte("补充说明。"), 1000)...)
	res := e.upload(t, chenToken, "?publish=1", "big.md", big, nil)
	body := wantStatus(t, res, http.StatusRequestEntityTooLarge, "upload over the cap")
	if !strings.Contains(body, "error_zh") {
		t.Errorf("413 body = %s", body)
	}
	// A body far over the cap is cut off while reading.
	huge := bytes.Repeat([]byte("x"), 4<<20)
	res = e.upload(t, chenToken, "", "huge.md", huge, nil)
	wantStatus(t, res, http.StatusRequestEntityTooLarge, "upload far over the cap")
	if _, _, err := e.svc.Document(context.Background(), "wz-big"); err == nil {
		t.Error("an upload over the cap was stored")
	}
	// Under the cap works.
	wantStatus(t, e.upload(t, chenToken, "", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil), http.StatusCreated, "upload under the cap")
}

var csrfMetaRE = regexp.MustCompile(`<meta name="csrf-token" content="([0-9a-f]*)">`)

// login signs in through the form and returns the session cookie.
func (e *adminTestEnv) login(tb testing.TB, token string) *http.Cookie {
	tb.Helper()
	res := e.request(tb, http.MethodPost, "/admin/login", strings.NewReader(url.Values{"token": {token}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html, application/json")
	wantStatus(tb, res, http.StatusSeeOther, "login")
	for _, c := range res.Cookies() {
		if c.Name == "policybot_admin" {
			return c
		}
	}
	tb.Fatal("login set no session cookie")
	return nil
}

// page loads /admin with the cookie and returns its CSRF token.
func (e *adminTestEnv) page(tb testing.TB, c *http.Cookie) (string, string) {
	tb.Helper()
	res := e.request(tb, http.MethodGet, "/admin", nil, "Cookie", c.Name+"="+c.Value)
	body := wantStatus(tb, res, http.StatusOK, "GET /admin")
	m := csrfMetaRE.FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("the admin page has no csrf-token meta")
	}
	return m[1], body
}

func TestAdminSessionAndCSRF(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	wantStatus(t, e.request(t, http.MethodPost, "/admin/login", strings.NewReader("token=wrong-wrong-wrong-wrong"),
		"Content-Type", "application/x-www-form-urlencoded"), http.StatusUnauthorized, "login with a wrong token")

	// Signed out, the page is the sign-in form, with no CSRF token.
	csrf, body := e.page(t, &http.Cookie{Name: "policybot_admin", Value: "nope"})
	if csrf != "" || !strings.Contains(body, `id="login-form"`) {
		t.Errorf("signed-out page has CSRF %q or no login form", csrf)
	}

	c := e.login(t, liToken)
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin" || c.Secure || len(c.Value) < 32 {
		t.Errorf("session cookie = %+v; want HttpOnly, SameSite=Strict, Path=/admin, not Secure over http", c)
	}
	csrf, body = e.page(t, c)
	if csrf == "" || !strings.Contains(body, ">li<") {
		t.Fatalf("signed-in page: CSRF %q, name shown %v", csrf, strings.Contains(body, ">li<"))
	}
	cookie := []string{"Cookie", c.Name + "=" + c.Value}

	// Reads need only the cookie.
	wantStatus(t, e.request(t, http.MethodGet, "/admin/api/documents", nil, cookie...), http.StatusOK, "list with the cookie")
	var sess struct {
		Name      string `json:"name"`
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(wantStatus(t, e.request(t, http.MethodGet, "/admin/api/session", nil, cookie...), http.StatusOK, "session")), &sess); err != nil {
		t.Fatal(err)
	}
	if sess.Name != "li" || sess.CSRFToken != csrf {
		t.Errorf("session = %+v; want li with the page's CSRF token", sess)
	}

	// Writes need the CSRF token too.
	body2, ct := multipartBody(t, "ocean.md", oceanDoc("wz-ocean", oceanV1), nil)
	data, _ := io.ReadAll(body2)
	post := func(header ...string) *http.Response {
		return e.request(t, http.MethodPost, "/admin/api/documents", bytes.NewReader(data), append(append([]string{"Content-Type", ct}, cookie...), header...)...)
	}
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"no CSRF token", nil},
		{"wrong CSRF token", []string{"X-CSRF-Token", strings.Repeat("0", len(csrf))}},
		{"another site", []string{"X-CSRF-Token", csrf, "Origin", "https://evil.example.com"}},
	} {
		if res := post(tc.header...); res.StatusCode != http.StatusForbidden {
			t.Errorf("cookie upload with %s = %d %s, want 403", tc.name, res.StatusCode, readBody(t, res))
		}
	}
	if _, _, err := e.svc.Document(context.Background(), "wz-ocean"); err == nil {
		t.Fatal("a write refused for CSRF was stored")
	}
	wantStatus(t, post("X-CSRF-Token", csrf, "Origin", e.URL), http.StatusCreated, "cookie upload with the CSRF token")
	audit := decode[auditResponse](t, e.as(t, chenToken, http.MethodGet, "/admin/api/audit?limit=1", nil))
	if len(audit.Entries) != 1 || audit.Entries[0].Who != "li" {
		t.Errorf("audit of the cookie upload = %+v; want it by li", audit.Entries)
	}
	// A bearer write needs no CSRF token.
	wantStatus(t, e.as(t, chenToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish", nil), http.StatusOK, "bearer publish")

	// Sign out: the cookie no longer works.
	wantStatus(t, e.request(t, http.MethodPost, "/admin/logout", nil, append(cookie, "X-CSRF-Token", csrf)...), http.StatusOK, "logout")
	wantStatus(t, e.request(t, http.MethodGet, "/admin/api/documents", nil, cookie...), http.StatusUnauthorized, "list after logout")

	// A JSON sign-in returns the CSRF token.
	res := e.request(t, http.MethodPost, "/admin/login", strings.NewReader(`{"token":"`+chenToken+`"}`), "Content-Type", "application/json", "Accept", "application/json")
	if err := json.Unmarshal([]byte(wantStatus(t, res, http.StatusOK, "JSON login")), &sess); err != nil || sess.Name != "chen" || len(sess.CSRFToken) < 32 {
		t.Errorf("JSON login = %+v, %v", sess, err)
	}
}

func TestAdminSecureCookie(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{PublicURL: "https://policybot.example.gov.cn"})
	if c := e.login(t, chenToken); !c.Secure {
		t.Errorf("with an https public URL the session cookie is not Secure: %+v", c)
	}
}

func TestAdminSessionExpires(t *testing.T) {
	// Sessions last SessionTTL on the server's clock, which moves an hour
	// at every reading here.
	var hours atomic.Int64
	clock := func() time.Time { return testNow.Add(time.Duration(hours.Add(1)) * time.Hour) }
	e := startAdminServer(t, web.AdminDeps{SessionTTL: 30 * time.Minute, Now: clock})
	c := e.login(t, chenToken)
	wantStatus(t, e.request(t, http.MethodGet, "/admin/api/documents", nil, "Cookie", c.Name+"="+c.Value), http.StatusUnauthorized, "list with an expired session")
}

func TestAdminPageAndAssets(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	res := e.request(t, http.MethodGet, "/admin", nil)
	wantStatus(t, res, http.StatusOK, "GET /admin")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("admin page CSP = %q", csp)
	}
	for _, tc := range []struct {
		path, contentType string
		status            int
	}{
		{"/admin/assets/admin.js", "application/javascript; charset=utf-8", 200},
		{"/admin/assets/admin.css", "text/css; charset=utf-8", 200},
		{"/admin/assets/widget.js", "", 404},
		{"/admin/assets/..%2Fassets.go", "", 404},
		{"/admin/nothing", "", 404},
	} {
		res := e.request(t, http.MethodGet, tc.path, nil)
		readBody(t, res)
		if res.StatusCode != tc.status || (tc.contentType != "" && res.Header.Get("Content-Type") != tc.contentType) {
			t.Errorf("GET %s = %d %q; want %d %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.status, tc.contentType)
		}
	}
	if res := e.as(t, chenToken, http.MethodDelete, "/admin/api/documents", nil); res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, POST" {
		t.Errorf("DELETE /admin/api/documents = %d (Allow %q), want 405 with GET, POST", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestAdminRefusedChanges(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	wantStatus(t, e.upload(t, chenToken, "", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil), http.StatusCreated, "upload")
	e.upload(t, chenToken, "", "spam.md", oceanDoc("wz-ocean", spamV), nil)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/admin/api/documents/wz-nope", 404},
		{http.MethodGet, "/admin/api/documents/wz-ocean?version=9", 404},
		{http.MethodGet, "/admin/api/documents/wz-ocean/versions?x", 200},
		{http.MethodPost, "/admin/api/documents/wz-nope/publish", 404},
		{http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=2", 422},
		{http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=x", 400},
		{http.MethodPost, "/admin/api/documents/wz-ocean/retire", 409},
		{http.MethodPost, "/admin/api/documents/wz-ocean/rollback?version=1", 409},
		{http.MethodPost, "/admin/api/documents/wz-ocean/rollback", 400},
		{http.MethodPost, "/admin/api/documents/wz-ocean/retire?from=tomorrow", 400},
		{http.MethodGet, "/admin/api/insights?days=0", 400},
		{http.MethodGet, "/admin/api/audit?limit=-1", 400},
	} {
		res := e.as(t, liToken, tc.method, tc.path, nil)
		body := readBody(t, res)
		if res.StatusCode != tc.want {
			t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, res.StatusCode, body, tc.want)
			continue
		}
		if tc.want >= 400 {
			var er errorResponse
			if err := json.Unmarshal([]byte(body), &er); err != nil || er.Error == "" || er.ErrorZh == "" {
				t.Errorf("%s %s: error body %s", tc.method, tc.path, body)
			}
		}
	}
	// The Chinese part of a corpus message is error_zh.
	res := e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=2", nil)
	er := decode[errorResponse](t, res)
	if strings.Contains(er.Error, "不能发布") || !strings.Contains(er.ErrorZh, "不能发布") {
		t.Errorf("422 body = %+v; want English in error, Chinese in error_zh", er)
	}
}

func TestAdminRetireFromDateAndSupersedes(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	wantStatus(t, e.upload(t, chenToken, "?publish=1", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil), http.StatusCreated, "upload")
	// Retiring from a future date keeps the document in answers until then.
	var v struct {
		Status      string `json:"status"`
		Live        bool   `json:"live"`
		RetiredFrom string `json:"retired_from"`
	}
	if err := json.Unmarshal([]byte(wantStatus(t, e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/retire?from=2026-06-01", nil), http.StatusOK, "retire from a date")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Status != "retired" || !v.Live || v.RetiredFrom != "2026-06-01T00:00:00+08:00" {
		t.Errorf("retire from 2026-06-01 = %+v; want retired, still live, from that midnight", v)
	}
	if _, ok := e.ask(t, oceanQ).cites("wz-ocean"); !ok {
		t.Error("a document retired from a future date is no longer cited")
	}

	// A new document that supersedes it (metadata from the form) retires it now.
	fields := map[string]string{"id": "wz-ocean-2026", "title": "深海养殖装备新措施", "category": "manufacturing", "supersedes": "wz-ocean", "sample": "on"}
	up := decode[uploadResponse](t, e.upload(t, chenToken, "?publish=1", "new.txt", []byte("第一条 总则。\n\n第二条 "+oceanV2+"\n"), fields))
	if !up.Published || up.ID != "wz-ocean-2026" {
		t.Fatalf("superseding upload = %+v", up)
	}
	q, ok := e.ask(t, oceanQ).cites("wz-ocean-2026")
	if !ok || !strings.Contains(q, "40%") {
		t.Errorf("the superseding document is not cited (quote %q)", q)
	}
	if _, ok := e.ask(t, oceanQ).cites("wz-ocean"); ok {
		t.Error("the superseded document is still cited")
	}
}

func TestAdminInsights(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	ctx := context.Background()
	// Two refused questions, asked through the chat, and one 👎.
	a1 := e.ask(t, "人才公寓怎么申请？")
	e.ask(t, "人才公寓如何申请")
	if !a1.Refused {
		t.Fatalf("the test question was answered: %+v", a1)
	}
	good := e.ask(t, qLittleGiant)
	fb, _ := json.Marshal(map[string]string{"message_id": good.MessageID, "rating": "down", "comment": "金额不对"})
	wantStatus(t, e.request(t, http.MethodPost, "/api/feedback", bytes.NewReader(fb), "Content-Type", "application/json"), http.StatusOK, "feedback")
	// A question typed to attack a spreadsheet, and one too old to count.
	for _, m := range []convlog.Message{
		{ID: "formula", ConversationID: "c1", Channel: convlog.ChannelChat, Question: "=HYPERLINK(\"http://evil\")", Answer: "…", Refused: true, CreatedAt: testNow.Add(-time.Hour)},
		{ID: "old", ConversationID: "c2", Channel: convlog.ChannelChat, Question: "很久以前的问题", Answer: "…", Refused: true, CreatedAt: testNow.AddDate(0, 0, -40)},
	} {
		if err := e.store.SaveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}

	var ins struct {
		Days   int `json:"days"`
		Groups []struct {
			Question   string   `json:"question"`
			Count      int      `json:"count"`
			Refused    int      `json:"refused"`
			ThumbsDown int      `json:"thumbs_down"`
			Examples   []string `json:"examples"`
			Comments   []string `json:"comments"`
		} `json:"groups"`
	}
	if err := json.Unmarshal([]byte(wantStatus(t, e.as(t, liToken, http.MethodGet, "/admin/api/insights", nil), http.StatusOK, "insights")), &ins); err != nil {
		t.Fatal(err)
	}
	if ins.Days != 30 || len(ins.Groups) != 3 {
		t.Fatalf("insights = %+v; want 3 groups over 30 days", ins)
	}
	g := ins.Groups[0]
	if g.Count != 2 || g.Refused != 2 || len(g.Examples) != 2 || !strings.HasPrefix(g.Question, "人才公寓") {
		t.Errorf("first group = %+v; want the two 人才公寓 questions", g)
	}
	var down bool
	for _, g := range ins.Groups {
		down = down || (g.Question == qLittleGiant && g.ThumbsDown == 1 && len(g.Comments) == 1 && g.Comments[0] == "金额不对")
	}
	if !down {
		t.Errorf("insights = %+v; want the 👎 answer with its comment", ins.Groups)
	}
	if more := decode[struct {
		Groups []json.RawMessage `json:"groups"`
	}](t, e.as(t, liToken, http.MethodGet, "/admin/api/insights?days=60", nil)); len(more.Groups) != 4 {
		t.Errorf("insights over 60 days has %d groups, want 4 (with the old question)", len(more.Groups))
	}

	res := e.as(t, liToken, http.MethodGet, "/admin/api/insights?days=30&format=csv", nil)
	body := wantStatus(t, res, http.StatusOK, "insights CSV")
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("CSV headers = %q, %q", ct, res.Header.Get("Content-Disposition"))
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if !strings.HasPrefix(body, "\ufeffquestion,count,refused,thumbs_down,") || len(lines) != 4 {
		t.Fatalf("CSV =\n%s\nwant a BOM, a header and 3 rows", body)
	}
	if !strings.Contains(body, `"'=HYPERLINK(""http://evil"")"`) {
		t.Errorf("CSV does not neutralise the formula:\n%s", body)
	}
	if !strings.Contains(lines[1], "人才公寓") || !strings.Contains(lines[1], ",2,2,0,") {
		t.Errorf("CSV first row = %q", lines[1])
	}
}

// TestAdminConcurrentPublishes asks while versions are published and
// rolled back: every answer quotes version 1's text or version 2's, whole,
// never an error or a mix.
func TestAdminConcurrentPublishes(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	wantStatus(t, e.upload(t, chenToken, "?publish=1", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil), http.StatusCreated, "upload v1")
	wantStatus(t, e.upload(t, chenToken, "", "ocean-v2.md", oceanDoc("wz-ocean", oceanV2), nil), http.StatusCreated, "upload v2")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var answers atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				data, _ := json.Marshal(map[string]string{"message": oceanQ})
				res, err := http.Post(e.URL+"/api/chat", "application/json", bytes.NewReader(data))
				if err != nil {
					t.Errorf("POST /api/chat: %v", err)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				var a chatResponse
				if res.StatusCode != http.StatusOK || json.Unmarshal(body, &a) != nil {
					t.Errorf("POST /api/chat during publishes = %d %s", res.StatusCode, body)
					return
				}
				q, ok := a.cites("wz-ocean")
				v1 := strings.Contains(q, "30%") && strings.Contains(q, "200万元") && !strings.Contains(a.Answer, "40%")
				v2 := strings.Contains(q, "40%") && strings.Contains(q, "300万元") && !strings.Contains(a.Answer, "30%")
				if !ok || v1 == v2 {
					t.Errorf("answer during publishes quotes %q: %q", q, a.Answer)
					return
				}
				answers.Add(1)
			}
		}()
	}
	wantStatus(t, e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=2", nil), http.StatusOK, "publish v2")
	for i := range 6 {
		path := fmt.Sprintf("/admin/api/documents/wz-ocean/rollback?version=%d", 1+i%2)
		wantStatus(t, e.as(t, liToken, http.MethodPost, path, nil), http.StatusOK, "rollback")
	}
	close(stop)
	wg.Wait()
	t.Logf("%d answers during 7 publishes", answers.Load())
}

func TestParseAdminTokens(t *testing.T) {
	long := "0123456789abcdef"
	tests := []struct {
		list, single string
		want         []web.AdminToken
		wantErr      string
	}{
		{"", "", nil, ""},
		{"", long, []web.AdminToken{{"admin", long}}, ""},
		{"chen:" + long + "x, li:" + long + "y", "", []web.AdminToken{{"chen", long + "x"}, {"li", long + "y"}}, ""},
		{"chen:" + long + ":with:colons", long, []web.AdminToken{{"chen", long + ":with:colons"}, {"admin", long}}, ""},
		{"chen:" + long + ",", "", []web.AdminToken{{"chen", long}}, ""},
		{"chen", "", nil, "not name:token"},
		{"chen:short", "", nil, "shorter than 16"},
		{"chen:" + long + ",chen:" + long + "x", "", nil, "twice"},
		{"chen:" + long + ",li:" + long, "", nil, "same token"},
		{"admin:" + long + "x", long, nil, "twice"},
		{"chen li:" + long, "", nil, "name"},
		{":" + long, "", nil, "name"},
	}
	for _, tc := range tests {
		got, err := web.ParseAdminTokens(tc.list, tc.single)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseAdminTokens(%q, %q) error = %v, want one about %q", tc.list, tc.single, err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), long) {
				t.Errorf("ParseAdminTokens error shows a token: %v", err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("ParseAdminTokens(%q, %q) = %v, %v; want %v", tc.list, tc.single, got, err, tc.want)
		}
	}
}

// TestAdminUploadFormats uploads each supported type with its metadata in
// the form: each becomes a publishable draft with its articles.
func TestAdminUploadFormats(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	read := func(name string) []byte {
		data, err := os.ReadFile("../ingest/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	page := []byte(`<!doctype html><html><head><meta charset="utf-8"><title>深海养殖装备措施</title></head><body>
<h1>关于支持深海养殖装备发展的若干措施</h1><p>第一条 为支持深海养殖装备产业发展，制定本措施。</p><p>第二条 ` + oceanV1 + `</p></body></html>`)
	tests := []struct {
		file     string
		data     []byte
		typ      string
		articles int
	}{
		{"policy.docx", read("policy.docx"), "docx", 9},
		{"policy.pdf", read("policy.pdf"), "pdf", 9},
		{"page.html", page, "html", 2},
		{"notes.txt", []byte("第一条 为支持深海养殖装备产业发展，制定本措施。\n\n第二条 " + oceanV1 + "\n"), "text", 2},
	}
	for i, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			fields := map[string]string{"id": fmt.Sprintf("wz-format-%d", i), "title": "格式测试", "category": "other", "effective_from": "2026-01-01"}
			res := e.upload(t, chenToken, "", tc.file, tc.data, fields)
			body := wantStatus(t, res, http.StatusCreated, "upload "+tc.file)
			var up struct {
				uploadResponse
				Type          string `json:"type"`
				EffectiveFrom string `json:"effective_from"`
			}
			if err := json.Unmarshal([]byte(body), &up); err != nil {
				t.Fatal(err)
			}
			if up.Type != tc.typ || len(up.Articles) != tc.articles || !up.Publishable || up.EffectiveFrom != "2026-01-01" || up.Status != "draft" {
				t.Errorf("upload %s = type %q, %d articles, publishable %v, effective_from %q, status %q; want %s, %d, true, 2026-01-01, draft",
					tc.file, up.Type, len(up.Articles), up.Publishable, up.EffectiveFrom, up.Status, tc.typ, tc.articles)
			}
			// The preview shows what the bot understood of each clause.
			if tc.file == "page.html" || tc.file == "notes.txt" {
				a := up.Articles[1]
				if len(a.Provisions) != 1 || a.Provisions[0].Kind != "benefit" ||
					!strings.Contains(a.Provisions[0].Describe, "按购置金额的30%") || !strings.Contains(a.Provisions[0].Describe, "最高200万元") {
					t.Errorf("upload %s: provisions of 第2条 = %+v, want the 30%% rate with its 200万元 cap", tc.file, a.Provisions)
				}
			}
		})
	}
}
