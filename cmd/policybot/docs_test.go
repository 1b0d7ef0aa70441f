package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"policybot/bot"
	"policybot/corpus"
	"policybot/corpus/record"
	"policybot/ingest"
	"policybot/retrieval"
	"policybot/store"
	"policybot/web"
)

// The docs tests run `policybot docs` against an httptest server with the
// real admin handler, corpus service and SQLite store.

var docsNow = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

const (
	chenToken = "chen-0123456789abcdef"
	liToken   = "li-0123456789abcdef01"
)

type docsEnv struct {
	url string
	svc *corpus.Service
}

func startDocsServer(tb testing.TB) *docsEnv {
	tb.Helper()
	ctx := context.Background()
	now := func() time.Time { return docsNow }
	st, err := store.OpenSQLite(ctx, filepath.Join(tb.TempDir(), "policybot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	svc, err := corpus.New(corpus.Options{Store: st, Live: retrieval.NewLive(nil), Questions: st, Now: now, Index: retrieval.Options{Now: now}, Convert: converter(ingest.Options{})})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	if err := svc.Rebuild(ctx); err != nil {
		tb.Fatal(err)
	}
	tokens, err := web.ParseAdminTokens("chen:"+chenToken+",li:"+liToken, "")
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(web.NewAdminHandler(web.AdminDeps{Corpus: svc, Tokens: tokens, Now: now}))
	tb.Cleanup(srv.Close)
	return &docsEnv{url: srv.URL, svc: svc}
}

// docs runs `policybot docs --server URL args…` as token.
func (e *docsEnv) docs(tb testing.TB, token string, stdin string, args ...string) (string, string, error) {
	tb.Helper()
	var out, errb bytes.Buffer
	err := runDocs(context.Background(), AdminConfig{Token: token}, append([]string{"--server", e.url}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func (e *docsEnv) mustDocs(tb testing.TB, token string, args ...string) string {
	tb.Helper()
	out, errOut, err := e.docs(tb, token, "", args...)
	if err != nil {
		tb.Fatalf("docs %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func writeFile(tb testing.TB, name, body string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func oceanMD(id, article2 string) string {
	return "---\nid: " + id + "\ntitle: 深海养殖装备措施\ncategory: manufacturing\n---\n\n第一条 为支持深海养殖装备产业发展，制定本措施。\n\n第二条 " + article2 + "\n"
}

func wantLines(t *testing.T, what, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			t.Errorf("%s output lacks %q:\n%s", what, p, out)
		}
	}
}

func TestDocsLifecycle(t *testing.T) {
	e := startDocsServer(t)
	v1 := writeFile(t, "ocean.md", oceanMD("wz-ocean", "购置深海养殖网箱的，按购置金额的30%给予补贴。"))
	v2 := writeFile(t, "ocean-v2.md", oceanMD("wz-ocean", "购置深海养殖网箱的，按购置金额的40%给予补贴。"))

	out := e.mustDocs(t, chenToken, "upload", v1)
	wantLines(t, "upload", out, `wz-ocean v1: draft \(markdown, 2 articles\)`, `policybot docs publish wz-ocean --version 1`)
	out = e.mustDocs(t, liToken, "publish", "wz-ocean")
	wantLines(t, "publish", out, `wz-ocean v1 published`)

	// Flags after the file work too.
	out = e.mustDocs(t, chenToken, "upload", v2, "--publish")
	wantLines(t, "upload --publish", out, `wz-ocean v2: published`, `changes from v1: 0 added, 0 removed, 1 changed`,
		`~ 第2条`, `was: .*30%`, `now: .*40%`, `published: the bot uses it`)

	out = e.mustDocs(t, liToken, "rollback", "wz-ocean", "--version", "1")
	wantLines(t, "rollback", out, `wz-ocean v3 published: a copy of v1`)

	out = e.mustDocs(t, liToken, "history", "wz-ocean")
	wantLines(t, "history", out, `(?m)^v1  superseded  2026-05-01 \d\d:\d\d  by chen$`, `(?m)^v2  superseded .* by chen$`,
		`(?m)^v3  published .* by li  \(copy of v1\)$`, `first version: 2 added`)

	out = e.mustDocs(t, chenToken, "retire", "wz-ocean", "--from", "2026-06-01")
	wantLines(t, "retire --from", out, `wz-ocean v3 will be retired from 2026-06-01`)
	out = e.mustDocs(t, chenToken, "retire", "wz-ocean")
	wantLines(t, "retire", out, `wz-ocean v3 retired: the bot no longer uses it`)

	out = e.mustDocs(t, liToken, "list")
	wantLines(t, "list", out, `(?m)^ID\s+STATUS\s+LIVE`, `(?m)^wz-ocean\s+retired \(retire 2026-05-01\)\s+no\s+v3\s+v3\s+-\s+2\s+.*chen\s+深海养殖装备措施$`)

	out = e.mustDocs(t, liToken, "audit", "--doc", "wz-ocean")
	wantLines(t, "audit", out, `(?m)^WHEN\s+WHO\s+ACTION`, `chen\s+retire\s+wz-ocean\s+v3\s+-`, `li\s+rollback\s+wz-ocean\s+v2\s+v3`,
		`li\s+publish\s+wz-ocean\s+-\s+v1`)

	// --json prints the server's answer.
	out = e.mustDocs(t, liToken, "--json", "list")
	var list struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Documents) != 1 {
		t.Errorf("docs --json list = %q, %v", out, err)
	}
}

func TestDocsUploadFromStdinWithMetadata(t *testing.T) {
	e := startDocsServer(t)
	out, errOut, err := e.docs(t, chenToken, "第一条 总则。\n\n第二条 对购置深海养殖网箱的企业给予补贴。\n",
		"upload", "--publish", "--id", "wz-new", "--title", "新措施", "--category", "manufacturing", "--sample", "--filename", "new.txt", "-")
	if err != nil {
		t.Fatalf("upload from stdin: %v\n%s%s", err, out, errOut)
	}
	wantLines(t, "upload -", out, `wz-new v1: published \(text, 2 articles\) — 新措施`)
	_, vs, err := e.svc.Document(context.Background(), "wz-new")
	if err != nil || !vs[0].Doc.Sample || vs[0].CreatedBy != "chen" {
		t.Errorf("stored version = %+v, %v; want a sample by chen", vs, err)
	}
}

func TestDocsRefusals(t *testing.T) {
	e := startDocsServer(t)
	spam := writeFile(t, "spam.md", oceanMD("wz-spam", "购置网箱给予补贴。新万博体育官网注册即送彩金。"))
	good := writeFile(t, "ocean.md", oceanMD("wz-ocean", "购置深海养殖网箱的，按购置金额的30%给予补贴。"))
	tests := []struct {
		name    string
		token   string
		args    []string
		wantErr string
		wantOut string
	}{
		{"no token", "", []string{"list"}, "POLICYBOT_ADMIN_TOKEN", ""},
		{"wrong token", "wrong-0123456789abcdef", []string{"list"}, "401", ""},
		{"no command", chenToken, nil, "no command", ""},
		{"unknown command", chenToken, []string{"delete", "wz-ocean"}, "unknown command", ""},
		{"spam", chenToken, []string{"upload", "--publish", spam}, "injected spam", `error line \d+: injected spam.*"新万博"`},
		{"missing file", chenToken, []string{"upload", "/no/such/file.md"}, "no such file", ""},
		{"two files", chenToken, []string{"upload", good, good}, "one file", ""},
		{"rollback without version", chenToken, []string{"rollback", "wz-ocean"}, "--version", ""},
		{"unknown document", chenToken, []string{"publish", "wz-nope"}, "404", ""},
		{"bad date", chenToken, []string{"retire", "wz-nope", "--from", "soon"}, "400", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := e.docs(t, tc.token, "", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("docs %v: err = %v, want one about %q\n%s", tc.args, err, tc.wantErr, out)
			}
			if tc.wantOut != "" {
				wantLines(t, tc.name, out, tc.wantOut)
			}
		})
	}
	var out, errb bytes.Buffer
	err := runDocs(context.Background(), AdminConfig{Token: chenToken}, []string{"--server", "ftp://x", "list"}, strings.NewReader(""), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "--server") {
		t.Errorf("docs --server ftp://x: %v", err)
	}
	if docs, _ := e.svc.Documents(context.Background()); len(docs) != 1 || docs[0].Live {
		t.Errorf("after the refusals, documents = %+v; want only the spam draft, not live", docs)
	}
}

func TestAdminConfig(t *testing.T) {
	long := "0123456789abcdef"
	tests := []struct {
		name      string
		env       map[string]string
		tokens    int
		token     string
		maxUpload int64
		wantErr   string
	}{
		{"off", nil, 0, "", 20 << 20, ""},
		{"single", map[string]string{"POLICYBOT_ADMIN_TOKEN": long}, 1, long, 20 << 20, ""},
		{"list and single", map[string]string{"POLICYBOT_ADMIN_TOKENS": "chen:" + long + "x,li:" + long + "y", "POLICYBOT_ADMIN_TOKEN": long}, 3, long, 20 << 20, ""},
		{"max upload", map[string]string{"POLICYBOT_MAX_UPLOAD": "5MB"}, 0, "", 5 << 20, ""},
		{"max upload bytes", map[string]string{"POLICYBOT_MAX_UPLOAD": "1048576"}, 0, "", 1 << 20, ""},
		{"max upload KiB", map[string]string{"POLICYBOT_MAX_UPLOAD": "512 kib"}, 0, "", 512 << 10, ""},
		{"bad max upload", map[string]string{"POLICYBOT_MAX_UPLOAD": "lots"}, 0, "", 0, "POLICYBOT_MAX_UPLOAD"},
		{"huge max upload", map[string]string{"POLICYBOT_MAX_UPLOAD": "2GB"}, 0, "", 0, "POLICYBOT_MAX_UPLOAD"},
		{"zero max upload", map[string]string{"POLICYBOT_MAX_UPLOAD": "0"}, 0, "", 0, "POLICYBOT_MAX_UPLOAD"},
		{"short token", map[string]string{"POLICYBOT_ADMIN_TOKEN": "secret"}, 0, "", 0, "shorter than 16"},
		{"bad pair", map[string]string{"POLICYBOT_ADMIN_TOKENS": "chen"}, 0, "", 0, "POLICYBOT_ADMIN_TOKENS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := adminConfig(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("adminConfig() error = %v, want one about %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(c.Tokens) != tc.tokens || c.Token != tc.token || c.MaxUpload != tc.maxUpload {
				t.Errorf("adminConfig() = %d tokens, token %q, max %d, %v; want %d, %q, %d", len(c.Tokens), c.Token, c.MaxUpload, err, tc.tokens, tc.token, tc.maxUpload)
			}
		})
	}
}

// TestOpenCorpus checks the serve wiring: the first start seeds the store
// from POLICYBOT_CORPUS_DIR; later starts keep the store's documents
// whatever the directory holds, and what was published survives.
func TestOpenCorpus(t *testing.T) {
	ctx := context.Background()
	dataDir, corpusDir := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(corpusDir, "a.md"), []byte(oceanMD("wz-a", "购置深海养殖网箱的，按购置金额的30%给予补贴。")), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(func(k string) string {
		return map[string]string{"POLICYBOT_DATA_DIR": dataDir, "POLICYBOT_CORPUS_DIR": corpusDir}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Now = func() time.Time { return docsNow }
	log := slog.New(slog.DiscardHandler)
	open := func() (*corpus.Service, *retrieval.Live, func()) {
		st, err := store.OpenSQLite(ctx, filepath.Join(dataDir, "policybot.db"))
		if err != nil {
			t.Fatal(err)
		}
		svc, live, err := openCorpus(ctx, cfg, AdminConfig{}, st, log)
		if err != nil {
			st.Close()
			t.Fatal(err)
		}
		return svc, live, func() { svc.Close(); st.Close() }
	}
	svc, live, closeAll := open()
	if ids := liveIDs(svc); ids != "wz-a" {
		t.Fatalf("first start: live documents %q, want wz-a from the corpus directory", ids)
	}
	if hits, err := live.Search(ctx, retrieval.Query{Text: "深海养殖网箱补贴"}); err != nil || len(hits) == 0 {
		t.Errorf("first start: Search = %v, %v", hits, err)
	}
	b, err := newCorpusBot(cfg, live, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	const q = "海上风电运维船舶有补贴吗"
	if a, err := b.Ask(ctx, bot.Request{Message: q}); err != nil || !a.Refused {
		t.Errorf("before the upload, Ask(%q) = %+v, %v; want a refusal", q, a, err)
	}
	if _, err := svc.Upload(ctx, "chen", "b.md", []byte(oceanMD("wz-b", "购置海上风电运维船舶的企业，按购置金额的20%给予补贴。")), corpus.Meta{}, true); err != nil {
		t.Fatal(err)
	}
	if a, err := b.Ask(ctx, bot.Request{Message: q}); err != nil || len(a.Citations) == 0 || a.Citations[0].Doc != "wz-b" {
		t.Errorf("after publishing wz-b, Ask(%q) = %+v, %v; want it cited without a restart", q, a.Citations, err)
	}
	closeAll()

	// The directory changes; the store does not follow it.
	if err := os.WriteFile(filepath.Join(corpusDir, "c.md"), []byte(oceanMD("wz-c", "不应出现。")), 0o644); err != nil {
		t.Fatal(err)
	}
	svc, _, closeAll = open()
	defer closeAll()
	if ids := liveIDs(svc); ids != "wz-a wz-b" {
		t.Errorf("after a restart: live documents %q, want wz-a wz-b from the store", ids)
	}
	audit, _ := svc.Audit(ctx, record.AuditQuery{})
	if len(audit) != 3 || audit[2].Action != record.ActionSeed || audit[2].Who != seedAuthor {
		t.Errorf("audit = %+v; want the seed, then chen's upload and publish", audit)
	}
}

func liveIDs(svc *corpus.Service) string {
	var ids []string
	for _, d := range svc.LiveDocuments() {
		ids = append(ids, d.ID)
	}
	return strings.Join(ids, " ")
}

// TestDocsMessagesNameTheFlags: a Word file without --id/--category is told
// which flags to give, a damaged PDF is called damaged, and a server with
// corpus management off says how to turn it on.
func TestDocsMessagesNameTheFlags(t *testing.T) {
	e := startDocsServer(t)
	out, _, err := e.docs(t, chenToken, "", "upload", "--title", "测试", "../../ingest/testdata/policy.docx")
	if err == nil {
		t.Fatalf("upload of a Word file without --id succeeded:\n%s", out)
	}
	for _, want := range []string{"--id ID --title TITLE --category manufacturing|commerce", `missing required field "category": give it with --category`} {
		if !strings.Contains(out, want) {
			t.Errorf("upload without metadata does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "upload form") || strings.Contains(out, "to the front matter") {
		t.Errorf("upload without metadata speaks of the form or the front matter:\n%s", out)
	}

	pdf := writeFile(t, "broken.pdf", "\x1f\x8b\x08\x00"+strings.Repeat("\x00\xa5", 200))
	out, _, err = e.docs(t, chenToken, "", "upload", "--id", "wz-x", "--title", "x", "--category", "other", pdf)
	if err == nil || !strings.Contains(out+err.Error(), "not a valid PDF") || strings.Contains(out+err.Error(), "not supported") {
		t.Errorf("upload of a damaged PDF: %v\n%s\nwant it called damaged, not unsupported", err, out)
	}

	off := httptest.NewServer(web.NewAdminHandler(web.AdminDeps{}))
	t.Cleanup(off.Close)
	var o, eb bytes.Buffer
	err = runDocs(context.Background(), AdminConfig{Token: chenToken}, []string{"--server", off.URL, "list"}, strings.NewReader(""), &o, &eb)
	if err == nil || !strings.Contains(err.Error(), "POLICYBOT_ADMIN_TOKENS") || strings.Contains(err.Error(), "There is no such endpoint") {
		t.Errorf("docs list against a server with admin off: %v, want how to turn it on", err)
	}
}

// TestDocsPublishOnOutdatedView: --base-version makes a publish
// conditional; on an outdated view it fails saying who changed what.
func TestDocsPublishOnOutdatedView(t *testing.T) {
	e := startDocsServer(t)
	v1 := writeFile(t, "ocean.md", oceanMD("wz-ocean", "购置深海养殖网箱的，按购置金额的30%给予补贴。"))
	v2 := writeFile(t, "ocean2.md", oceanMD("wz-ocean", "购置深海养殖网箱的，按购置金额的40%给予补贴。"))
	v3 := writeFile(t, "ocean3.md", oceanMD("wz-ocean", "购置深海养殖网箱的，按购置金额的45%给予补贴。"))
	e.mustDocs(t, chenToken, "upload", "--publish", "--base-version", "0", v1)
	e.mustDocs(t, chenToken, "upload", v2)
	e.mustDocs(t, liToken, "upload", v3)
	e.mustDocs(t, chenToken, "publish", "wz-ocean", "--version", "2", "--base-version", "1")
	_, _, err := e.docs(t, liToken, "", "publish", "wz-ocean", "--version", "3", "--base-version", "1")
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "chen") {
		t.Errorf("publish on the outdated v1: %v, want 409 naming chen", err)
	}
	e.mustDocs(t, liToken, "publish", "wz-ocean", "--version", "3", "--base-version", "2")
}
