package retrieval

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var scaleSizes = flag.String("scale", "", "comma-separated chunk counts for TestScale, e.g. 1000,10000,100000 (skipped when empty)")

// TestScale measures what a replica pays for its in-process index as the
// corpus grows (docs/DEPLOY.md): the full build that every publish costs
// each replica, reopening a saved index (a restart), the live heap it
// holds, and hybrid search latency. Synthetic corpus of documents of 100
// articles (newSynthCorpus, seed 42), local 1024-dim vectors. Run one size
// per process, under /usr/bin/time for the peak RSS:
//
//	go test -c -o /tmp/rt ./retrieval
//	/usr/bin/time -f '%e s %M KB' /tmp/rt -test.run '^TestScale$' -test.v -scale 10000
func TestScale(t *testing.T) {
	if *scaleSizes == "" {
		t.Skip("measurement: pass -scale 1000,10000,…")
	}
	for _, s := range strings.Split(*scaleSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			t.Fatalf("-scale %q: want chunk counts of at least 100", s)
		}
		t.Run(fmt.Sprintf("chunks=%d", n), func(t *testing.T) { measureScale(t, n) })
	}
}

func measureScale(t *testing.T, n int) {
	ctx := context.Background()
	sc := newSynthCorpus(t, n/100, 100, 42)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()

	// In memory (Options.Dir empty), and to disk with the offline builder
	// (Options.Dir set), which a later Open reopens.
	start := time.Now()
	mem, err := Open(ctx, sc.docs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buildMem := time.Since(start)
	memHeap := heap() - base
	mem.Close()
	mem = nil

	dir := t.TempDir()
	start = time.Now()
	ix, err := Open(ctx, sc.docs, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	buildDisk := time.Since(start)
	ix.Close()
	base = heap()
	start = time.Now()
	ix, err = Open(ctx, sc.docs, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	reopen := time.Since(start)
	defer ix.Close()
	diskHeap := heap() - base

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
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	t.Logf("| %d | %d | %.2f s | %.2f s | %s | %d MB | %d MB | %s | %s |", len(ix.chunks), len(sc.docs),
		buildMem.Seconds(), buildDisk.Seconds(), ms(reopen), memHeap>>20, diskHeap>>20, ms(lat[len(lat)/2]), ms(lat[len(lat)*95/100]))
}
