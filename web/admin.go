package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"policybot/corpus"
	"policybot/corpus/record"
	"policybot/policies"
)

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

	mux := http.NewServeMux()
	mux.Handle("GET /admin", a.handlePage())
	mux.Handle("GET /admin/{$}", http.RedirectHandler("../admin", http.StatusMovedPermanently))
	mux.Handle("GET /admin/assets/{name}", a.handleAssets())
	mux.Handle("POST /admin/login", a.handleLogin())
	mux.Handle("POST /admin/logout", a.requireAdmin(a.handleLogout()))
	mux.Handle("/admin/api/", a.requireAdmin(api))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { adminNotFound(w, r, a.log) }))
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

// adminAssets are the page's script and style (assets/admin*).
func adminAssets() map[string]asset {
	out := map[string]asset{}
	names, _ := fs.Glob(embedded, "assets/admin*")
	for _, n := range names {
		ct := mime.TypeByExtension(path.Ext(n))
		switch path.Ext(n) {
		case ".js":
			ct = "application/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		}
		if ct == "" {
			continue
		}
		out[path.Base(n)] = mustAsset(n, ct)
	}
	return out
}

func (a *admin) handleAssets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		as, ok := a.assets[r.PathValue("name")]
		if !ok {
			adminNotFound(w, r, a.log)
			return
		}
		handleAsset(as).ServeHTTP(w, r)
	})
}

// adminPage is what templates/admin.html is executed with.
type adminPage struct {
	SignedIn bool
	// Name is the signed-in admin's name (from POLICYBOT_ADMIN_TOKENS).
	Name string
	// CSRF is the session's token, sent back in X-CSRF-Token.
	CSRF string
	// MaxUpload is the upload cap in bytes.
	MaxUpload int64
}

// adminCSP lets the page load only its own script, style and API: it has
// no inline script or style, and must not be framed.
const adminCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// handlePage serves GET /admin: the sign-in form, or the management page
// for a signed-in session.
func (a *admin) handlePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := adminPage{MaxUpload: a.maxUpload}
		if c, err := r.Cookie(adminCookie); err == nil {
			if s := a.sessions.get(c.Value); s != nil {
				p.SignedIn, p.Name, p.CSRF = true, s.name, s.csrf
			}
		}
		h := w.Header()
		h.Set("Content-Security-Policy", adminCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		renderHTML(w, r, a.log, http.StatusOK, "admin.html", p)
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

// staleJSON is the 409 of a publish on an outdated view: what the official
// saw, what is current now, who changed it and what changed.
type staleJSON struct {
	Error          string    `json:"error"`
	ErrorZh        string    `json:"error_zh"`
	Code           errorCode `json:"code"`
	ID             string    `json:"id"`
	BaseVersion    int       `json:"base_version"`
	CurrentVersion int       `json:"current_version"`
	ChangedBy      string    `json:"changed_by,omitempty"`
	ChangedAt      string    `json:"changed_at,omitempty"`
	Diff           *diffJSON `json:"diff"`
}

func (a *admin) writeStale(w http.ResponseWriter, r *http.Request, se *corpus.StaleError) {
	msg := se.Msg()
	a.log.Info("admin: publish on an outdated view refused", "who", userOf(r.Context()).name, "doc", se.DocID, "base", se.Base, "current", se.Current, "changed_by", se.By)
	writeJSON(w, http.StatusConflict, staleJSON{Error: msg.En, ErrorZh: msg.Zh, Code: codeStale, ID: se.DocID,
		BaseVersion: se.Base, CurrentVersion: se.Current, ChangedBy: se.By, ChangedAt: stamp(se.At), Diff: newDiffJSON(se.Diff)})
}

// baseParam reads the document version the official saw before a publish:
// base_version (query or form field), or If-Match: "N". ok is false when
// none is given (the publish is then not conditional).
func baseParam(r *http.Request, form map[string]string) (base int, ok bool, err error) {
	s := r.URL.Query().Get("base_version")
	if s == "" && form != nil {
		s = form["base_version"]
	}
	if s == "" {
		s = strings.Trim(strings.TrimPrefix(strings.TrimSpace(r.Header.Get("If-Match")), "W/"), `"`)
	}
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, "v"))
	if err != nil || n < 0 {
		return 0, false, errInvalid("base_version (or If-Match) must be the version number you saw, such as 2, or 0 for a new document.",
			"base_version（或 If-Match）应为您看到的版本号，例如 2；新文档为 0。")
	}
	return n, true, nil
}

