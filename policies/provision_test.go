package policies

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RenderProvisions writes what the provisions parser understood of every
// article of d, one clause a line, for golden files and review.
func renderProvisions(d *Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s\n", d.ID, d.Title)
	for _, a := range d.Articles {
		fmt.Fprintf(&b, "\n%s", d.Label(a.Number))
		if a.Department != "" {
			fmt.Fprintf(&b, " (责任单位：%s)", a.Department)
		}
		b.WriteString("\n")
		for _, c := range ParseProvisions(a.Text) {
			fmt.Fprintf(&b, "  %s\n    「%s」\n", c.Summary(), c.Text)
		}
	}
	return b.String()
}

// The provisions of every bundled article, and of documents in other
// layouts, are reviewed once and kept as golden files.
func TestProvisionsGolden(t *testing.T) {
	c, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	docs := c.Docs
	extra, err := (&Parser{}).LoadFS(os.DirFS(filepath.Join("testdata", "provisions", "docs")), "")
	if err != nil {
		t.Fatal(err)
	}
	if !extra.OK() {
		t.Fatalf("testdata/provisions: %v", extra.Findings)
	}
	docs = append(docs, extra.Docs...)
	for _, d := range docs {
		t.Run(d.ID, func(t *testing.T) {
			got := renderProvisions(d)
			golden := filepath.Join("testdata", "provisions", d.ID+".golden.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./policies -update)", err)
			}
			if got != string(want) {
				t.Errorf("provisions of %s differ from %s; review the diff and run go test ./policies -update", d.ID, golden)
			}
		})
	}
}
