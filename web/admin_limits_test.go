package web_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"policybot/web"
)

// TestAdminSignInLimited: 3,000 wrong tokens from one address in a burst
// are mostly refused without being checked, the log holds a line for the
// first and a summary, not one line each; the address waits longer after
// every further wrong token; other addresses are limited together too; a
// right token clears the count.
func TestAdminSignInLimited(t *testing.T) {
	var logs syncBuffer
	var now atomic.Int64 // seconds after testNow
	clock := func() time.Time { return testNow.Add(time.Duration(now.Load()) * time.Second) }
	proxy, _ := web.ParseTrustedProxies("127.0.0.1, ::1")
	e := startAdminServer(t, web.AdminDeps{Now: clock, Logger: slog.New(slog.NewTextHandler(&logs, nil)), TrustedProxies: proxy})
	try := func(token, from string) *http.Response {
		t.Helper()
		return e.request(t, http.MethodPost, "/admin/login", strings.NewReader(url.Values{"token": {token}}.Encode()),
			"Content-Type", "application/x-www-form-urlencoded", "X-Forwarded-For", from)
	}
	codes := map[int]int{}
	for range 3000 {
		res := try("wrong-wrong-wrong-wrong", "203.0.113.7")
		codes[res.StatusCode]++
		res.Body.Close()
	}
	if codes[http.StatusUnauthorized] != 5 || codes[http.StatusTooManyRequests] != 2995 {
		t.Errorf("3000 wrong tokens from one address: %v, want 5 × 401 then 429", codes)
	}
	res := try(chenToken, "203.0.113.7")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" {
		t.Errorf("the right token while waiting = %d, Retry-After %q; want 429 and 1 s", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Back-off: each further wrong token doubles the wait.
	for i, want := range []string{"2", "4", "8"} {
		now.Add(int64(1 << i))
		wantStatus(t, try("wrong-wrong-wrong-wrong", "203.0.113.7"), http.StatusUnauthorized, "a wrong token after the wait")
		if res := try("wrong-wrong-wrong-wrong", "203.0.113.7"); res.Header.Get("Retry-After") != want {
			t.Errorf("wait after wrong token %d = %q s, want %s", 6+i, res.Header.Get("Retry-After"), want)
		}
	}
	// Another address is not held up by this one …
	wantStatus(t, try("wrong-wrong-wrong-wrong", "198.51.100.1"), http.StatusUnauthorized, "another address")
	// … and the right token clears an address's count.
	now.Add(8)
	wantStatus(t, try(chenToken, "203.0.113.7"), http.StatusSeeOther, "the right token after the wait")
	for range 5 {
		wantStatus(t, try("wrong-wrong-wrong-wrong", "203.0.113.7"), http.StatusUnauthorized, "wrong tokens after a sign-in")
	}
	// Many addresses together: past the global budget every sign-in waits.
	now.Add(3600)
	refused := 0
	for i := range 200 {
		res := try("wrong-wrong-wrong-wrong", fmt.Sprintf("192.0.2.%d", 1+i%100))
		if res.StatusCode == http.StatusTooManyRequests {
			refused++
		}
		res.Body.Close()
	}
	if refused < 150 {
		t.Errorf("200 wrong tokens from 100 addresses at once: %d refused, want most (a global limit)", refused)
	}
	// The log: one line per address's first failure in a minute and
	// summaries, not a line per try.
	now.Add(120)
	try("wrong-wrong-wrong-wrong", "198.51.100.9").Body.Close()
	var lines, summaries int
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "sign-in") {
			lines++
		}
		if strings.Contains(l, "failed sign-ins") && strings.Contains(l, "wrong_tokens=") {
			summaries++
		}
	}
	// The first minute: 5 + 3 + 5 wrong tokens from 203.0.113.7 and one
	// from 198.51.100.1; 2,995 + 1 + 3 tries refused while waiting.
	first := regexp.MustCompile(`wrong_tokens=(\d+) refused_waiting=(\d+) clients=(\d+) `).FindStringSubmatch(logs.String())
	if lines > 130 || summaries < 2 || first == nil || first[1] != "14" || first[2] != "2999" || first[3] != "2" {
		t.Errorf("%d sign-in log lines (%d summaries) for ~3,240 tries, want one per address and minute and a summary per minute with the counts:\n%s",
			lines, summaries, grep(logs.String(), "summ"))
	}
}

// TestAdminBehindProxy: a proxy that rewrites Host; the browser's origin is
// POLICYBOT_PUBLIC_URL's, and sign-in and cookie writes from it work, while
// another origin is still refused.
func TestAdminBehindProxy(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{PublicURL: "https://policybot.example.gov.cn/"})
	login := func(origin string) *http.Response {
		return e.request(t, http.MethodPost, "/admin/login", strings.NewReader(url.Values{"token": {chenToken}}.Encode()),
			"Content-Type", "application/x-www-form-urlencoded", "Origin", origin)
	}
	wantStatus(t, login("https://evil.example.com"), http.StatusForbidden, "sign-in from another site")
	res := login("https://policybot.example.gov.cn")
	wantStatus(t, res, http.StatusSeeOther, "sign-in from the public origin")
	var c *http.Cookie
	for _, k := range res.Cookies() {
		c = k
	}
	csrf, _ := e.page(t, c)
	wantStatus(t, e.request(t, http.MethodPost, "/admin/logout", nil, "Cookie", c.Name+"="+c.Value, "X-CSRF-Token", csrf,
		"Origin", "https://policybot.example.gov.cn"), http.StatusOK, "a cookie write from the public origin")
}