// The JSON of the admin API. Times are RFC 3339 in China Standard Time,
// dates YYYY-MM-DD; unset ones are left out.

type articleJSON struct {
	Number     int    `json:"number"`
	Label      string `json:"label"`
	Chapter    string `json:"chapter,omitempty"`
	Text       string `json:"text"`
	Department string `json:"department,omitempty"`
	StartLine  int    `json:"start_line,omitempty"`
	EndLine    int    `json:"end_line,omitempty"`
	// Provisions are what the bot understands of each clause (the tier, the
	// amount, the thresholds …), for the official to check before
	// publishing.
	Provisions []provisionJSON `json:"provisions"`
}

type provisionJSON struct {
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Describe string `json:"describe"`
}

type findingJSON struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	// Message is in both languages (English, then the Chinese in
	// brackets), as the command line prints it; MessageZh is the Chinese.
	Message   string `json:"message"`
	MessageZh string `json:"message_zh"`
	Match     string `json:"match,omitempty"`
}

type sourceJSON struct {
	Name   string `json:"name,omitempty"`
	Type   string `json:"type,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
}

// versionJSON is one version with what the parser read from it.
type versionJSON struct {
	ID string `json:"id"`
	// Version and Status are left out for an upload that was not stored.
	Version        int           `json:"version,omitempty"`
	Status         record.Status `json:"status,omitempty"`
	Live           bool          `json:"live"`
	Publishable    bool          `json:"publishable"`
	Title          string        `json:"title"`
	Category       string        `json:"category,omitempty"`
	Issuer         string        `json:"issuer,omitempty"`
	DocNo          string        `json:"doc_no,omitempty"`
	PublishedOn    string        `json:"published_on,omitempty"` // the front matter's published date
	EffectiveFrom  string        `json:"effective_from,omitempty"`
	EffectiveTo    string        `json:"effective_to,omitempty"`
	LeadDepartment string        `json:"lead_department,omitempty"`
	Sample         bool          `json:"sample"`
	Supersedes     string        `json:"supersedes,omitempty"`
	SourceURL      string        `json:"source_url,omitempty"`
	CiteBy         string        `json:"cite_by,omitempty"`
	Type           string        `json:"type,omitempty"`
	Source         sourceJSON    `json:"source"`
	BasedOn        int           `json:"based_on,omitempty"`
	CreatedBy      string        `json:"created_by,omitempty"`
	CreatedAt      string        `json:"created_at,omitempty"`
	PublishedAt    string        `json:"published_at,omitempty"`
	RetiredFrom    string        `json:"retired_from,omitempty"`
	Articles       []articleJSON `json:"articles"`
	// Errors block publishing; Findings are the spam check's (each an
	// error too) and the parser's warnings; Warnings are notes.
	Errors   []findingJSON `json:"errors"`
	Findings []findingJSON `json:"findings"`
	Warnings []string      `json:"warnings"`
	// WarningsZh are the Chinese of Warnings, one for one.
	WarningsZh []string `json:"warnings_zh"`
	Markdown   string   `json:"markdown,omitempty"`

	// The scope (region, level, year, declared status).
	scopeJSON
}

// scopeJSON is a document's scope (policies/FORMAT.md): region, level,
// year, the status it declares, and which of them the parser inferred
// from the issuer, title or dates rather than read from the file.
type scopeJSON struct {
	Region     string   `json:"region,omitempty"`
	Level      string   `json:"level,omitempty"`
	LevelLabel string   `json:"level_label,omitempty"` // 区/县级市, 市, 省, 国家
	Year       int      `json:"year,omitempty"`
	Status     string   `json:"doc_status,omitempty"`
	Inferred   []string `json:"scope_inferred,omitempty"`
}

func newScopeJSON(d *policies.Document) scopeJSON {
	return scopeJSON{Region: d.Region, Level: string(d.Level), LevelLabel: d.Level.Label(), Year: d.Year,
		Status: string(d.Status), Inferred: d.Inferred}
}

// stamp formats t for the API; "" when zero.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(policies.CST).Format(time.RFC3339)
}

func findingsJSON(fs []policies.Finding) []findingJSON {
	out := make([]findingJSON, 0, len(fs))
	for _, f := range fs {
		out = append(out, findingJSON{Severity: f.Severity.String(), Code: f.Code, Line: f.Line, Col: f.Col,
			Message: f.Msg.String(), MessageZh: f.Msg.Zh, Match: f.Match})
	}
	return out
}

func articleOf(d *policies.Document, a *policies.Article) articleJSON {
	out := articleJSON{Number: a.Number, Label: d.Label(a.Number), Chapter: a.Chapter, Text: a.Text,
		Department: a.Department, StartLine: a.StartLine, EndLine: a.EndLine, Provisions: []provisionJSON{}}
	for _, c := range policies.ParseProvisions(a.Text) {
		if c.Lead {
			continue
		}
		out.Provisions = append(out.Provisions, provisionJSON{Kind: string(c.Kind), Text: c.Text, Describe: c.Describe()})
	}
	return out
}

// newVersionJSON renders v; withMarkdown adds its text.
func newVersionJSON(v *record.Version, now time.Time, withMarkdown bool) versionJSON {
	out := versionJSON{
		ID: v.DocID, Version: v.N, Status: v.Status, Live: v.N > 0 && v.LiveAt(now), Publishable: v.Publishable(), Title: v.Title,
		Type: v.Source.Type, Source: sourceJSON{Name: v.Source.Name, Type: v.Source.Type, Size: v.Source.Size, SHA256: v.Source.SHA256},
		BasedOn: v.BasedOn, CreatedBy: v.CreatedBy, CreatedAt: stamp(v.CreatedAt), PublishedAt: stamp(v.PublishedAt),
		RetiredFrom: stamp(v.RetiredFrom), Articles: []articleJSON{}, Errors: findingsJSON(v.Errors()), Warnings: []string{}, WarningsZh: []string{},
	}
	if d := v.Doc; d != nil {
		out.ID = d.ID
		out.Title, out.Category, out.Issuer, out.DocNo = d.Title, string(d.Category), d.Issuer, d.DocNo
		out.PublishedOn, out.EffectiveFrom, out.EffectiveTo = d.Published.String(), d.EffectiveFrom.String(), d.EffectiveTo.String()
		out.LeadDepartment, out.Sample, out.Supersedes, out.SourceURL, out.CiteBy = d.LeadDepartment, d.Sample, d.Supersedes, d.SourceURL, string(d.CiteBy)
		out.scopeJSON = newScopeJSON(d)
		for i := range d.Articles {
			out.Articles = append(out.Articles, articleOf(d, &d.Articles[i]))
		}
	}
	if v.N == 0 {
		out.Status = ""
	}
	var findings []policies.Finding
	for _, f := range v.Findings {
		if record.IsHygiene(f) || f.Severity == policies.Warning {
			findings = append(findings, f)
		}
	}
	out.Findings = findingsJSON(findings)
	for _, w := range v.Warnings {
		out.Warnings, out.WarningsZh = append(out.Warnings, w.String()), append(out.WarningsZh, w.Zh)
	}
	if withMarkdown {
		out.Markdown = string(v.Markdown)
	}
	return out
}

type changeJSON struct {
	articleJSON
	Old *articleJSON `json:"old,omitempty"`
	New *articleJSON `json:"new,omitempty"`
}

type fieldChangeJSON struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// diffJSON is a corpus.Diff. An added or removed article is the article
// itself (number, label, text); a changed one has old and new beside.
type diffJSON struct {
	From    int               `json:"from"`
	To      int               `json:"to"`
	Added   []changeJSON      `json:"added"`
	Removed []changeJSON      `json:"removed"`
	Changed []changeJSON      `json:"changed"`
	Fields  []fieldChangeJSON `json:"fields"`
}

func newDiffJSON(d corpus.Diff) *diffJSON {
	out := &diffJSON{From: d.From, To: d.To, Added: []changeJSON{}, Removed: []changeJSON{}, Changed: []changeJSON{}, Fields: []fieldChangeJSON{}}
	art := func(label string, a *policies.Article) *articleJSON {
		if a == nil {
			return nil
		}
		return &articleJSON{Number: a.Number, Label: label, Chapter: a.Chapter, Text: a.Text,
			Department: a.Department, StartLine: a.StartLine, EndLine: a.EndLine}
	}
	for _, c := range d.Added {
		out.Added = append(out.Added, changeJSON{articleJSON: *art(c.Label, c.New)})
	}
	for _, c := range d.Removed {
		out.Removed = append(out.Removed, changeJSON{articleJSON: *art(c.Label, c.Old)})
	}
	for _, c := range d.Changed {
		n := art(c.Label, c.New)
		out.Changed = append(out.Changed, changeJSON{articleJSON: *n, Old: art(c.Label, c.Old), New: n})
	}
	for _, f := range d.Fields {
		out.Fields = append(out.Fields, fieldChangeJSON(f))
	}
	return out
}

// uploadJSON is the answer to an upload: the version (with its text), and
// whether it went live; error and error_zh say why not, with status 422.
type uploadJSON struct {
	versionJSON
	Published bool      `json:"published"`
	Diff      *diffJSON `json:"diff"`
	Error     string    `json:"error,omitempty"`
	ErrorZh   string    `json:"error_zh,omitempty"`
}

// uploadFields are the form fields an upload reads besides the file.
var uploadFields = map[string]bool{
	"id": true, "title": true, "category": true, "issuer": true, "doc_no": true, "published": true,
	"effective_from": true, "effective_to": true, "lead_department": true, "source_url": true,
	"sample": true, "supersedes": true, "publish": true, "base_version": true,
	"region": true, "level": true, "year": true, "status": true,
}

// maxFieldBytes bounds one metadata field.
const maxFieldBytes = 4 << 10

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// errTooLarge is the upload cap.
func (a *admin) errTooLarge() error {
	mb := strconv.FormatFloat(float64(a.maxUpload)/(1<<20), 'f', -1, 64)
	return &apiError{code: codeTooLarge,
		en: "The file is larger than " + mb + " MB: split it or compress its images.",
		zh: "文件超过 " + mb + " MB，请拆分文件或压缩图片后再上传。"}
}

// handleUpload answers POST /admin/api/documents: a multipart form with
// the file and, for files without front matter, the metadata fields.
// ?publish=1 publishes a version that validates. 201 with the version,
// or 422 with the same body when it does not validate.
func (a *admin) handleUpload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading 20 MB and converting a PDF outlast the server's
		// deadlines for questions. Deadlines are on the wall clock, not the
		// injected one.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(a.uploadTimeout))
		_ = rc.SetWriteDeadline(time.Now().Add(a.uploadTimeout + 30*time.Second))
		ctx, cancel := context.WithTimeout(r.Context(), a.uploadTimeout)
		defer cancel()

		r.Body = http.MaxBytesReader(w, r.Body, a.maxUpload+1<<20)
		mr, err := r.MultipartReader()
		if err != nil {
			a.writeErr(w, r, errInvalid("Send the file as multipart/form-data, in a field named file.", "请以 multipart/form-data 上传文件（字段名 file）。"))
			return
		}
		fields := map[string]string{}
		var name string
		var data []byte
		gotFile := false
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				a.writeUploadReadError(w, r, err)
				return
			}
			switch field := part.FormName(); {
			case field == "file" && !gotFile:
				gotFile = true
				name = part.FileName()
				data, err = io.ReadAll(io.LimitReader(part, a.maxUpload+1))
				if err != nil {
					a.writeUploadReadError(w, r, err)
					return
				}
				if int64(len(data)) > a.maxUpload {
					a.writeErr(w, r, a.errTooLarge())
					return
				}
			case uploadFields[field]:
				v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
				if err != nil {
					a.writeUploadReadError(w, r, err)
					return
				}
				if len(v) > maxFieldBytes || !utf8.Valid(v) {
					a.writeErr(w, r, errInvalid("The field "+field+" is too long or not UTF-8 text.", "表单字段 "+field+" 过长或不是有效文本。"))
					return
				}
				fields[field] = strings.TrimSpace(string(v))
			default:
				// Unknown parts are read past (within the body limit).
				if _, err := io.Copy(io.Discard, part); err != nil {
					a.writeUploadReadError(w, r, err)
					return
				}
			}
		}
		if !gotFile {
			a.writeErr(w, r, errInvalid("No file: send it in a form field named file.", "没有收到文件，请选择要上传的文件。"))
			return
		}
		meta := corpus.Meta{Meta: policies.Meta{
			ID: fields["id"], Title: fields["title"], Category: fields["category"], Issuer: fields["issuer"],
			DocNo: fields["doc_no"], Published: fields["published"], EffectiveFrom: fields["effective_from"],
			EffectiveTo: fields["effective_to"], LeadDepartment: fields["lead_department"], SourceURL: fields["source_url"],
			Sample: truthy(fields["sample"]),
		}, Supersedes: fields["supersedes"], Scope: corpus.Scope{
			Region: fields["region"], Level: fields["level"], Year: fields["year"], Status: fields["status"],
		}}
		publish := truthy(r.URL.Query().Get("publish")) || truthy(fields["publish"])
		if base, ok, err := baseParam(r, fields); err != nil {
			a.writeErr(w, r, err)
			return
		} else if ok {
			meta.Base = &base
		}
		u := userOf(r.Context())
		res, err := a.corpus.Upload(ctx, u.name, name, data, meta, publish)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		out := uploadJSON{versionJSON: newVersionJSON(&res.Version, a.now(), true), Published: res.Published}
		if res.Diff != nil {
			out.Diff = newDiffJSON(*res.Diff)
		}
		if res.N > 0 && res.Publishable() {
			writeJSON(w, http.StatusCreated, out)
			return
		}
		out.Error, out.ErrorZh = uploadRefusal(&res.Version)
		writeJSON(w, http.StatusUnprocessableEntity, out)
	})
}

// uploadRefusal says why an upload does not validate.
func uploadRefusal(v *record.Version) (en, zh string) {
	for _, f := range v.Findings {
		if f.Code == corpus.CodeFile {
			return f.Msg.En, f.Msg.Zh
		}
	}
	n := len(v.Errors()) + len(v.Hygiene())
	spam := false
	for _, f := range v.Hygiene() {
		spam = spam || f.Code == policies.CodeSpam
	}
	en = fmt.Sprintf("The document has %d problems and was not published: fix them in the file and upload it again.", n)
	zh = fmt.Sprintf("文件有 %d 个问题，未发布。请修改原文件后重新上传。", n)
	if spam {
		en = fmt.Sprintf("The document contains injected spam (gambling or lottery text) and has %d problems; it was not published.", n)
		zh = fmt.Sprintf("文件中含有被注入的赌博/彩票等垃圾信息（共 %d 个问题），未发布。请恢复原文后重新上传。", n)
	}
	return en, zh
}

// writeUploadReadError answers a body that could not be read: 413 over
// the cap, 400 otherwise.
func (a *admin) writeUploadReadError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		a.writeErr(w, r, a.errTooLarge())
		return
	}
	a.log.Info("admin: upload not readable", "err", err)
	a.writeErr(w, r, errInvalid("The upload could not be read: send it again.", "上传的内容无法读取，请重新上传。"))
}

// summaryJSON is a document in the list. Status is what the document is
// now: a document retired from a future date is still "published", with
// retired_from set.
type summaryJSON struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Category      string `json:"category,omitempty"`
	Status        string `json:"status"`
	Live          bool   `json:"live"`
	Version       int    `json:"version"`
	Current       int    `json:"current_version"`
	Latest        int    `json:"latest_version"`
	Draft         int    `json:"draft_version,omitempty"`
	Versions      int    `json:"versions"`
	Articles      int    `json:"articles"`
	EffectiveFrom string `json:"effective_from,omitempty"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Sample        bool   `json:"sample"`
	Region        string `json:"region,omitempty"`
	Year          int    `json:"year,omitempty"`
	RetiredFrom   string `json:"retired_from,omitempty"`
	UpdatedAt     string `json:"updated_at,omitempty"`
	UpdatedBy     string `json:"updated_by,omitempty"`
}

