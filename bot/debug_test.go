package bot

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"policybot/policies"
	"policybot/retrieval"
)

// TestDebugQuestion prints the ranking of DEBUG_Q (turns separated by " / ").
func TestDebugQuestion(t *testing.T) {
	qs := os.Getenv("DEBUG_Q")
	if qs == "" {
		t.Skip("DEBUG_Q not set")
	}
	c, _ := policies.Bundled()
	if dir := os.Getenv("DEBUG_DIR"); dir != "" {
		c = (&policies.Parser{}).LoadPaths([]string{dir})
	}
	ix, err := retrieval.Open(context.Background(), c.Docs, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(Config{Index: ix, Now: func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }})
	turns := strings.Split(qs, " / ")
	var ans Answer
	for _, tq := range turns {
		ans, err = b.Ask(context.Background(), Request{ConversationID: "d", Message: tq})
		if err != nil {
			t.Fatal(err)
		}
	}
	last := turns[len(turns)-1]
	rw := b.cfg.Rewriter.Rewrite(last)
	q := understand(rw)
	as, _ := b.anchors(context.Background(), q.norm, termSpans(rw), q.english)
	fmt.Printf("intents=%b tiers=%+v facts=%d terms=%v\n", q.intents, q.tiers, len(q.facts), rw.Terms)
	for _, a := range as {
		fmt.Printf("  anchor %q alts=%v w=%.2f known=%v specific=%v dept=%v\n", a.text, a.alts, a.weight, a.known, a.specific, a.dept)
	}
	hits, _ := ix.Search(context.Background(), retrieval.Query{Text: rw.Expanded, K: candidates})
	ranked := b.rank(hits, as, q)
	sel := selectClauses(q, ranked[0], q.english, nil)
	fmt.Printf("  selection of %s: %+v\n", ranked[0].key(), sel)
	for _, c := range ranked[0].clauses {
		fmt.Println("   clause", c.Summary())
	}
	for _, a := range ranked[:5] {
		fmt.Printf("  art %s score=%.2f cov=%.2f found=%.1f known=%.1f specific=%d\n", a.key(), a.score, a.m.coverage(), a.m.found, a.m.known, a.m.specific)
	}
	for _, r := range b.cfg.Routes.find(q.norm, RouteTopic) {
		fmt.Printf("  route %q %s covered=%v\n", r.keyword, r.route.Department, strings.Contains(ranked[0].passage, r.keyword))
	}
	fmt.Printf("  topic clause %q\n", topicClause(q.norm, as))
	hist, _ := b.cfg.Conversations.Recent(context.Background(), "d", 5)
	for _, h := range hist {
		fmt.Printf("  turn %q resolved=%q doc=%s#%d refused=%v\n", h.Question, h.Resolved, h.Doc, h.Article, h.Refused)
	}
	fmt.Println("MODE", ans.Mode, "\n"+ans.Text)
}