// TestAdminOffSaysHow: with no admin token the API answers 404 saying how
// to turn it on (policybot docs prints it).
func TestAdminOffSaysHow(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/admin/api/documents", nil)
	req.Header.Set("Authorization", "Bearer anything-at-all-long")
	web.NewAdminHandler(web.AdminDeps{}).ServeHTTP(rec, req)
	var e errorResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusNotFound || e.Code != "admin_off" ||
		!strings.Contains(e.Error, "POLICYBOT_ADMIN_TOKENS") || !strings.Contains(e.ErrorZh, "POLICYBOT_ADMIN_TOKEN") {
		t.Errorf("admin API with admin off = %d %s, want 404 admin_off naming the variables", rec.Code, rec.Body.String())
	}
}

// TestAdminPublishOnOutdatedView: two officials publish versions of the
// same document at once, each having looked at v1. The second gets 409
// saying what changed and who changed it, instead of silently replacing
// the first's; If-Match works like base_version, and the document's ETag
// is its current version.
func TestAdminPublishOnOutdatedView(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	wantStatus(t, e.upload(t, chenToken, "?publish=1", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil), http.StatusCreated, "upload v1")
	wantStatus(t, e.upload(t, chenToken, "", "ocean-v2.md", oceanDoc("wz-ocean", oceanV2), nil), http.StatusCreated, "upload v2")
	wantStatus(t, e.upload(t, liToken, "", "ocean-v3.md", oceanDoc("wz-ocean", strings.ReplaceAll(oceanV2, "40%", "45%")), nil), http.StatusCreated, "upload v3")
	if res := e.as(t, chenToken, http.MethodGet, "/admin/api/documents/wz-ocean", nil); res.Header.Get("ETag") != `"1"` {
		t.Errorf("document ETag = %q, want \"1\" (the current version)", res.Header.Get("ETag"))
	}

	wantStatus(t, e.as(t, chenToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=2&base_version=1", nil), http.StatusOK, "chen publishes v2 on v1")
	res := e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=3&base_version=1", nil)
	var stale struct {
		Code           string `json:"code"`
		ErrorZh        string `json:"error_zh"`
		BaseVersion    int    `json:"base_version"`
		CurrentVersion int    `json:"current_version"`
		ChangedBy      string `json:"changed_by"`
		Diff           struct {
			Changed []struct {
				Label string `json:"label"`
				Text  string `json:"text"`
			} `json:"changed"`
		} `json:"diff"`
	}
	if err := json.Unmarshal([]byte(wantStatus(t, res, http.StatusConflict, "li publishes v3 on the outdated v1")), &stale); err != nil {
		t.Fatal(err)
	}
	if stale.Code != "stale_version" || stale.BaseVersion != 1 || stale.CurrentVersion != 2 || stale.ChangedBy != "chen" ||
		len(stale.Diff.Changed) != 1 || !strings.Contains(stale.Diff.Changed[0].Text, "40%") || !strings.Contains(stale.ErrorZh, "chen") {
		t.Errorf("409 = %+v, want what changed from v1 to v2 and that chen changed it", stale)
	}
	if a := e.ask(t, oceanQ); !strings.Contains(a.Answer, "40%") {
		t.Errorf("after the refused publish the bot answers %q, want chen's v2", a.Answer)
	}
	wantStatus(t, e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=3", nil, "If-Match", `"1"`), http.StatusConflict, "If-Match on the outdated v1")
	wantStatus(t, e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish?version=3", nil, "If-Match", `"2"`), http.StatusOK, "If-Match on the fresh v2")
	wantStatus(t, e.as(t, liToken, http.MethodPost, "/admin/api/documents/wz-ocean/publish?base_version=x", nil), http.StatusBadRequest, "a bad base_version")
}

// TestAdminUploadEncodingAndLinks: a UTF-8 byte-order mark (Word, Notepad)
// is removed with a warning; a javascript: or data: source_url and an
// over-long id are refused.
func TestAdminUploadEncodingAndLinks(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	var up uploadResponse
	body := wantStatus(t, e.upload(t, chenToken, "?publish=1", "bom.md", append([]byte("\ufeff"), oceanDoc("wz-bom", oceanV1)...), nil), http.StatusCreated, "upload with a BOM")
	if err := json.Unmarshal([]byte(body), &up); err != nil {
		t.Fatal(err)
	}
	if !up.Published || !strings.Contains(body, "byte-order mark") {
		t.Errorf("upload with a BOM = %s, want it published with a warning", body)
	}
	for name, md := range map[string][]byte{
		"javascript": oceanDoc("wz-js", oceanV1, "source_url: javascript:alert(1)\n"),
		"data":       oceanDoc("wz-data", oceanV1, "source_url: data:text/html,<b>x</b>\n"),
		"long id":    oceanDoc("wz-"+strings.Repeat("x", 70), oceanV1),
	} {
		res := e.upload(t, chenToken, "?publish=1", name+".md", md, nil)
		if b := wantStatus(t, res, http.StatusUnprocessableEntity, name); !strings.Contains(b, "http:// or https://") && !strings.Contains(b, "limit is 64") {
			t.Errorf("%s: %s, want the reason", name, b)
		}
	}
}
