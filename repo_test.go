// The tests of this directory check the repository as a whole: the
// import layering (arch_test.go) and that the documents a new user reads
// first are true to the tree.
package policybot_test

import (
	"os"
	"regexp"
	"testing"
)

// repoPath is a path in the repository that a text names: at least one
// folder and a file name with an extension ("bot/routes.txt"), not a URL
// or a URL path (no "/" or ":" before it).
var repoPath = regexp.MustCompile(`(?:^|[\s(,，（])((?:[A-Za-z0-9_-]+/)+[A-Za-z0-9_-]+\.[A-Za-z0-9]+)\b`)

// TestEnvExampleNamesExistingFiles: every file .env.example points to
// ("same format as retrieval/query/synonyms.txt") is in the repository.
func TestEnvExampleNamesExistingFiles(t *testing.T) {
	data, err := os.ReadFile(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, m := range repoPath.FindAllStringSubmatch(string(data), -1) {
		found[m[1]] = true
	}
	// The files the example is known to name: the pattern must see them.
	for _, p := range []string{"policies/hygiene.txt", "bot/routes.txt", "policies/regions.txt"} {
		if !found[p] {
			t.Errorf(".env.example: %s not found among the paths it names (%v)", p, found)
		}
	}
	for p := range found {
		if _, err := os.Stat(p); err != nil {
			t.Errorf(".env.example names %s, which is not in the repository: %v", p, err)
		}
	}
}
