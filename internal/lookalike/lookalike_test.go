package lookalike

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"policybot/policies"
)

func generate(tb testing.TB, n int, seed uint64) *Corpus {
	tb.Helper()
	bc, err := policies.Bundled()
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open("../../testdata/eval/questions.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	qs, err := ReadQuestions(f)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := Generate(Config{Seed: seed, Docs: n}, bc.Docs, qs)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestGenerate(t *testing.T) {
	c := generate(t, 300, 7)
	if len(c.Docs) != 300 {
		t.Fatalf("%d documents, want 300", len(c.Docs))
	}
	docs, err := c.Parse()
	if err != nil {
		t.Fatal(err)
	}
	g := policies.DefaultRegions()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	byID := map[string]*policies.Document{}
	for i, d := range docs {
		gd := c.Docs[i]
		if byID[d.ID] != nil {
			t.Fatalf("two documents %s", d.ID)
		}
		byID[d.ID] = d
		if d.ID != gd.ID || d.Region != gd.Region || d.Year != gd.Year {
			t.Errorf("%s parses as %s, region %q, year %d; want region %q, year %d", gd.ID, d.ID, d.Region, d.Year, gd.Region, gd.Year)
		}
		if d.Level == "" {
			t.Errorf("%s has no level", d.ID)
		}
		if d.InForce(now) && g.AppliesIn(d.Region, "吴中区") {
			t.Errorf("%s (%s %d) is in force in the home region on %s: it would compete with the bundled measures", d.ID, d.Region, d.Year, now.Format("2006-01-02"))
		}
		if strings.Contains(string(gd.Markdown), "吴中") && d.Region != "吴中区" {
			t.Errorf("%s (%s) still names 吴中", d.ID, d.Region)
		}
		if d.InForce(time.Date(d.Year, 7, 1, 0, 0, 0, 0, time.UTC)) == d.InForce(time.Date(d.Year+1, 7, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s is not an annual measure of %d", d.ID, d.Year)
		}
	}
	if len(c.Questions) < 2*len(c.Docs) {
		t.Errorf("%d questions for %d documents, want about 3 each", len(c.Questions), len(c.Docs))
	}
	kinds := map[string]int{}
	for _, q := range c.Questions {
		kinds[q.Kind]++
		d := byID[q.Doc]
		if d == nil || q.Article == nil {
			t.Fatalf("question %s expects %s #%v, not generated", q.ID, q.Doc, q.Article)
		}
		art := d.Articles[*q.Article-1]
		for _, s := range q.Contains {
			if !strings.Contains(art.Text, s) {
				t.Errorf("question %s: %q is not in %s 第%d条: %s", q.ID, s, q.Doc, art.Number, art.Text)
			}
		}
		if q.Region != "" {
			name := false
			for _, m := range g.Find(q.Q) {
				name = name || m.Region == q.Region
			}
			if !name {
				t.Errorf("question %s (%q) does not name its region %s", q.ID, q.Q, q.Region)
			}
		}
		if (q.Year != 0) != yearRE.MatchString(q.Q) {
			t.Errorf("question %s (%q): year %d", q.ID, q.Q, q.Year)
		}
	}
	for _, k := range []string{"region-year", "region", "year"} {
		if kinds[k] == 0 {
			t.Errorf("no question of kind %s among %v", k, kinds)
		}
	}
	// The figures differ from the template's in every article that has
	// any (1% included): a look-alike answer shows as a wrong figure.
	base, _ := policies.Bundled()
	for _, b := range base.Docs {
		for i, d := range docs {
			if c.Docs[i].Base != b.ID {
				continue
			}
			for k, a := range b.Articles {
				got := moneyRE.FindAllString(d.Articles[k].Text, -1)
				for j, f := range moneyRE.FindAllString(a.Text, -1) {
					if j < len(got) && got[j] == f {
						t.Errorf("%s 第%d条 keeps %s's figure %s", d.ID, a.Number, b.ID, f)
					}
				}
			}
		}
	}
}

var yearRE = regexp.MustCompile(`20\d\d年`)

func TestGenerateIsSeeded(t *testing.T) {
	a, b, other := generate(t, 60, 3), generate(t, 60, 3), generate(t, 60, 4)
	same := func(x, y *Corpus) bool {
		for i := range x.Docs {
			if !bytes.Equal(x.Docs[i].Markdown, y.Docs[i].Markdown) {
				return false
			}
		}
		var bx, by bytes.Buffer
		WriteQuestions(&bx, x.Questions)
		WriteQuestions(&by, y.Questions)
		return bx.String() == by.String()
	}
	if !same(a, b) {
		t.Error("the same seed gave two corpora")
	}
	if same(a, other) {
		t.Error("two seeds gave the same corpus")
	}
}
