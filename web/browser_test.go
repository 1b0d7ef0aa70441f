package web_test

// Real-browser tests of the widget and the pages, with chromedp and Debian's
// chromium. They need /usr/bin/chromium (and fonts-wqy-microhei for the
// screenshots to show Chinese): `make test` installs both through
// .ci/deps.sh. Without chromium the tests are skipped, except when CI=true,
// where they fail.
//
// Screenshots go to the directory $POLICYBOT_ARTIFACTS (CI keeps them as
// artifacts), else to a temporary directory; each path is logged.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"policybot/bot"
	"policybot/policies"
	"policybot/retrieval"
	"policybot/store"
	"policybot/web"
)

const chromiumPath = "/usr/bin/chromium"

// helpers is installed in every page before its own scripts: it reaches into
// the widget's (open) shadow root and records uncaught errors.
const helpers = `
window.__pbErrors = [];
window.addEventListener('error', function (e) { window.__pbErrors.push(String(e.message || e)); });
window.addEventListener('unhandledrejection', function (e) { window.__pbErrors.push('unhandled rejection: ' + String(e.reason)); });
window.__pb = function (sel) {
  var h = document.querySelector('policybot-widget');
  return h && h.shadowRoot ? h.shadowRoot.querySelector(sel) : null;
};
window.__pbAll = function (sel) {
  var h = document.querySelector('policybot-widget');
  return h && h.shadowRoot ? Array.prototype.slice.call(h.shadowRoot.querySelectorAll(sel)) : [];
};
window.__pbLastBot = function () {
  var all = window.__pbAll('.pb-bot:not(.pb-welcome)');
  return all.length ? all[all.length - 1] : null;
};
`

