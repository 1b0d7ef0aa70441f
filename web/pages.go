package web

import (
	"bytes"
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"policybot/bot"
	"policybot/policies"
)

// handleAsset serves an embedded file with its ETag, so browsers
// revalidate instead of downloading it again.
func handleAsset(a asset) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("ETag", a.etag)
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(a.body)
	})
}

// indexPage is what templates/index.html is executed with.
type indexPage struct {
	Title     string
	PublicURL string
	// Snippet is the HTML an embedding site copies.
	Snippet string
}

// pageTitle names the service on its pages.
const pageTitle = "吴中区惠企政策助手"

// handleIndex serves GET /: the demo page with the widget and the snippet
// to copy.
func handleIndex(base baseURL, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := base(r)
		renderHTML(w, r, log, http.StatusOK, "index.html", indexPage{
			Title: pageTitle, PublicURL: b,
			Snippet: `<script src="` + b + `/widget.js" data-title="政策咨询" async></script>`,
		})
	})
}

// policyPage is what templates/policy.html is executed with.
type policyPage struct {
	Doc       *policies.Document
	Sample    bool
	Notice    string
	PublicURL string
	Articles  []policyArticle
}

// policyArticle is an article as the page shows it: Label and
// ChapterHeading as the document writes them ("第六条", "第三章 培育优质企业").
type policyArticle struct {
	Number                                           int
	Label, Chapter, ChapterHeading, Text, Department string
}

func newPolicyPage(d *policies.Document, base string) policyPage {
	p := policyPage{Doc: d, Sample: d.Sample, PublicURL: base}
	if d.Sample {
		p.Notice = bot.SampleNotice
	}
	for _, a := range d.Articles {
		pa := policyArticle{Number: a.Number, Label: a.Heading, Chapter: a.Chapter, ChapterHeading: a.ChapterHeading,
			Text: a.Text, Department: a.Department}
		if pa.Label == "" {
			pa.Label = d.Label(a.Number)
		}
		if pa.ChapterHeading == "" {
			pa.ChapterHeading = a.Chapter
		}
		p.Articles = append(p.Articles, pa)
	}
	return p
}

// library is the documents the policy pages show, by id.
type library map[string]*policies.Document

func newLibrary(docs []*policies.Document) library {
	l := library{}
	for _, d := range docs {
		if d != nil && d.ID != "" {
			l[d.ID] = d
		}
	}
	return l
}

// handlePolicy serves GET /policies/{id}: the document, each article at
// #article-N, which is where citation links point.
func handlePolicy(lib func() library, base baseURL, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := lib()[r.PathValue("id")]
		if !ok {
			notFoundPage(w, r, log)
			return
		}
		renderHTML(w, r, log, http.StatusOK, "policy.html", newPolicyPage(d, base(r)))
	})
}

var notFoundTemplate = template.Must(template.New("404").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>页面不存在 · Not found</title>
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<style>body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;max-width:40em;margin:4em auto;padding:0 20px;line-height:1.8;color:#1d2733}a{color:#1a5aa6}</style>
</head><body>
<h1>页面不存在</h1>
<p>找不到该页面或政策文件，它可能已被移除或链接有误。</p>
<p lang="en">This page or policy document does not exist.</p>
<p><a href="{{.}}/">返回首页 · Home</a></p>
</body></html>
`))

// notFoundPage answers an unknown page for people: HTML, status 404.
func notFoundPage(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	var buf bytes.Buffer
	if err := notFoundTemplate.Execute(&buf, ""); err != nil {
		log.Error("render 404", "err", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write(buf.Bytes())
}

// handleNotFound answers paths no route matches: JSON under the API, a
// page elsewhere.
func handleNotFound(mux *http.ServeMux, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAPI(r.URL.Path) {
			notFoundPage(w, r, log)
			return
		}
		// The path may exist with another method: say so, as the
		// ServeMux would, but in JSON.
		if methodNotAllowed(w, r, log, mux, "/") {
			return
		}
		writeError(w, r, log, &apiError{code: codeNotFound, en: "There is no such endpoint.", zh: "接口不存在。"})
	})
}

// renderHTML executes a page template into a buffer first, so a template
// error is a clean 500 rather than half a page.
func renderHTML(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, name string, data any) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		writeError(w, r, log, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// handleHealthz answers GET /healthz: the process is up.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReadyz answers GET /readyz. The server exists only once the index
// is loaded (see Starting), so it is ready unless ready (the database
// check) fails: then 503 {"status": "degraded", "reason": …}. Questions are
// still answered then, but not recorded, and feedback, the admin API and
// publishing fail: a load balancer should prefer other replicas. The
// database's own error (which may name its host and user) goes to the log,
// once each time the check starts failing, not to the public answer.
// A language model that is down does not make the server unready: answers
// are then offline, and "model" says so (its circuit breaker, slots and
// failures).
func handleReadyz(lib func() library, ready func(context.Context) error, model func() bot.ModelStatus, log *slog.Logger) http.Handler {
	var failing atomic.Bool
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := map[string]any{"status": "ready", "documents": len(lib())}
		if model != nil {
			body["model"] = model()
		}
		if ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			err := ready(ctx)
			cancel()
			if err != nil {
				if !failing.Swap(true) {
					log.Error("readyz: the database does not answer; reporting degraded", "err", err)
				}
				w.Header().Set("Retry-After", "5")
				body["status"] = "degraded"
				body["reason"] = "the database does not answer: questions are answered but not recorded; feedback, the admin API and publishing fail until it is back"
				writeJSON(w, http.StatusServiceUnavailable, body)
				return
			}
			if failing.Swap(false) {
				log.Warn("readyz: the database answers again")
			}
		}
		writeJSON(w, http.StatusOK, body)
	})
}

// methodNotAllowed answers 405 in JSON, with Allow, when r's path exists in
// mux with another method (catchAll is the pattern of mux's fallback route,
// which matches every path). It reports whether it answered.
func methodNotAllowed(w http.ResponseWriter, r *http.Request, log *slog.Logger, mux *http.ServeMux, catchAll string) bool {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != catchAll {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		return false
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, r, log, &apiError{code: codeMethod, en: "Method " + r.Method + " is not allowed here.", zh: "不支持该请求方法。"})
	return true
}
