package web

// The audit log: GET /admin/api/audit.

import (
	"net/http"
	"strconv"

	"policybot/corpus/record"
	"policybot/web/adminapi"
)

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
		out := make([]adminapi.AuditEntry, 0, len(entries))
		for _, e := range entries {
			v := e.ToVersion
			if v == 0 {
				v = e.FromVersion
			}
			out = append(out, adminapi.AuditEntry{ID: e.ID, At: stamp(e.At), Who: e.Who, Action: string(e.Action), Doc: e.DocID,
				FromVersion: e.FromVersion, ToVersion: e.ToVersion, Version: v, Detail: e.Detail.En, DetailZh: e.Detail.Zh})
		}
		writeJSON(w, http.StatusOK, adminapi.Audit{Entries: out})
	})
}