// newTab starts a headless chromium for the test and returns the context of
// its first tab, with helpers installed.
func newTab(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := fmt.Sprintf("browser test needs %s (apt-get install chromium fonts-wqy-microhei, or run `make test`, which installs them): %v", chromiumPath, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("browser test skipped in -short mode")
	}
	profile := t.TempDir() // registered first, so it is removed after chromium has exited
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc) // waits for chromium to exit
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: helpers})
		return err
	})); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		// A JavaScript error anywhere in the page is a bug in the widget.
		if errs, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__pbErrors || []`)); err == nil && len(errs) > 0 {
			t.Errorf("JavaScript errors in the page: %q", errs)
		}
	})
	return tab
}

// do runs actions that return nothing and fails the test on an error.
func do(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it is truthy.
func waitFor(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		shot(t, ctx, "failure-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// clickWidget clicks the centre of an element of the widget with the mouse.
func clickWidget(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	waitFor(t, ctx, sel+" visible", fmt.Sprintf(`(function(){var e=__pb(%q); if(!e) return false; var r=e.getBoundingClientRect(); return r.width>0 && r.height>0 && getComputedStyle(e).visibility!=='hidden';})()`, sel))
	pt := eval[struct{ X, Y float64 }](t, ctx, fmt.Sprintf(`(function(){var e=__pb(%q); e.scrollIntoView({block:'nearest'}); var r=e.getBoundingClientRect(); return {X:r.x+r.width/2, Y:r.y+r.height/2};})()`, sel))
	do(t, ctx, "click "+sel, chromedp.MouseClickXY(pt.X, pt.Y))
}

// pressEnter presses Enter (with Shift when shift is set) the way a keyboard
// does: one keyDown that carries the text, so that a page that cancels the
// keydown also cancels the newline. (chromedp.KeyEvent sends the text in a
// separate "char" event, which a cancelled keydown does not stop.)
func pressEnter(shift bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		var mods int64
		if shift {
			mods = int64(chromedp.ModifierShift)
		}
		down := input.DispatchKeyEventParams{
			Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", Text: "\r", UnmodifiedText: "\r",
			WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Modifiers: mods,
		}
		if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := down
		up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
		_, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, up)
		return err
	})
}

// artifacts is where screenshots go.
func artifacts(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("POLICYBOT_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// artifactDirs keeps each running test's screenshot directory, so one test
// logs one directory. It is keyed by the test itself, not its name, and
// forgotten when the test ends: a temporary directory is removed then, and
// the next run of the same test (go test -count=2) makes its own.
var artifactDirs sync.Map // testing.TB → directory

// artifactDir is t's screenshot directory.
func artifactDir(t testing.TB) string {
	t.Helper()
	if dir, ok := artifactDirs.Load(t); ok {
		return dir.(string)
	}
	dir := artifacts(t)
	artifactDirs.Store(t, dir)
	t.Cleanup(func() { artifactDirs.Delete(t) })
	return dir
}

// shot saves a PNG screenshot of the viewport as name.png.
func shot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir := artifactDir(t)
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Errorf("save screenshot: %v", err)
		return ""
	}
	t.Logf("screenshot: %s", path)
	return path
}

// fakeAPI is a stand-in server for the widget's API, so the browser can be
// fed answers no real corpus would produce (markup, hostile URLs, errors).
type fakeAPI struct {
	mu       sync.Mutex
	chats    []map[string]any
	feedback []map[string]any
}

func (f *fakeAPI) chatRequests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.chats...)
}

func (f *fakeAPI) feedbackRequests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.feedback...)
}

const (
	xssImg    = `<img src=x onerror=window.__xss=1>`
	xssScript = `<script>window.__xss=2</script>`
)

func (f *fakeAPI) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	serveFile := func(path, ctype string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read %s: %v", path, err)
				http.Error(w, err.Error(), 500)
				return
			}
			w.Header().Set("Content-Type", ctype)
			w.Write(b)
		}
	}
	mux.HandleFunc("GET /widget.js", serveFile("assets/widget.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /widget.css", serveFile("assets/widget.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>/* hostile host-page CSS the widget must survive */
* { font-size: 9px !important; } button { background: red; } div { padding: 30px; }</style></head>
<body><h1>宿主页面</h1><script src="/widget.js" data-title="测试助手" async></script></body></html>`)
	})
	mux.HandleFunc("POST /api/chat/stream", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("chat request Content-Type = %q, want application/json", ct)
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("chat request body: %v", err)
		}
		f.mu.Lock()
		f.chats = append(f.chats, req)
		n := len(f.chats)
		f.mu.Unlock()
		if n > 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":"too many requests","error_zh":"提问太频繁了，请稍后再试。"}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		event := func(name string, v any) {
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
			fl.Flush()
			time.Sleep(20 * time.Millisecond) // let the browser see separate pieces
		}
		event("delta", map[string]string{"text": xssImg})
		event("delta", map[string]string{"text": xssScript})
		event("citations", []map[string]any{
			{"doc": "evil", "article": 1, "label": "第1条", "title": `<img src=x onerror=window.__xss=3>`, "department": "<b>部门</b>",
				"url": "javascript:window.__xss=4", "quote": `<script>window.__xss=5</script>`},
			{"doc": "wz-test", "article": 2, "label": "第2条", "title": "测试文件", "department": "区工信局",
				"url": "/policies/wz-test#article-2", "quote": "引文"},
		})
		event("done", map[string]any{"conversation_id": "conv-1", "message_id": "msg-1", "answer": xssImg + xssScript,
			"refused": false, "notice": `<img src=x onerror=window.__xss=6>示例提示`, "replaced": false})
	})
	mux.HandleFunc("POST /api/feedback", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("feedback body: %v", err)
		}
		f.mu.Lock()
		f.feedback = append(f.feedback, req)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /favicon.ico", http.NotFound)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s (an injected element loading?)", r.Method, r.URL)
		http.NotFound(w, r)
	})
	return mux
}