func newSummaryJSON(s corpus.Summary) summaryJSON {
	out := summaryJSON{ID: s.ID, Title: s.Title, Category: string(s.Category), Status: string(s.Status), Live: s.Live,
		Version: s.Current, Current: s.Current, Latest: s.Latest, Draft: s.Draft, Versions: s.Versions,
		RetiredFrom: stamp(s.RetiredFrom), UpdatedAt: stamp(s.UpdatedAt), UpdatedBy: s.UpdatedBy}
	if s.Status == record.Retired && s.Live {
		out.Status = string(record.Published)
	}
	if out.Version == 0 {
		out.Version = s.Latest
	}
	if d := s.Doc; d != nil {
		out.Articles, out.Sample = len(d.Articles), d.Sample
		out.EffectiveFrom, out.EffectiveTo = d.EffectiveFrom.String(), d.EffectiveTo.String()
		out.Region, out.Year = d.Region, d.Year
	}
	return out
}

// handleList answers GET /admin/api/documents.
func (a *admin) handleList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		docs, err := a.corpus.Documents(r.Context())
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		out := make([]summaryJSON, 0, len(docs))
		for _, d := range docs {
			out = append(out, newSummaryJSON(d))
		}
		writeJSON(w, http.StatusOK, map[string]any{"documents": out})
	})
}

