package retrieval

import (
	"context"
	"flag"
	"testing"
	"time"
)

var coldDir = flag.String("coldstart", "", "index directory for TestColdStart (skipped when empty)")

// TestColdStart does what a cold `policybot ask` does to retrieval: parse
// the bundled corpus, open the index in -coldstart DIR, search once. Run
// the compiled test binary under /usr/bin/time to read wall time and peak
// RSS (LEXICAL.md):
//
//	go test -c -o /tmp/rt ./retrieval
//	/usr/bin/time -v /tmp/rt -test.run '^TestColdStart$' -coldstart /tmp/idx
func TestColdStart(t *testing.T) {
	if *coldDir == "" {
		t.Skip("measurement: pass -coldstart DIR")
	}
	start := time.Now()
	docs := bundledDocs(t)
	parsed := time.Since(start)
	ix, err := Open(context.Background(), docs, Options{Dir: *coldDir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	opened := time.Since(start)
	hits, err := ix.Search(context.Background(), Query{Text: "首次被认定为国家级专精特新小巨人企业，区里奖励多少？"})
	if err != nil || len(hits) == 0 {
		t.Fatalf("Search: %v, %d hits", err, len(hits))
	}
	t.Logf("parse %v, open %v, first search %v, top %s", parsed, opened-parsed, time.Since(start)-opened, hits[0].Chunk.ID)
}
