package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"policybot/web/adminapi"
)

// AdminToken is one admin credential: the name the audit log records for
// whoever holds it, and the secret.
type AdminToken struct {
	Name  string
	Token string
}

// MinAdminTokenLength is the shortest admin token accepted: the token is
// the only thing between the internet and the corpus.
const MinAdminTokenLength = 16

var adminNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// ParseAdminTokens reads the admin credentials: list is
// POLICYBOT_ADMIN_TOKENS ("chen:token1,li:token2") and single is
// POLICYBOT_ADMIN_TOKEN, which counts as "admin:single". Names must be
// unique, and so must tokens (the audit log must tell who acted). Errors
// never contain a token.
func ParseAdminTokens(list, single string) ([]AdminToken, error) {
	var out []AdminToken
	for i, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, token, ok := strings.Cut(f, ":")
		if !ok {
			return nil, fmt.Errorf("entry %d is not name:token", i+1)
		}
		out = append(out, AdminToken{Name: strings.TrimSpace(name), Token: strings.TrimSpace(token)})
	}
	if s := strings.TrimSpace(single); s != "" {
		out = append(out, AdminToken{Name: "admin", Token: s})
	}
	names, tokens := map[string]bool{}, map[string]bool{}
	for _, t := range out {
		switch {
		case !adminNameRE.MatchString(t.Name):
			return nil, fmt.Errorf("name %q: use letters, digits and . _ @ - (at most 64)", t.Name)
		case len(t.Token) < MinAdminTokenLength:
			return nil, fmt.Errorf("the token of %q is shorter than %d characters: use a long random one (openssl rand -hex 24)", t.Name, MinAdminTokenLength)
		case strings.ContainsFunc(t.Token, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			return nil, fmt.Errorf("the token of %q contains spaces or control characters", t.Name)
		case names[t.Name]:
			return nil, fmt.Errorf("name %q is given twice", t.Name)
		case tokens[t.Token]:
			return nil, fmt.Errorf("%q has the same token as another name: give each person their own", t.Name)
		}
		names[t.Name], tokens[t.Token] = true, true
	}
	return out, nil
}

// adminKeys checks presented tokens against the configured ones. Tokens
// are compared as SHA-256 digests with subtle.ConstantTimeCompare, against
// every configured token whatever matches, so the time taken tells neither
// a token's length nor which one matched.
type adminKeys struct {
	names   []string
	digests [][32]byte
}

func newAdminKeys(ts []AdminToken) *adminKeys {
	k := &adminKeys{}
	for _, t := range ts {
		k.names = append(k.names, t.Name)
		k.digests = append(k.digests, sha256.Sum256([]byte(t.Token)))
	}
	return k
}