// versionParam reads ?version=N; 0 when absent.
func versionParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("version")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, errInvalid("version must be a version number such as 2.", "version 应为版本号，例如 2。")
	}
	return n, nil
}

// handleDocument answers GET /admin/api/documents/{id}[?version=N]: the
// document, its versions (without text) and one version in full (N, else
// the current one, else the newest), with its diff from the current one.
func (a *admin) handleDocument() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := versionParam(r)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		sum, vs, err := a.corpus.Document(r.Context(), r.PathValue("id"))
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		if n == 0 {
			n = sum.Current
			if n == 0 {
				n = sum.Latest
			}
		}
		now := a.now()
		var sel, cur *record.Version
		list := make([]versionJSON, 0, len(vs))
		for i := range vs {
			if vs[i].N == n {
				sel = &vs[i]
			}
			if vs[i].N == sum.Current {
				cur = &vs[i]
			}
			j := newVersionJSON(&vs[i], now, false)
			list = append(list, j)
		}
		if sel == nil {
			a.writeErr(w, r, corpus.NoVersion(sum.ID, n))
			return
		}
		out := map[string]any{"document": newSummaryJSON(sum), "versions": list, "version": newVersionJSON(sel, now, true)}
		// The current version, for If-Match on a publish.
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(sum.Current)))
		if cur != nil && cur != sel {
			d := corpus.Compare(cur.Doc, sel.Doc)
			d.From, d.To = cur.N, sel.N
			out["diff"] = newDiffJSON(d)
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// historyJSON is one version in the history, with its diff from the one
// before.
type historyJSON struct {
	versionJSON
	Diff *diffJSON `json:"diff"`
}

// handleVersions answers GET /admin/api/documents/{id}/versions: every
// version, oldest first, with its article-level diff from the previous.
func (a *admin) handleVersions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		h, err := a.corpus.History(r.Context(), id)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		now := a.now()
		out := make([]historyJSON, 0, len(h))
		current := 0
		for i := range h {
			out = append(out, historyJSON{versionJSON: newVersionJSON(&h[i].Version, now, false), Diff: newDiffJSON(h[i].Diff)})
			if h[i].Current() {
				current = h[i].N
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "current": current, "versions": out})
	})
}

