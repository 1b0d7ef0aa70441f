package web

// The admin page: GET /admin (the sign-in form or the management page) and
// its script and style.

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
)

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
