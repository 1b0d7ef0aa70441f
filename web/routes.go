package web

import (
	"net/http"
)

// addRoutes is every route of the service, in one place (the admin
// surface's are in addAdminRoutes, below).
func addRoutes(mux *http.ServeMux, d Deps, m *metrics) {
	base := newBaseURL(d.PublicURL, d.TrustedProxies)
	client := func(r *http.Request) string { return clientKey(clientAddr(r, d.TrustedProxies)) }
	limit := limitRate(newLimiter(d.RateLimit, d.Now), newLimiter(d.GlobalRateLimit, d.Now), d.TrustedProxies, m, d.Logger)
	lib := newLibrary(d.Documents)
	docs := func() library { return lib }
	if d.LiveDocuments != nil {
		docs = func() library { return newLibrary(d.LiveDocuments()) }
	}
	a := &asker{bot: d.Bot, store: d.Store, log: d.Logger, metrics: m, now: d.Now, newID: d.NewID,
		timeout: d.AnswerTimeout, generator: d.Generator}

	mux.Handle("GET /healthz", handleHealthz())
	mux.Handle("GET /readyz", handleReadyz(docs, d.Ready, d.Model, d.Logger))
	if !d.MetricsSeparate {
		mux.Handle("GET /metrics", m.handler(d.MetricsToken, d.Logger))
	}

	mux.Handle("POST /api/chat", limit(handleChat(a, base)))
	mux.Handle("POST /api/chat/stream", limit(handleChatStream(a, base)))
	mux.Handle("POST /api/feedback", limit(handleFeedback(d.Store, m, d.Logger, d.Now)))
	if mt, ok := d.Bot.(Matcher); ok {
		rec, _ := d.Store.(MatchRecorder)
		mux.Handle("POST /api/match", limit(handleMatch(mt, rec, base, d.Logger, d.Now, d.NewID, d.AnswerTimeout)))
	}
	mux.Handle("POST /v1/chat/completions", limit(handleOpenAIChat(a, base, client)))
	mux.Handle("GET /v1/models", handleOpenAIModels())
	mux.Handle("GET /v1/models/{id}", handleOpenAIModel(d.Logger))

	mux.Handle("GET /{$}", handleIndex(base, d.Logger))
	mux.Handle("GET /widget.js", handleAsset(mustAsset("assets/widget.js", "application/javascript; charset=utf-8")))
	mux.Handle("GET /widget.css", handleAsset(mustAsset("assets/widget.css", "text/css; charset=utf-8")))
	mux.Handle("GET /widget-match.js", handleAsset(mustAsset("assets/widget-match.js", "application/javascript; charset=utf-8")))
	mux.Handle("GET /widget-match.css", handleAsset(mustAsset("assets/widget-match.css", "text/css; charset=utf-8")))
	favicon := handleAsset(mustAsset("assets/favicon.svg", "image/svg+xml"))
	mux.Handle("GET /favicon.svg", favicon)
	mux.Handle("GET /favicon.ico", favicon) // browsers ask for it on their own
	mux.Handle("GET /policies/{id}", handlePolicy(docs, base, d.Logger))
	if d.Admin != nil {
		mux.Handle("/admin", d.Admin)
		mux.Handle("/admin/", d.Admin)
	}
	if d.Slack != nil {
		mux.Handle("POST /slack/", d.Slack)
	}
	mux.Handle("/", handleNotFound(mux, d.Logger))
}

// addAdminRoutes is every route of the admin surface (NewAdminHandler;
// addRoutes mounts it at /admin and /admin/). The API is behind sign-in.
func addAdminRoutes(mux *http.ServeMux, a *admin) {
	api := http.NewServeMux()
	api.Handle("GET /admin/api/session", a.handleSession())
	api.Handle("GET /admin/api/documents", a.handleList())
	api.Handle("POST /admin/api/documents", a.handleUpload())
	api.Handle("GET /admin/api/documents/{id}", a.handleDocument())
	api.Handle("POST /admin/api/documents/{id}/publish", a.handlePublish())
	api.Handle("POST /admin/api/documents/{id}/retire", a.handleRetire())
	api.Handle("POST /admin/api/documents/{id}/rollback", a.handleRollback())
	api.Handle("GET /admin/api/documents/{id}/versions", a.handleVersions())
	api.Handle("GET /admin/api/audit", a.handleAudit())
	api.Handle("GET /admin/api/insights", a.handleInsights())
	api.Handle("GET /admin/api/insights/matches", a.handleMatchInsights())
	api.Handle("/admin/api/", adminAPINotFound(api, a.log))

	mux.Handle("GET /admin", a.handlePage())
	mux.Handle("GET /admin/{$}", http.RedirectHandler("../admin", http.StatusMovedPermanently))
	mux.Handle("GET /admin/assets/{name}", a.handleAssets())
	mux.Handle("POST /admin/login", a.handleLogin())
	mux.Handle("POST /admin/logout", a.requireAdmin(a.handleLogout()))
	mux.Handle("/admin/api/", a.requireAdmin(api))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { adminNotFound(w, r, a.log) }))
}