// handlePublish answers POST /admin/api/documents/{id}/publish[?version=N]
// (N = 0: the newest draft).
func (a *admin) handlePublish() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := versionParam(r)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		base, conditional, err := baseParam(r, nil)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		var v record.Version
		if conditional {
			v, err = a.corpus.PublishIf(r.Context(), userOf(r.Context()).name, r.PathValue("id"), n, base)
		} else {
			v, err = a.corpus.Publish(r.Context(), userOf(r.Context()).name, r.PathValue("id"), n)
		}
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, newVersionJSON(&v, a.now(), false))
	})
}

// handleRollback answers POST /admin/api/documents/{id}/rollback?version=N.
func (a *admin) handleRollback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := versionParam(r)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		v, err := a.corpus.Rollback(r.Context(), userOf(r.Context()).name, r.PathValue("id"), n)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, newVersionJSON(&v, a.now(), false))
	})
}

// parseFrom reads a retire date: YYYY-MM-DD (midnight, China Standard
// Time) or RFC 3339; "" is now (the zero time).
func parseFrom(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := policies.ParseDate(s); err == nil {
		return d.Time, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, errInvalid("from must be a date such as 2026-06-01.", "停用日期格式应为 2026-06-01。")
}

// handleRetire answers POST /admin/api/documents/{id}/retire[?from=DATE]
// (from may be a form field too; default now).
func (a *admin) handleRetire() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		s := r.URL.Query().Get("from")
		if s == "" {
			s = r.PostFormValue("from")
		}
		from, err := parseFrom(s)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		v, err := a.corpus.Retire(r.Context(), userOf(r.Context()).name, r.PathValue("id"), from)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, newVersionJSON(&v, a.now(), false))
	})
}

