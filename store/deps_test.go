package store_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestImportsNothingHeavy: the store implements the core's small
// interfaces (bot/convlog, corpus/record) and pulls in neither an adapter
// nor the index, the PDF engine or the model client. A type the store needs
// belongs in those packages, not in web, bot or corpus.
func TestImportsNothingHeavy(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, heavy := range []string{"policybot/web", "policybot/bot", "policybot/corpus", "policybot/retrieval", "policybot/slackbot", "policybot/llm", "policybot/ingest",
			"github.com/blevesearch/", "github.com/tetratelabs/wazero", "github.com/tmc/langchaingo", "github.com/prometheus/"} {
			allowed := dep == "policybot/bot/convlog" || dep == "policybot/corpus/record"
			if !allowed && (dep == heavy || strings.HasPrefix(dep, heavy+"/") || (strings.HasSuffix(heavy, "/") && strings.HasPrefix(dep, heavy))) {
				t.Errorf("package store depends on %s", dep)
			}
		}
	}
}
