package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"policybot/corpus"
	"policybot/corpus/record"
	"policybot/web/adminapi"
)

// The admin surface: what it is made of, its construction, and how it
// answers what it does not have or refuses (admin_*.go have the rest; its
// routes are in routes.go).

// CorpusAdmin is what the admin API needs of the corpus; *corpus.Service
// satisfies it. The errors it returns for refused requests are
// *fault.Error (and *corpus.StaleError for a publish on an outdated view).
type CorpusAdmin interface {
	Upload(ctx context.Context, who, name string, data []byte, meta corpus.Meta, publish bool) (corpus.UploadResult, error)
	Publish(ctx context.Context, who, id string, n int) (record.Version, error)
	// PublishIf publishes only while the document's current version is
	// base; otherwise it returns a *corpus.StaleError.
	PublishIf(ctx context.Context, who, id string, n, base int) (record.Version, error)
	Retire(ctx context.Context, who, id string, from time.Time) (record.Version, error)
	Rollback(ctx context.Context, who, id string, n int) (record.Version, error)
	Documents(ctx context.Context) ([]corpus.Summary, error)
	Document(ctx context.Context, id string) (corpus.Summary, []record.Version, error)
	History(ctx context.Context, id string) ([]corpus.HistoryEntry, error)
	Audit(ctx context.Context, q record.AuditQuery) ([]record.AuditEntry, error)
	Insights(ctx context.Context, since time.Time) ([]corpus.InsightGroup, error)
}

var _ CorpusAdmin = (*corpus.Service)(nil)

// DefaultMaxUpload is the largest upload the admin API takes when
// AdminDeps.MaxUpload is 0.
const DefaultMaxUpload = 20 << 20

// AdminDeps are what the admin surface is made of.
type AdminDeps struct {
	Corpus CorpusAdmin
	// Tokens are the admin credentials; with none the admin surface is
	// off: every /admin path is 404.
	Tokens []AdminToken
	// MaxUpload caps an uploaded file (413 above); 0 means DefaultMaxUpload.
	MaxUpload int64
	// PublicURL, when https, makes the session cookie Secure behind a
	// TLS-terminating proxy; its origin is where the admin page is used
	// from (a proxy may rewrite Host).
	PublicURL string
	// TrustedProxies are the addresses whose X-Forwarded-For is believed
	// when sign-in tries are counted per client.
	TrustedProxies []netip.Prefix
	// SessionTTL is how long a page sign-in lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// UploadTimeout bounds reading and converting one upload (a large PDF
	// takes a while); 0 means 3 minutes.
	UploadTimeout time.Duration
	Logger        *slog.Logger
	Now           func() time.Time
}

// admin is the admin surface's state.
type admin struct {
	corpus        CorpusAdmin
	keys          *adminKeys
	sessions      *sessions
	login         *loginGuard
	trusted       []netip.Prefix
	maxUpload     int64
	publicURL     string
	publicOrigin  string // of PublicURL; "" when unset
	uploadTimeout time.Duration
	log           *slog.Logger
	now           func() time.Time
	assets        map[string]asset
}

// NewAdminHandler returns the admin surface: the page at /admin with its
// assets under /admin/assets/, sign-in at /admin/login and /admin/logout,
// and the JSON API under /admin/api/ (ADMIN_API.md). Mount it at /admin
// and /admin/. With no token configured every path is 404: the admin
// surface is off, never open.
func NewAdminHandler(d AdminDeps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if len(d.Tokens) == 0 || d.Corpus == nil {
		log := d.Logger
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { adminOff(w, r, log) })
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxUpload <= 0 {
		d.MaxUpload = DefaultMaxUpload
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = 12 * time.Hour
	}
	if d.UploadTimeout <= 0 {
		d.UploadTimeout = 3 * time.Minute
	}
	a := &admin{
		corpus: d.Corpus, keys: newAdminKeys(d.Tokens), sessions: newSessions(d.SessionTTL, d.Now),
		login: newLoginGuard(d.Now, d.Logger), trusted: d.TrustedProxies,
		maxUpload: d.MaxUpload, publicURL: d.PublicURL, uploadTimeout: d.UploadTimeout,
		log: d.Logger, now: d.Now, assets: adminAssets(),
	}
	if u, err := url.Parse(d.PublicURL); err == nil && u.Host != "" {
		a.publicOrigin, _ = NormalizeOrigin(u.Scheme + "://" + u.Host)
	}
	mux := http.NewServeMux()
	addAdminRoutes(mux, a)
	return recoverPanics(a.log)(mux)
}

// adminNotFound answers a path the admin surface does not have: JSON under
// /admin/api/, a page elsewhere.
func adminNotFound(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	if strings.HasPrefix(r.URL.Path, "/admin/api/") {
		writeError(w, r, log, &apiError{code: codeNotFound, en: "There is no such endpoint.", zh: "接口不存在。"})
		return
	}
	notFoundPage(w, r, log)
}

// errAdminOff is the answer of every admin API path when no admin token is
// configured: the surface is off, and whoever calls it (policybot docs, a
// script) is told how to turn it on.
var errAdminOff = &apiError{code: codeAdminOff,
	en: "Corpus management is off on this server: set POLICYBOT_ADMIN_TOKENS (name:token,…) or POLICYBOT_ADMIN_TOKEN on the server and restart it.",
	zh: "该服务器未开启政策文件管理：请在服务器上设置 POLICYBOT_ADMIN_TOKENS（名称:令牌,…）或 POLICYBOT_ADMIN_TOKEN 后重启服务。"}

// adminOff answers every /admin path when the surface is off: 404, with
// what to set under /admin/api/.
func adminOff(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	if strings.HasPrefix(r.URL.Path, "/admin/api/") {
		writeError(w, r, log, errAdminOff)
		return
	}
	notFoundPage(w, r, log)
}

// adminAPINotFound answers the API paths no route matches, saying which
// methods a known path takes.
func adminAPINotFound(mux *http.ServeMux, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if methodNotAllowed(w, r, log, mux, "/admin/api/") {
			return
		}
		adminNotFound(w, r, log)
	})
}

func (a *admin) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var se *corpus.StaleError
	if errors.As(err, &se) {
		a.writeStale(w, r, se)
		return
	}
	writeError(w, r, a.log, err)
}

func (a *admin) writeStale(w http.ResponseWriter, r *http.Request, se *corpus.StaleError) {
	msg := se.Msg()
	a.log.Info("admin: publish on an outdated view refused", "who", userOf(r.Context()).name, "doc", se.DocID, "base", se.Base, "current", se.Current, "changed_by", se.By)
	writeJSON(w, http.StatusConflict, adminapi.Stale{Error: msg.En, ErrorZh: msg.Zh, Code: string(codeStale), ID: se.DocID,
		BaseVersion: se.Base, CurrentVersion: se.Current, ChangedBy: se.By, ChangedAt: stamp(se.At), Diff: newDiffJSON(se.Diff)})
}
