package web

// Insights: the questions refused or rated 👎, grouped, as JSON or a
// spreadsheet.

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"policybot/corpus"
	"policybot/policies"
	"policybot/web/adminapi"
)

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
		out := make([]adminapi.Insight, 0, len(groups))
		for _, g := range groups {
			out = append(out, adminapi.Insight{Question: g.Question, Count: g.Count, Refused: g.Refused, ThumbsDown: g.Down,
				Examples: append([]string{}, g.Examples...), Comments: append([]string{}, g.Comments...),
				FirstAt: stamp(g.First), LastAt: stamp(g.Last)})
		}
		writeJSON(w, http.StatusOK, adminapi.Insights{Days: days, Since: stamp(since), Groups: out})
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
