package policies

import (
	"os"
	"path/filepath"
	"testing"
)

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
			got := RenderProvisions(d)
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
