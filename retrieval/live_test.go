package retrieval

import (
	"context"
	"errors"
	"sync"
	"testing"

	"policybot/policies"
)

func liveDoc(id, text string) *policies.Document {
	return &policies.Document{ID: id, Title: id, Category: policies.Other, CiteBy: policies.ByArticle,
		Articles: []policies.Article{{Number: 1, Text: text, StartLine: 1, EndLine: 1}}}
}

func TestLiveSwapIsAtomic(t *testing.T) {
	ctx := context.Background()
	l := &Live{}
	if _, err := l.Search(ctx, Query{Text: "x"}); !errors.Is(err, ErrNotReady) {
		t.Fatalf("Search before the first index: %v, want ErrNotReady", err)
	}
	a, err := Open(ctx, []*policies.Document{liveDoc("old", "海外仓补助旧条款")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, []*policies.Document{liveDoc("new", "海外仓补助新条款")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l.Swap(a)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				hits, err := l.Search(ctx, Query{Text: "海外仓补助", K: 5, IncludeInactive: true})
				if err != nil || len(hits) != 1 || (hits[0].Chunk.DocID != "old" && hits[0].Chunk.DocID != "new") {
					t.Errorf("Search during swaps = %v, %v", hits, err)
					return
				}
			}
		}()
	}
	for i := range 100 {
		if i%2 == 0 {
			l.Swap(b)
		} else {
			l.Swap(a)
		}
	}
	wg.Wait()
	if l.Swap(b) == nil || l.Current() != b {
		t.Error("Swap did not return the previous index or set the new one")
	}
}