// name returns the name of token, or "" when no configured token matches.
func (k *adminKeys) name(token string) string {
	d := sha256.Sum256([]byte(token))
	found := -1
	for i := range k.digests {
		if subtle.ConstantTimeCompare(d[:], k.digests[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 || token == "" {
		return ""
	}
	return k.names[found]
}

// adminCookie is the session cookie of the admin page.
const adminCookie = "policybot_admin"

// csrfHeader carries the session's CSRF token on cookie-authenticated
// writes.
const csrfHeader = "X-CSRF-Token"

// maxSessions bounds the sessions kept; the oldest go first.
const maxSessions = 10000

// session is a signed-in admin page: the session id is the random value
// of the cookie; the name and the CSRF token stay on the server.
type session struct {
	id      string
	name    string
	csrf    string
	expires time.Time
}

// sessions are kept in memory: a restart signs everyone out. (Replicas
// behind a load balancer need sticky sessions, or bearer tokens.)
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	ttl  time.Duration
	now  func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{byID: map[string]*session{}, ttl: ttl, now: now}
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// start opens a session for name.
func (s *sessions) start(name string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, x := range s.byID {
		if !now.Before(x.expires) {
			delete(s.byID, id)
		}
	}
	for len(s.byID) >= maxSessions {
		var oldest *session
		for _, x := range s.byID {
			if oldest == nil || x.expires.Before(oldest.expires) {
				oldest = x
			}
		}
		delete(s.byID, oldest.id)
	}
	x := &session{id: randomToken(), name: name, csrf: randomToken(), expires: now.Add(s.ttl)}
	s.byID[x.id] = x
	return x
}

// get returns the live session with id, or nil.
func (s *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.byID[id]
	if !ok {
		return nil
	}
	if !s.now().Before(x.expires) {
		delete(s.byID, id)
		return nil
	}
	return x
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// adminUser is who made an admin request, and how.
type adminUser struct {
	name    string
	session *session // nil for a bearer request
}

type adminUserKey struct{}

func userOf(ctx context.Context) adminUser {
	u, _ := ctx.Value(adminUserKey{}).(adminUser)
	return u
}

var (
	errAdminUnauthorized = &apiError{code: codeUnauthorized,
		en: "Sign in with an admin token (Authorization: Bearer <token>).", zh: "请使用管理令牌登录。"}
	errAdminBadToken = &apiError{code: codeUnauthorized,
		en: "The admin token is not valid.", zh: "管理令牌不正确，请核对后重新输入。"}
	errAdminCSRF = &apiError{code: codeForbidden,
		en: "The page has expired or the request did not come from it (missing or wrong " + csrfHeader + "): reload the page.",
		zh: "页面已过期，请刷新页面后重试。"}
	errAdminOrigin = &apiError{code: codeForbidden,
		en: "Admin requests must come from the admin page.", zh: "请从管理页面操作。"}
)

// authenticate returns who made r: a bearer token (which must be valid
// when the header is sent), else the session cookie.
func (a *admin) authenticate(r *http.Request) (adminUser, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return adminUser{}, errAdminBadToken
		}
		name := a.keys.name(strings.TrimSpace(token))
		if name == "" {
			return adminUser{}, errAdminBadToken
		}
		return adminUser{name: name}, nil
	}
	if c, err := r.Cookie(adminCookie); err == nil {
		if s := a.sessions.get(c.Value); s != nil {
			return adminUser{name: s.name, session: s}, nil
		}
	}
	return adminUser{}, errAdminUnauthorized
}

// requireAdmin lets through requests from an admin. A write made with the
// session cookie must carry the session's CSRF token in X-CSRF-Token and,
// when the browser says where it comes from, come from this site; bearer
// requests need neither (browsers do not send the header on their own).
func (a *admin) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		u, err := a.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="policybot-admin"`)
			a.log.Info("admin: unauthorized request", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			writeError(w, r, a.log, err)
			return
		}
		if u.session != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !a.sameOrigin(r) {
				writeError(w, r, a.log, errAdminOrigin)
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(u.session.csrf)) != 1 {
				a.log.Warn("admin: CSRF token missing or wrong", "who", u.name, "method", r.Method, "path", r.URL.Path)
				writeError(w, r, a.log, errAdminCSRF)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), adminUserKey{}, u)))
	})
}

// sameOrigin reports whether r's Origin header, when there is one, names
// the host r was sent to or the origin of POLICYBOT_PUBLIC_URL (behind a
// proxy that rewrites Host, the browser's origin is the public one).
func (a *admin) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if a.publicOrigin != "" {
		if n, err := NormalizeOrigin(o); err == nil && n == a.publicOrigin {
			return true
		}
	}
	u, err := url.Parse(o)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// secureCookies reports whether cookies must be Secure: the request came
// over TLS, or the public URL is https (TLS ends at a proxy).
func (a *admin) secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(a.publicURL), "https://")
}

func (a *admin) setSessionCookie(w http.ResponseWriter, r *http.Request, s *session) {
	http.SetCookie(w, &http.Cookie{
		Name: adminCookie, Value: s.id, Path: "/admin", MaxAge: int(a.sessions.ttl / time.Second),
		HttpOnly: true, Secure: a.secureCookies(r), SameSite: http.SameSiteStrictMode,
	})
}

func (a *admin) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: adminCookie, Value: "", Path: "/admin", MaxAge: -1,
		HttpOnly: true, Secure: a.secureCookies(r), SameSite: http.SameSiteStrictMode,
	})
}

// handleLogin answers POST /admin/login: the token from a form field (or a
// JSON {"token": …}) opens a session. The page gets a redirect to itself,
// now signed in; a client that asks for JSON gets the CSRF token.
func (a *admin) handleLogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !a.sameOrigin(r) {
			a.log.Warn("admin: sign-in from another origin refused", "origin", r.Header.Get("Origin"), "host", r.Host,
				"hint", "behind a proxy that rewrites Host, set POLICYBOT_PUBLIC_URL to the address people use")
			writeError(w, r, a.log, errAdminOrigin)
			return
		}
		client := clientKey(clientAddr(r, a.trusted))
		if ok, wait := a.login.allow(client); !ok {
			writeError(w, r, a.log, &apiError{code: codeRateLimited, retryAfter: wait,
				en: "Too many wrong admin tokens: wait before trying again.", zh: "管理令牌错误次数过多，请稍后再试。"})
			return
		}
		var token string
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			var body adminapi.Login
			if err := decodeJSON(w, r, 8<<10, &body); err != nil {
				writeError(w, r, a.log, err)
				return
			}
			token = body.Token
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
			parse := r.ParseForm
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				parse = func() error { return r.ParseMultipartForm(8 << 10) }
			}
			if err := parse(); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					writeError(w, r, a.log, err)
					return
				}
				writeError(w, r, a.log, errInvalid("Send the token as a form field.", "请提交管理令牌。"))
				return
			}
			token = r.PostForm.Get("token")
		}
		name := a.keys.name(strings.TrimSpace(token))
		if name == "" {
			a.login.failed(client)
			writeError(w, r, a.log, errAdminBadToken)
			return
		}
		a.login.succeeded(client)
		if c, err := r.Cookie(adminCookie); err == nil {
			a.sessions.end(c.Value)
		}
		s := a.sessions.start(name)
		a.setSessionCookie(w, r, s)
		a.log.Info("admin: signed in", "who", name, "remote", r.RemoteAddr)
		if wantsJSON(r) {
			writeJSON(w, http.StatusOK, adminapi.Session{Name: name, CSRFToken: s.csrf, ExpiresAt: stamp(s.expires)})
			return
		}
		// Relative, so that a path prefix in front of /admin is kept.
		w.Header().Set("Location", "../admin")
		w.WriteHeader(http.StatusSeeOther)
	})
}

// handleLogout answers POST /admin/logout: the session ends.
func (a *admin) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userOf(r.Context())
		if u.session != nil {
			a.sessions.end(u.session.id)
			a.clearSessionCookie(w, r)
			a.log.Info("admin: signed out", "who", u.name)
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "signed out"})
	})
}

// handleSession answers GET /admin/api/session: who is signed in, and the
// CSRF token of a cookie session.
func (a *admin) handleSession() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userOf(r.Context())
		out := adminapi.Session{Name: u.name}
		if u.session != nil {
			out.CSRFToken, out.ExpiresAt = u.session.csrf, stamp(u.session.expires)
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// wantsJSON reports whether the client asks for JSON rather than a page.
func wantsJSON(r *http.Request) bool {
	acc := r.Header.Get("Accept")
	return strings.Contains(acc, "application/json") && !strings.Contains(acc, "text/html")
}
