package ingest

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"policybot/policies"
)

var updateProvisions = flag.Bool("update-provisions", false, "rewrite testdata/provisions/*.golden.txt")

// Documents in the layouts officials upload — a plain-text file of sections
// 一、 and items （一） with no 第X条 (as Word saves it), and a government web
// page with 第X条 articles and tables of tiers — are converted, parsed and
// read into provisions; what was understood is reviewed once and kept as a
// golden file.
func TestUploadedLayoutsProvisionsGolden(t *testing.T) {
	for _, name := range []string{"wz-agri-2026.txt", "wz-service-2026.html"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "provisions")
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			raw, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(name, filepath.Ext(name))+".meta.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			str := func(k string) string { s, _ := m[k].(string); return s }
			meta := policies.Meta{ID: str("id"), Title: str("title"), Category: str("category"), Issuer: str("issuer"),
				EffectiveFrom: str("effective_from"), EffectiveTo: str("effective_to"), LeadDepartment: str("lead_department")}
			res, err := Convert(context.Background(), name, data, meta, Options{})
			if err != nil {
				t.Fatalf("Convert(%s): %v", name, err)
			}
			doc, fs := policies.ParseFile(name, res.Markdown)
			if policies.HasErrors(fs) {
				t.Fatalf("Parse(%s): %v", name, fs)
			}
			got := policies.RenderProvisions(doc)
			golden := filepath.Join(dir, doc.ID+".golden.txt")
			if *updateProvisions {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./ingest -run Provisions -update-provisions)", err)
			}
			if got != string(want) {
				t.Errorf("provisions of %s differ from %s; review the diff and run go test ./ingest -run Provisions -update-provisions", name, golden)
			}
		})
	}
}
