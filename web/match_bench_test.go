package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"policybot/bot"
	"policybot/internal/lookalike"
	"policybot/retrieval"
	"policybot/store"
	"policybot/web"
)

// matchBodies are requests of POST /api/match: sentences (read into a
// profile, then matched) and profiles, of every category.
var matchBodies = []any{
	map[string]any{"text": "我们是吴中一家做精密零部件的规上企业，去年营收8亿，今年设备投了3000万，刚评上省级专精特新"},
	map[string]any{"text": "公司在吴中，去年进出口1.2亿美元，今年做到1.6亿美元，参加了3个境外展会，展位费一共45万"},
	map[string]any{"text": "我们是四星级酒店，今年刚评上，另外还有一家乙级民宿"},
	map[string]any{"profile": map[string]any{"category": "manufacturing", "traits": []string{"增资扩产"},
		"projects":     []any{map[string]any{"kinds": []string{"equipment", "digital"}, "amount_yuan": 25000000}},
		"designations": []any{map[string]any{"name": "智能制造示范工厂", "tier": "省级", "new": true}}}},
	map[string]any{"profile": map[string]any{"category": "culture-sports-tourism", "events": []any{
		map[string]any{"kind": "performance", "name": "音乐节", "tickets": 30000}, map[string]any{"kind": "sports", "tier": "国家级"}}}},
}

// benchMatch posts the bodies in turn, one at a time, and reports the
// median and 95th percentile latency of POST /api/match.
func benchMatch(b *testing.B, url string, client *http.Client) {
	bodies := make([][]byte, len(matchBodies))
	for i, m := range matchBodies {
		bodies[i], _ = json.Marshal(m)
	}
	post := func(i int) time.Duration {
		start := time.Now()
		res, err := client.Post(url+"/api/match", "application/json", bytes.NewReader(bodies[i%len(bodies)]))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
		return time.Since(start)
	}
	// The catalogue is built on the first request after a change of the
	// corpus: reported apart.
	cold := post(0)
	for i := range bodies {
		post(i)
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		lat = append(lat, post(i))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*95/100]), "p95-ms")
	b.ReportMetric(ms(cold), "first-ms")
}

// BenchmarkMatchAPI is POST /api/match through the whole server (HTTP, the
// real bot, SQLite) on the bundled corpus. Target: p50 ≤ 10 ms.
//
//	go test ./web -run '^$' -bench BenchmarkMatchAPI$ -benchtime 500x
func BenchmarkMatchAPI(b *testing.B) {
	e := newTestServer(b, web.Options{}, nil)
	benchMatch(b, e.URL, e.Client())
}

// BenchmarkMatchAPILookalike is the same with 1,000 generated look-alike
// measures of other regions and years in the index beside the bundled
// ones (internal/lookalike, seed 1). Target: p50 ≤ 50 ms.
//
//	go test ./web -run '^$' -bench BenchmarkMatchAPILookalike -benchtime 500x
func BenchmarkMatchAPILookalike(b *testing.B) {
	docs, _ := bundledIndex(b)
	f, err := os.Open("../testdata/eval/questions.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	base, err := lookalike.ReadQuestions(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	c, err := lookalike.Generate(lookalike.Config{Seed: 1, Docs: 1000}, docs, base)
	if err != nil {
		b.Fatal(err)
	}
	la, err := c.Parse()
	if err != nil {
		b.Fatal(err)
	}
	all := append(slices.Clip(docs), la...)
	now := func() time.Time { return testNow }
	ix, err := retrieval.Open(context.Background(), all, retrieval.Options{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	st, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "policybot.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	bt, err := bot.New(bot.Config{Index: ix, Conversations: st, HomeRegion: "吴中区", Now: now})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Deps{Bot: bt, Store: st, Documents: all, Now: now}))
	b.Cleanup(srv.Close)
	benchMatch(b, srv.URL, srv.Client())
}
