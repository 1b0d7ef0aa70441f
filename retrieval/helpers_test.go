package retrieval

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"policybot/policies"
)

// bundledDocs returns the bundled sample corpus.
func bundledDocs(tb testing.TB) []*policies.Document {
	tb.Helper()
	c, err := policies.Bundled()
	if err != nil {
		tb.Fatalf("policies.Bundled() error: %v", err)
	}
	if len(c.Docs) == 0 {
		tb.Fatal("policies.Bundled() has no documents")
	}
	return c.Docs
}

// evalQuestion is one line of testdata/eval/questions.jsonl.
type evalQuestion struct {
	ID      string   `json:"id"`
	Q       string   `json:"q"`
	Turns   []string `json:"turns"`
	Doc     string   `json:"doc"`
	Article *int     `json:"article"`
}

// text is the question; a conversation is joined into one query, the
// crudest rewrite (query rewriting is retrieval/query's job).
func (q evalQuestion) text() string {
	if q.Q != "" {
		return q.Q
	}
	return strings.Join(q.Turns, " ")
}

// matches reports whether c is the passage the question expects.
func (q evalQuestion) matches(c Chunk) bool {
	return c.DocID == q.Doc && (q.Article == nil || c.Article == *q.Article)
}

// evalQuestions reads the questions that expect a document.
func evalQuestions(tb testing.TB) []evalQuestion {
	tb.Helper()
	f, err := os.Open("../testdata/eval/questions.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []evalQuestion
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var q evalQuestion
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			tb.Fatalf("questions.jsonl: %v", err)
		}
		if q.Doc != "" {
			out = append(out, q)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// evalScore is hit@1, hit@5 and MRR@10 over a question set.
type evalScore struct {
	N               int
	Hit1, Hit5, MRR float64
	Misses          []string
}

// evaluate ranks every question with rank and scores the rankings.
func evaluate(tb testing.TB, qs []evalQuestion, rank func(q string) []Chunk) evalScore {
	tb.Helper()
	var s evalScore
	for _, q := range qs {
		got := rank(q.text())
		r := 0
		for i, c := range got {
			if i == 10 {
				break
			}
			if q.matches(c) {
				r = i + 1
				break
			}
		}
		s.N++
		if r == 1 {
			s.Hit1++
		}
		if r >= 1 && r <= 5 {
			s.Hit5++
		}
		if r > 0 {
			s.MRR += 1 / float64(r)
		}
		if r != 1 {
			top := ""
			if len(got) > 0 {
				top = got[0].ID
			}
			s.Misses = append(s.Misses, q.ID+"(rank "+strconv.Itoa(r)+", top "+top+")")
		}
	}
	n := float64(s.N)
	s.Hit1 /= n
	s.Hit5 /= n
	s.MRR /= n
	return s
}
