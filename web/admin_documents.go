package web

// The documents and their versions: the list, one document, its history,
// and publishing, rolling back and retiring.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"policybot/corpus"
	"policybot/corpus/record"
	"policybot/policies"
	"policybot/web/adminapi"
)

// handleList answers GET /admin/api/documents.
func (a *admin) handleList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		docs, err := a.corpus.Documents(r.Context())
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		out := make([]adminapi.Summary, 0, len(docs))
		for _, d := range docs {
			out = append(out, newSummaryJSON(d))
		}
		writeJSON(w, http.StatusOK, adminapi.Documents{Documents: out})
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
		list := make([]adminapi.DocVersion, 0, len(vs))
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
		out := adminapi.Document{Document: newSummaryJSON(sum), Versions: list, Version: newVersionJSON(sel, now, true)}
		// The current version, for If-Match on a publish.
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(sum.Current)))
		if cur != nil && cur != sel {
			d := corpus.Compare(cur.Doc, sel.Doc)
			d.From, d.To = cur.N, sel.N
			out.Diff = newDiffJSON(d)
		}
		writeJSON(w, http.StatusOK, out)
	})
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
		out := make([]adminapi.HistoryEntry, 0, len(h))
		current := 0
		for i := range h {
			out = append(out, adminapi.HistoryEntry{DocVersion: newVersionJSON(&h[i].Version, now, false), Diff: newDiffJSON(h[i].Diff)})
			if h[i].Current() {
				current = h[i].N
			}
		}
		writeJSON(w, http.StatusOK, adminapi.History{ID: id, Current: current, Versions: out})
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
