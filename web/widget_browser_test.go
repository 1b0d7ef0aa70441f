package web_test

// Browser tests of the widget's kinds of reply, its typing state and a site
// that is not allowed (see browser_test.go for how chromium is started).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"policybot/web"
)

// askWidget types a question into the open widget, sends it and waits for
// its answer to be complete.
func askWidget(t *testing.T, ctx context.Context, q string) {
	t.Helper()
	n := eval[int](t, ctx, `__pbAll('.pb-bot:not(.pb-welcome)').length`)
	do(t, ctx, "ask "+q, chromedp.Evaluate[chromedp.Void](`__pb('.pb-input').focus()`), chromedp.KeyEvent(q), pressEnter(false))
	waitFor(t, ctx, "the answer to "+q, fmt.Sprintf(`__pbAll('.pb-bot:not(.pb-welcome)').length === %d && !__pbLastBot().classList.contains('pb-working') && !__pb('.pb-send').disabled`, n+1))
}

// TestBrowserReplyKinds renders each kind of reply from a scripted bot
// behind the real server: a clarifying reply's choices are buttons that ask
// their question, a hedge is marked, a route shows no sources even when
// some are sent, and an answer shows its clause once.
func TestBrowserReplyKinds(t *testing.T) {
	ctx := newTab(t)
	e := newTestServer(t, web.Options{}, scriptedAnswers())
	do(t, ctx, "open the demo page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.URL+"/"))
	clickWidget(t, ctx, ".pb-bubble")
	waitFor(t, ctx, "input focused", `document.querySelector('policybot-widget').shadowRoot.activeElement === __pb('.pb-input')`)

	askWidget(t, ctx, "补贴")
	got := eval[map[string]any](t, ctx, `({
		mode: __pbLastBot().getAttribute('data-mode'),
		choices: Array.prototype.map.call(__pbLastBot().querySelectorAll('.pb-choices button.pb-choice'), function (b) { return b.textContent; }),
		cites: __pbLastBot().querySelectorAll('.pb-cites').length,
	})`)
	if c, _ := json.Marshal(got["choices"]); got["mode"] != "clarify" || string(c) != `["智改数转","境外展会"]` || got["cites"] != 0.0 {
		t.Errorf("clarifying reply = %v, want mode clarify, the choices 智改数转 and 境外展会 as buttons, no sources", got)
	}
	checkAxe(t, ctx, "clarifying reply with choices")
	shot(t, ctx, "kinds-clarify")

	// Clicking a choice asks its message.
	clickWidget(t, ctx, ".pb-choices .pb-choice:nth-child(2)")
	waitFor(t, ctx, "the chosen question answered", `__pbAll('.pb-user').length === 2 && !__pbLastBot().classList.contains('pb-working') && __pbLastBot().querySelector('.pb-feedback')`)
	if q := eval[string](t, ctx, `__pbAll('.pb-user')[1].querySelector('.pb-text').textContent`); q != "企业参加境外展会有补贴吗？" {
		t.Errorf("clicking 境外展会 asked %q, want its message", q)
	}

	askWidget(t, ctx, "小巨人有什么奖")
	if hedge := eval[string](t, ctx, `(__pbLastBot().querySelector('.pb-hedge') || {}).textContent || ''`); hedge != "可能相关的条款（未必完全对应您的问题）" {
		t.Errorf("hedge marked %q, want 可能相关的条款（未必完全对应您的问题）", hedge)
	}

	askWidget(t, ctx, "企业所得税怎么减免")
	if got := eval[map[string]any](t, ctx, `({mode: __pbLastBot().getAttribute('data-mode'), cites: __pbLastBot().querySelectorAll('.pb-cites, .pb-quote').length,
		text: __pbLastBot().querySelector('.pb-text').textContent})`); got["mode"] != "route" || got["cites"] != 0.0 || !strings.Contains(got["text"].(string), "区税务局") {
		t.Errorf("route reply = %v, want mode route naming 区税务局 and no citation block", got)
	}

	askWidget(t, ctx, "小巨人奖励多少")
	const quote = "首次认定为国家级专精特新“小巨人”企业的，给予一次性奖励50万元"
	if got := eval[map[string]any](t, ctx, `({all: __pbLastBot().textContent, quotes: __pbLastBot().querySelectorAll('.pb-quote').length,
		link: __pbLastBot().querySelectorAll('a.pb-cite-link').length})`); strings.Count(got["all"].(string), quote) != 1 || got["quotes"] != 0.0 || got["link"] != 1.0 {
		t.Errorf("answer shows the clause %d times (%v quote blocks), want once, with its citation link: %q", strings.Count(got["all"].(string), quote), got["quotes"], got["all"])
	}
	checkAxe(t, ctx, "hedge, route and answer")
	shot(t, ctx, "kinds-answer")
}

// TestBrowserTypingState: while a slow answer streams in, the message shows
// that more is coming, and stops once it is done.
func TestBrowserTypingState(t *testing.T) {
	ctx := newTab(t)
	release := make(chan struct{})
	mux := widgetHost(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		event := func(name string, v any) {
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
			fl.Flush()
		}
		event("delta", map[string]string{"text": "第一段回答。"})
		select {
		case <-release: // the model goes on
		case <-r.Context().Done():
			return
		}
		event("delta", map[string]string{"text": "第二段回答。"})
		event("citations", []any{})
		event("done", map[string]any{"conversation_id": "c1", "message_id": "m1", "answer": "第一段回答。第二段回答。", "mode": "answer", "choices": []any{}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})

	do(t, ctx, "open the host page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/"))
	clickWidget(t, ctx, ".pb-bubble")
	do(t, ctx, "ask", chromedp.KeyEvent("慢问题"), pressEnter(false))
	waitFor(t, ctx, "the first part shown", `__pbLastBot() && __pbLastBot().querySelector('.pb-text').textContent === '第一段回答。'`)
	got := eval[map[string]any](t, ctx, `({typing: (__pbLastBot().querySelector('.pb-typing') || {}).textContent || '',
		visible: !!__pbLastBot().querySelector('.pb-typing') && __pbLastBot().querySelector('.pb-typing').getBoundingClientRect().height > 0,
		feedback: !!__pbLastBot().querySelector('.pb-feedback'), busy: __pb('.pb-log').getAttribute('aria-busy')})`)
	if got["typing"] != "正在回答…" || got["visible"] != true || got["feedback"] != false || got["busy"] != "true" {
		t.Errorf("while the answer streams: %v, want the typing dots shown (正在回答…), no feedback yet, the log busy", got)
	}
	shot(t, ctx, "typing-streaming")
	close(release)
	waitFor(t, ctx, "the answer done", `__pbLastBot().querySelector('.pb-feedback') && !__pbLastBot().querySelector('.pb-typing') && __pbLastBot().querySelector('.pb-text').textContent === '第一段回答。第二段回答。'`)
}

// widgetHost serves the widget from the source tree, a host page that
// embeds it, and stream as POST /api/chat/stream.
func widgetHost(t *testing.T, stream http.HandlerFunc) *http.ServeMux {
	mux := http.NewServeMux()
	for _, f := range []struct{ path, file, ctype string }{
		{"GET /widget.js", "assets/widget.js", "text/javascript; charset=utf-8"},
		{"GET /widget.css", "assets/widget.css", "text/css; charset=utf-8"},
	} {
		mux.HandleFunc(f.path, func(w http.ResponseWriter, r *http.Request) {
			b, err := os.ReadFile(f.file)
			if err != nil {
				t.Errorf("read %s: %v", f.file, err)
			}
			w.Header().Set("Content-Type", f.ctype)
			w.Write(b)
		})
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>宿主页面</title></head>
<body><main><h1>宿主页面</h1></main><script src="/widget.js" async></script></body></html>`)
	})
	mux.HandleFunc("POST /api/chat/stream", stream)
	mux.HandleFunc("GET /favicon.ico", http.NotFound)
	return mux
}

// TestBrowserOriginNotAllowed embeds the widget of the real server on a
// site that is not in POLICYBOT_ALLOWED_ORIGINS: the widget says the site
// is not allowed (not that the network failed), the question stays in the
// input, and the server log names the origin and the setting.
func TestBrowserOriginNotAllowed(t *testing.T) {
	ctx := newTab(t)
	var logs syncBuffer
	e := newTestServerWith(t, web.Options{}, nil, func(d *web.Deps) {
		d.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>别的网站</title></head>
<body><main><h1>别的网站</h1></main><script src="%s/widget.js" async></script></body></html>`, e.URL)
	}))
	t.Cleanup(site.Close)
	siteOrigin := strings.Replace(site.URL, "127.0.0.1", "localhost", 1) // another origin than the server's
	do(t, ctx, "open the other site", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(siteOrigin+"/"))
	clickWidget(t, ctx, ".pb-bubble")
	do(t, ctx, "ask", chromedp.KeyEvent("小巨人奖励多少？"), pressEnter(false))
	waitFor(t, ctx, "the refusal shown", `__pbLastBot() && __pbLastBot().querySelector('.pb-error-text')`)
	msg := eval[string](t, ctx, `__pbLastBot().querySelector('.pb-error-text').textContent`)
	if !strings.Contains(msg, "本网站暂未获准使用政策咨询服务") || strings.Contains(msg, "网络") {
		t.Errorf("the widget on a site that is not allowed says %q, want that the site is not allowed", msg)
	}
	if v := eval[string](t, ctx, `__pb('.pb-input').value`); v != "小巨人奖励多少？" {
		t.Errorf("the input holds %q, want the question back", v)
	}
	shot(t, ctx, "origin-not-allowed")
	if l := logs.String(); !strings.Contains(l, "origin="+siteOrigin) || !strings.Contains(l, "POLICYBOT_ALLOWED_ORIGINS") {
		t.Errorf("server log does not name the refused origin %s and POLICYBOT_ALLOWED_ORIGINS:\n%s", siteOrigin, l)
	}
}
