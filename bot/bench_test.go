package bot

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkAsk is one offline question end to end over the bundled corpus
// (understanding, retrieval, ranking, the decision, provisions, the
// composed answer), over the questions of testdata/eval/team-dev.jsonl:
// colloquial, with figures to compute, follow-ups left out (each is asked
// alone), English and out-of-scope ones.
func BenchmarkAsk(b *testing.B) {
	bt := newTestBot(b)
	ctx := context.Background()
	f, err := os.Open("../testdata/eval/team-dev.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var q struct {
			Q string `json:"q"`
		}
		if json.Unmarshal(sc.Bytes(), &q) == nil && q.Q != "" {
			qs = append(qs, q.Q)
		}
	}
	if len(qs) == 0 {
		b.Fatal("no questions")
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := bt.Ask(ctx, Request{Message: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
	}
}
