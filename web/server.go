// Package web is PolicyBot's HTTP adapter: the chat API and its streaming
// and OpenAI-compatible forms, feedback, the embeddable widget, the demo
// page and the readable policy pages citations link to, health and
// metrics. NewServer returns the whole of it as one http.Handler; the
// routes are listed in routes.go.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"policybot/bot"
	"policybot/policies"
)

// Options are the server's settings.
type Options struct {
	// PublicURL is where the server is reached from outside
	// ("https://policybot.example.gov.cn"), the base of citation links and
	// of the widget snippet. Empty means each request's own host.
	PublicURL string
	// AllowedOrigins are the sites whose pages may call the API ("*" for
	// any); the server's own origin is always allowed.
	AllowedOrigins []string
	// RateLimit is per client (address); the zero value turns it off.
	RateLimit RateLimit
	// GlobalRateLimit is for all clients together; the zero value turns
	// it off.
	GlobalRateLimit RateLimit
	// MetricsToken, when set, is required to read /metrics (Bearer).
	MetricsToken string
	// MetricsSeparate keeps /metrics off the main handler: it is served
	// only by the handler NewServerAndMetrics returns for another address.
	MetricsSeparate bool
	// TrustedProxies are the addresses whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// AnswerTimeout bounds answering one question; 0 means 60s.
	AnswerTimeout time.Duration
	// Generator says a language model is configured, so that an answer
	// it did not write counts as a fallback. (How many questions are
	// answered at once, and how many model calls, is the bot's to bound:
	// bot.Config.MaxConcurrent and MaxGenerations.)
	Generator bool
}

// Deps are what the server is made of.
type Deps struct {
	Bot Answerer
	// Store is the message log the answers and their feedback go to.
	Store MessageLog
	// Documents are the policy documents /policies/{id} shows.
	Documents []*policies.Document
	// LiveDocuments, when set, replaces Documents and is asked at every
	// request, so pages follow publishes.
	LiveDocuments func() []*policies.Document
	// Admin serves /admin and /admin/… (NewAdminHandler); nil: no admin.
	Admin http.Handler
	// Slack serves POST /slack/… (the Events API); nil: none.
	Slack http.Handler
	// Ready is what /readyz checks besides the index being loaded (the
	// database); nil: nothing. Its error is the reason given.
	Ready func(context.Context) error
	// Model reports the state of the language-model path (breaker, slots)
	// for /readyz and the metrics; nil: no model.
	Model  func() bot.ModelStatus
	Logger *slog.Logger
	// Now and NewID are the clock and the message-id maker; nil means
	// time.Now and random ids.
	Now   func() time.Time
	NewID func() string
	Options
}

// NewServer returns the HTTP handler of the whole service.
func NewServer(d Deps) http.Handler {
	h, _ := NewServerAndMetrics(d)
	return h
}

// NewServerAndMetrics returns the HTTP handler of the whole service and
// the handler of /metrics alone, for a separate listen address
// (POLICYBOT_METRICS_ADDR; then set Options.MetricsSeparate).
func NewServerAndMetrics(d Deps) (http.Handler, http.Handler) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = randomID
	}
	if d.AnswerTimeout <= 0 {
		d.AnswerTimeout = 60 * time.Second
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	m := newMetrics(d.Model)
	mux := http.NewServeMux()
	addRoutes(mux, d, m)
	var h http.Handler = mux
	h = cors(newCORSPolicy(d.AllowedOrigins, d.PublicURL), d.Logger, d.Now)(h)
	h = instrument(m, d.Logger)(h)
	h = recoverPanics(d.Logger)(h)
	return h, recoverPanics(d.Logger)(m.handler(d.MetricsToken, d.Logger))
}

// Starting is the handler while the index loads: alive (/healthz) but not
// ready (/readyz, and everything else, 503 with Retry-After).
func Starting() http.Handler {
	log := slog.New(slog.DiscardHandler)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case "/readyz":
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
		default:
			writeError(w, r, log, errStarting)
		}
	})
}

// baseURL returns the public base URL for a request.
type baseURL func(*http.Request) string

// newBaseURL is PublicURL when set, else the request's own scheme and
// host (the scheme from X-Forwarded-Proto only when a trusted proxy sent it).
func newBaseURL(public string, trusted []netip.Prefix) baseURL {
	return func(r *http.Request) string {
		if public != "" {
			return public
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); (p == "https" || p == "http") && isTrusted(remoteAddr(r.RemoteAddr), trusted) {
			scheme = p
		}
		return scheme + "://" + r.Host
	}
}

// clientFunc names the client of a request (for rate limits and chats).
type clientFunc func(*http.Request) string

// recoverPanics turns a panicking handler into a 500 with a log line
// instead of a dropped connection.
func recoverPanics(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
					writeError(w, r, log, &apiError{code: codeInternal, en: "Something went wrong on our side; please try again later.", zh: "服务器内部错误，请稍后再试。"})
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
