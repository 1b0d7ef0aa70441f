package retrieval

import (
	"context"
	"flag"
	"fmt"
	"policybot/policies"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var scaleSizes = flag.String("scale", "", "comma-separated chunk counts for TestScale, e.g. 1000,10000,100000 (skipped when empty)")

// TestScale measures what a replica pays for its in-process index as the
// corpus grows (docs/DEPLOY.md): the first build into the data directory,
// reopening it (a restart), the live heap it holds, hybrid search latency,
// and an incremental update — publishing one more document of 100
// articles, retiring it, and publishing it again — until the new document
// answers. Synthetic corpus of documents of 100 articles (newSynthCorpus,
// seed 42), local 1024-dim vectors. Run one size per process, under
// /usr/bin/time for the peak RSS:
//
//	go test -c -o /tmp/rt ./retrieval
//	/usr/bin/time -f '%e s %M KB' /tmp/rt -test.run '^TestScale$' -test.v -scale 10000
func TestScale(t *testing.T) {
	if *scaleSizes == "" {
		t.Skip("measurement: pass -scale 1000,10000,…")
	}
	for _, s := range strings.Split(*scaleSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 200 {
			t.Fatalf("-scale %q: want chunk counts of at least 200", s)
		}
		t.Run(fmt.Sprintf("chunks=%d", n), func(t *testing.T) { measureScale(t, n) })
	}
}

func measureScale(t *testing.T, n int) {
	ctx := context.Background()
	sc := newSynthCorpus(t, n/100, 100, 42)
	// The document published during the measurement: the last one of the
	// corpus, held back.
	extra := sc.docs[len(sc.docs)-1]
	docs := sc.docs[:len(sc.docs)-1]
	base := liveHeap()
	dir := t.TempDir()
	start := time.Now()
	ix, err := Open(ctx, docs, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	build := time.Since(start)
	buildHeap := liveHeap() - base
	ix.Close()
	ix = nil
	base = liveHeap()
	start = time.Now()
	ix, err = Open(ctx, docs, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	reopen := time.Since(start)
	defer ix.Close()
	liveHeap := liveHeap() - base

	for _, q := range sc.queries[:min(20, len(sc.queries))] { // warm up
		if _, err := ix.Search(ctx, Query{Text: q, K: DefaultK}); err != nil {
			t.Fatal(err)
		}
	}
	var lat []time.Duration
	for i := range 300 {
		start := time.Now()
		if _, err := ix.Search(ctx, Query{Text: sc.queries[i%len(sc.queries)], K: DefaultK}); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)

	// Publish, retire, publish again: each until a search sees it.
	question := extra.Title + " " + extra.Articles[41].Text[:60]
	finds := func() bool {
		hits, err := ix.Search(ctx, Query{Text: question, K: 3})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits) > 0 && hits[0].Chunk.DocID == extra.ID
	}
	var steps []time.Duration
	for _, set := range [][]*policies.Document{append(slices.Clip(docs), extra), docs, append(slices.Clip(docs), extra)} {
		start := time.Now()
		if err := ix.Update(ctx, set); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, time.Since(start))
		if got, want := finds(), len(set) > len(docs); got != want {
			t.Fatalf("after the update the new document is found = %v, want %v", got, want)
		}
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	t.Logf("| chunks | docs | build to dir | reopen | heap after build | live heap | search p50 | p95 | publish | retire | publish again |")
	t.Logf("| %d | %d | %.2f s | %s | %d MB | %d MB | %s | %s | %s | %s | %s |", len(ix.Chunks()), len(docs),
		build.Seconds(), ms(reopen), buildHeap>>20, liveHeap>>20, ms(lat[len(lat)/2]), ms(lat[len(lat)*95/100]),
		ms(steps[0]), ms(steps[1]), ms(steps[2]))
}