type auditJSON struct {
	ID          int64  `json:"id"`
	At          string `json:"at"`
	Who         string `json:"who"`
	Action      string `json:"action"`
	Doc         string `json:"doc"`
	FromVersion int    `json:"from_version"`
	ToVersion   int    `json:"to_version"`
	// Version is the version acted on: ToVersion, or FromVersion for a
	// retirement.
	Version int `json:"version"`
	// Detail says more (the file, the version a rollback copied, a
	// date), in English; DetailZh in Chinese.
	Detail   string `json:"detail,omitempty"`
	DetailZh string `json:"detail_zh,omitempty"`
}

// handleAudit answers GET /admin/api/audit[?doc=ID][&limit=N].
func (a *admin) handleAudit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := record.AuditQuery{DocID: r.URL.Query().Get("doc")}
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 || n > 10000 {
				a.writeErr(w, r, errInvalid("limit must be between 1 and 10000.", "limit 应在 1 到 10000 之间。"))
				return
			}
			q.Limit = n
		}
		entries, err := a.corpus.Audit(r.Context(), q)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		out := make([]auditJSON, 0, len(entries))
		for _, e := range entries {
			v := e.ToVersion
			if v == 0 {
				v = e.FromVersion
			}
			out = append(out, auditJSON{ID: e.ID, At: stamp(e.At), Who: e.Who, Action: string(e.Action), Doc: e.DocID,
				FromVersion: e.FromVersion, ToVersion: e.ToVersion, Version: v, Detail: e.Detail.En, DetailZh: e.Detail.Zh})
		}
		writeJSON(w, http.StatusOK, map[string]any{"entries": out})
	})
}