// TestBrowserWidget drives the widget against a fake API: text-only
// rendering of hostile answers, keyboard use, feedback, sessionStorage,
// HTTP errors and the phone layout.
func TestBrowserWidget(t *testing.T) {
	ctx := newTab(t)
	api := &fakeAPI{}
	srv := httptest.NewServer(api.handler(t))
	t.Cleanup(srv.Close)

	do(t, ctx, "open host page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/"))
	clickWidget(t, ctx, ".pb-bubble")

	// Opening moves focus to the input; the panel is a non-modal dialog.
	waitFor(t, ctx, "focus in the input", `__pb('.pb-panel') && !__pb('.pb-panel').hidden && document.querySelector('policybot-widget').shadowRoot.activeElement === __pb('.pb-input')`)
	a11y := eval[map[string]string](t, ctx, `({
		role: __pb('.pb-panel').getAttribute('role'),
		modal: __pb('.pb-panel').getAttribute('aria-modal'),
		live: __pb('.pb-log').getAttribute('aria-live'),
		maxlength: __pb('.pb-input').getAttribute('maxlength'),
		expanded: __pb('.pb-bubble').getAttribute('aria-expanded'),
		bubbleLabel: __pb('.pb-bubble').getAttribute('aria-label') || '',
		title: __pb('.pb-title').textContent,
		inputFont: getComputedStyle(__pb('.pb-input')).fontSize,
	})`)
	want := map[string]string{"role": "dialog", "modal": "false", "live": "polite", "maxlength": "1000", "expanded": "true", "title": "测试助手", "inputFont": "16px"}
	for k, v := range want {
		if a11y[k] != v {
			t.Errorf("widget %s = %q, want %q (host page CSS leaking in?)", k, a11y[k], v)
		}
	}
	if a11y["bubbleLabel"] == "" {
		t.Error("the open bubble (its label hidden) has no aria-label")
	}

	// Shift+Enter is a newline, Enter sends.
	do(t, ctx, "type first line", chromedp.KeyEvent("XSS测试"), pressEnter(true))
	if v := eval[string](t, ctx, `__pb('.pb-input').value`); v != "XSS测试\n" {
		t.Errorf("after Shift+Enter the input holds %q, want %q", v, "XSS测试\n")
	}
	if n := len(api.chatRequests()); n != 0 {
		t.Fatalf("Shift+Enter sent %d requests, want 0", n)
	}
	do(t, ctx, "type and send", chromedp.KeyEvent("第二行"), pressEnter(false))
	waitFor(t, ctx, "the answer is done", `__pbLastBot() && __pbLastBot().querySelector('.pb-feedback')`)

	reqs := api.chatRequests()
	if len(reqs) != 1 || reqs[0]["message"] != "XSS测试\n第二行" {
		t.Fatalf("chat requests = %v, want one with message %q", reqs, "XSS测试\n第二行")
	}
	if _, ok := reqs[0]["conversation_id"]; ok {
		t.Errorf("first request sent a conversation_id: %v", reqs[0])
	}

	checkInert := func(when string) {
		t.Helper()
		got := eval[map[string]any](t, ctx, `({
			xss: typeof window.__xss,
			text: __pbLastBot().querySelector('.pb-text').textContent,
			elements: __pbAll('img, script').length + document.querySelectorAll('body img').length,
			cites: __pbAll('.pb-cite-link').map(function (a) { return [a.tagName, a.getAttribute('href') || '', a.textContent, a.getAttribute('target') || '', a.getAttribute('rel') || '']; }),
			quote: __pbLastBot().querySelector('.pb-quote').textContent,
			notice: __pbLastBot().querySelector('.pb-notice').textContent,
		})`)
		if got["xss"] != "undefined" {
			t.Errorf("%s: window.__xss is %v: injected markup ran", when, got["xss"])
		}
		if got["text"] != xssImg+xssScript {
			t.Errorf("%s: answer text = %q, want the markup shown literally", when, got["text"])
		}
		if got["elements"] != 0.0 {
			t.Errorf("%s: %v <img>/<script> elements in the page, want 0", when, got["elements"])
		}
		if got["quote"] != "<script>window.__xss=5</script>" || got["notice"] != "<img src=x onerror=window.__xss=6>示例提示" {
			t.Errorf("%s: quote %q, notice %q: want them literal", when, got["quote"], got["notice"])
		}
		cites, _ := json.Marshal(got["cites"])
		wantCites, _ := json.Marshal([][]string{
			{"SPAN", "", "《<img src=x onerror=window.__xss=3>》第1条 · <b>部门</b>", "", ""},
			{"A", srv.URL + "/policies/wz-test#article-2", "《测试文件》第2条 · 区工信局（在新窗口打开原文）", "_blank", "noopener"},
		})
		if string(cites) != string(wantCites) {
			t.Errorf("%s: citations = %s, want %s (javascript: URL must not become a link)", when, cites, wantCites)
		}
	}
	checkInert("after streaming")

	shot(t, ctx, "widget-text-only")

	// 👍 posts feedback for the message id from "done".
	clickWidget(t, ctx, ".pb-fb")
	waitFor(t, ctx, "feedback acknowledged", `__pbLastBot().querySelector('.pb-fb-status').textContent.indexOf('感谢') >= 0`)
	if fb := api.feedbackRequests(); len(fb) != 1 || fb[0]["message_id"] != "msg-1" || fb[0]["rating"] != "up" {
		t.Errorf("feedback requests = %v, want one {message_id: msg-1, rating: up}", fb)
	}

	// 👎 changes the rating and offers an optional comment. On a short
	// screen, with the log scrolled to the 👎 button, the box opens below
	// the visible part of the log unless the widget brings it into view.
	do(t, ctx, "short screen", chromedp.EmulateViewport(1280, 480))
	// The widget keeps the log at its end on a resize; let that happen first.
	waitFor(t, ctx, "the resize handled", `innerHeight === 480 && new Promise(function (ok) { requestAnimationFrame(function () { requestAnimationFrame(function () { ok(true); }); }); })`)
	do(t, ctx, "scroll the log to the buttons", chromedp.Evaluate[chromedp.Void](`(function(){
		var log = __pb('.pb-log'), b = __pb('.pb-fb-down');
		log.scrollTop += b.getBoundingClientRect().bottom - log.getBoundingClientRect().bottom + 2;
	})()`))
	clickWidget(t, ctx, ".pb-fb-down")
	waitFor(t, ctx, "comment box", `__pb('.pb-fb-text') && __pbAll('.pb-fb-down[aria-pressed="true"]').length === 1`)
	// The box opens in view, with the cursor in it.
	waitFor(t, ctx, "comment box in view and focused", `(function(){
		var log = __pb('.pb-log').getBoundingClientRect(), f = __pb('.pb-fb-send').getBoundingClientRect();
		return f.top >= log.top && f.bottom <= log.bottom && document.querySelector('policybot-widget').shadowRoot.activeElement === __pb('.pb-fb-text');
	})()`)
	do(t, ctx, "write a comment", chromedp.KeyEvent("没说申请条件"))
	clickWidget(t, ctx, ".pb-fb-send")
	waitFor(t, ctx, "comment acknowledged", `!__pb('.pb-fb-form') && __pbLastBot().querySelector('.pb-fb-status').textContent.indexOf('已收到') >= 0`)
	do(t, ctx, "desktop screen", chromedp.EmulateViewport(1280, 800))
	fb, _ := json.Marshal(api.feedbackRequests())
	if want := `[{"message_id":"msg-1","rating":"up"},{"message_id":"msg-1","rating":"down"},{"comment":"没说申请条件","message_id":"msg-1","rating":"down"}]`; string(fb) != want {
		t.Errorf("feedback requests = %s, want %s", fb, want)
	}

	// A reload restores the transcript (and the open panel) from sessionStorage.
	keys := eval[[]string](t, ctx, `Object.keys(sessionStorage)`)
	if len(keys) == 0 || !strings.HasPrefix(keys[0], "policybot:") {
		t.Errorf("sessionStorage keys = %q, want a policybot: key", keys)
	}
	do(t, ctx, "reload", chromedp.Reload())
	waitFor(t, ctx, "transcript restored", `__pbAll('.pb-user').length === 1 && __pbLastBot() && __pbLastBot().querySelector('.pb-fb[aria-pressed="true"]')`)
	checkInert("after reload")

	// Escape closes the panel and gives focus back to the bubble.
	do(t, ctx, "focus input", chromedp.Evaluate[chromedp.Void](`__pb('.pb-input').focus()`), chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "panel closed", `__pb('.pb-panel').hidden && document.querySelector('policybot-widget').shadowRoot.activeElement === __pb('.pb-bubble') && __pb('.pb-bubble').getAttribute('aria-expanded') === 'false'`)

	// Keyboard only: Enter on the focused bubble opens it again, then a 429
	// shows the server's Chinese message with the wait.
	do(t, ctx, "reopen with Enter", pressEnter(false))
	waitFor(t, ctx, "panel open, input focused", `!__pb('.pb-panel').hidden && document.querySelector('policybot-widget').shadowRoot.activeElement === __pb('.pb-input')`)
	do(t, ctx, "ask again", chromedp.KeyEvent("再问一次"), pressEnter(false))
	waitFor(t, ctx, "error shown", `__pbLastBot().querySelector('.pb-error-text')`)
	if msg := eval[string](t, ctx, `__pbLastBot().querySelector('.pb-error-text').textContent`); msg != "提问太频繁了，请稍后再试。（请约30秒后重试）" {
		t.Errorf("429 shows %q, want the error_zh with the Retry-After wait", msg)
	}
	if reqs := api.chatRequests(); len(reqs) != 2 || reqs[1]["conversation_id"] != "conv-1" {
		t.Errorf("second request = %v, want conversation_id conv-1 (restored from sessionStorage)", reqs)
	}
	if sendDisabled := eval[bool](t, ctx, `__pb('.pb-send').disabled`); sendDisabled {
		t.Error("send button still disabled after an error")
	}
	// The question that got no answer is back in the input, to send again.
	if v := eval[string](t, ctx, `__pb('.pb-input').value`); v != "再问一次" {
		t.Errorf("after a 429 the input holds %q, want the question back", v)
	}

	// Phones: under 480px the panel covers the screen.
	do(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	waitFor(t, ctx, "full-screen panel", `(function(){var r=__pb('.pb-panel').getBoundingClientRect(); return r.left===0 && r.top===0 && r.width===innerWidth && r.height===innerHeight;})()`)
	shot(t, ctx, "widget-phone")
}

