package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"policybot/corpus"
	"policybot/policies/fault"
	"policybot/policies/lang"
	"policybot/web/adminapi"
)

// matchInsighter is what the match insights need of the corpus service;
// *corpus.Service has it.
type matchInsighter interface {
	// MatchInsights returns a fault.NotFound when no store keeps
	// matchings.
	MatchInsights(ctx context.Context, since time.Time) (corpus.MatchInsights, error)
}

var _ matchInsighter = (*corpus.Service)(nil)

// insightDays reads ?days=N of an insights request: 30 when absent.
func insightDays(r *http.Request) (int, error) {
	s := r.URL.Query().Get("days")
	if s == "" {
		return 30, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 3660 {
		return 0, errInvalid("days must be between 1 and 3660.", "days 应在 1 到 3660 之间。")
	}
	return n, nil
}

// handleMatchInsights answers GET /admin/api/insights/matches[?days=N]:
// of the policy matchings of the last N days (default 30), how many
// matched nothing, the profiles that did (grouped by what they said, most
// frequent first) and the conditions most often left open.
func (a *admin) handleMatchInsights() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		days, err := insightDays(r)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		mi, ok := a.corpus.(matchInsighter)
		if !ok {
			a.writeErr(w, r, fault.New(fault.NotFound, corpus.CodeNoInsights, lang.T("Match insights are not available.", "政策匹配分析不可用。")))
			return
		}
		now := a.now()
		since := now.AddDate(0, 0, -days)
		ins, err := mi.MatchInsights(r.Context(), since)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		out := adminapi.MatchInsights{Days: days, Since: stamp(since), Matchings: ins.Total, NoMatch: ins.NoMatch,
			EmptyProfiles: make([]adminapi.ProfileCount, 0, len(ins.Empty)), UnknownConditions: make([]adminapi.ConditionCount, 0, len(ins.Unknown))}
		for _, p := range ins.Empty {
			out.EmptyProfiles = append(out.EmptyProfiles, adminapi.ProfileCount{Profile: p.Summary, Count: p.Count, LastAt: stamp(p.Last)})
		}
		for _, c := range ins.Unknown {
			out.UnknownConditions = append(out.UnknownConditions, adminapi.ConditionCount{Condition: c.Condition, Count: c.Count})
		}
		writeJSON(w, http.StatusOK, out)
	})
}
