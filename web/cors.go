package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// NormalizeOrigin returns the origin of a URL as browsers send it in the
// Origin header: lower-case scheme://host[:port], no default port, no path.
// "*" stays "*".
func NormalizeOrigin(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return s, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an origin such as https://www.example.gov.cn", s)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("%q: an origin has no path, query or user", s)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host, nil
}

// ParseOrigins reads a comma-separated allowlist of origins.
func ParseOrigins(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		o, err := NormalizeOrigin(f)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// corsPolicy says which web pages may call the API from a browser: those on
// the allowlist, and the server's own pages (the widget's own origin, where
// the demo page runs it).
type corsPolicy struct {
	any     bool
	allowed map[string]bool
}

func newCORSPolicy(origins []string, publicURL string) *corsPolicy {
	p := &corsPolicy{allowed: map[string]bool{}}
	for _, o := range origins {
		if o == "*" {
			p.any = true
		}
		p.allowed[o] = true
	}
	// The public URL may have a path (a server behind a proxy at /policybot/).
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		if o, err := NormalizeOrigin(u.Scheme + "://" + u.Host); err == nil {
			p.allowed[o] = true
		}
	}
	return p
}

func (p *corsPolicy) allows(origin string, r *http.Request) bool {
	if p.any || p.allowed[origin] {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// isAPI reports whether the path is one that pages on other sites call.
func isAPI(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/v1/")
}

// refusedOrigins remembers when each refused origin was last logged, so a
// site that is not allowed costs one log line every quarter of an hour, not
// one per question. It is bounded: when full it starts afresh.
type refusedOrigins struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

const (
	refusedLogEvery = 15 * time.Minute
	refusedMax      = 1000
)

func (ro *refusedOrigins) shouldLog(origin string, now time.Time) bool {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	if ro.seen == nil || len(ro.seen) >= refusedMax {
		ro.seen = map[string]time.Time{}
	}
	if at, ok := ro.seen[origin]; ok && now.Sub(at) < refusedLogEvery {
		return false
	}
	ro.seen[origin] = now
	return true
}

// cors answers preflight requests and marks the API's answers as readable
// by allowed origins. A browser request from any other origin is refused
// outright (403), not merely left unreadable, so that a page that is not
// allowed cannot spend the server's work either; but the refusal itself is
// readable (its preflight passes, and it carries the origin), so the
// widget can tell the visitor that the site is not allowed instead of
// reporting a network error, and the log names the origin and the setting
// that allows it. Requests without Origin (curl, SDKs, servers) are not
// browsers' and pass.
func cors(p *corsPolicy, log *slog.Logger, now func() time.Time) func(http.Handler) http.Handler {
	refused := &refusedOrigins{}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isAPI(r.URL.Path) {
				if r.URL.Path == "/widget.js" || r.URL.Path == "/widget.css" {
					w.Header().Set("Access-Control-Allow-Origin", "*")
				}
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Add("Vary", "Origin")
			origin := r.Header.Get("Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			allowed := p.allows(origin, r)
			h.Set("Access-Control-Allow-Origin", origin)
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Add("Vary", "Access-Control-Request-Method")
				h.Add("Vary", "Access-Control-Request-Headers")
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Conversation-Id")
				if allowed {
					h.Set("Access-Control-Max-Age", "600")
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
			h.Set("Access-Control-Expose-Headers", "Retry-After, X-Conversation-Id")
			if !allowed {
				if refused.shouldLog(origin, now()) {
					log.Warn("refused a browser request from a site that is not allowed to use the API; to let it embed the widget, add its origin to POLICYBOT_ALLOWED_ORIGINS",
						"origin", origin, "path", r.URL.Path, "setting", "POLICYBOT_ALLOWED_ORIGINS")
				}
				writeError(w, r, log, &apiError{code: codeOriginNotAllowed,
					en: "This site (" + origin + ") is not allowed to use the PolicyBot API: the PolicyBot administrator must add it to POLICYBOT_ALLOWED_ORIGINS.",
					zh: "本网站暂未获准使用政策咨询服务（网站地址未在允许列表中），请联系网站管理员开通。"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