// TestBrowserDemo is the end-to-end check: the real server, the demo page,
// the README's first question (the 国家级专精特新小巨人 reward), the streamed
// answer with its citation, and the cited article.
func TestBrowserDemo(t *testing.T) {
	ctx := newTab(t)
	base := startServer(t)

	do(t, ctx, "open demo page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base+"/"))
	if title := eval[string](t, ctx, `document.querySelector('h1').textContent`); title == "" {
		t.Error("demo page has no heading")
	}
	waitFor(t, ctx, "widget loaded", `__pb('.pb-bubble') && !__pb('.pb-root').hidden`)
	checkAxe(t, ctx, "demo page, widget closed")
	if name := eval[string](t, ctx, `__pb('.pb-bubble').getAttribute('aria-label') || __pb('.pb-bubble').textContent`); name != "政策咨询" {
		t.Errorf("the closed bubble's accessible name is %q, want its visible label 政策咨询", name)
	}
	if icon := eval[string](t, ctx, `(document.querySelector('link[rel=icon]') || {}).href || ''`); !strings.HasSuffix(icon, "/favicon.svg") {
		t.Errorf("demo page icon = %q, want /favicon.svg", icon)
	} else if st, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/favicon.ico').then(function (r) { return r.status; })`, chromedp.EvalAwaitPromise)); err != nil || st != 200 {
		t.Errorf("GET /favicon.ico = %d, %v; want 200", st, err)
	}
	clickWidget(t, ctx, ".pb-bubble")
	waitFor(t, ctx, "input focused, panel shown", `document.querySelector('policybot-widget').shadowRoot.activeElement === __pb('.pb-input') && __pb('.pb-panel').getAnimations().length === 0`)
	shot(t, ctx, "demo-open")

	// Record every version of the answer text as it streams in.
	do(t, ctx, "observe the answer", chromedp.Evaluate[chromedp.Void](`(function(){
		window.__pbVersions = [];
		new MutationObserver(function (recs) {
			recs.forEach(function (r) {
				var el = r.target.nodeType === 1 ? r.target : r.target.parentNode;
				if (!el.classList || !el.classList.contains('pb-text') || !el.closest('.pb-bot')) return;
				r.addedNodes.forEach(function (n) { if (n.nodeType === 3) window.__pbVersions.push(n.data); });
			});
		}).observe(__pb('.pb-log'), {childList: true, subtree: true, characterData: true});
		// Frames painted while the answer shows only its typing dots: an
		// offline answer is ready at once, and must still show that it is
		// being worked on.
		window.__pbTypingFrames = 0;
		(function frame() {
			var b = __pbLastBot();
			if (b && b.querySelector('.pb-typing') && !b.querySelector('.pb-text').textContent) window.__pbTypingFrames++;
			if (!b || !b.querySelector('.pb-feedback')) requestAnimationFrame(frame);
		})();
	})()`))

	const question = "首次被认定为国家级专精特新小巨人企业奖励多少？"
	do(t, ctx, "ask", chromedp.KeyEvent(question), pressEnter(false))
	waitFor(t, ctx, "the answer with a citation", `__pbLastBot() && __pbLastBot().querySelector('.pb-feedback') && __pbLastBot().querySelector('a.pb-cite-link')`)
	shot(t, ctx, "demo-answer")

	answer := eval[string](t, ctx, `__pbLastBot().querySelector('.pb-text').textContent`)
	if !strings.Contains(answer, "50万元") {
		t.Errorf("answer = %q, want it to contain 50万元", answer)
	}
	if frames := eval[int](t, ctx, `window.__pbTypingFrames`); frames < 3 {
		t.Errorf("the typing dots were painted in %d frames before the offline answer appeared, want them seen (3 or more)", frames)
	}
	// The clause is quoted once: in the answer, not again under 出处.
	if got := eval[map[string]any](t, ctx, `({text: __pbLastBot().querySelector('.pb-text').textContent, all: __pbLastBot().textContent,
		quotes: __pbLastBot().querySelectorAll('.pb-quote').length})`); got["quotes"] != 0.0 {
		t.Errorf("the answer quotes its clause and the 出处 block quotes it again (%v blocks): %q", got["quotes"], got["all"])
	}
	checkAxe(t, ctx, "demo page, an answer shown")
	versions := eval[[]string](t, ctx, `window.__pbVersions`)
	if len(versions) < 2 || versions[len(versions)-1] != answer {
		t.Errorf("answer text went through %d versions %q, want it streamed in pieces ending with the answer", len(versions), versions)
	}
	for i := 1; i < len(versions); i++ {
		if !strings.HasPrefix(versions[i], versions[i-1]) {
			t.Errorf("streamed text %d %q does not extend %q", i, versions[i], versions[i-1])
		}
	}
	link := eval[map[string]string](t, ctx, `(function(){var a=__pbLastBot().querySelector('a.pb-cite-link'); return {href: a.href, target: a.target, rel: a.rel, text: a.textContent};})()`)
	if !strings.HasSuffix(link["href"], "/policies/wz-mfg-2025#article-6") {
		t.Fatalf("citation link %q, want …/policies/wz-mfg-2025#article-6", link["href"])
	}
	if link["target"] != "_blank" || !strings.Contains(link["rel"], "noopener") || !strings.Contains(link["text"], "第6条") {
		t.Errorf("citation link = %v, want 第6条, opening in a new tab with rel=noopener", link)
	}
	if notice := eval[string](t, ctx, `(__pbLastBot().querySelector('.pb-notice') || {}).textContent || ''`); !strings.Contains(notice, "示例") {
		t.Errorf("sample notice = %q, want the sample-text notice", notice)
	}

	// The link opens a new tab for users; the test follows the same href here.
	do(t, ctx, "follow the citation", chromedp.Navigate(link["href"]))
	waitFor(t, ctx, "the cited article is the :target", `location.hash === '#article-6' && document.querySelector(':target') && document.querySelector(':target').id === 'article-6'`)
	target := eval[map[string]string](t, ctx, `(function(){var e=document.querySelector(':target'); return {text: e.textContent, bg: getComputedStyle(e).backgroundColor};})()`)
	if !strings.Contains(target["text"], "小巨人") {
		t.Errorf("#article-6 = %q, want it to contain 小巨人", target["text"])
	}
	if target["bg"] == "rgba(0, 0, 0, 0)" || target["bg"] == "" {
		t.Errorf("#article-6 background %q: the :target article is not highlighted", target["bg"])
	}
	if notice := eval[string](t, ctx, `(document.querySelector('.notice') || {}).textContent || ''`); !strings.Contains(notice, "示例") {
		t.Errorf("policy page sample notice = %q, want it shown", notice)
	}
	// Headings as the document writes them.
	if got := eval[map[string]string](t, ctx, `({label: document.querySelector('#article-6 .label').firstChild.textContent.trim(),
		chapter: Array.prototype.map.call(document.querySelectorAll('h2.chapter'), function (h) { return h.textContent; }).join('|')})`); got["label"] != "第六条" ||
		!strings.Contains(got["chapter"], "第三章 培育优质企业") || !strings.HasPrefix(got["chapter"], "第一章 总则|") {
		t.Errorf("policy page headings = %v, want 第六条 and chapters such as 第三章 培育优质企业", got)
	}
	// The widget is on the policy page too, closed, with the conversation kept.
	waitFor(t, ctx, "widget on the policy page", `__pb('.pb-bubble') && __pb('.pb-panel').hidden && __pbAll('.pb-user').length === 1`)
	checkAxe(t, ctx, "policy page")
	if top := eval[float64](t, ctx, `document.getElementById('article-6').getBoundingClientRect().top`); top < 0 || top > 100 {
		t.Errorf("#article-6 is %vpx from the top of the window, want it scrolled to the top", top)
	}
	shot(t, ctx, "demo-policy-article-6")

	// On a phone both pages fit the width (no sideways scrolling).
	do(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	noOverflow := func(path string) {
		t.Helper()
		if w := eval[map[string]float64](t, ctx, `({scroll: document.documentElement.scrollWidth, inner: innerWidth})`); w["scroll"] > w["inner"] {
			t.Errorf("%s on a phone is %v px wide, the screen %v px", path, w["scroll"], w["inner"])
		}
	}
	do(t, ctx, "open the policy page", chromedp.Navigate(base+"/policies/wz-mfg-2025#article-6"))
	waitFor(t, ctx, "widget loaded", `__pb('.pb-bubble') && !__pb('.pb-root').hidden`)
	noOverflow("/policies/wz-mfg-2025")
	shot(t, ctx, "demo-policy-phone")

	// Back on the demo page the panel comes back open, full screen, with the
	// conversation; closing it shows the page.
	do(t, ctx, "open the demo page", chromedp.Navigate(base+"/"))
	waitFor(t, ctx, "panel restored", `!__pb('.pb-root').hidden && !__pb('.pb-panel').hidden && __pbAll('a.pb-cite-link').length === 1 && __pb('.pb-panel').getBoundingClientRect().width === innerWidth`)
	shot(t, ctx, "demo-answer-phone")
	checkAxe(t, ctx, "demo page on a phone, the answer shown")
	clickWidget(t, ctx, ".pb-close")
	waitFor(t, ctx, "panel closed", `__pb('.pb-panel').hidden`)
	noOverflow("/")
	shot(t, ctx, "demo-index-phone")
}

// startServer runs the real server (web.NewServer with the bundled corpus,
// the offline bot and a SQLite store in a temporary directory) on a free
// port and returns its base URL. The clock is fixed inside the sample
// documents' validity, so the test does not expire with them.
func startServer(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)) }
	corpus, err := policies.Bundled()
	if err != nil {
		t.Fatalf("bundled corpus: %v", err)
	}
	docs := corpus.Valid()
	ix, err := retrieval.Open(ctx, docs, retrieval.Options{Now: now}) // in memory, local embedder
	if err != nil {
		t.Fatalf("open index: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "policybot.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := bot.New(bot.Config{Index: ix, Conversations: st, Now: now})
	if err != nil {
		t.Fatalf("bot: %v", err)
	}
	srv := httptest.NewServer(web.NewServer(web.Deps{Bot: b, Store: st, Documents: docs, Now: now}))
	t.Cleanup(srv.Close)
	return srv.URL
}