type insightJSON struct {
	Question   string   `json:"question"`
	Count      int      `json:"count"`
	Refused    int      `json:"refused"`
	ThumbsDown int      `json:"thumbs_down"`
	Examples   []string `json:"examples"`
	Comments   []string `json:"comments"`
	FirstAt    string   `json:"first_at"`
	LastAt     string   `json:"last_at"`
}

// handleInsights answers GET /admin/api/insights[?days=N][&format=csv]:
// the questions refused or rated 👎 in the last N days (default 30),
// grouped by similarity (corpus.GroupQuestions), largest groups first.
func (a *admin) handleInsights() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		days, err := insightDays(r)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		now := a.now()
		since := now.AddDate(0, 0, -days)
		groups, err := a.corpus.Insights(r.Context(), since)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		if strings.EqualFold(r.URL.Query().Get("format"), "csv") {
			writeInsightsCSV(w, groups, days, now)
			return
		}
		out := make([]insightJSON, 0, len(groups))
		for _, g := range groups {
			out = append(out, insightJSON{Question: g.Question, Count: g.Count, Refused: g.Refused, ThumbsDown: g.Down,
				Examples: append([]string{}, g.Examples...), Comments: append([]string{}, g.Comments...),
				FirstAt: stamp(g.First), LastAt: stamp(g.Last)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"days": days, "since": stamp(since), "groups": out})
	})
}

// writeInsightsCSV sends the groups as a spreadsheet: UTF-8 with a
// byte-order mark (so that Excel and WPS read the Chinese), one group a
// row. Questions are typed by the public, so a cell that a spreadsheet
// would run as a formula is prefixed with a quote.
func writeInsightsCSV(w http.ResponseWriter, groups []corpus.InsightGroup, days int, now time.Time) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="policybot-insights-%s-%dd.csv"`, now.In(policies.CST).Format("20060102"), days))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "\ufeff")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"question", "count", "refused", "thumbs_down", "first_asked", "last_asked", "examples", "comments"})
	for _, g := range groups {
		_ = cw.Write([]string{
			cell(g.Question), strconv.Itoa(g.Count), strconv.Itoa(g.Refused), strconv.Itoa(g.Down),
			stamp(g.First), stamp(g.Last), cell(strings.Join(g.Examples, " | ")), cell(strings.Join(g.Comments, " | ")),
		})
	}
	cw.Flush()
}

// cell neutralises spreadsheet formulas in text from the public.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
