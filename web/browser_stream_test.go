package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"policybot/bot"
)

// TestBrowserWidgetStoppedStream: when a generated answer is stopped by the
// guard, the widget keeps what was streamed — the checked sentence, the
// line saying why, the offline answer — instead of swapping the text.
func TestBrowserWidgetStoppedStream(t *testing.T) {
	const checked = "首次认定为国家级专精特新“小巨人”企业的，区里奖励50万元[1]。"
	const offline = "根据《制造业政策》第6条：“给予一次性奖励50万元。”"
	mux := http.NewServeMux()
	for path, ctype := range map[string]string{"/widget.js": "text/javascript; charset=utf-8", "/widget.css": "text/css; charset=utf-8"} {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			b, err := os.ReadFile("assets" + path)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Header().Set("Content-Type", ctype)
			w.Write(b)
		})
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head>
<body><script src="/widget.js" async></script></body></html>`)
	})
	mux.HandleFunc("POST /api/chat/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		event := func(name string, v any) {
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
			w.(http.Flusher).Flush()
		}
		event("delta", map[string]string{"text": checked})
		event("delta", map[string]string{"text": "\n\n" + bot.GeneratorRejectedNotice + "\n\n"})
		event("delta", map[string]string{"text": offline})
		event("citations", []map[string]any{{"doc": "wz-mfg-2025", "article": 6, "label": "第6条", "title": "制造业政策",
			"url": "/policies/wz-mfg-2025#article-6", "quote": "给予一次性奖励50万元"}})
		event("done", map[string]any{"conversation_id": "c", "message_id": "m", "answer": offline, "refused": false,
			"notice": bot.SampleNotice, "replaced": true})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	ctx := newTab(t)
	do(t, ctx, "open host page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/"))
	clickWidget(t, ctx, ".pb-bubble")
	waitFor(t, ctx, "the input", `__pb('.pb-input')`)
	do(t, ctx, "ask", chromedp.KeyEvent("小巨人奖励多少"), pressEnter(false))
	waitFor(t, ctx, "the answer is done", `__pbLastBot() && __pbLastBot().querySelector('.pb-feedback')`)
	text := eval[string](t, ctx, `__pbLastBot().querySelector('.pb-text').textContent`)
	i, j, k := strings.Index(text, checked), strings.Index(text, bot.GeneratorRejectedNotice), strings.Index(text, offline)
	if i != 0 || j < i || k < j {
		t.Errorf("widget shows %q, want the checked sentence, the reason, then the offline answer", text)
	}
}
